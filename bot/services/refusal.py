"""One way for a use case to say no: raise `Refusal(text)`; the router (`services.routes`) turns it into the
reply, and the confirmation engine (`services.confirmations`) also cancels the preview it was confirming.

Use cases return their answers; anything that stops them early — not allowed, a unit outside the asker's scope, a
name that matches nothing — is a `Refusal`, not a `Reply` mixed into the return type.
"""

from __future__ import annotations


class Refusal(Exception):
    """What the person asked cannot be done; `text` says why (and how to ask instead), in Vietnamese.
    Raised inside a confirmation's transaction it means: nothing is written and the preview is cancelled."""

    def __init__(self, text: str, *, conflict: bool = False) -> None:
        super().__init__(text)
        self.text = text
        # A change someone else made meanwhile (not the actor's rights): the text is said as it is, and the
        # update that confirmed does not count as having answered the preview.
        self.conflict = conflict
