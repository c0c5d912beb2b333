"""Issue 15, third pass: the corpus failures grouped and fixed at their cause — telex left in, "tháng năm nay",
descriptor numbers that are no period, history/help/target/invite/re-organisation in free text, one-unit
questions, reports that name their unit before "kết nạp", "ca huyện" (Công an huyện only where it exists), a
command argument that names nothing ("/tiendo MN" → not found, never the asker's unit)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.normalize import fold, number_at
from bot.domain.periods import Period
from bot.language import intents
from bot.language.periods import find_period
from bot.language.understand import understand
from tests.test_language_understanding import GAZ, ID, OFFICIAL, reporter

TODAY = date(2026, 10, 20)


@pytest.mark.parametrize(
    ("typed", "folded"),
    [
        ("tieens ddooj toanf xax", "tien do toan xa"),
        ("tieens ddooj quys 3", "tien do quy 3"),
        ("ko ket nap dduowcj ai", "ko ket nap duoc ai"),
        ("thads dtts hs ls qs vks yes tnhh ubnd xoong", "thads dtts hs ls qs vks yes tnhh ubnd xoong"),
    ],
)
def test_telex_marks_left_in_are_taken_out(typed, folded):
    assert fold(typed) == folded


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("Chi bộ thôn Quyết Thắng năm nay đã đạt chỉ tiêu chưa?", Period.of_year(2026)),
        ("quyet thang nam ngoai", Period.of_year(2025)),
        ("tháng năm 2025", Period.month(2025, 5)),
        ("so ket 6t dau nam 2025 ptdv", Period.half(2025, 1)),
        ("tien do nhiem ky 2020 2025", Period.term(2020, 2025)),
        ("tien ddo 9 thnag dau nam", Period.first_months(2026, 9)),
        ("Xã em kết nạp 1 đồng chí, sinh năm 2001", None),
        ("kết nạp 1 đ/c, là sinh viên năm 3", None),
    ],
)
def test_periods(text, period):
    assert find_period(fold(text), TODAY).period == period


def test_a_bank_is_no_thousand():
    assert number_at(fold("1 ngân hàng").split(), 0) == (1, 1)


@pytest.mark.parametrize(
    ("text", "label", "code"),
    [
        ("tieens ddooj quys 3", "progress", "CP"),
        ("Xã Thung Nai năm nay thế nào em, có chậm không", "progress", "TN"),
        ("Bên Công an huyện năm nay vượt chỉ tiêu chưa em", "progress", "CAH"),
        ("Em ơi xã Hợp Phong tháng trước có báo cáo không", "not_reported", "HP"),
        ("Em ơi số đảng viên mới là người có đạo năm ngoái là bao nhiêu", "breakdown", "CP"),
        ("tiến độ thi hành án 9 tháng", "progress", "THADS"),  # "tiến độ thi…" is no "đồ thị"
        ("cùng kỳ năm ngoái thì sao", "compare", "CP"),
        ("giáo dục nghề nghiệp năm nay", "progress", "GDNN"),
        ("Thị trấn kết nạp 1 đồng chí tháng này", "report", "TTCP"),
        ("ca huyen kn 2 dc", "report", "CAH"),  # a report is never for the district: Công an huyện exists
        ("thi ca huyen dat bao nhieu r", "progress", "CP"),  # a question: cả huyện
        ("giao ct 2027 cho xa tay phong 3 dc", "target", "TP"),
        ("mời cán bộ theo dõi của xã Bắc Phong", "invite", "BP"),
        ("Chi bộ Trung tâm Chính trị huyện ngừng hoạt động từ tháng này.", "reorg", "TTCT"),
    ],
)
def test_official_readings(text, label, code):
    reading = understand(text, TODAY, GAZ, OFFICIAL)
    assert (reading.label, reading.unit_id) == (label, ID[code])


@pytest.mark.parametrize(
    ("text", "choices"),
    [
        ("ngân hàng kết nạp 1 đồng chí", {"NHNN", "NHCS"}),
        ("/baocao ngân hàng 1", {"NHNN", "NHCS"}),
    ],
)
def test_a_report_naming_several_units_asks(text, choices):
    reading = understand(text, TODAY, GAZ, OFFICIAL)
    assert reading.label == "ask" and set(reading.pick.choices) == {ID[c] for c in choices}
    assert reading.figures == {"admitted": 1}


@pytest.mark.parametrize(
    "text", ["/tiendo MN", "/tiendo Hoàng Sa", "tiến độ xã Phú Cường", "tiến độ Hoàng Sa", "tiến độ MN"]
)
def test_a_name_that_matches_nothing_is_not_found_never_the_askers_unit(text):
    reading = understand(text, TODAY, GAZ, OFFICIAL)
    assert (reading.label, reading.pick.how, reading.unit_id) == ("unknown", "not_found", None)


@pytest.mark.parametrize(
    ("text", "label", "figures", "unread"),
    [
        ("lịch sử báo cáo", "history", {}, []),
        ("ls bao cao", "history", {}, []),
        ("hdsd", "help", {}, []),
        ("Dạ em Tuấn xóm Bắc Sơn báo cáo, quý III xã em kết nạp 1 đồng chí dân tộc Mường", "report", None, []),
        ("kết nạp 1 đồng chí ca 3", "report", {"admitted": 1}, ["ca 3"]),
        ("Xóm em kết nạp được 1 đ/c, là sinh viên năm 3", "report", {"admitted": 1, "student": 1}, []),
        ("Dạ tháng này chi bộ em chưa kết nạp được ai anh ạ, sang tháng sau mới có hồ sơ", "report", None, []),
        ("Dạ anh ơi mùa cam năm nay bận quá nên em báo chậm ạ", "unknown", {}, []),
        ("Chị ơi năm ngoái chi bộ em kết nạp được mấy đồng chí ấy nhỉ, em quên mất ạ", "progress", {}, []),
        ("Dạ xóm em năm nay còn thiếu mấy đồng chí ạ, em sợ cuối năm không đạt", "progress", {}, []),
        ("Chị ơi chi bộ em năm nay đã đạt chỉ tiêu chưa ạ, em nhớ là chỉ tiêu giao 2 đồng chí", "progress", {}, []),
    ],
)
def test_reporter_readings(text, label, figures, unread):
    reading = understand(text, TODAY, GAZ, reporter("BP-BS"))
    assert reading.label == label
    if figures is not None and label == "report":
        assert reading.figures == figures
    assert reading.unread == unread


def test_unread_parts_are_shown_in_the_writers_own_words():
    reading = understand("kết nạp 1 đồng chí nữ, cả 3 là đoàn viên", TODAY, GAZ, reporter("BP-BS"))
    assert reading.unread == ["cả 3"]


def test_a_bare_ok_confirms_only_what_is_waiting():
    assert isinstance(intents.parse("ok", TODAY), intents.Unknown)
    assert isinstance(intents.parse("ok", TODAY, pending=True), intents.Confirm)
    assert isinstance(intents.parse("xác nhận", TODAY), intents.Confirm)


@pytest.mark.parametrize(
    ("text", "quoted"),
    [("/tiendo MN", "MN"), ("/tiendo Hoàng Sa", "Hoàng Sa"), ("tiến độ chi bộ Hoàng Sa", "chi bộ Hoàng Sa")],
)
async def test_a_unit_that_matches_nothing_is_said_so_with_the_nearest_names(settings, demo_db, clock, text, quoted):
    from tests.conftest import message_update
    from tests.harness import TelegramHarness

    async with TelegramHarness(settings, demo_db, clock) as bot:
        await bot.link("binh", 9101)
        replies = await bot.send(message_update(9101, text))
        answer = "\n".join(r.text for r in replies)
        assert f"Không tìm thấy đơn vị “{quoted}”" in answer and "Tên gần nhất:" in answer, answer
        assert "Đảng bộ huyện Cao Phong" not in answer.split("Tên gần nhất:")[0], answer
        assert not bot.errors


def test_the_readme_phrasings_table_is_generated_from_the_corpus():
    """README's phrasings match the corpus (regenerate with `python -m bench.phrasings --write`)."""
    from bench import phrasings

    readme = phrasings.README.read_text(encoding="utf-8")
    assert phrasings.current(readme) == phrasings.table(), "run `python -m bench.phrasings --write`"
    assert len(phrasings.shown(readme)) >= 80
    assert phrasings.misread() == []


