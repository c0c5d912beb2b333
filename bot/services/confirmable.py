"""Changes other than reports that also go through a preview and "Xác nhận" (targets, re-organisation, imports).

A service registers how to apply its action; `reporting.confirm` applies it inside the same exactly-once
transaction that marks the pending preview used, so a double tap changes nothing twice. The `User` an action
receives is re-read inside that transaction: each action re-checks the actor's current role and scope and raises
`Refused` when they no longer allow it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.messages import Reply
from bot.models import User
from bot.services.context import Context
from storage.pending import Pending


class Refused(Exception):
    """The actor may no longer do what the preview showed (role, unit or scope changed); the text says why.
    Raised inside the confirmation's transaction: nothing is written and the preview is cancelled."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class Deferred(Exception):
    """Raised by an action whose work is too long for the confirming transaction (a large import): nothing is
    written there and the preview stays open; the engine then awaits `job(update_key)` outside the transaction,
    and the job marks the preview used in the same transaction that writes its changes (exactly once)."""

    def __init__(self, job: Callable[[str | None], Awaitable[list[Reply]]]) -> None:
        super().__init__("deferred")
        self.job = job


Apply = Callable[[Context, User, Pending], Awaitable[str]]
ACTIONS: dict[str, Apply] = {}


def confirmable(name: str) -> Callable[[Apply], Apply]:
    def register(apply: Apply) -> Apply:
        ACTIONS[name] = apply
        return apply

    return register
