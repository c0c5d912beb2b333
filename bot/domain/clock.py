"""One injectable clock, so that services and the scheduler can be driven through time in tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from typing import Protocol
from zoneinfo import ZoneInfo


class Clock(Protocol):
    @property
    def tz(self) -> tzinfo:
        """The committee's zone (a ZoneInfo; a test's clock may carry any aware zone)."""
        ...

    def now(self) -> datetime: ...


class SystemClock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def now(self) -> datetime:
        return datetime.now(self.tz)


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs an aware datetime")
        self.tz = start.tzinfo
        self._now = start

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


class OffsetClock:
    """The system clock moved to another day: `today` is the date it starts on, and time goes on from there
    (`ptdv console --today 2026-10-31`: a conversation replayed on a fixed day, "năm nay" and "tháng trước"
    read as on that day)."""

    def __init__(self, tz: ZoneInfo, today: date, base: Clock | None = None) -> None:
        self.tz = tz
        self._base = base or SystemClock(tz)
        now = self._base.now()
        self._offset = datetime.combine(today, now.timetz()) - now

    def now(self) -> datetime:
        return self._base.now() + self._offset
