"""Issue 13 §4: people locked out, duplicated or trapped — reporters of units with units below them, invites
for people who already exist, the edit-mode trap, invalid choice numbers on plain channels."""

from __future__ import annotations

import re
import sqlite3

import pytest

from storage import submissions, units, users
from tests.conftest import TODAY, callback_update, message_update
from tests.harness import TelegramHarness, button

LAN, BINH, THU = 7101, 7103, 7104


@pytest.fixture
async def bot(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as harness:
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
        assert [r.admitted for r in rows] == admitted
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


def _code(text: str) -> str:
    match = re.search(r"Mã mời: ([A-Z0-9]{8})", text)
    assert match, text
    return match.group(1)


async def _imported_person(bot, name: str = "Bùi Thị Mai", login: str = "mai", unit: str = "THPTCP") -> int:
    """A person added by an import: a login, no chat account yet."""
    unit_id = (await units.by_code(bot.db, unit)).id
    async with bot.db.transaction():
        return await users.add(bot.db, name=name, role="reporter", unit_id=unit_id, now=bot.clock.now(), login=login)


async def test_a_chat_invite_for_an_existing_person_attaches_to_that_person(bot):
    mai = await _imported_person(bot)
    # An invite for the unit says who is already there and how to invite exactly that person.
    plain = await bot.send(message_update(BINH, "/moi Chi bộ Trường THPT Cao Phong"))
    assert f"#{mai} Bùi Thị Mai" in plain[0].text and f"/moi #{mai}" in plain[0].text
    for how in ("mai", f"#{mai}"):
        before = len(await users.all_users(bot.db))
        invited = await bot.send(message_update(BINH, f"/moi {how}"))
        assert f"Người được mời: #{mai} Bùi Thị Mai" in invited[0].text
        newcomer = 7300 + len(how)
        done = await bot.send(message_update(newcomer, f"/dangky {_code(invited[0].text)}", name="Mai"))
        assert "Đăng ký thành công" in done[0].text
        assert len(await users.all_users(bot.db)) == before  # no second “Bùi Thị Mai”
        assert (await users.by_identity(bot.db, "telegram", str(newcomer))).id == mai
    assert "Không tìm thấy người dùng #99999" in (await bot.send(message_update(BINH, "/moi #99999")))[0].text
    # Outside the official's scope: refused.
    hung = await bot.link("hung", 7105)
    assert hung
    refused = await bot.send(message_update(7105, f"/moi #{mai}"))
    assert "ngoài phạm vi" in refused[0].text


def test_cli_invite_for_an_existing_person(tmp_path, monkeypatch, capsys):
    import asyncio

    from bot.cli import main
    from storage.db import Database

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "db.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(path))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(path))
    assert main(["setup", "--demo"]) == 0

    async def add_mai() -> int:
        db = await Database.open(path)
        try:
            unit_id = (await units.by_code(db, "THPTCP")).id
            async with db.transaction():
                return await users.add(db, name="Bùi Thị Mai", role="reporter", unit_id=unit_id, now=TODAY, login="mai")
        finally:
            await db.close()

    mai = asyncio.run(add_mai())
    capsys.readouterr()
    assert main(["invite", "--user", "mai"]) == 0
    assert f"Người được mời: #{mai} Bùi Thị Mai" in capsys.readouterr().out
    assert main(["invite", "THPTCP", "--name", "Bui Thi Mai"]) == 0  # same name in the same unit
    assert f"Người được mời: #{mai} Bùi Thị Mai" in capsys.readouterr().out
    assert main(["invite", "THPTCP"]) == 0
    hint = capsys.readouterr().out
    assert f"#{mai} Bùi Thị Mai" in hint and "ptdv invite --user #" in hint
    assert main(["invite", "--user", "khongco"]) == 2
    assert "Không tìm thấy người dùng" in capsys.readouterr().err
    assert main(["invite"]) == 2
    with sqlite3.connect(path) as conn:
        linked = conn.execute("SELECT COUNT(*) FROM invites WHERE link_user_id = ?", (mai,)).fetchone()[0]
    assert linked == 2


async def _saved_then_fix(bot, who: int = THU):
    """Store “kết nạp 2” and press “✏️ Sửa báo cáo này”."""
    preview = await bot.send(message_update(who, "kết nạp 2 đảng viên"))
    message, data = button(preview, "Xác nhận")
    saved = await bot.send(callback_update(who, data, message.message_id))
    message, data = button(saved, "Sửa báo cáo này")
    prompt = await bot.send(callback_update(who, data, message.message_id))
    assert "Đang sửa báo cáo" in prompt[0].text
    return saved


async def test_the_fix_replaces_with_old_and_new_side_by_side(bot):
    await _saved_then_fix(bot)
    preview = await bot.send(message_update(THU, "kết nạp 1"))
    text = preview[0].text
    assert "SỬA (thay thế)" in text and "– Kết nạp (ĐVM): 2 → 1 (giảm 1)" in text
    assert "Đang có:" in text and "Thay bằng:" in text


@pytest.mark.parametrize("between", ["tiến độ", "/lichsu", "/start", "có"])
async def test_any_other_message_ends_edit_mode(bot, between):
    await _saved_then_fix(bot)
    await bot.send(message_update(THU, between))
    later = await bot.send(message_update(THU, "tháng 11 kết nạp thêm 1 đ/c nữ"))
    text = later[0].text
    assert "Xin xác nhận báo cáo:" in text and "Thay bằng" not in text and "SỬA" not in text


async def test_edit_mode_expires_by_the_injected_clock(bot, clock):
    await _saved_then_fix(bot)
    clock.advance(minutes=16)
    later = await bot.send(message_update(THU, "kết nạp 1"))
    assert "Xin xác nhận báo cáo:" in later[0].text and "Thay bằng" not in later[0].text


async def test_edit_mode_does_not_follow_the_person_to_another_channel(bot):
    from bot.domain.messages import Inbound, InboundKind

    await _saved_then_fix(bot)
    thu = await users.by_login(bot.db, "thu")
    async with bot.db.transaction():
        await users.link_identity(
            bot.db, channel="zalo", external_id="z-thu", user_id=thu.id, chat_id="z-thu", now=bot.clock.now()
        )
    inbound = Inbound(
        channel="zalo",
        kind=InboundKind.TEXT,
        sender_id="z-thu",
        chat_id="z-thu",
        text="kết nạp 1",
        update_key="z:1",
        at=bot.clock.now(),
    )
    answer = await bot.core.handle(inbound)
    assert "Xin xác nhận báo cáo:" in answer[0].text and "Thay bằng" not in answer[0].text


async def test_a_new_console_session_ends_edit_mode(settings, district_db, clock):
    import io

    from bot.runtime import app

    out = io.StringIO()
    first = "kết nạp 2 đảng viên\n1\n1\n"  # store, then press “✏️ Sửa báo cáo này”
    await app.run_console(settings, login="thu", inp=io.StringIO(first), out=out, clock=clock, interactive=False)
    assert "Đang sửa báo cáo" in out.getvalue()
    out = io.StringIO()
    await app.run_console(
        settings, login="thu", inp=io.StringIO("kết nạp 1\n"), out=out, clock=clock, interactive=False
    )
    assert "Xin xác nhận báo cáo:" in out.getvalue() and "Thay bằng" not in out.getvalue()


async def test_zalo_an_invalid_choice_number_keeps_the_menu(settings, district_db, clock):
    from tests.channels import ZaloHarness

    thu_z = "1100000000000000007"
    async with ZaloHarness(settings, district_db, clock) as zb:
        await zb.link("thu", thu_z)
        preview = await zb.send(zb.update(thu_z, "kết nạp 2 đảng viên"))
        assert "Trả lời bằng số (1–3):" in preview[0].text
        wrong = await zb.send(zb.update(thu_z, "4"))
        assert len(wrong) == 1
        assert "Không có lựa chọn số 4" in wrong[0].text and "từ 1 đến 3" in wrong[0].text
        saved = await zb.send(zb.update(thu_z, "1"))  # the list still stands
        assert saved[0].text.startswith("Đã lưu")
        assert not await zb.errors()
