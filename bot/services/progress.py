"""Loading the figures behind a progress answer: rolled-up sums from storage, the pure progress math over them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.calendar import Calendar
from bot.indicators import DEFAULT_SET, Indicators
from bot.periods import Period, PeriodKind, as_of, expected_share, term_expected_share
from bot.progress import DEFAULT_TOLERANCE, UnitProgress, assess, rolled_targets
from bot.tree import UnitTree
from storage import categories as khoi_store
from storage import indicators as indicator_store
from storage import reminders as reminder_store
from storage import rollups, targets
from storage import terms as term_store
from storage.db import Database


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
    indicators: Indicators = DEFAULT_SET  # the breakdowns answers and files show (data, bot.indicators)

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


async def stored_tolerance(db: Database) -> float:
    """How far under the pace still counts as on track: the calendar's setting (10 points by default)."""
    stored = await reminder_store.load_setting(db, reminder_store.CALENDAR_KEY)
    return Calendar.model_validate(stored or {}).tolerance_points / 100 if stored else DEFAULT_TOLERANCE


def default_period(today: date) -> Period:
    return Period.of_year(today.year)


def units_to_depth(tree: UnitTree, root_id: int, depth: int | None) -> list[int]:
    """The root and the units at most `depth` levels below it (all of them for None)."""
    if depth is None:
        return list(tree.subtree(root_id))
    out, level = [root_id], [root_id]
    for _ in range(depth):
        level = [c for u in level for c in tree.children(u)]
        out += level
    return out


async def load_progress(
    db: Database,
    tree: UnitTree,
    root_id: int,
    period: Period,
    today: date,
    tolerance: float | None = None,
    depth: int | None = 1,
) -> ProgressView:
    """Progress of `root_id` and the units `depth` levels below it (children by default, all with None).

    Reads rolled-up sums (a handful of rows per unit), so the answer for a province root costs about what
    one for a chi bộ does.
    """
    if tolerance is None:  # the one setting officials change (/nhacnho), which reminders use as well
        tolerance = await stored_tolerance(db)
    if period.kind is PeriodKind.TERM:  # the committee's own congress dates
        period = term_store.resolve(tree, await term_store.all_terms(db), root_id, period, today)
    read_at = as_of(period, today)
    ym_to = min(period.ym_to, read_at.year * 100 + read_at.month)
    needed = units_to_depth(tree, root_id, depth)
    scope = "term" if period.kind is PeriodKind.TERM else "year"
    if period.kind is PeriodKind.TERM:
        direct = await targets.values_for_term(db, period.year, root_id)
        cum_from = period.ym_from
        pace = term_expected_share(period, read_at)
    else:
        direct, plans = await targets.values_for_year(db, period.year, root_id)
        cum_from = period.year * 100 + 1
        pace = expected_share(read_at, plans.get(root_id))

    async def roll() -> dict[int, tuple[int | None, bool]]:
        return rolled_targets(tree, root_id, direct)

    # The roll-up depends on the targets and the tree, both covered by the targets memo's versions; the tree object
    # is part of the key so that a caller with another tree (a category's view) never gets this one's totals.
    rolled = await targets.memo(db, ("rolled", scope, period.year, root_id, id(tree)), roll)
    ids = None if depth is None and len(needed) == len(tree) else needed
    end = period.ym_to  # a report of the running period counts as soon as it is confirmed (see rollups)
    in_period = await rollups.sums(db, period.ym_from, ym_to, ids, period_end=end)
    cumulative = (
        in_period if cum_from == period.ym_from else await rollups.sums(db, cum_from, ym_to, ids, period_end=end)
    )
    units = assess(
        tree,
        root_id,
        needed,
        targets=direct,
        rolled=rolled,
        in_period=in_period,
        cumulative=cumulative,
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
        reported_in_period=frozenset(u for u, p in units.items() if p.events_in_period),
        is_running=period.end > today,
        tolerance=tolerance,
        category_labels=(await khoi_store.load(db)).labels(tree, root_id),
        indicators=await indicator_store.load(db),
    )
