"""Reporting periods as value objects: month, quarter, half-year, year and 5-year term.

Conventions (documented in the README):
- months are stored as `yyyymm` integers; a period is a closed range of months;
- a term runs from congress to congress: "2020-2025" from the congress of 2020 to the day before the congress
  of 2025, so 2025 counts up to the congress. A committee's real dates are in the `terms` table
  (`storage.terms`); without them a congress is taken to fall on 1 July (DEFAULT_CONGRESS_MONTH). The term's
  months are those from its congress's month to the month before the next congress;
- the expected pace within a year is linear by quarter: 25/50/75/100 % at the ends of the quarters
  (or a per-quarter plan), interpolated by days inside the current quarter.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from enum import StrEnum

from bot.domain.models import Frozen

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
TERM_YEARS = 5
TERM_ANCHOR = 2020  # terms are 2020-2025, 2025-2030, ...
DEFAULT_CONGRESS_MONTH = 7  # without a committee's own dates, congresses are taken to open on 1 July
MIN_YEAR, MAX_YEAR = 1930, 2200  # the years a period code may name: the Party's founding year .. far enough
_CODE = re.compile(r"([YQMHTF])([0-9]{4})(?:-([0-9]{1,4}))?")


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"
    TERM = "term"
    FIRST_MONTHS = "first_months"  # the first N months of a year ("9 tháng đầu năm"); index = N


class Period(Frozen):
    kind: PeriodKind
    year: int
    index: int = 1  # month 1-12, quarter 1-4, half 1-2; 1 for year and term
    end_year: int | None = None  # term only: the year in its name ("2020-2025" -> 2025)
    congress: date | None = None  # term only: the congress that opened it (default 1 July of `year`)
    next_congress: date | None = None  # term only: the congress that closes it, not part of it (default 1 July)

    # --- constructors -------------------------------------------------------------------------
    @classmethod
    def month(cls, year: int, month: int) -> Period:
        if not 1 <= month <= 12:
            raise ValueError(f"no month {month}")
        return cls(kind=PeriodKind.MONTH, year=year, index=month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError(f"no quarter {quarter}")
        return cls(kind=PeriodKind.QUARTER, year=year, index=quarter)

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        if half not in (1, 2):
            raise ValueError(f"no half {half}")
        return cls(kind=PeriodKind.HALF, year=year, index=half)

    @classmethod
    def first_months(cls, year: int, months: int) -> Period:
        if not 1 <= months <= 12:
            raise ValueError(f"no first {months} months")
        return cls(kind=PeriodKind.FIRST_MONTHS, year=year, index=months)

    @classmethod
    def of_year(cls, year: int) -> Period:
        return cls(kind=PeriodKind.YEAR, year=year)

    @classmethod
    def term(
        cls,
        start_year: int,
        end_year: int | None = None,
        *,
        congress: date | None = None,
        next_congress: date | None = None,
    ) -> Period:
        """A term by the years in its name, with its congress dates when the committee recorded them."""
        end = end_year if end_year is not None else start_year + TERM_YEARS
        if end <= start_year:
            raise ValueError("a term ends after it starts")
        if congress is not None and next_congress is not None and next_congress <= congress:
            raise ValueError("a term's next congress comes after its congress")
        return cls(kind=PeriodKind.TERM, year=start_year, end_year=end, congress=congress, next_congress=next_congress)

    @property
    def term_start(self) -> date:
        return self.congress or date(self.year, DEFAULT_CONGRESS_MONTH, 1)

    @property
    def term_end(self) -> date:
        """The last day of the term: the day before the next congress."""
        nxt = self.next_congress or date(self.end_year or self.year + TERM_YEARS, DEFAULT_CONGRESS_MONTH, 1)
        return nxt - timedelta(days=1)

    # --- which period a date falls in --------------------------------------------------------
    @classmethod
    def containing(cls, day: date, kind: PeriodKind) -> Period:
        if kind is PeriodKind.MONTH:
            return cls.month(day.year, day.month)
        if kind is PeriodKind.QUARTER:
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        if kind is PeriodKind.HALF:
            return cls.half(day.year, 1 if day.month <= 6 else 2)
        if kind is PeriodKind.YEAR:
            return cls.of_year(day.year)
        start = TERM_ANCHOR + (day.year - TERM_ANCHOR) // TERM_YEARS * TERM_YEARS
        if day < date(start, DEFAULT_CONGRESS_MONTH, 1):
            start -= TERM_YEARS
        return cls.term(start)

    # --- extent -------------------------------------------------------------------------------
    @property
    def first_month(self) -> tuple[int, int]:
        match self.kind:
            case PeriodKind.MONTH:
                return self.year, self.index
            case PeriodKind.QUARTER:
                return self.year, 3 * self.index - 2
            case PeriodKind.HALF:
                return self.year, 6 * self.index - 5
            case PeriodKind.YEAR:
                return self.year, 1
            case _:
                return self.term_start.year, self.term_start.month

    @property
    def last_month(self) -> tuple[int, int]:
        match self.kind:
            case PeriodKind.MONTH:
                return self.year, self.index
            case PeriodKind.QUARTER:
                return self.year, 3 * self.index
            case PeriodKind.HALF:
                return self.year, 6 * self.index
            case PeriodKind.FIRST_MONTHS:
                return self.year, self.index
            case PeriodKind.YEAR:
                return self.year, 12
            case _:
                return self.term_end.year, self.term_end.month

    @property
    def start(self) -> date:
        if self.kind is PeriodKind.TERM:
            return self.term_start
        y, m = self.first_month
        return date(y, m, 1)

    @property
    def end(self) -> date:
        if self.kind is PeriodKind.TERM:
            return self.term_end
        y, m = self.last_month
        return date(y, m, calendar.monthrange(y, m)[1])

    @property
    def ym_from(self) -> int:
        return ym_of(*self.first_month)

    @property
    def ym_to(self) -> int:
        return ym_of(*self.last_month)

    def ym_until(self, day: date) -> int:
        """The last month of this period whose figures can exist on `day`: its last month, or `day`'s month."""
        return min(self.ym_to, ym(day))

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    # --- relatives ----------------------------------------------------------------------------
    def same_period_last_year(self) -> Period:
        if self.kind is PeriodKind.TERM:
            return Period.term(self.year - TERM_YEARS, self.year)
        return self.model_copy(update={"year": self.year - 1})

    # --- codes --------------------------------------------------------------------------------
    @property
    def code(self) -> str:
        """Short text form, in button data and file names: Y2026, Q2026-3, M2026-9, H2026-1, F2026-9 (the first
        nine months), T2020-2025. `Period.from_code` reads it back."""
        match self.kind:
            case PeriodKind.YEAR:
                return f"Y{self.year}"
            case PeriodKind.TERM:
                return f"T{self.year}-{self.end_year}"
            case PeriodKind.FIRST_MONTHS:
                return f"F{self.year}-{self.index}"
            case _:
                return f"{self.kind.value[0].upper()}{self.year}-{self.index}"

    @classmethod
    def from_code(cls, code: str) -> Period | None:
        """The period a `code` names; None for anything else (codes come back in untrusted button data)."""
        match = _CODE.fullmatch(code)
        if match is None:
            return None
        head, year, second = match[1], int(match[2]), match[3]
        if not MIN_YEAR <= year <= MAX_YEAR:
            return None
        try:
            if head == "Y":
                return cls.of_year(year) if second is None else None
            if second is None:
                return None
            if head == "T":
                return cls.term(year, int(second)) if int(second) - year == TERM_YEARS else None
            builders = {"Q": cls.quarter, "M": cls.month, "H": cls.half, "F": cls.first_months}
            return builders[head](year, int(second))
        except ValueError:
            return None

    # --- words --------------------------------------------------------------------------------
    @property
    def label(self) -> str:
        match self.kind:
            case PeriodKind.MONTH:
                return f"tháng {self.index}/{self.year}"
            case PeriodKind.QUARTER:
                return f"quý {ROMAN[self.index]}/{self.year}"
            case PeriodKind.HALF:
                which = "đầu" if self.index == 1 else "cuối"
                return f"6 tháng {which} năm {self.year}"
            case PeriodKind.FIRST_MONTHS:
                return f"{self.index} tháng đầu năm {self.year}"
            case PeriodKind.YEAR:
                return f"năm {self.year}"
            case _:
                return f"nhiệm kỳ {self.year}–{self.end_year}"


