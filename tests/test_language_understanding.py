"""The failures listed in issue 15 (and issue 13 §4, §6; issue 14 item 13), read for their asker on the demo tree
through the gazetteer — and the same design on an invented commune whose names the language layer never saw."""

from __future__ import annotations

from datetime import date

import pytest

from bot import demo
from bot.language import intents
from bot.language.gazetteer import Gazetteer, UnitEntry
from bot.language.normalize import fold, number_at
from bot.language.understand import Asker, understand
from bot.periods import Period

TODAY = date(2026, 10, 20)
UNITS = (demo.ROOT, *demo.UNITS)
ID = {u.code: i for i, u in enumerate(UNITS)}
PARENT = {i: (ID[u.parent] if u.parent else None) for i, u in enumerate(UNITS)}
GAZ = Gazetteer(UnitEntry(id=i, names=(u.name, u.short), parent_id=PARENT[i]) for i, u in enumerate(UNITS))


def children(unit: int) -> list[int]:
    return [u for u, p in PARENT.items() if p == unit]


OFFICIAL = Asker(own=0, scope=frozenset(ID.values()), root=0, official=True, children=children)


def reporter(code: str) -> Asker:
    return Asker(own=ID[code], scope=frozenset({ID[code]}), root=0, official=False, children=children)


@pytest.mark.parametrize(
    ("text", "label", "code", "period"),
    [
        ("năm ngoái toàn huyện kết nạp được bao nhiêu đồng chí", "progress", "CP", Period.of_year(2025)),
        ("tiến độ cả huyện năm 2021", "progress", "CP", Period.of_year(2021)),
        ("Tiến độ của CA huyện", "progress", "CAH", Period.of_year(2026)),
        ("Dự kiến đến cuối năm đạt bao nhiêu %?", "progress", "CP", Period.of_year(2026)),
        ("tiến độ quý ba năm hai không hai mốt", "progress", "CP", Period.quarter(2021, 3)),
        ("gửi anh file excel tiến độ năm nay nhé", "progress+excel", "CP", Period.of_year(2026)),
        ("Báo cáo tiến độ 9 tháng đầu năm 2021", "progress", "CP", Period.first_months(2021, 9)),
        ("tiến độ 9 tháng", "progress", "CP", Period.first_months(2026, 9)),
        ("tiến độ toàn huyện", "progress", "CP", Period.of_year(2026)),
        ("6 thang dau nam 2024 ket nap dc bao nhieu dvm", "progress", "CP", Period.half(2024, 1)),
        ("tien do nam kia", "progress", "CP", Period.of_year(2024)),
        ("td q3/2021", "progress", "CP", Period.quarter(2021, 3)),
        ("chi bộ trường cấp 3 thạch yên kết nạp được mấy đồng chí rồi", "progress", "THPTTY", Period.of_year(2026)),
        ("td vks", "progress", "VKS", Period.of_year(2026)),
        ("tien do xa tay phog", "progress", "TP", Period.of_year(2026)),
    ],
)
def test_official_questions(text, label, code, period):
    reading = understand(text, TODAY, GAZ, OFFICIAL)
    assert (reading.label, reading.unit_id, reading.period) == (label, ID[code], period)


def test_reporter_own_unit_by_its_everyday_names():
    reading = understand("chi bộ em được bao nhiêu rồi ạ?", TODAY, GAZ, reporter("HU"))
    assert (reading.label, reading.unit_id) == ("progress", ID["HU"])
    other = understand("tiến độ xã Bắc Phong", TODAY, GAZ, reporter("HU"))
    assert other.label == "refuse"


def test_close_names_ask_with_choices():
    reading = understand("Đề nghị cho biết tiến độ của Trường THPT.", TODAY, GAZ, OFFICIAL)
    assert reading.label == "ask" and set(reading.pick.choices) == {ID["THPTCP"], ID["THPTTY"]}


@pytest.mark.parametrize(
    ("text", "figures"),
    [
        ("Dạ chi bộ em kết nạp được 2 đồng chí, trong đó có 1 đồng chí nữ ạ", {"admitted": 2, "female": 1}),
        ("kết nạp 2 đ/c, 1 đ/c nữ", {"admitted": 2, "female": 1}),
        ("quý 3 vừa rồi kết nạp được 2 quần chúng ưu tú, trong đó 1 nữ", {"admitted": 2, "female": 1}),
        ("kết nạp 3 đồng chí, đều là đoàn viên", {"admitted": 3, "youth_union": 3}),
        ("kết nạp 01 đồng chí dân tộc Mường", {"admitted": 1, "ethnic_minority": 1}),
        ("/baocao 3 dv=3", {"admitted": 3, "youth_union": 3}),
        ("Tháng này chi bộ em không kết nạp được đồng chí nào ạ", {"admitted": 0}),
        ("kết nạp 2 đồng chí thuộc doanh nghiệp ngoài nhà nước", {"admitted": 2, "private_sector": 2}),
    ],
)
def test_reports_keep_every_figure(text, figures):
    reading = understand(text, TODAY, GAZ, reporter("HU"))
    assert reading.label == "report" and reading.figures == figures


