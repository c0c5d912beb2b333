"""The scheduler (APScheduler, real) and the /nhacnho controls through the real Application."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from bot.runtime.scheduler import TICK_JOB, Scheduler
from bot.services.reminders import ReminderService
from handlers.telegram import TelegramNotifier
from tests.conftest import VN, callback_update, message_update
from tests.harness import TelegramHarness, button


def attach(h: TelegramHarness) -> ReminderService:
    service = ReminderService(h.core.ctx, {"telegram": TelegramNotifier(h.app.bot, backoff=0.01)})
    h.core.reminders = service
    return service


async def test_startup_catches_up_within_grace_and_logs_what_is_too_old(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as h:
        lan = await h.link("lan", 71)  # Tây Phong and Cơ quan Huyện ủy have not reported for quarter IV
        await h.link("khanh", 72)
        service = attach(h)
        # The bot was down on 15/12 at 08:00 (the 5-day reminder) and comes back at 11:00: within 12 hours.
        clock.set(datetime(2026, 12, 15, 11, 0, tzinfo=VN))
        scheduler = Scheduler(service, every_minutes=15)
        outcome = await scheduler.start()
        try:
            assert outcome.sent >= 1
            reminded = {m.chat_id for m in h.server.sent if "Hạn báo cáo" in m.text}
            assert reminded == {"71", "72"}
            assert scheduler.job(TICK_JOB) is not None
            job = scheduler.job(TICK_JOB)
            assert job.misfire_grace_time == 600 and job.coalesce
        finally:
            await scheduler.stop()
        # Down again until the next day 21:30 → the 18/12 reminder is not due yet; then 19/12 (Saturday) 10:00:
        # nothing goes out at the weekend; Monday 21/12 09:00: the 18/12 reminder is past its grace → missed.
        clock.set(datetime(2026, 12, 21, 9, 0, tzinfo=VN))
        outcome = await service.tick()
        assert outcome.missed >= 1
        rows = await district_db.fetchall("SELECT status FROM reminder_log WHERE period_key = 'Q2026-4:d1'")
        assert rows and {r[0] for r in rows} == {"missed"}
        assert lan


async def test_apscheduler_fires_the_job(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as h:
        service = attach(h)
        calls: list[datetime] = []

        class Probe(Scheduler):
            async def run(self, startup: bool = False):
                calls.append(datetime.now(VN))
                return await super().run(startup)

        scheduler = Probe(service, every_minutes=1)
        await scheduler.start()
        try:
            job = scheduler.job(TICK_JOB)
            job.modify(next_run_time=datetime.now(VN))  # make APScheduler fire now rather than at the minute
            for _ in range(50):
                if len(calls) >= 2:
                    break
                await asyncio.sleep(0.05)
        finally:
            await scheduler.stop()
        assert len(calls) >= 2  # the start-up run and one fired by APScheduler
        runs = await district_db.fetchall("SELECT job, outcome FROM scheduler_runs")
        assert runs and runs[0][0] == TICK_JOB and "sent=" in runs[0][1]


async def test_nhacnho_controls(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as h:
        await h.link("binh", 81)
        await h.link("minh", 82)
        await h.link("lan", 83)
        attach(h)
        shown = await h.send(message_update(81, "/nhacnho"))
        assert "LỊCH BÁO CÁO VÀ NHẮC NHỞ" in shown[0].text and "Lần gửi tới" in shown[0].text
        changed = await h.send(message_update(81, "/nhacnho han 15"))
        assert "ngày 15 tháng cuối kỳ" in changed[0].text
        bad = await h.send(message_update(81, "/nhacnho han 31"))
        assert "Chưa sửa được lịch" in bad[0].text
        paused = await h.send(message_update(81, "/nhacnho tamdung"))
        assert "ĐANG TẠM DỪNG" in paused[0].text
        assert "Lần gửi tới" not in paused[0].text and "/nhacnho tieptuc" in paused[0].text  # no runs while paused
        assert (await h.core.reminders.tick()).paused
        await h.send(message_update(81, "/nhacnho tieptuc"))
        clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=VN))
        preview = await h.send(message_update(81, "/nhacnho xem"))
        assert "Bùi Thị Lan (Đảng bộ xã Tây Phong)" in preview[0].text
        message, data = button(preview, "Gửi ngay")
        before = len(h.server.sent)
        done = await h.send(callback_update(81, data, message.message_id))
        assert any(m.chat_id == "81" and re.search(r"Đã gửi \d+ tin nhắc", m.text) for m in done)
        assert any(m.chat_id == "83" and "Hạn báo cáo" in m.text for m in h.server.sent[before:])
        again = await h.send(callback_update(81, data, message.message_id))  # a second press repeats nothing
        assert [m.text for m in again] == ["Đã gửi 0 tin nhắc."]
        refused = await h.send(message_update(82, "/nhacnho"))
        assert "dành cho cán bộ theo dõi" in refused[0].text
        audit = await district_db.fetchall("SELECT action FROM audit WHERE action = 'calendar.update'")
        assert len(audit) == 3


async def test_link_group_chat_for_digest(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as h:
        await h.link("binh", 91)
        service = attach(h)
        group = message_update(91, "/lienketnhom")
        group["message"]["chat"] = {"id": -100123, "type": "group", "title": "Ban Thường vụ"}
        linked = await h.send(group)
        assert "Đã liên kết nhóm" in linked[0].text and linked[0].chat_id == "-100123"
        clock.set(datetime(2026, 11, 30, 8, 0, tzinfo=VN))  # Monday
        await service.tick()
        assert any(m.chat_id == "-100123" and m.text.startswith("BẢN TIN TUẦN") for m in h.server.sent)


def test_cli_remind_dry_run_and_calendar(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert main(["setup", "--demo"]) == 0
    capsys.readouterr()
    assert main(["remind", "--dry-run", "--at", "2026-12-15 08:30"]) == 0
    out = capsys.readouterr().out
    assert "Xem trước nhắc nhở quý IV" in out and "Đến hạn gửi" in out and "Lần gửi tới" in out
    assert main(["calendar", "truoc", "7", "2"]) == 0
    assert "7, 2 ngày" in capsys.readouterr().out
    assert main(["remind", "--dry-run", "--at", "hôm qua"]) == 2
