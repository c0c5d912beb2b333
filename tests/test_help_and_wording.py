"""What officials and reporters see: a help that lists every feature with an example naming the asker's own units,
and texts that never name units that do not exist nor quote fragments the user never meant as a unit."""

from __future__ import annotations

import re

import pytest

from bot.present import replies
from bot.services.context import Context
from bot.services.refusal import Refusal
from bot.services.scope import resolve_in_scope
from storage import units, users
from tests.conftest import message_update
from tests.harness import TelegramHarness

BINH, MINH, HUNG = 9201, 9202, 9203
FEATURES = {
    "chưa báo cáo": "/chuabaocao",
    "chậm tiến độ": "/chamtiendo",
    "xếp hạng": "/xephang",
    "cơ cấu": "/cocau",
    "so sánh": "/sosanh",
    "biểu đồ": "/bieudo",
    "xuất báo cáo": "/xuat",
    "chỉ tiêu": "/chitieu",
    "tổ chức": "/tochuc",
    "nhắc nhở": "/nhacnho",
    "người dùng": "/nguoidung",
    "mời": "/moi",
    "nhập dữ liệu": "/maunhap",
}
FIXED_DEMO_NAMES = ("Chi bộ Bắc Phong", "Chi bộ thị trấn Cao Phong", "xã Bắc Phong", "Chi bộ xóm Nội", "Công an huyện")


@pytest.fixture
async def bot(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as harness:
        await harness.link("binh", BINH)
        await harness.link("minh", MINH)
        await harness.link("hung", HUNG)
        yield harness
        assert not harness.errors, harness.errors


async def say(bot, who: int, text: str) -> str:
    return "\n".join(r.text for r in await bot.send(message_update(who, text)))


async def rename_everything(db) -> None:
    """Another district: none of the demo's names exist any more."""
    for unit in await units.all_units(db):
        await units.rename(
            db, unit.id, f"{unit.name.split()[0]} {unit.name.split()[1]} Hòa Lạc {unit.id}", f"HL{unit.id}"
        )


async def test_official_help_lists_every_feature_with_an_example(bot):
    text = await say(bot, BINH, "/help")
    assert len(text) <= 4096
    for feature, command in FEATURES.items():
        lines = [line for line in text.splitlines() if feature in line.lower()]
        assert lines, feature
        assert any(command in line for line in text.splitlines()), command


async def test_reporter_help_has_their_own_features_only(bot):
    text = await say(bot, MINH, "/help")
    assert "kết nạp 2 đảng viên" in text and "/lichsu" in text and "/cocau" in text
    for command in ("/chuabaocao", "/xephang", "/tochuc", "/nguoidung", "/moi", "/chitieu"):
        assert command not in text, command


async def test_help_and_errors_name_the_askers_own_units(bot):
    await rename_everything(bot.db)
    tree_names = {u.name for u in await units.all_units(bot.db)}
    district = await say(bot, BINH, "/help")
    commune = await say(bot, HUNG, "/help")
    unknown = await say(bot, BINH, "thời tiết hôm nay thế nào")
    not_found = await say(bot, BINH, "tiến độ xã Không Có Thật")
    for text in (district, commune, unknown, not_found):
        for name in FIXED_DEMO_NAMES:
            assert name not in text, (name, text)
        for named in re.findall(r"(?:Chi bộ|Đảng bộ) [^·\n“”(]*?Hòa Lạc \d+", text):
            assert named in tree_names, named
    hung = await users.by_login(bot.db, "hung")
    own_children = [u.name for u in await units.all_units(bot.db) if u.parent_id == hung.unit_id]
    assert any(name in commune for name in own_children)  # the commune official's examples are his chi bộ


async def test_examples_in_the_official_help_are_understood(bot):
    text = await say(bot, BINH, "/help")
    below = re.search(r"• tiến độ (Đảng bộ [^\n]+)", text).group(1)
    asks = ["/chuabaocao", "/chamtiendo", "/xephang", "/cocau", "/nguon", "/rasoat", "/sosanh", f"tiến độ {below}"]
    for ask in asks:
        answer = await say(bot, BINH, ask)
        assert "chưa hiểu" not in answer and "gặp lỗi" not in answer and "Không tìm thấy" not in answer, (ask, answer)
    preview = await say(bot, BINH, f"{below} kết nạp 2 đảng viên")
    assert below in preview and "Không tìm thấy" not in preview


async def test_a_fragment_is_not_quoted_back_as_a_unit(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    binh = await users.by_login(demo_db, "binh")
    assert binh is not None
    with pytest.raises(Refusal) as refusal:
        await resolve_in_scope(ctx, binh, "đ/c")
    assert "“đ/c”" not in refusal.value.text and "chưa nhận ra tên đơn vị" in refusal.value.text
    with pytest.raises(Refusal) as named:
        await resolve_in_scope(ctx, binh, "xã Không Có")
    assert "Không tìm thấy đơn vị “xã Không Có”" in named.value.text
    assert "[đơn vị" not in named.value.text


def test_default_examples_name_no_unit():
    for text in (replies.help_text(None), replies.not_understood(), replies.unit_not_found("xã Ất Giáp")):
        for name in FIXED_DEMO_NAMES:
            assert name not in text


def test_screening_preview_does_not_repeat_itself_and_writes_dang_for_the_party():
    from bot.present.replies.queries import pipeline_text, screening_text
    from bot.present.replies.reporting import figures_text

    line = figures_text("screening", {"reviewed": 45, "removed": 2, "followed_up": 3})
    assert line == "Rà soát, sàng lọc đảng viên: đã rà soát 45; đưa ra khỏi Đảng 2; tiếp tục theo dõi, giúp đỡ 3"
    answer = screening_text("Đảng bộ xã A", "năm 2026", {"reviewed": 45, "removed": 2}, 1, [])
    assert "• Đưa ra khỏi Đảng: 2" in answer and "khỏi đảng" not in answer
    pipeline = pipeline_text("Đảng bộ xã A", "năm 2026", {"pool": 5, "certified": 2}, 1, 1, 1, [])
    assert "về Đảng" in pipeline and "về đảng" not in pipeline


def test_no_text_in_the_code_says_xin_xin_or_lowercases_the_party():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    for path in [*root.glob("bot/**/*.py"), *root.glob("handlers/*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "xin xin" not in text.lower(), path
        assert not re.search(r"(khỏi|về|vào|của) đảng\b(?! viên| bộ| ủy| uỷ)", text), path
        assert ".capitalize()" not in text, path  # it lower-cases "Đảng" inside a label; use textfmt.first_upper


def test_an_error_that_repeats_is_not_answered_with_try_again_later():
    from bot.present.replies import APOLOGY
    from bot.present.replies.files import no_link

    assert "thử lại sau" not in APOLOGY.lower() and "Ban Tổ chức" in APOLOGY and "/help" in APOLOGY
    text = no_link("document", "tien-do.xlsx", "abc", [])
    assert "chưa nhận tệp đính kèm" not in text and "ptdv file abc" in text
