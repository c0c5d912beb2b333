"""A report as read from a message, before it is previewed and stored. Pure."""

from __future__ import annotations

from pydantic import Field

from bot.domain.models import Frozen
from bot.domain.periods import Period


class Draft(Frozen):
    kind: str  # admission | pipeline | screening | cumulative
    period: Period | None = None  # None: the current month
    figures: dict[str, int] = Field(default_factory=dict)
    unit_text: str | None = None
    correction: bool = False
    text: str = ""  # what the sender wrote: units are recognised in it against the gazetteer
    unread: tuple[str, ...] = ()  # figures or category words not attached to any field: shown, not stored
