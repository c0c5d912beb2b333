"""The state the planner works from, gathered from storage at one moment."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from bot.domain.calendar import Calendar
from bot.domain.periods import Period, expected_share, ym
from bot.domain.planner import Person, UnitState
from bot.domain.progress import rolled_targets
from bot.domain.tree import UnitTree
from bot.services.context import Context
from storage import reminders, rollups, targets, users


@dataclass(frozen=True)
class Snapshot:
    """The state the planner works from, and what the texts need besides."""

    tree: UnitTree
    calendar: Calendar
    period: Period
    states: dict[int, UnitState]
    reporters: dict[int, list[Person]]
    officials: list[Person]
    chats: list[tuple[str, str, int]]
    pace: float  # expected share at the period's end (linear)
    paces: dict[int, float]  # the same for units with their own quarterly plan


async def snapshot(ctx: Context, calendar: Calendar, now: datetime) -> Snapshot:
    tree = await ctx.tree()
    today = now.date()
    period = calendar.period_of(today)
    year = Period.of_year(today.year)
    in_period = await rollups.counts(ctx.db, period.ym_from, period.ym_to)
    year_sums = await rollups.counts(ctx.db, year.ym_from, ym(today), period_end=year.ym_to)
    direct, plans = await targets.values_for_year(ctx.db, today.year)
    pace = expected_share(period.end, None)
    tolerance = calendar.tolerance_points / 100
    paces = {unit: expected_share(period.end, unit_plan) for unit, unit_plan in plans.items()}
    states: dict[int, UnitState] = {}
    for root in tree.roots:
        rolled = rolled_targets(tree, root, direct)
        for unit_id in tree.reporting_units(root):
            target = rolled[unit_id][0]
            admitted = year_sums[unit_id][1] if unit_id in year_sums else 0
            behind = admitted / target < paces.get(unit_id, pace) - tolerance if target else False
            states[unit_id] = UnitState(unit_id, unit_id in in_period, admitted, target, behind)
    reporters: dict[int, list[Person]] = defaultdict(list)
    officials = []
    for user_id, name, unit_id, official in await users.active_people(ctx.db):
        if unit_id not in tree:
            continue
        person = Person(user_id, name, unit_id, official)
        if official:
            officials.append(person)
        else:
            reporters[unit_id].append(person)
    chats = await reminders.linked_chats(ctx.db)
    return Snapshot(tree, calendar, period, states, dict(reporters), officials, chats, pace, paces)
