"""Branch reporting through the real Application and a fake Bot API: every line of the Submissions and
Bad input tables of shared/examples/messages.md, confirmation, corrections, idempotency and scope."""

from __future__ import annotations

import pytest

from bot.domain.records import Submission
from storage import submissions, units
from tests.conftest import callback_update, counts, edited_update, message_update, sticker_update
from tests.harness import TelegramHarness, button

THU, MINH, BINH, STRANGER = 7001, 7002, 7003, 7999


@pytest.fixture
async def bot(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as harness:
        await harness.link("thu", THU)
        await harness.link("minh", MINH)
        await harness.link("binh", BINH)
        yield harness
        assert not harness.errors, harness.errors


async def unit_id(db, code: str) -> int:
    return (await units.by_code(db, code)).id


async def live(db, code: str, ym_from: int, ym_to: int, kind: str = "admission") -> list[Submission]:
    return await submissions.live_within(db, await unit_id(db, code), kind, ym_from, ym_to)


async def confirm(bot, who: int, sent) -> list:
    message, data = button(sent, "Xác nhận")
    return await bot.send(callback_update(who, data, message.message_id))


@pytest.mark.parametrize("text", ["kết nạp 2 đảng viên", "ket nap 2 dvm", "/baocao 2"])
async def test_simple_admission_needs_confirmation(bot, text):
    before = await counts(bot.db)
    preview = await bot.send(message_update(THU, text))
    assert "Kết nạp 2 ĐVM — tháng 11, quý IV/2026 — Chi bộ Trường THPT Cao Phong" in preview[0].text
    assert [lbl.split()[-1] for lbl in preview[0].button_labels] == ["nhận", "Sửa", "Hủy"]
    assert (await counts(bot.db))[0] == before[0]  # nothing stored yet
    saved = await confirm(bot, THU, preview)
    assert saved[0].text.startswith("Đã lưu")
    assert "Năm 2026: đã kết nạp" in saved[0].text and "chỉ tiêu" in saved[0].text
    rows = await live(bot.db, "THPTCP", 202611, 202611)
    assert [r.admitted for r in rows] == [2]
    assert rows[0].raw_text == text and rows[0].source_update.startswith("telegram:")


async def test_quarter_with_breakdown(bot):
    preview = await bot.send(message_update(MINH, "quý III kết nạp 3 đảng viên, trong đó 1 nữ, 1 dân tộc thiểu số"))
    assert "sửa" not in preview[0].text.lower().split("\n")[0]
    await confirm(bot, MINH, preview)
    rows = await live(bot.db, "CAH", 202607, 202609)
    quarter = [r for r in rows if r.period_kind == "quarter"]
    assert len(quarter) == 1
    assert (quarter[0].admitted, quarter[0].figures["female"], quarter[0].figures["ethnic_minority"]) == (3, 1, 1)


async def test_number_words(bot):
    preview = await bot.send(message_update(THU, "kết nạp hai đảng viên tháng 9"))
    assert "Kết nạp 2 ĐVM — tháng 9, quý III/2026" in preview[0].text


async def test_official_reports_on_behalf_of_a_unit(bot):
    preview = await bot.send(message_update(BINH, "Chi bộ Công an huyện kết nạp 2 đảng viên"))
    assert "Đảng bộ Công an huyện" in preview[0].text
    await confirm(bot, BINH, preview)
    rows = await live(bot.db, "CAH", 202611, 202611)
    assert [r.admitted for r in rows] == [2]


async def test_pipeline_snapshot(bot):
    preview = await bot.send(message_update(THU, "nguồn 15, đã học lớp nhận thức 8"))
    assert "nguồn (quần chúng ưu tú) 15; đã học lớp nhận thức về Đảng 8" in preview[0].text
    await confirm(bot, THU, preview)
    rows = await live(bot.db, "THPTCP", 202611, 202611, kind="pipeline")
    assert (rows[-1].figures["pool"], rows[-1].figures["certified"], rows[-1].admitted) == (15, 8, 0)


@pytest.mark.parametrize("command", ["sửa: quý III kết nạp 4 chứ không phải 3", "/sua quý III kết nạp 4"])
async def test_correction_supersedes_and_keeps_history(bot, command):
    first = await bot.send(message_update(MINH, "quý III kết nạp 3"))
    await confirm(bot, MINH, first)
    old = await live(bot.db, "CAH", 202607, 202609)
    preview = await bot.send(message_update(MINH, command))
    assert "Đang có:" in preview[0].text and "Thay bằng:" in preview[0].text
    await confirm(bot, MINH, preview)
    now_live = await live(bot.db, "CAH", 202607, 202609)
    assert [r.admitted for r in now_live] == [4]
    for record in old:  # superseded, never deleted
        kept = await submissions.get(bot.db, record.id)
        assert kept is not None and kept.superseded_by == now_live[0].id
    history = await bot.send(message_update(MINH, "/lichsu"))
    assert f"[đã thay bằng #{now_live[0].id}]" in history[0].text
    assert "Lê Văn Minh" in history[0].text


async def test_cumulative_statement_records_the_difference(bot):
    cah = await unit_id(bot.db, "CAH")
    stored = (await submissions.admissions_by_unit(bot.db, 202601, 202612, [cah]))[cah].admitted
    preview = await bot.send(message_update(MINH, f"lũy kế từ đầu năm {stored + 2}"))
    assert f"Hệ thống đang có: {stored} ĐVM" in preview[0].text and "+2 ĐVM" in preview[0].text
    await confirm(bot, MINH, preview)
    after = (await submissions.admissions_by_unit(bot.db, 202601, 202612, [cah]))[cah].admitted
    assert after == stored + 2
    adjustments = await bot.db.fetchall("SELECT admitted FROM submissions WHERE kind = 'adjustment'")
    assert [r[0] for r in adjustments] == [2]


@pytest.mark.parametrize("how", ["typed", "button"])
async def test_cancel_stores_nothing(bot, how):
    before = await counts(bot.db)
    preview = await bot.send(message_update(THU, "kết nạp 2 đảng viên"))
    if how == "typed":
        answer = await bot.send(message_update(THU, "hủy"))
    else:
        message, data = button(preview, "Hủy")
        answer = await bot.send(callback_update(THU, data, message.message_id))
    assert "Đã hủy" in answer[0].text
    assert (await counts(bot.db))[0] == before[0]
    again = await bot.send(message_update(THU, "có"))
    assert "Không có gì đang chờ xác nhận" in again[0].text
    assert (await counts(bot.db))[0] == before[0]


async def test_typed_confirmation(bot):
    before = await counts(bot.db)
    await bot.send(message_update(THU, "ket nap 1"))
    saved = await bot.send(message_update(THU, "Đồng ý"))
    assert saved[0].text.startswith("Đã lưu")
    assert (await counts(bot.db))[0] == before[0] + 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kết nạp -2", "không thể âm"),
        ("kết nạp 2, trong đó 3 nữ", "lớn hơn tổng số"),
        ("kết nạp 5000 đảng viên", "quá lớn"),
        ("quý 5 kết nạp 1", "không có quý 5"),
        ("tháng 12 năm 2030 kết nạp 1", "chưa đến"),
        ("kết nạp abc", "không phải là một số"),
    ],
)
async def test_bad_reports_explain_and_store_nothing(bot, text, expected):
    before = await counts(bot.db)
    answer = await bot.send(message_update(THU, text))
    assert expected in answer[0].text
    assert "chưa được lưu" in answer[0].text and "“" in answer[0].text  # names the problem, shows the form
    assert not answer[0].buttons
    assert await counts(bot.db) == before