def test_a_date_puts_the_report_in_its_month():
    reading = understand("Dạ ngày 2/9 vừa qua chi bộ em kết nạp 1 đồng chí", TODAY, GAZ, reporter("HU"))
    assert reading.period == Period.month(2026, 9)


def test_free_text_corrections():
    reading = understand("Dạ em xin sửa: tháng 9 chỉ kết nạp 1 thôi, không phải 2 ạ", TODAY, GAZ, reporter("HU"))
    assert (reading.label, reading.period, reading.figures) == ("correction", Period.month(2026, 9), {"admitted": 1})
    pending = understand("em báo nhầm, sửa lại là 3", TODAY, GAZ, reporter("HU"), pending=True)
    assert (pending.label, pending.figures) == ("correction", {"admitted": 3})


@pytest.mark.parametrize("text", ["vâng ạ", "ừ", "ok em", "chuẩn rồi", "Dạ đúng rồi chị, lưu giúp em ạ"])
def test_everyday_yes_only_while_a_preview_waits(text):
    assert isinstance(intents.parse(text, TODAY, pending=True), intents.Confirm)


@pytest.mark.parametrize("text", ["cơ cấu năm nay", "có mấy đơn vị chưa báo cáo", "không biết tiến độ thế nào"])
def test_a_waiting_preview_does_not_turn_questions_into_yes_or_no(text):
    assert isinstance(intents.parse(text, TODAY, pending=True), intents.Ask)


def test_thoi_huy_cancels():  # issue 13 §4
    assert isinstance(intents.parse("thôi hủy", TODAY), intents.Cancel)
    assert isinstance(intents.parse("thôi hủy đi em", TODAY, pending=True), intents.Cancel)


def test_non_whole_count_is_refused():  # issue 13 §6
    assert understand("kết nạp 2,5 đảng viên", TODAY, GAZ, reporter("HU")).label == "refuse"


def test_issue_14_item_13():
    assert fold("kết nạp 2\u200b0") == "ket nap 20"
    assert number_at("hai muoi trieu".split(), 0) == (20_000_000, 3)
    assert number_at("mot nghin".split(), 0) == (1000, 2)
    assert isinstance(intents.parse("rà soát 5, đưa ra khỏi Đảng 9", TODAY), intents.BadReport)
    for text in ("tiến độ năm 9999", "tiến độ năm 0"):
        intent = intents.parse(text, TODAY)
        assert isinstance(intent, intents.Unknown) and intent.problem and "năm" in intent.problem


COMMUNE = [
    (1, "Đảng bộ xã Hòa Lạc", "xã Hòa Lạc", None),
    (2, "Chi bộ thôn Thành Công", "thôn Thành Công", 1),
    (3, "Chi bộ Công an xã", "Công an xã", 1),
    (4, "Chi bộ Công ty TNHH May Hòa Lạc", "Công ty May Hòa Lạc", 1),
    (5, "Chi bộ Trường THCS Hòa Lạc", "Trường THCS Hòa Lạc", 1),
]
CGAZ = Gazetteer(UnitEntry(id=i, names=(n, s), parent_id=p) for i, n, s, p in COMMUNE)
COFFICIAL = Asker(own=1, scope=frozenset({1, 2, 3, 4, 5}), root=1, official=True)


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("tiến độ toàn xã năm nay", 1),
        ("cả xã được mấy đồng chí rồi", 1),
        ("CA xã năm nay kết nạp được bao nhiêu", 3),
        ("trường cấp 2 được mấy rồi", 5),
        ("thôn Thành Công năm nay thế nào", 2),
        ("mấy đồng chí đã kết nạp năm nay", 1),  # "mấy" is not Công ty May, "đồng chí" is no unit
    ],
)
def test_commune_names_never_seen_by_the_parser(text, unit):
    reading = understand(text, TODAY, CGAZ, COFFICIAL)
    assert reading.unit_id == unit, reading


def test_everyday_words_are_not_units():
    asker = Asker(own=2, scope=frozenset({2}), root=1, official=False)
    reading = understand("lễ kết nạp 1 đồng chí diễn ra rất thành công ạ", TODAY, CGAZ, asker)
    assert (reading.label, reading.unit_id) == ("report", 2)
