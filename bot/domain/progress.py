"""Progress math: admissions against target and pace, status, and roll-up over a subtree. Pure."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from bot.domain.indicators import DEFAULT_SET, Indicators
from bot.domain.models import ZERO, Figures, Frozen
from bot.domain.periods import Period, PeriodKind, months_left_in_year, year_elapsed_fraction
from bot.domain.tree import UnitTree

DEFAULT_TOLERANCE = 0.10  # a unit is behind when more than 10 points below the pace


class Status(StrEnum):
    AHEAD = "ahead"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_REPORT = "no_report"
    NO_TARGET = "no_target"


STATUS_LABELS = {
    Status.AHEAD: "vượt tiến độ",
    Status.ON_TRACK: "đúng tiến độ",
    Status.BEHIND: "chậm tiến độ",
    Status.NO_REPORT: "chưa báo cáo",
    Status.NO_TARGET: "chưa giao chỉ tiêu",
}


class UnitProgress(Frozen):
    unit_id: int
    target: int | None
    target_direct: bool
    in_period: Figures  # admitted in the asked period
    cumulative: Figures  # admitted from the start of the year (or term) to the period's end
    pace: float  # expected share of the target at the as-of date, 0..1
    status: Status
    reported: bool
    events_in_period: int = 0  # live reports (any kind) in the asked period, this unit and below

    @property
    def share(self) -> float | None:
        if not self.target:
            return None
        return self.cumulative.admitted / self.target

    @property
    def expected(self) -> int | None:
        """Admissions expected by now at the pace (rounded up)."""
        return None if self.target is None else math.ceil(self.target * self.pace - 1e-9)

    @property
    def remaining(self) -> int | None:
        return None if self.target is None else max(0, self.target - self.cumulative.admitted)

    @property
    def short_of_pace(self) -> int:
        expected = self.expected
        return 0 if expected is None else max(0, expected - self.cumulative.admitted)


def verdict(p: UnitProgress, target_period_over: bool) -> str:
    """The status in words. Once the year (or term) is over there is no pace: achieved or not achieved."""
    if target_period_over and p.target:
        return "đạt chỉ tiêu" if p.cumulative.admitted >= p.target else "không đạt chỉ tiêu"
    return STATUS_LABELS[p.status]


def status_of(
    cumulative: int, target: int | None, pace: float, reported: bool, tolerance: float = DEFAULT_TOLERANCE
) -> Status:
    if not reported:
        return Status.NO_REPORT
    if target is None:
        return Status.NO_TARGET
    if target == 0:
        return Status.ON_TRACK
    share = cumulative / target
    if share >= 1.0 or share >= pace + tolerance:
        return Status.AHEAD
    if share < pace - tolerance:
        return Status.BEHIND
    return Status.ON_TRACK


def rolled_targets(tree: UnitTree, root_id: int, direct: Mapping[int, int]) -> dict[int, tuple[int | None, bool]]:
    """Target of every unit in the subtree: set directly, else the sum of its children's (if any)."""
    out: dict[int, tuple[int | None, bool]] = {}
    for unit_id in reversed(tree.subtree(root_id)):
        if unit_id in direct:
            out[unit_id] = (direct[unit_id], True)
            continue
        child_targets = [t for c in tree.children(unit_id) if (t := out[c][0]) is not None]
        out[unit_id] = (sum(child_targets), False) if child_targets else (None, False)
    return out


def assess(
    tree: UnitTree,
    root_id: int,
    units: Iterable[int],
    *,
    targets: Mapping[int, int],
    in_period: Mapping[int, tuple[int, Figures]],
    cumulative: Mapping[int, tuple[int, Figures]],
    pace: float,
    tolerance: float = DEFAULT_TOLERANCE,
    rolled: Mapping[int, tuple[int | None, bool]] | None = None,
) -> dict[int, UnitProgress]:
    """Progress of the given units from figures that are already rolled up: (events, figures) per unit.

    `targets` are the direct targets; a unit without one gets the sum of its children's (`rolled`, when the caller
    has it already: `rolled_targets(tree, root_id, targets)`).
    """
    target_of = rolled if rolled is not None else rolled_targets(tree, root_id, targets)
    result = {}
    for unit_id in units:
        target, direct = target_of[unit_id]
        events, cum = cumulative.get(unit_id, (0, ZERO))
        period_events, period_figures = in_period.get(unit_id, (0, ZERO))
        result[unit_id] = UnitProgress(
            unit_id=unit_id,
            target=target,
            target_direct=direct,
            in_period=period_figures,
            cumulative=cum,
            pace=pace,
            status=status_of(cum.admitted, target, pace, events > 0, tolerance),
            reported=events > 0,
            events_in_period=period_events,
        )
    return result


class Projection(Frozen):
    year_end: int  # admissions expected by 31/12 at the pace so far
    per_month_needed: float | None  # admissions per month still needed to meet the target
    months_left: int


def project(cumulative: int, target: int | None, day: date) -> Projection:
    """Year-end figure at the current pace, and the monthly rate still needed."""
    elapsed = year_elapsed_fraction(day)
    year_end = round(cumulative / elapsed) if elapsed > 0 else cumulative
    months = months_left_in_year(day)
    needed = None
    if target is not None and months > 0:
        needed = max(0, target - cumulative) / months
    return Projection(year_end=year_end, per_month_needed=needed, months_left=months)


@dataclass(frozen=True)
class ProgressView:
    """Everything a progress answer needs, for one unit, its children (or more) and one period."""

    tree: UnitTree
    root_id: int
    period: Period  # the period asked about
    as_of: date  # the date the figures are read at
    pace: float
    units: dict[int, UnitProgress]  # the root and the units below it that were loaded
    reported_in_period: frozenset[int]  # loaded units with a report in the asked period (theirs or below)
    is_running: bool  # the period has not ended yet
    tolerance: float = DEFAULT_TOLERANCE  # how far under the pace still counts as on track
    category: str | None = None  # the root stands for this category of its children only, not its whole subtree
    category_labels: dict[str, str] = field(default_factory=dict)  # khối code → label, the root committee's order
    indicators: Indicators = DEFAULT_SET  # the breakdowns answers and files show (data, bot.domain.indicators)

    @property
    def root(self) -> UnitProgress:
        return self.units[self.root_id]

    @property
    def target_period_over(self) -> bool:
        """The year (or term) the target is set for has ended by the reading date: a unit has achieved its
        target or not; there is no pace left to be ahead of or behind."""
        if self.is_running:
            return False
        end = self.period.end if self.period.kind is PeriodKind.TERM else date(self.period.year, 12, 31)
        return self.as_of >= end

    def children(self) -> list[UnitProgress]:
        return [self.units[c] for c in self.tree.active_children(self.root_id) if c in self.units]