@pytest.mark.parametrize(
    "text",
    [
        "x" * 5000,
        "'; DROP TABLE submissions; --",
        "<script>alert(1)</script>",
        "SELECT * FROM users WHERE 1=1",
        "   ",
        "🙂🙂🙂",
    ],
)
async def test_noise_gets_a_polite_answer(bot, text):
    before = await counts(bot.db)
    answer = await bot.send(message_update(THU, text))
    assert "Xin lỗi" in answer[0].text and "/help" in answer[0].text
    assert await counts(bot.db) == before


async def test_sticker_gets_a_polite_answer(bot):
    before = await counts(bot.db)
    answer = await bot.send(sticker_update(THU))
    assert "Xin lỗi" in answer[0].text and "/help" in answer[0].text
    assert await counts(bot.db) == before


async def test_unregistered_reporter_is_told_how_to_register(bot):
    before = await counts(bot.db)
    answer = await bot.send(message_update(STRANGER, "kết nạp 2"))
    assert "chưa đăng ký" in answer[0].text and "/dangky" in answer[0].text
    assert await counts(bot.db) == before


async def test_redelivery_and_double_tap_store_once(bot):
    before = await counts(bot.db)
    preview = await bot.send(message_update(THU, "kết nạp 2 đảng viên"))
    message, data = button(preview, "Xác nhận")
    tap = callback_update(THU, data, message.message_id)
    first = await bot.send(tap)
    second_tap = await bot.send(callback_update(THU, data, message.message_id))
    redelivered = await bot.send(tap)  # Telegram hands the same update over again
    assert first[0].text.startswith("Đã lưu")
    assert "đã được lưu trước đó" in second_tap[0].text
    assert redelivered == []
    assert (await counts(bot.db))[0] == before[0] + 1


async def test_reporter_cannot_write_or_read_another_unit(bot):
    before = await counts(bot.db)
    write = await bot.send(message_update(MINH, "Chi bộ Trường THPT Cao Phong kết nạp 2"))
    read = await bot.send(message_update(MINH, "tiến độ Trường THPT Cao Phong"))
    other = await unit_id(bot.db, "THPTCP")
    forged = await bot.send(callback_update(MINH, f"q|0|0|{other}|Y2026|1"))
    history = await bot.send(message_update(MINH, "/lichsu Trường THPT Cao Phong"))
    for answer in (write, read, forged, history):
        assert "ngoài phạm vi" in answer[0].text
    assert await counts(bot.db) == before