def ym_of(year: int, month: int) -> int:
    """A month as stored: the `yyyymm` integer."""
    return year * 100 + month


def ym_parts(value: int) -> tuple[int, int]:
    """A stored `yyyymm` month as (year, month)."""
    year, month = divmod(value, 100)
    return year, month


def ym(day: date) -> int:
    """The stored month (`yyyymm`) a day falls in."""
    return ym_of(day.year, day.month)


QuarterPlan = tuple[float, float, float, float]  # the year's target share planned for each quarter
LINEAR_PLAN: QuarterPlan = (0.25, 0.25, 0.25, 0.25)


def expected_share(day: date, plan: QuarterPlan | None = None) -> float:
    """Share of the year's target expected by the end of `day` (pace), in 0..1.

    Whole quarters count their plan share; the current quarter counts the share of its days elapsed.
    With the default linear plan the ends of the quarters give exactly 25/50/75/100 %.
    """
    shares = plan or LINEAR_PLAN
    quarter = (day.month - 1) // 3 + 1
    done = sum(shares[: quarter - 1])
    q = Period.quarter(day.year, quarter)
    elapsed = (day - q.start).days + 1
    length = (q.end - q.start).days + 1
    return min(1.0, done + shares[quarter - 1] * elapsed / length)


def term_expected_share(term: Period, day: date) -> float:
    """Linear pace over a term's real length (congress to the day before the next), by days."""
    if day < term.start:
        return 0.0
    if day >= term.end:
        return 1.0
    return ((day - term.start).days + 1) / ((term.end - term.start).days + 1)


def as_of(period: Period, today: date) -> date:
    """The date a period's figures are read at: its end, or today while it is still running."""
    return min(period.end, today)


def months_left_in_year(day: date) -> int:
    """Whole months after `day`'s month, plus the rest of the current month if any days are left."""
    last_day = calendar.monthrange(day.year, day.month)[1]
    return 12 - day.month + (1 if day.day < last_day else 0)


def days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def year_elapsed_fraction(day: date) -> float:
    return (day - date(day.year, 1, 1) + timedelta(days=1)).days / days_in_year(day.year)
