"""What storage hands back for stored events and sums: models, not rows or bare tuples."""

from __future__ import annotations

import json
from typing import Any, Literal, NamedTuple

from pydantic import Field

from bot.domain.models import Figures, Frozen
from bot.domain.periods import Period

SubmissionKind = Literal["admission", "adjustment", "pipeline", "screening"]


class Submission(Frozen):
    """One stored event: a report, a correction, a cumulative adjustment or an imported figure. Immutable; a
    correction is a new event that `supersedes` this one (which then has `superseded_by`)."""

    id: int
    unit_id: int
    kind: SubmissionKind
    period_kind: Literal["month", "quarter", "half", "year"]
    year: int
    ym_from: int
    ym_to: int
    figures: dict[str, int | None]  # every figure column by name; None where a snapshot did not state it
    extra: dict[str, int] = Field(
        default_factory=dict
    )  # the data-defined indicators (bot.domain.indicators) by code, zero values left out
    supersedes: int | None = None
    superseded_by: int | None = None
    actor_user_id: int | None = None
    channel: str
    source_update: str | None = None
    raw_text: str = ""
    created_at: str
    actor_name: str | None = None  # with the sender's name (history, corrections)
    unit_name: str | None = None  # with the unit's name (history)

    @property
    def period(self) -> Period:
        """The period reported (a term's years were stored as single years)."""
        start_month = self.ym_from % 100
        match self.period_kind:
            case "month":
                return Period.month(self.year, start_month)
            case "quarter":
                return Period.quarter(self.year, (start_month - 1) // 3 + 1)
            case "half":
                return Period.half(self.year, 1 if start_month <= 6 else 2)
        return Period.of_year(self.year)

    @property
    def stated(self) -> dict[str, Any]:
        """The figures as the reply texts read them: the columns, and the data-defined indicators under "extra"."""
        return {**self.figures, "extra": self.extra}

    @property
    def admitted(self) -> int:
        return self.figures.get("admitted") or 0

    def as_row(self) -> dict[str, Any]:
        """The event as one flat record (columns and figures by name): the audit trail's before and after."""
        base = self.model_dump(exclude={"figures", "extra", "actor_name", "unit_name"})
        names = {k: v for k in ("actor_name", "unit_name") if (v := getattr(self, k)) is not None}
        stored = json.dumps(self.extra, ensure_ascii=False) if self.extra else "{}"  # the column as written
        return base | self.figures | {"extra": stored} | names


class UnitCounts(NamedTuple):
    """Rolled-up live events of one unit over a month range and the admissions they add up to (planning)."""

    events: int
    admitted: int


class Imported(NamedTuple):
    """A live imported event as a second import of the same row compares with it: its figure columns by name and
    its data-defined indicators as the JSON stored ("" or "{}" when none)."""

    id: int
    figures: dict[str, int | None]
    extra: str


class Recorded(NamedTuple):
    """An event recorded lately, with the admissions of the event it replaced (0 when none): "this week" in the
    digests."""

    unit_id: int
    kind: SubmissionKind
    admitted: int
    replaced: int


class UnitSums(NamedTuple):
    """Rolled-up live events of one unit over a month range: how many, and what they add up to."""

    events: int
    figures: Figures
