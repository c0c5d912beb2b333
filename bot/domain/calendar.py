"""The reporting calendar: reporting period, deadline, reminder days, quiet hours, weekends and holidays.

Pure. Kept in the database (settings key "calendar") and edited by officials; the schedule is derived from it.
A reminder that would fall on a weekend or holiday moves to the working day before it; an escalation or a
digest moves to the working day after. Deadlines themselves never move: a deadline on a holiday is
announced with its real date.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from bot.domain.periods import Period, PeriodKind

# Public holidays (Tết Dương lịch, Tết Nguyên đán, Giỗ Tổ Hùng Vương, 30/4, 1/5, Quốc khánh) for 2026–2027,
# as announced; officials edit the list with /nhacnho or `ptdv calendar`.
DEFAULT_HOLIDAYS: tuple[date, ...] = (
    date(2026, 1, 1),
    *(date(2026, 2, d) for d in range(14, 23)),
    date(2026, 4, 26),
    date(2026, 4, 30),
    date(2026, 5, 1),
    date(2026, 9, 1),
    date(2026, 9, 2),
    date(2027, 1, 1),
    *(date(2027, 2, d) for d in range(4, 11)),
    date(2027, 4, 16),
    date(2027, 4, 30),
    date(2027, 5, 1),
    date(2027, 9, 1),
    date(2027, 9, 2),
)
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


class Calendar(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    frequency: Literal["quarterly", "monthly"] = "quarterly"
    deadline_day: int = Field(default=20, ge=1, le=28)  # day of the period's last month
    remind_days_before: tuple[int, ...] = (5, 1)
    tolerance_points: int = Field(default=10, ge=0, le=100)  # behind = more than this many points under pace
    reminder_time: time = time(8, 0)
    digest_weekday: int = Field(default=0, ge=0, le=6)  # Monday
    digest_time: time = time(7, 30)
    quiet_start: time = time(21, 0)
    quiet_end: time = time(7, 0)
    skip_weekends: bool = True
    holidays: tuple[date, ...] = DEFAULT_HOLIDAYS
    grace_hours: int = Field(default=12, ge=0, le=72)  # a send due while the bot was down is made this late at most
    paused: bool = False

    @field_validator("remind_days_before")
    @classmethod
    def _days(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if any(d < 0 or d > 27 for d in value):
            raise ValueError("số ngày nhắc trước phải từ 0 đến 27")
        return tuple(sorted(set(value), reverse=True))

    # --- periods and deadlines ----------------------------------------------------------------
    @property
    def period_kind(self) -> PeriodKind:
        return PeriodKind.QUARTER if self.frequency == "quarterly" else PeriodKind.MONTH

    def period_of(self, day: date) -> Period:
        return Period.containing(day, self.period_kind)

    def deadline(self, period: Period) -> date:
        year, month = period.last_month
        return date(year, month, self.deadline_day)

    # --- working time ----------------------------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        return not (self.skip_weekends and day.weekday() >= 5) and day not in self.holidays

    def is_quiet(self, moment: datetime) -> bool:
        """Quiet hours (which may span midnight), weekends and holidays: nothing is sent."""
        if not self.is_working_day(moment.date()):
            return True
        now = moment.timetz().replace(tzinfo=None)
        if self.quiet_start > self.quiet_end:
            return now >= self.quiet_start or now < self.quiet_end
        return self.quiet_start <= now < self.quiet_end

    def working_day_on_or_before(self, day: date) -> date:
        for _ in range(60):
            if self.is_working_day(day):
                return day
            day -= timedelta(days=1)
        return day

    def working_day_on_or_after(self, day: date) -> date:
        for _ in range(60):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        return day

    # --- when things are due ----------------------------------------------------------------------
    def reminder_days(self, period: Period) -> list[tuple[int, date]]:
        """(days before the deadline, the working day the reminder goes out)."""
        deadline = self.deadline(period)
        return [(d, self.working_day_on_or_before(deadline - timedelta(days=d))) for d in self.remind_days_before]

    def escalation_day(self, period: Period) -> date:
        return self.working_day_on_or_after(self.deadline(period) + timedelta(days=1))

    def digest_day(self, day: date) -> date:
        """The digest day of `day`'s week."""
        week_start = day - timedelta(days=day.weekday())
        return self.working_day_on_or_after(week_start + timedelta(days=self.digest_weekday))

    def at(self, day: date, clock_time: time, tz: tzinfo | None) -> datetime:
        return datetime.combine(day, clock_time, tzinfo=tz)


def week_key(day: date) -> str:
    iso = day.isocalendar()
    return f"W{iso.year}-{iso.week:02d}"
