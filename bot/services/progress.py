"""Loading the figures behind a progress answer: rolled-up sums from storage, the pure progress math over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.calendar import Calendar
from bot.domain.periods import Period, PeriodKind, as_of, expected_share, term_expected_share
from bot.domain.progress import DEFAULT_TOLERANCE, ProgressView, assess, rolled_targets
from bot.domain.tree import UnitTree
from storage import categories as khoi_store
from storage import indicators as indicator_store
from storage import reminders as reminder_store
from storage import rollups, targets
from storage import terms as term_store
from storage.db import Database


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
    extra: Sequence[int] = (),
) -> ProgressView:
    """Progress of `root_id` and the units `depth` levels below it (children by default, all with None), and
    the `extra` units wherever they are below it (the members of a khối, say).

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
    if extra and depth is not None:
        loaded = set(needed)
        needed += [u for u in extra if u not in loaded]
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