def test_a_persons_name_in_a_question_is_not_taken_for_a_unit():
    reading = understand("Chị Lan hỏi tiến độ quý 3", TODAY, GAZ, OFFICIAL)
    assert (reading.label, reading.unit_id) == ("progress", ID["CP"])


def test_the_abbreviation_shortcut_changes_nothing():
    """`canon` skips its 24 rewrites when no word can start one (the index build's hot path): same result."""
    from bot.language.gazetteer import _CANON, canon
    from bot.runtime import demo
    from tests.test_language_corpus import load_cases

    def every_rewrite(folded: str) -> str:
        for pattern, replacement in _CANON:
            folded = pattern.sub(replacement, folded)
        return " ".join(folded.split())

    texts = [c.text for c in load_cases()] + [u.name for u in demo.UNITS] + [u.short for u in demo.UNITS]
    texts += ["tt y te", "tty te huyen", "c ty may", "nhno ptnt", "gd nn", "pt th", "truong th bac phong", "TL-MN"]
    texts += ["ban chi huy quan su", "mttqvn", "vksnd", "giao duc nghe nghiep", "tram yt", "px lo nung", "cap ba"]
    assert [canon(fold(t)) for t in texts] == [every_rewrite(fold(t)) for t in texts]


def test_a_period_written_twice_is_no_count():
    text = (
        "Dạ em báo cáo thêm: đồng chí kết nạp tháng 9 có bằng đại học nông lâm ạ, em sửa lại tháng 9 là 1 đồng chí "
        "nữ, dân tộc Mường, đại học ạ"
    )
    reading = understand(text, TODAY, GAZ, reporter("BP-BS"))
    assert (reading.label, reading.period) == ("correction", Period.month(2026, 9))
    assert reading.figures == {"admitted": 1, "female": 1, "ethnic_minority": 1, "university": 1}
