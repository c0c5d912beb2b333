from datetime import date

import pytest

from bot.domain.periods import (
    Period,
    PeriodKind,
    as_of,
    expected_share,
    months_left_in_year,
    term_expected_share,
    ym,
    ym_of,
    ym_parts,
)


def test_quarter_extent_and_label():
    q3 = Period.quarter(2021, 3)
    assert (q3.start, q3.end) == (date(2021, 7, 1), date(2021, 9, 30))
    assert (q3.ym_from, q3.ym_to) == (202107, 202109)
    assert q3.label == "quý III/2021"


def test_month_half_year_term_extent():
    assert Period.month(2024, 2).end == date(2024, 2, 29)
    assert Period.half(2026, 1).ym_to == 202606
    assert Period.half(2026, 2).label == "6 tháng cuối năm 2026"
    assert Period.of_year(2026).ym_from == 202601
    term = Period.term(2020, 2025)
    # congress to congress (default 1 July): 2025 counts up to the congress
    assert (term.start, term.end) == (date(2020, 7, 1), date(2025, 6, 30))
    assert (term.ym_from, term.ym_to) == (202007, 202506)
    assert term.label == "nhiệm kỳ 2020–2025"
    assert list(term.years) == [2020, 2021, 2022, 2023, 2024, 2025]


def test_term_with_a_committees_congress_dates():
    term = Period.term(2020, 2025, congress=date(2020, 8, 20), next_congress=date(2025, 8, 12))
    assert (term.start, term.end) == (date(2020, 8, 20), date(2025, 8, 11))
    assert (term.ym_from, term.ym_to) == (202008, 202508)
    assert term.label == "nhiệm kỳ 2020–2025"
    # the pace runs over the real length: half-way between the two congresses
    middle = date(2020, 8, 20) + (date(2025, 8, 12) - date(2020, 8, 20)) / 2
    assert term_expected_share(term, middle) == pytest.approx(0.5, abs=0.001)
    assert term_expected_share(term, date(2025, 8, 11)) == 1
    # the current term changes at the congress, not on 1 January
    assert Period.containing(date(2025, 3, 1), PeriodKind.TERM) == Period.term(2020, 2025)
    assert Period.containing(date(2025, 7, 1), PeriodKind.TERM) == Period.term(2025, 2030)
    with pytest.raises(ValueError):
        Period.term(2020, 2025, congress=date(2021, 1, 1), next_congress=date(2020, 1, 1))


@pytest.mark.parametrize(
    ("day", "kind", "expected"),
    [
        (date(2026, 11, 23), PeriodKind.MONTH, Period.month(2026, 11)),
        (date(2026, 11, 23), PeriodKind.QUARTER, Period.quarter(2026, 4)),
        (date(2026, 3, 31), PeriodKind.QUARTER, Period.quarter(2026, 1)),
        (date(2026, 7, 1), PeriodKind.HALF, Period.half(2026, 2)),
        (date(2026, 7, 1), PeriodKind.YEAR, Period.of_year(2026)),
        (date(2026, 7, 1), PeriodKind.TERM, Period.term(2025, 2030)),
        (date(2024, 12, 31), PeriodKind.TERM, Period.term(2020, 2025)),
    ],
)
def test_which_period_a_date_falls_in(day, kind, expected):
    assert Period.containing(day, kind) == expected


@pytest.mark.parametrize(
    "bad",
    [
        lambda: Period.quarter(2026, 5),
        lambda: Period.month(2026, 13),
        lambda: Period.half(2026, 3),
        lambda: Period.term(2025, 2020),
    ],
)
def test_impossible_periods_raise(bad):
    with pytest.raises(ValueError):
        bad()


def test_pace_is_linear_by_quarter():
    assert expected_share(date(2021, 3, 31)) == pytest.approx(0.25)
    assert expected_share(date(2021, 6, 30)) == pytest.approx(0.50)
    assert expected_share(date(2021, 9, 30)) == pytest.approx(0.75)
    assert expected_share(date(2021, 12, 31)) == pytest.approx(1.0)
    mid_q4 = expected_share(date(2026, 11, 23))
    assert 0.75 < mid_q4 < 1.0
    assert mid_q4 == pytest.approx(0.75 + 0.25 * 54 / 92)


def test_pace_follows_a_quarterly_plan():
    plan = (0.1, 0.2, 0.3, 0.4)
    assert expected_share(date(2026, 6, 30), plan) == pytest.approx(0.3)
    assert expected_share(date(2026, 9, 30), plan) == pytest.approx(0.6)


def test_term_pace_and_as_of():
    term = Period.term(2025, 2030)
    assert term_expected_share(term, date(2024, 1, 1)) == 0
    assert term_expected_share(term, date(2030, 7, 1)) == 1
    assert term_expected_share(term, date(2027, 12, 31)) == pytest.approx(0.5, abs=0.01)
    assert as_of(Period.quarter(2026, 3), date(2026, 11, 23)) == date(2026, 9, 30)
    assert as_of(Period.of_year(2026), date(2026, 11, 23)) == date(2026, 11, 23)


def test_same_period_last_year_and_month_ranges():
    assert Period.quarter(2026, 3).same_period_last_year() == Period.quarter(2025, 3)
    assert Period.term(2025, 2030).same_period_last_year() == Period.term(2020, 2025)
    assert months_left_in_year(date(2026, 11, 23)) == 2
    assert months_left_in_year(date(2026, 12, 31)) == 0


@pytest.mark.parametrize(
    ("period", "code"),
    [
        (Period.of_year(2026), "Y2026"),
        (Period.quarter(2026, 3), "Q2026-3"),
        (Period.month(2026, 9), "M2026-9"),
        (Period.half(2026, 1), "H2026-1"),
        (Period.first_months(2026, 9), "F2026-9"),
        (Period.term(2020, 2025), "T2020-2025"),
    ],
)
def test_a_period_writes_and_reads_its_own_code(period: Period, code: str) -> None:
    assert period.code == code
    assert Period.from_code(code) == period


@pytest.mark.parametrize("code", ["", "Y2026-1", "Q2026", "Q2026-5", "M2026-13", "T2020-2030", "Y1800", "X2026-1"])
def test_a_code_that_names_no_period_reads_as_none(code: str) -> None:
    assert Period.from_code(code) is None


def test_stored_months() -> None:
    assert ym_of(2026, 3) == 202603 == ym(date(2026, 3, 31))
    assert ym_parts(202603) == (2026, 3)
    q3 = Period.quarter(2026, 3)
    assert q3.ym_until(date(2026, 8, 15)) == 202608  # still running: up to today's month
    assert q3.ym_until(date(2027, 1, 2)) == 202609  # over: its last month
