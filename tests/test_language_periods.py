from datetime import date

import pytest

from bot.domain.normalize import fold, number_at
from bot.domain.periods import Period
from bot.language.periods import find_period

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tiến Độ  Kết Nạp QUÝ III", "tien do ket nap quy iii"),
        ("Đảng bộ xã Đông Phong", "dang bo xa dong phong"),
        ("Q.III", "q iii"),
        ("tiến độ?", "tien do"),
    ],
)
def test_fold(text, expected):
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("2", 2),
        ("hai", 2),
        ("muoi", 10),
        ("muoi hai", 12),
        ("hai muoi", 20),
        ("hai muoi lam", 25),
        ("mot tram", 100),
        ("mot tram le nam", 105),
        ("bay", 7),
        ("tu", 4),
    ],
)
def test_number_words(words, value):
    found = number_at(words.split(), 0)
    assert found is not None and found[0] == value


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("tiến độ kết nạp quý III", Period.quarter(2026, 3)),
        ("tien do ket nap quy 3", Period.quarter(2026, 3)),
        ("Tiến độ Q.III", Period.quarter(2026, 3)),
        ("q3", Period.quarter(2026, 3)),
        ("quý ba", Period.quarter(2026, 3)),
        ("quy iv nam 2021", Period.quarter(2021, 4)),
        ("q2 2021", Period.quarter(2021, 2)),
        ("quý này", Period.quarter(2026, 4)),
        ("quý trước", Period.quarter(2026, 3)),
        ("T9", Period.month(2026, 9)),
        ("tháng 9/2021", Period.month(2021, 9)),
        ("tháng chín", Period.month(2026, 9)),
        ("tháng này", Period.month(2026, 11)),
        ("9/2025", Period.month(2025, 9)),
        ("6 tháng đầu năm", Period.half(2026, 1)),
        ("sáu tháng cuối năm 2025", Period.half(2025, 2)),
        ("năm nay", Period.of_year(2026)),
        ("năm ngoái", Period.of_year(2025)),
        ("năm 2021", Period.of_year(2021)),
        ("2021", Period.of_year(2021)),
        ("nhiệm kỳ", Period.term(2025, 2030)),
        ("nhiệm kỳ 2020-2025", Period.term(2020, 2025)),
        ("nhiem ky 2020 - 2025", Period.term(2020, 2025)),
        ("nhiệm kỳ trước", Period.term(2020, 2025)),
    ],
)
def test_find_period(text, period):
    match = find_period(fold(text), TODAY)
    assert match.problem is None
    assert match.period == period


@pytest.mark.parametrize("text", ["quý 5", "quy v", "tháng 13", "nhiệm kỳ 2025-2020"])
def test_impossible_periods_are_problems(text):
    match = find_period(fold(text), TODAY)
    assert match.period is None and match.problem


def test_no_period():
    assert not find_period(fold("tiến độ xã Bắc Phong"), TODAY).found
