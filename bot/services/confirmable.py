"""Changes other than reports that also go through a preview and "Xác nhận" (targets, re-organisation, imports).

A service registers how to apply its action; `reporting.confirm` applies it inside the same exactly-once
transaction that marks the pending preview used, so a double tap changes nothing twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.models import User
from bot.services.context import Context
from storage.pending import Pending

Apply = Callable[[Context, User, Pending], Awaitable[str]]
ACTIONS: dict[str, Apply] = {}


def confirmable(name: str) -> Callable[[Apply], Apply]:
    def register(apply: Apply) -> Apply:
        ACTIONS[name] = apply
        return apply

    return register
