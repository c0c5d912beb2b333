"""The failures listed in issue 15 (and issue 13 §4, §6; issue 14 item 13), read for their asker on the demo tree
through the gazetteer — and the same design on an invented commune whose names the language layer never saw."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.normalize import fold, number_at
from bot.domain.periods import Period
from bot.language import intents
from bot.language.gazetteer import Gazetteer, UnitEntry
from bot.language.understand import Asker, understand
from bot.runtime import demo

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


@pytest.mark.parametrize(
    ("text", "label", "figures"),
    [
        ("kn 1 sv nam cuoi", "report", {"admitted": 1, "student": 1}),
        ("t9 kn 2 dc deu la dv", "report", {"admitted": 2, "youth_union": 2}),
        ("kn 1 cn cty tu nhan, dv", "report", {"admitted": 1, "private_sector": 1, "youth_union": 1}),
        ("q3 kn 3, 3 nu, 3 dn ngoai nn", "report", {"admitted": 3, "female": 3, "private_sector": 3}),
        ("kết nạp 1 đ/c thạc sỹ", "report", {"admitted": 1, "university": 1, "master": 1}),
        ("nguồn 5, nhận thức 2", "report_pipeline", {"pool": 5, "certified": 2}),
        (
            "nguon 7, da hoc nt 4, du kien cu di hoc 2",
            "report_pipeline",
            {"pool": 7, "certified": 4, "planned_class": 2},
        ),
        ("nguồn 20, nhận thức 12, cử học 6", "report_pipeline", {"pool": 20, "certified": 12, "planned_class": 6}),
        (
            "chi bộ em có 6 quần chúng ưu tú, đã học lớp nhận thức về Đảng 3 người, dự kiến cử đi học lớp tới 2 người",
            "report_pipeline",
            {"pool": 6, "certified": 3, "planned_class": 2},
        ),
        ("rà soát 6, đưa ra 1", "report_screening", {"reviewed": 6, "removed": 1}),
        (
            "rà soát 3 đảng viên, đưa ra khỏi Đảng 1, còn 2 tiếp tục giúp đỡ",
            "report_screening",
            {"reviewed": 3, "removed": 1, "followed_up": 2},
        ),
        (
            "rà soát 3 đảng viên, không phải đưa ra khỏi Đảng trường hợp nào",
            "report_screening",
            {"reviewed": 3, "removed": 0},
        ),
        ("Kết nạp 3 đ/c: 1 Mường, 1 Thái, 1 Kinh", "report", {"admitted": 3, "ethnic_minority": 2}),
        ("Kết nạp 1 đồng chí dân tộc Thái, 1 đồng chí dân tộc Kinh", "report", {"admitted": 2, "ethnic_minority": 1}),
        (
            "kết nạp 2 đồng chí thuộc doanh nghiệp ngoài nhà nước, 1 đồng chí theo đạo Phật",
            "report",
            {"admitted": 2, "private_sector": 2, "religious": 1},
        ),
        ("ket nap 2 dang vien, ca 2 deu la doan vine", "report", {"admitted": 2, "youth_union": 2}),
        ("luy ke tu dau nam 5", "cumulative", {"admitted": 5}),
        ("thang nay ko kn dc ai", "report", {"admitted": 0}),
        (
            "hôm 15/10 xóm em làm lễ kết nạp cho 1 cháu đang là sinh viên năm cuối, là đoàn viên, dân tộc Mường ạ",
            "report",
            {"admitted": 1, "student": 1, "youth_union": 1, "ethnic_minority": 1},
        ),
        (
            "đồng chí mới kết nạp bên em thuộc doanh nghiệp ngoài nhà nước, tháng này kết nạp 1 đồng chí đó ạ",
            "report",
            {"admitted": 1, "private_sector": 1},
        ),
        ("qcut 6, hoc xong lop nt 2", "report_pipeline", {"pool": 6, "certified": 2}),
        ("kn 2 qcut trong do 1 nu", "report", {"admitted": 2, "female": 1}),
        (
            "kết nạp được 2 đồng chí, 1 đồng chí là công nhân công ty tư nhân, 1 đồng chí là giáo viên có bằng đại học",
            "report",
            {"admitted": 2, "private_sector": 1, "worker": 1, "university": 1},
        ),
        (
            "tháng 9 kết nạp 02 đồng chí, đều là công nhân nữ, đoàn viên.",
            "report",
            {"admitted": 2, "worker": 2, "female": 2, "youth_union": 2},
        ),
        (
            "Chi bộ Phân xưởng Lò nung báo cáo: tháng 10 kết nạp 01 đồng chí công nhân, đoàn viên.",
            "report",
            {"admitted": 1, "worker": 1, "youth_union": 1},
        ),
        ("kết nạp 2 đồng chí, 1 đồng chí theo đạo Công giáo ạ", "report", {"admitted": 2, "religious": 1}),
    ],
)
def test_reports_as_phones_write_them(text, label, figures):
    reading = understand(text, TODAY, GAZ, reporter("HU"))
    assert (reading.label, reading.figures, reading.unread) == (label, figures, [])


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


COMMUNE2 = [
    (1, "Đảng bộ xã Hòa Lạc", "xã Hòa Lạc", None),
    (2, "Chi bộ thôn Quyết Tiến", "thôn Quyết Tiến", 1),
    (3, "Chi bộ xóm Đoàn Kết", "xóm Đoàn Kết", 1),
    (4, "Chi bộ Trường Mầm non Hòa Lạc", "Trường Mầm non Hòa Lạc", 1),
    (5, "Chi bộ Trường Tiểu học Hòa Lạc", "Trường Tiểu học Hòa Lạc", 1),
    (6, "Đảng bộ Công ty Cổ phần Gạch Hòa Lạc", "Gạch Hòa Lạc", 1),
    (7, "Chi bộ Văn phòng Công ty", "Văn phòng Công ty Gạch", 6),
    (8, "Chi bộ Trung tâm GDNN-GDTX", "Trung tâm GDNN-GDTX", 1),
    (9, "Chi bộ Trung tâm Chính trị", "Trung tâm Chính trị", 1),
    (10, "Chi bộ Cơ quan Đảng ủy", "Cơ quan Đảng ủy", 1),
    (11, "Chi bộ Trường Tiểu học Đồng Tâm", "Trường Tiểu học Đồng Tâm", 1),
]
GAZ2 = Gazetteer(UnitEntry(id=i, names=(n, s), parent_id=p) for i, n, s, p in COMMUNE2)
OFFICIAL2 = Asker(own=1, scope=frozenset(range(1, 12)), root=1, official=True)


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("/tiendo Quyết Tiến", 2),  # everyday words that are a name: the whole of what the question leaves
        ("td doan ket", 3),
        ("/tiendo mầm non", 4),
        ("/tiendo MN", 4),
        ("th hoa lac dc may", 5),  # TH = tiểu học, a partial name beats the commune's own short name
        ("Đảng bộ Công ty gạch năm nay đạt bao nhiêu % rồi", 6),  # legal forms dropped, the company not its office
        ("tiến độ GDNN-GDTX q3", 8),
        ("td tt chinh tri", 9),
        ("Những chi bộ nào đang chậm, chị cần báo cáo Thường trực Đảng ủy", 1),  # a body, not Cơ quan Đảng ủy
        ("Trường ở Hòa Lạc năm nay được mấy", None),  # two schools in the place named: ask
    ],
)
def test_names_that_are_everyday_words_or_parts(text, unit):
    reading = understand(text, TODAY, GAZ2, OFFICIAL2)
    if unit is None:
        assert reading.label == "ask" and set(reading.pick.choices) == {4, 5, 11}, reading
    else:
        assert reading.unit_id == unit, reading


def test_which_of_the_named_units_is_about_the_unit_above():
    reading = understand("Thôn Quyết Tiến với xóm Đoàn Kết thì nơi nào chưa báo cáo quý III", TODAY, GAZ2, OFFICIAL2)
    assert (reading.label, reading.unit_id) == ("not_reported", 1)


def test_reporter_asking_about_part_of_another_name_is_refused():
    asker = Asker(own=2, scope=frozenset({2}), root=1, official=False)
    assert understand("td gdnn", TODAY, GAZ2, asker).label == "refuse"
    assert understand("tiến độ mầm non", TODAY, GAZ2, asker).label == "refuse"


def test_khoi_old_labels_and_which_of():
    demo_khoi = [("doanh_nghiep", ("khoi doanh nghiep", "doanh nghiep")), ("xa_thi_tran", ("cac xa", "khoi xa"))]
    asker = Asker(own=0, scope=frozenset(ID.values()), root=0, official=True, categories=tuple(demo_khoi))
    assert understand("td khoi dn", TODAY, GAZ, asker).pick.category == "doanh_nghiep"
    assert understand("những xã nào chậm", TODAY, GAZ, asker).pick.category == "xa_thi_tran"
    breakdown = understand("có bao nhiêu đồng chí làm ở doanh nghiệp ngoài nhà nước", TODAY, GAZ, asker)
    assert breakdown.pick.category is None


@pytest.mark.parametrize(
    ("text", "label", "code", "period"),
    [
        ("Công An Huyện quý 3", "progress", "CAH", Period.quarter(2026, 3)),
        ("xom noi nam ngoai", "progress", "BP-NOI", Period.of_year(2025)),
        ("sơ kết 6 tháng năm 2024", "progress", "CP", Period.half(2024, 1)),
        ("cq huyen uy", "progress", "HU", Period.of_year(2026)),
        ("Chi bộ Cơ quan Huyện ủy năm nay đã đạt chỉ tiêu chưa?", "progress", "HU", Period.of_year(2026)),
        (
            "Đảng bộ xã Nam Phong còn thiếu mấy đồng chí nữa thì đạt chỉ tiêu năm?",
            "progress",
            "NP",
            Period.of_year(2026),
        ),
        ("so dv nu ket nap nam nay", "breakdown", "CP", Period.of_year(2026)),
        ("TIẾN ĐỘ TOÀN HUYỆN QUÝ III", "progress", "CP", Period.quarter(2026, 3)),
    ],
)
def test_fragments_and_questions_without_question_words(text, label, code, period):
    reading = understand(text, TODAY, GAZ, OFFICIAL)
    assert (reading.label, reading.unit_id, reading.period) == (label, ID[code], period)


@pytest.mark.parametrize("text", ["dong chi oi", "ok em, để chị xem", "may gio hop a", "thời tiết hôm nay đẹp quá"])
def test_chat_is_no_fragment(text):
    assert understand(text, TODAY, GAZ, OFFICIAL).label == "unknown"


def test_a_commune_secretary_asks_about_their_own_commune():
    for text in ("tiến độ xã mình", "Dạ chị cho em hỏi toàn xã em năm nay đạt bao nhiêu phần trăm rồi ạ"):
        reading = understand(text, TODAY, GAZ, reporter("TP"))
        assert (reading.label, reading.unit_id) == ("progress", ID["TP"]), text
    assert understand("tiến độ toàn huyện", TODAY, GAZ, reporter("TP")).label == "refuse"


@pytest.mark.parametrize(
    "text", ["ok e", "chuan r", "dc a", "uk e", "okk", "oki", "đồng ys", "dc r e", "Xác nhận, đề nghị lưu."]
)
def test_phone_yes_while_a_preview_waits(text):
    assert understand(text, TODAY, GAZ, reporter("HU"), pending=True).label == "confirm"


@pytest.mark.parametrize(
    "text",
    [
        "thoi huy di e",
        "ko luu",
        "k luu",
        "ko luuw",
        "thoii huỷ",
        "thôi huỷ đii",
        "Thôi em hủy đi, để chị hỏi lại",
        "Dạ thôi anh ạ, không lưu đâu, để em hỏi lại chi ủy",
    ],
)
def test_phone_no_while_a_preview_waits(text):
    assert understand(text, TODAY, GAZ, reporter("HU"), pending=True).label == "cancel"


def test_the_place_a_message_names_is_the_askers_or_the_one_above():
    bac_phong = Asker(
        own=ID["BP"], scope=frozenset({ID["BP"], *children(ID["BP"])}), root=0, official=True, children=children
    )
    assert understand("Tiến độ toàn huyện năm nay.", TODAY, GAZ, bac_phong).label == "refuse"
    assert understand("tiến độ toàn xã", TODAY, GAZ, bac_phong).unit_id == ID["BP"]
    assert understand("tiến độ toàn xã", TODAY, GAZ, reporter("CAH")).label == "refuse"
    assert understand("tiến độ huyện", TODAY, GAZ, reporter("CAH")).label == "refuse"
    assert understand("tiến độ xã", TODAY, GAZ, reporter("TP")).unit_id == ID["TP"]


@pytest.mark.parametrize(
    "text", ["Tháng 12 năm nay đơn vị kết nạp 1 đồng chí.", "/baocao 2,5", "kết nạp 5000 đảng viên", "tiến độ năm 2029"]
)
def test_future_periods_non_whole_and_implausible_counts_are_refused(text):
    asker = Asker(own=ID["HU"], scope=frozenset({ID["HU"]}), root=0, official=False, ceilings=(50, 1000))
    assert understand(text, TODAY, GAZ, asker).label == "refuse"


@pytest.mark.parametrize(
    ("text", "label", "code", "figures"),
    [
        ("/baocao Công an huyện 2", "report", "CAH", {"admitted": 2}),
        ("/baocao THPT Thạch Yên q3 2 nu=1", "report", "THPTTY", {"admitted": 2, "female": 1}),
        ("lũy kế từ đầu năm đến giờ Công an huyện kết nạp 5 đồng chí", "cumulative", "CAH", {"admitted": 5}),
        ("Từ đầu năm đến nay Công an huyện kết nạp tất cả 3 đồng chí", "cumulative", "CAH", {"admitted": 3}),
    ],
)
def test_bare_counts_and_year_to_date(text, label, code, figures):
    reading = understand(text, TODAY, GAZ, OFFICIAL)
    assert (reading.label, reading.unit_id, reading.figures) == (label, ID[code], figures)


def test_a_correction_or_a_period_with_a_bare_count():
    assert understand("/sua q3 4", TODAY, GAZ, reporter("HU")).figures == {"admitted": 4}
    reading = understand("t9: 2, 1 nữ", TODAY, GAZ, reporter("HU"))
    assert (reading.label, reading.figures) == ("report", {"admitted": 2, "female": 1})