async def test_someone_elses_confirmation_button_does_nothing(bot):
    preview = await bot.send(message_update(THU, "kết nạp 2"))
    _, data = button(preview, "Xác nhận")
    before = await counts(bot.db)
    answer = await bot.send(callback_update(MINH, data))
    assert "Không có gì đang chờ xác nhận" in answer[0].text
    assert await counts(bot.db) == before


async def test_edited_message_updates_the_pending_preview(bot):
    first = message_update(THU, "kết nạp 2 đảng viên")
    preview = await bot.send(first)
    updated = await bot.send(edited_update(THU, first["message"]["message_id"], "kết nạp 3 đảng viên"))
    assert "Đã cập nhật" in updated[0].text and "Kết nạp 3 ĐVM" in updated[1].text
    old_message, old_data = button(preview, "Xác nhận")
    stale = await bot.send(callback_update(THU, old_data, old_message.message_id))
    assert "thay thế" in stale[0].text
    await confirm(bot, THU, updated)
    assert [r.admitted for r in await live(bot.db, "THPTCP", 202611, 202611)] == [3]


async def test_fix_button_replaces_that_record(bot):
    saved = await confirm(bot, THU, await bot.send(message_update(THU, "kết nạp 2 đảng viên")))
    message, data = button(saved, "Sửa")
    prompt = await bot.send(callback_update(THU, data, message.message_id))
    assert "Đang sửa báo cáo" in prompt[0].text
    preview = await bot.send(message_update(THU, "kết nạp 1"))
    assert "Thay bằng" in preview[0].text
    await confirm(bot, THU, preview)
    assert [r.admitted for r in await live(bot.db, "THPTCP", 202611, 202611)] == [1]


async def test_every_change_is_audited(bot):
    preview = await bot.send(message_update(MINH, "quý III kết nạp 3"))
    await confirm(bot, MINH, preview)
    await confirm(bot, MINH, await bot.send(message_update(MINH, "sửa: quý III kết nạp 4")))
    actions = [r[0] for r in await bot.db.fetchall("SELECT action FROM audit ORDER BY id")]
    assert actions == ["submission.create", "submission.correct"]
    row = await bot.db.fetchone("SELECT * FROM audit WHERE action = 'submission.correct'")
    assert row["actor_user_id"] is not None and row["before"] and row["after"] and row["at"]


async def test_closed_year_is_refused(settings, district_db, clock):
    closed = settings.model_copy(update={"closed_before_year": 2026})
    async with TelegramHarness(closed, district_db, clock) as bot:
        await bot.link("thu", THU)
        before = await counts(district_db)
        answer = await bot.send(message_update(THU, "sửa: quý III năm 2025 kết nạp 4"))
        assert "khóa sổ" in answer[0].text
        assert await counts(district_db) == before


async def test_official_unknown_and_ambiguous_units(bot):
    before = await counts(bot.db)
    unknown = await bot.send(message_update(BINH, "Chi bộ Hoàng Sa kết nạp 2"))
    assert "Không tìm thấy đơn vị" in unknown[0].text
    assert await counts(bot.db) == before
    ambiguous = await bot.send(message_update(BINH, "Cao Phong kết nạp 2"))
    assert "Có nhiều đơn vị khớp" in ambiguous[0].text
    assert any("thị trấn Cao Phong" in label for label in ambiguous[0].button_labels)
    message, data = button(ambiguous, "thị trấn Cao Phong")
    preview = await bot.send(callback_update(BINH, data, message.message_id))
    assert "Kết nạp 2 ĐVM — tháng 11, quý IV/2026 — Đảng bộ thị trấn Cao Phong" in preview[0].text
    await confirm(bot, BINH, preview)
    assert [r.admitted for r in await live(bot.db, "TTCP", 202611, 202611)] == [2]


async def test_parent_units_report_through_their_branches(bot):
    before = await counts(bot.db)
    answer = await bot.send(message_update(BINH, "xã Bắc Phong kết nạp 2"))
    assert "đơn vị trực thuộc" in answer[0].text and "Đồng chí báo cáo cho đơn vị nào" in answer[0].text
    assert set(answer[0].button_labels) == {
        "Chi bộ xóm Bắc Sơn",
        "Chi bộ xóm Nội",
        "Chi bộ Trường Tiểu học Bắc Phong",
    }  # it asks which branch, with buttons
    assert (await counts(bot.db))[0] == before[0]  # only asked which unit below: nothing stored


async def test_preview_expiry_is_shown_in_local_time(bot, clock):
    preview = await bot.send(message_update(THU, "kết nạp 1"))
    expires = clock.now() + __import__("datetime").timedelta(minutes=bot.settings.pending_ttl_minutes)
    assert f"hiệu lực đến {expires:%H:%M %d/%m/%Y}" in preview[0].text  # 09:00 in Hà Nội, not 02:00 UTC
