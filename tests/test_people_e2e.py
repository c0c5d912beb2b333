"""Registration by invite and the officials' user tools, through the real Application."""

from __future__ import annotations

import re
from datetime import timedelta

from storage import users
from tests.conftest import message_update
from tests.harness import TelegramHarness

BINH, NEW, OTHER = 8001, 8101, 8102


def code_in(text: str) -> str:
    match = re.search(r"Mã mời: ([A-Z0-9]{8})", text)
    assert match, text
    return match.group(1)


async def test_invite_register_and_single_use(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", BINH)
        invite = await bot.send(message_update(BINH, "/moi Chi bộ xóm Nội"))
        code = code_in(invite[0].text)
        assert f"https://t.me/ptdv_bot?start={code}" in invite[0].text
        registered = await bot.send(message_update(NEW, f"/start {code}", name="Bùi Văn Mới"))
        assert "Đăng ký thành công" in registered[0].text and "Chi bộ xóm Nội" in registered[0].text
        reused = await bot.send(message_update(OTHER, f"/dangky {code}"))
        assert "đã được sử dụng" in reused[0].text
        again = await bot.send(message_update(NEW, f"/start {code}"))  # the same person: no harm
        assert "Chi bộ xóm Nội" in again[0].text
        preview = await bot.send(message_update(NEW, "kết nạp 1"))
        assert "Chi bộ xóm Nội" in preview[0].text
        user = await users.by_identity(district_db, "telegram", str(NEW))
        assert user is not None and user.name == "Bùi Văn Mới" and user.role.value == "reporter"
        assert not bot.errors
    actions = [r[0] for r in await district_db.fetchall("SELECT action FROM audit ORDER BY id")]
    assert actions[:2] == ["invite.create", "user.register"]


async def test_expired_and_unknown_codes(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", BINH)
        code = code_in((await bot.send(message_update(BINH, "/moi Công an huyện theo dõi")))[0].text)
        clock.advance(days=8)
        expired = await bot.send(message_update(NEW, f"/dangky {code}"))
        unknown = await bot.send(message_update(NEW, "/dangky ZZZZZZZZ"))
        clock.advance(days=-8)
    assert "hết hạn" in expired[0].text
    assert "không đúng" in unknown[0].text
    assert await users.by_identity(district_db, "telegram", str(NEW)) is None


async def test_official_lists_deactivates_and_reassigns(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", BINH)
        minh = await bot.link("minh", 8002)
        listing = await bot.send(message_update(BINH, "/nguoidung"))
        assert f"#{minh} Lê Văn Minh — báo cáo — Đảng bộ Công an huyện" in listing[0].text
        moved = await bot.send(message_update(BINH, f"/chuyen {minh} Quân sự huyện"))
        assert "Đảng bộ Quân sự huyện" in moved[0].text
        promoted = await bot.send(message_update(BINH, f"/vaitro {minh} theo dõi"))
        assert "cán bộ theo dõi" in promoted[0].text
        self_lock = await bot.send(message_update(BINH, "/khoa binh"))
        assert "Không thể tự khóa" in self_lock[0].text
        locked = await bot.send(message_update(BINH, "/khoa minh"))
        assert "Đã khóa" in locked[0].text
        after = await bot.send(message_update(8002, "tiến độ"))
        assert "chưa đăng ký" in after[0].text
    actions = [r[0] for r in await district_db.fetchall("SELECT action FROM audit ORDER BY id")]
    assert actions == ["user.reassign", "user.role", "user.deactivate"]


async def test_reporters_cannot_administer(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("minh", 8002)
        for command in ("/moi Công an huyện", "/nguoidung", "/khoa binh"):
            answer = await bot.send(message_update(8002, command))
            assert "dành cho cán bộ theo dõi" in answer[0].text


async def test_handover_keeps_history(settings, district_db, clock):
    """A reporter leaves: the official locks them and invites a successor; the unit's events stay."""
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", BINH)
        before = await district_db.scalar(
            "SELECT COUNT(*) FROM submissions s JOIN units u ON u.id = s.unit_id WHERE u.code = 'CAH'"
        )
        await bot.send(message_update(BINH, "/khoa minh"))
        code = code_in((await bot.send(message_update(BINH, "/moi Công an huyện")))[0].text)
        await bot.send(message_update(NEW, f"/dangky {code}"))
        history = await bot.send(message_update(NEW, "/lichsu"))
    after = await district_db.scalar(
        "SELECT COUNT(*) FROM submissions s JOIN units u ON u.id = s.unit_id WHERE u.code = 'CAH'"
    )
    assert before == after
    assert "Lê Văn Minh" in history[0].text  # the predecessor's reports are still attributed to him


def test_invite_codes_avoid_ambiguous_characters():
    from storage.invites import new_code

    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200
    assert not any(set(c) & set("01OI") for c in codes)


def test_cli_invite(tmp_path, monkeypatch, capsys):
    import sqlite3
    from datetime import datetime

    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "ptdv_test_bot")
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert main(["setup", "--demo"]) == 0
    assert main(["invite", "CAH", "--role", "official", "--days", "3"]) == 0
    out = capsys.readouterr().out
    code = code_in(out)
    assert f"https://t.me/ptdv_test_bot?start={code}" in out
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        role, expires, created = conn.execute(
            "SELECT role, expires_at, created_at FROM invites WHERE code = ?", (code,)
        ).fetchone()
    assert role == "official"
    assert datetime.fromisoformat(expires) - datetime.fromisoformat(created) == timedelta(days=3)
    assert main(["invite", "phong"]) == 2  # ambiguous: refused with one line
    assert "Không xác định được đơn vị" in capsys.readouterr().err
