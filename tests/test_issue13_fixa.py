"""Issue 13, what a new user tripped over (second round): no English reaching a user, codes that never start
with "-", one answer per question, pages that say which page, a typed confirmation for the latest preview."""

from __future__ import annotations

import re

import pytest

from bot.services import reminder_controls
from bot.services.core import Core
from bot.services.reminders import ReminderService
from storage import users

ENGLISH = re.compile(
    r"\b(should|must|input|value|error|invalid|range|day is|hour|month|out of|not known|file is)\b", re.I
)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("han 35", "/nhacnho han 20"),
        ("gio 25:00", "/nhacnho gio 08:00"),
        ("gio 08:75", "/nhacnho gio 08:00"),
        ("nghi 31/02/2026", "/nhacnho nghi 02/09/2026"),
        ("dungsai 300", "/nhacnho dungsai 10"),
        ("truoc 40", "/nhacnho truoc 5 1"),
    ],
)
async def test_calendar_edits_are_refused_in_vietnamese_with_an_example(settings, district_db, clock, args, expected):
    core = Core(district_db, settings, clock)
    service = ReminderService(core.ctx, {})
    before = await service.calendar()
    binh = await users.by_login(district_db, "binh")
    assert binh is not None
    [reply] = await reminder_controls.control(core.ctx, service, binh, args)
    first = reply.text.split("\n\nCách dùng")[0]
    assert first.startswith("Chưa sửa được lịch:") and "Chưa thay đổi gì." in first
    assert f"Ví dụ: {expected}" in first
    assert not ENGLISH.search(first), first
    assert await service.calendar() == before


def test_remind_preview_lists_unreachable_people_apart_from_the_sends(tmp_path, monkeypatch, capsys):
    import sqlite3

    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TELEGRAM_BOT_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "ptdv.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "ptdv.sqlite3"))
    assert main(["setup", "--demo"]) == 0
    with sqlite3.connect(tmp_path / "ptdv.sqlite3") as conn:  # a reporter imported, never registered on any app
        unit, created = conn.execute("SELECT unit_id, created_at FROM users WHERE name = 'Quách Văn Tuấn'").fetchone()
        conn.execute(
            "INSERT INTO users(name, role, unit_id, created_at) VALUES ('Nguyễn Văn A', 'reporter', ?, ?)",
            (unit, created),
        )
    capsys.readouterr()
    assert main(["remind", "--at", "2026-12-15 08:00"]) == 0
    out = capsys.readouterr().out
    assert "Gửi Nguyễn Văn A" not in out  # not a send…
    sends = int(re.search(r"Đến hạn gửi: (\d+) tin\.", out).group(1))
    assert len(re.findall(r"^\d+\. Gửi ", out, re.M)) == min(sends, 20)
    assert "Đến hạn nhưng không gửi được 1 tin vì người nhận chưa liên kết kênh nhắn tin nào của bot: " in out
    assert "Nguyễn Văn A (Chi bộ xóm Bắc Sơn)" in out  # …but named as one that cannot be delivered


def test_codes_people_type_never_start_with_a_dash(monkeypatch):
    import secrets

    from storage import codes, invites

    drawn = iter(["-VR2BkY", "-x", "VR2BkY"])
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: next(drawn))
    assert codes.typeable_token(24) == "VR2BkY"
    monkeypatch.undo()
    assert not any(codes.typeable_token(6).startswith("-") for _ in range(2000))
    assert "-" not in invites.ALPHABET


