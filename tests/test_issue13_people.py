"""Issue 13 §4: people locked out, duplicated or trapped — reporters of units with units below them, invites
for people who already exist, the edit-mode trap, invalid choice numbers on plain channels."""

from __future__ import annotations

import pytest

from storage import submissions, units
from tests.conftest import callback_update, message_update
from tests.harness import TelegramHarness, button

LAN, BINH, THU = 7101, 7103, 7104


@pytest.fixture
async def bot(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as harness:
        await harness.link("lan", LAN)
        await harness.link("binh", BINH)
        await harness.link("thu", THU)
        yield harness
        assert not harness.errors, harness.errors


async def _add_unit(bot, name: str, parent: str) -> None:
    preview = await bot.send(message_update(BINH, f"/tochuc them {name} thuộc {parent}"))
    message, data = button(preview, "Xác nhận")
    done = await bot.send(callback_update(BINH, data, message.message_id))
    assert "Đã" in done[0].text, done[0].text


async def test_reporter_of_a_unit_with_units_below_reports_for_them(bot):
    # Lan reports for xã Tây Phong; two chi bộ are then added under it.
    await _add_unit(bot, "Chi bộ thôn Đồng Mới", "xã Tây Phong")
    await _add_unit(bot, "Chi bộ thôn Bãi Mới", "xã Tây Phong")
    tay_phong = await units.by_code(bot.db, "TP")
    # Without naming a unit she is asked which unit below hers, with buttons — not refused.
    asked = await bot.send(message_update(LAN, "kết nạp 1 đảng viên"))
    assert "Đồng chí báo cáo cho đơn vị nào" in asked[0].text
    assert set(asked[0].button_labels) == {"Chi bộ thôn Đồng Mới", "Chi bộ thôn Bãi Mới"}
    message, data = button(asked, "Đồng Mới")
    preview = await bot.send(callback_update(LAN, data, message.message_id))
    assert "Kết nạp 1 ĐVM" in preview[0].text and "Chi bộ thôn Đồng Mới" in preview[0].text
    message, data = button(preview, "Xác nhận")
    saved = await bot.send(callback_update(LAN, data, message.message_id))
    assert saved[0].text.startswith("Đã lưu")
    # Naming the unit works too.
    named = await bot.send(message_update(LAN, "Chi bộ thôn Bãi Mới kết nạp 2 đảng viên"))
    assert "Kết nạp 2 ĐVM" in named[0].text and "Chi bộ thôn Bãi Mới" in named[0].text
    message, data = button(named, "Xác nhận")
    await bot.send(callback_update(LAN, data, message.message_id))
    tree_units = {u.name: u.id for u in await units.all_units(bot.db)}
    for name, admitted in (("Chi bộ thôn Đồng Mới", [1]), ("Chi bộ thôn Bãi Mới", [2])):
        rows = await submissions.live_within(bot.db, tree_units[name], "admission", 202611, 202611)
        assert [r["admitted"] for r in rows] == admitted
    assert tay_phong is not None
    # Never outside her subtree.
    outside = await bot.send(message_update(LAN, "Chi bộ Trường THPT Cao Phong kết nạp 1 đảng viên"))
    assert "ngoài phạm vi" in outside[0].text
    # A forged button for the parent itself (callback data is untrusted) stores nothing on it.
    asked = await bot.send(message_update(LAN, "kết nạp 1 đảng viên"))
    message, data = button(asked, "Đồng Mới")
    forged = data.rsplit("|", 1)[0] + f"|{tay_phong.id}"
    answer = await bot.send(callback_update(LAN, forged, message.message_id))
    assert "Xác nhận" not in " ".join(answer[0].button_labels)
    assert await submissions.live_within(bot.db, tay_phong.id, "admission", 202611, 202611) == []
