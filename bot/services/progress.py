"""Loading the figures behind a progress answer: storage sums in, the pure progress math over them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.models import Figures
from bot.periods import Period, PeriodKind, as_of, expected_share, term_expected_share
from bot.progress import DEFAULT_TOLERANCE, UnitProgress, compute
from bot.tree import UnitTree
from storage import submissions, targets
from storage.db import Database


@dataclass(frozen=True)
class ProgressView:
    """Everything a progress answer needs, computed for one subtree and one period."""

    tree: UnitTree
    root_id: int
    period: Period  # the period asked about
    as_of: date  # the date the figures are read at
    pace: float
    units: dict[int, UnitProgress]
    reported_in_period: frozenset[int]  # units (own events) with a submission in the asked period
    is_running: bool  # the period has not ended yet

    @property
    def root(self) -> UnitProgress:
        return self.units[self.root_id]

    def children(self) -> list[UnitProgress]:
        return [self.units[c] for c in self.tree.active_children(self.root_id)]


def default_period(today: date) -> Period:
    return Period.of_year(today.year)


async def load_progress(
    db: Database,
    tree: UnitTree,
    root_id: int,
    period: Period,
    today: date,
    tolerance: float = DEFAULT_TOLERANCE,
) -> ProgressView:
    """Sum events for the period and for the year (or term) up to its end, and compute progress."""
    read_at = as_of(period, today)
    reading_ym = read_at.year * 100 + read_at.month
    ym_to = min(period.ym_to, reading_ym)
    scope = list(tree.subtree(root_id))
    unit_filter = None if len(scope) == len(tree) else scope
    if period.kind is PeriodKind.TERM:
        direct = {u: t.value for u, t in (await targets.for_term(db, period.year)).items()}
        cum_from = period.ym_from
        pace = term_expected_share(period, read_at)
    else:
        year_targets = await targets.for_year(db, period.year)
        direct = {u: t.value for u, t in year_targets.items()}
        cum_from = period.year * 100 + 1
        plan = year_targets[root_id].quarter_plan if root_id in year_targets else None
        pace = expected_share(read_at, plan)
    in_period = await submissions.admissions_by_unit(db, period.ym_from, ym_to, unit_filter)
    cumulative = await submissions.admissions_by_unit(db, cum_from, ym_to, unit_filter)
    reported_cum = await submissions.reported_units(db, cum_from, ym_to)
    reported_period = await submissions.reported_units(db, period.ym_from, period.ym_to)
    units = compute(
        tree,
        root_id,
        targets=direct,
        in_period=_merged(tree, in_period),
        cumulative=_merged(tree, cumulative),
        reported={tree_id for tree_id in (merged_unit(tree, u) for u in reported_cum) if tree_id is not None},
        pace=pace,
        tolerance=tolerance,
    )
    return ProgressView(
        tree=tree,
        root_id=root_id,
        period=period,
        as_of=read_at,
        pace=pace,
        units=units,
        reported_in_period=frozenset(u for u in (merged_unit(tree, x) for x in reported_period) if u is not None),
        is_running=period.end > today,
    )


def merged_unit(tree: UnitTree, unit_id: int) -> int | None:
    """The unit an event now counts for: itself, or the unit it was merged into."""
    seen = set()
    while unit_id in tree and tree[unit_id].merged_into is not None and unit_id not in seen:
        seen.add(unit_id)
        unit_id = tree[unit_id].merged_into  # type: ignore[assignment]
    return unit_id if unit_id in tree else None


def _merged(tree: UnitTree, own: dict[int, Figures]) -> dict[int, Figures]:
    out: dict[int, Figures] = {}
    for unit_id, figures in own.items():
        target = merged_unit(tree, unit_id)
        if target is not None:
            out[target] = out[target] + figures if target in out else figures
    return out