def test_ptdv_file_takes_a_code_that_starts_with_a_dash(tmp_path, monkeypatch, capsys):
    import asyncio
    from datetime import datetime

    from bot.cli import main
    from storage import file_links
    from storage.db import Database
    from storage.migrations import migrate
    from tests.conftest import VN

    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "ptdv.sqlite3"))

    async def store() -> None:
        db = await Database.open(tmp_path / "ptdv.sqlite3")
        try:
            await migrate(db)
            async with db.transaction():  # a code made before they were kept from starting with "-"
                await db.execute(
                    "INSERT INTO file_links(token, filename, kind, content, user_id, created_at, expires_at)"
                    " VALUES ('-VR2BkY-abc', 'bao-cao.xlsx', 'document', x'504b', NULL, ?, ?)",
                    (
                        file_links.to_db(datetime(2000, 1, 1, tzinfo=VN)),
                        file_links.to_db(datetime(2100, 1, 1, tzinfo=VN)),
                    ),
                )
        finally:
            await db.close()

    asyncio.run(store())
    assert main(["file", "-VR2BkY-abc", "--out", "a.xlsx"]) == 0
    assert main(["file", "--out", "b.xlsx", "--", "-VR2BkY-abc"]) == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes() == b"PK"
    assert "Đã ghi" in capsys.readouterr().out


async def _replies(core: Core, login: str, text: str, data: str | None = None, n: list[int] = [0]):  # noqa: B006
    from bot.domain.messages import Inbound, InboundKind

    n[0] += 1
    user = await users.by_login(core.ctx.db, login)
    inbound = Inbound(
        channel="console",
        update_key=f"console:fixa{n[0]}",
        sender_id=str(user.id),
        chat_id=str(user.id),
        at=core.clock.now(),
        kind=InboundKind.CHOICE if data else InboundKind.TEXT,
        text=text,
        data=data,
        message_id=f"fixa{n[0]}",
    )
    return await core.handle(inbound)


async def _say(core: Core, login: str, text: str) -> str:
    return "\n".join(r.text for r in await _replies(core, login, text))


async def test_history_is_newest_sent_first(settings, district_db, clock):
    from datetime import datetime

    core = Core(district_db, settings, clock)
    for login in ("binh", "minh", "thu"):
        text = await _say(core, login, "/lichsu")
        days = [datetime.strptime(d, "%d/%m/%Y") for d in re.findall(r"^#\d+ (\d\d/\d\d/\d{4}):", text, re.M)]
        assert len(days) >= 10 and days == sorted(days, reverse=True), text


async def test_an_import_breakdown_above_the_total_is_reported_under_its_own_column(settings, district_db, clock):
    from bot.importing.reader import read_file
    from bot.services import imports

    core = Core(district_db, settings, clock)
    csv = "Mã đơn vị;Kỳ;Kết nạp;Nữ;Đoàn viên\nCAH;T10/2026;1;3;1\n".encode()
    found = [str(p) for p in await imports.check(core.ctx, read_file("sl.csv", csv, 1 << 20))]
    assert len(found) == 1 and "cột “Nữ”" in found[0] and "3 lớn hơn tổng số kết nạp (1)" in found[0], found


async def test_every_page_of_a_paged_list_says_which_page_of_how_many(settings, district_db, clock):
    core = Core(district_db, settings, clock)
    for command in ("/chuabaocao quý 4", "/xephang"):
        [reply] = await _replies(core, "binh", command)
        pages = int(re.search(r"\(trang 1/(\d+)\)", reply.text).group(1))
        assert pages >= 2
        for page in range(2, pages + 1):
            [reply] = await _replies(core, "binh", "", data=reply.choices[0][0].data)
            assert f"(trang {page}/{pages})" in reply.text, reply.text
        assert not reply.choices  # the last page


def test_export_of_a_quarter_that_does_not_exist_says_so(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "ptdv.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "ptdv.sqlite3"))
    assert main(["setup", "--demo"]) == 0
    capsys.readouterr()
    assert main(["export", "quý", "9"]) == 2
    err = capsys.readouterr().err
    assert "không có quý 9" in err and "không nhận ra" not in err, err
    assert main(["export", "quý", "3", "2021", "--out", "q3.xlsx"]) == 0
    assert (tmp_path / "q3.xlsx").exists()
