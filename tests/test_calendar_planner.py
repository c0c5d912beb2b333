from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import Calendar, week_key
from bot.domain.models import Unit, UnitKind
from bot.domain.periods import Period
from bot.domain.planner import Person, UnitState, plan
from bot.domain.tree import UnitTree

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = Calendar()


def at(y: int, m: int, d: int, hh: int = 8, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN)


def test_defaults_match_the_issue():
    assert CAL.frequency == "quarterly" and CAL.deadline_day == 20
    assert CAL.remind_days_before == (5, 1) and CAL.tolerance_points == 10
    assert CAL.digest_weekday == 0 and CAL.digest_time == time(7, 30)
    assert (CAL.quiet_start, CAL.quiet_end) == (time(21), time(7))


def test_deadlines_and_reminder_days_move_off_weekends_but_deadlines_do_not():
    q3 = Period.quarter(2026, 3)
    assert CAL.deadline(q3) == date(2026, 9, 20)  # a Sunday: announced with its real date
    # 15/09 is a Tuesday; 19/09 a Saturday → the Friday before
    assert CAL.reminder_days(q3) == [(5, date(2026, 9, 15)), (1, date(2026, 9, 18))]
    assert CAL.escalation_day(q3) == date(2026, 9, 21)
    q4 = Period.quarter(2026, 4)
    assert CAL.reminder_days(q4) == [(5, date(2026, 12, 15)), (1, date(2026, 12, 18))]


def test_holidays_are_skipped():
    q3 = Period.quarter(2026, 3)
    cal = CAL.model_copy(update={"deadline_day": 3})  # 2/9 and 1/9 are Quốc khánh holidays
    assert cal.reminder_days(q3)[1] == (1, date(2026, 8, 31))
    assert not CAL.is_working_day(date(2026, 9, 2))
    assert CAL.working_day_on_or_after(date(2026, 2, 14)) == date(2026, 2, 23)  # after Tết


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (at(2026, 9, 15, 8), False),
        (at(2026, 9, 15, 20, 59), False),
        (at(2026, 9, 15, 21), True),
        (at(2026, 9, 15, 6, 59), True),
        (at(2026, 9, 15, 7), False),
        (at(2026, 9, 19, 10), True),
        (at(2026, 9, 2, 10), True),
    ],
)
def test_quiet_hours_weekends_and_holidays(moment, quiet):
    assert CAL.is_quiet(moment) is quiet


def test_monthly_calendar_and_digest_day():
    monthly = CAL.model_copy(update={"frequency": "monthly"})
    assert monthly.period_of(date(2026, 11, 23)) == Period.month(2026, 11)
    assert monthly.deadline(Period.month(2026, 11)) == date(2026, 11, 20)
    assert CAL.digest_day(date(2026, 11, 25)) == date(2026, 11, 23)
    assert CAL.digest_day(date(2026, 8, 31)) == date(2026, 8, 31)
    assert week_key(date(2026, 11, 23)) == "W2026-48"


def test_invalid_calendar_is_refused():
    with pytest.raises(ValueError):
        Calendar(deadline_day=31)
    with pytest.raises(ValueError):
        Calendar(remind_days_before=(40,))


def unit(uid: int, parent: int | None) -> Unit:
    return Unit(
        id=uid,
        code=str(uid),
        name=f"U{uid}",
        short_name=str(uid),
        search_name=str(uid),
        kind=UnitKind.GRASSROOTS,
        parent_id=parent,
        sort_order=uid,
    )


TREE = UnitTree([unit(1, None), unit(2, 1), unit(3, 1), unit(4, 2), unit(5, 2)])
STATES = {
    4: UnitState(4, reported=False, admitted=0, target=2, behind=True),
    5: UnitState(5, reported=True, admitted=3, target=2, behind=False),
    3: UnitState(3, reported=True, admitted=0, target=4, behind=True),
}
REPORTERS = {4: [Person(40, "A", 4, False)], 5: [Person(50, "B", 5, False)]}  # unit 3 has nobody
OFFICIALS = [Person(10, "Huyện", 1, True), Person(20, "Xã", 2, True)]


def test_plan_reminders_on_the_day_and_not_before():
    assert [
        s for s in plan(at(2026, 9, 15, 7, 45), CAL, TREE, STATES, REPORTERS, OFFICIALS).due if s.kind == "remind"
    ] == []
    due = plan(at(2026, 9, 15, 8, 15), CAL, TREE, STATES, REPORTERS, OFFICIALS)
    reminders = [s for s in due.due if s.kind == "remind"]
    assert [(s.user_id, s.unit_id, s.period_key) for s in reminders] == [(40, 4, "Q2026-3:d5")]
    assert due.no_reporter == [3]


def test_plan_expires_outside_the_grace_window():
    late = plan(at(2026, 9, 17, 9), CAL, TREE, STATES, REPORTERS, OFFICIALS)
    assert [s.period_key for s in late.expired if s.kind == "remind"] == ["Q2026-3:d5"]
    assert not [s for s in late.due if s.kind == "remind"]


def test_escalation_goes_to_the_nearest_officials_above():
    after = plan(at(2026, 9, 21, 8, 30), CAL, TREE, STATES, REPORTERS, OFFICIALS)
    escalations = [s for s in after.due if s.kind == "escalate"]
    assert [(s.user_id, s.unit_id, s.units) for s in escalations] == [(20, 2, (4,))]
    assert not [s for s in after.due if s.kind == "remind"]


def test_weekly_digest_for_officials_and_linked_groups():
    monday = plan(at(2026, 9, 21, 7, 45), CAL, TREE, STATES, REPORTERS, OFFICIALS, [("telegram", "-100", 1)])
    digests = sorted((s.recipient, s.unit_id, s.period_key) for s in monday.due if s.kind == "digest")
    assert digests == [("chat:telegram:-100", 1, "W2026-39"), ("user:10", 1, "W2026-39"), ("user:20", 2, "W2026-39")]
