"""Understanding Vietnamese messages: pure functions from text to typed intents."""
