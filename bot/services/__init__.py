"""Use cases: they take storage, a clock and the actor, and return replies."""
