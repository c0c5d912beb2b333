"""Planning reminders, escalations and digests: who gets what, and when. Pure.

Given the calendar, the moment, the state of every reporting unit and the people, `plan` lists every send
that is due now. Deciding whether it was already made (the reminder log), whether the recipient is in the
middle of a confirmation, and the actual sending belong to the reminder service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from bot.domain.calendar import Calendar, week_key
from bot.domain.periods import Period
from bot.domain.tree import UnitTree


@dataclass(frozen=True)
class UnitState:
    unit_id: int
    reported: bool  # any live report in the reporting period
    admitted: int  # this year so far
    target: int | None
    behind: bool  # more than the tolerance under the pace expected at the period's end


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    unit_id: int
    official: bool


@dataclass(frozen=True)
class Send:
    kind: str  # remind | escalate | digest
    recipient: str  # "user:<id>" or "chat:<channel>:<id>"
    user_id: int | None
    unit_id: int  # remind: the unit; escalate: the unit whose officials are told; digest: the subtree root
    period_key: str
    due_at: datetime
    units: tuple[int, ...] = ()  # escalate: the silent units

    @property
    def key(self) -> tuple[str, int, str, str]:
        return self.recipient, self.unit_id, self.kind, self.period_key


@dataclass
class Plan:
    period: Period
    deadline: date
    due: list[Send] = field(default_factory=list)  # due now, within the grace window
    expired: list[Send] = field(default_factory=list)  # due earlier, past the grace window: log as missed
    no_reporter: list[int] = field(default_factory=list)  # units that need a report but have nobody to ask


def plan(
    now: datetime,
    calendar: Calendar,
    tree: UnitTree,
    states: Mapping[int, UnitState],
    reporters: Mapping[int, Sequence[Person]],
    officials: Sequence[Person],
    group_chats: Sequence[tuple[str, str, int]] = (),
) -> Plan:
    """Everything due at `now` for the reporting period containing today (and this week's digest)."""
    tz = now.tzinfo
    today = now.date()
    period = calendar.period_of(today)
    deadline = calendar.deadline(period)
    code = period.code
    result = Plan(period=period, deadline=deadline)
    grace = timedelta(hours=calendar.grace_hours)

    def add(send: Send) -> None:
        if send.due_at > now:
            return
        in_time = now < send.due_at + grace and (send.kind != "remind" or today <= deadline)
        (result.due if in_time else result.expired).append(send)

    needing = [s for s in states.values() if not s.reported or s.behind]
    result.no_reporter = sorted(s.unit_id for s in needing if not reporters.get(s.unit_id))

    for days, day in calendar.reminder_days(period):  # past the deadline these only expire (logged as missed)
        due_at = calendar.at(day, calendar.reminder_time, tz)
        for state in needing:
            for person in reporters.get(state.unit_id, ()):
                key = f"{code}:d{days}"
                add(Send("remind", f"user:{person.user_id}", person.user_id, state.unit_id, key, due_at))
    if today > deadline:
        due_at = calendar.at(calendar.escalation_day(period), calendar.reminder_time, tz)
        silent = [s.unit_id for s in states.values() if not s.reported]
        for (_, ancestor), (person, units) in _escalations(tree, silent, officials).items():
            add(Send("escalate", f"user:{person.user_id}", person.user_id, ancestor, code, due_at, units=tuple(units)))

    digest_at = calendar.at(calendar.digest_day(today), calendar.digest_time, tz)
    week = week_key(today)
    for person in officials:
        add(Send("digest", f"user:{person.user_id}", person.user_id, person.unit_id, week, digest_at))
    for channel, chat_id, unit_id in group_chats:
        add(Send("digest", f"chat:{channel}:{chat_id}", None, unit_id, week, digest_at))
    return result


def _escalations(
    tree: UnitTree, silent: Sequence[int], officials: Sequence[Person]
) -> dict[tuple[int, int], tuple[Person, list[int]]]:
    """Each silent unit goes to the officials of the nearest unit above it that has officials."""
    by_unit: dict[int, list[Person]] = defaultdict(list)
    for person in officials:
        by_unit[person.unit_id].append(person)
    out: dict[tuple[int, int], tuple[Person, list[int]]] = {}
    for unit_id in sorted(silent, key=lambda u: (tree[u].sort_order, u)):
        for ancestor in tree.ancestors(unit_id):
            if by_unit.get(ancestor):
                for person in by_unit[ancestor]:
                    entry = out.setdefault((person.user_id, ancestor), (person, []))
                    entry[1].append(unit_id)
                break
    return out
