"""A channel's monthly message quota (Zalo's free plan: about 3,000 a month) and who may still use it. Pure.

Answers to people always go out (until the channel itself refuses). Scheduled sends are ranked: when the
month's use reaches the warning level only escalations and reminders to units that have not reported go
out; inside the reserve kept for answers, only escalations (and the quota warning itself).
"""

from __future__ import annotations

from datetime import date
from enum import IntEnum, StrEnum

from pydantic import Field

from bot.domain.models import Frozen


class Priority(IntEnum):
    """Lower goes first and survives a tighter quota."""

    ESCALATION = 0  # officials told which units are silent; the quota warning
    NOT_REPORTED = 1  # a unit that has not reported this period
    BEHIND = 2  # a unit that reported but is behind pace
    DIGEST = 3  # weekly digests


class Level(StrEnum):
    OK = "ok"
    NEAR = "near"  # past the warning share: low-priority sends held back
    RESERVE = "reserve"  # inside the reserve kept for answering people: escalations only
    EXHAUSTED = "exhausted"


class Quota(Frozen):
    limit: int = Field(ge=0)  # messages a month; 0 = no quota
    used: int = Field(default=0, ge=0)
    warn_share: float = Field(default=0.8, gt=0, le=1)
    reserve_share: float = Field(default=0.1, ge=0, lt=1)

    @property
    def unlimited(self) -> bool:
        return self.limit == 0

    @property
    def remaining(self) -> int | None:
        return None if self.unlimited else max(self.limit - self.used, 0)

    @property
    def reserve(self) -> int:
        return int(self.limit * self.reserve_share)

    @property
    def level(self) -> Level:
        if self.unlimited:
            return Level.OK
        if self.used >= self.limit:
            return Level.EXHAUSTED
        if self.used >= self.limit - self.reserve:
            return Level.RESERVE
        if self.used >= self.limit * self.warn_share:
            return Level.NEAR
        return Level.OK

    def allows(self, priority: Priority, messages: int = 1) -> bool:
        """May a scheduled send of `messages` messages with this priority go out now?"""
        if self.unlimited:
            return True
        after = self.used + messages
        if priority is Priority.ESCALATION:
            return after <= self.limit
        if priority is Priority.NOT_REPORTED:
            return after <= self.limit - self.reserve
        return after <= self.limit * self.warn_share

    def spend(self, messages: int = 1) -> Quota:
        return self.model_copy(update={"used": self.used + messages})


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)
