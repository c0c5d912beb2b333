"""Zalo's error table taken at its word (issue 16 items 1–2, issue 14 item 9).

403 is "Internal server error": a failed delivery, backed off, never a reason to lock a person out. A person is
"unreachable" only after repeated failures over days (or a channel's outright refusal, as Telegram's "bot was
blocked"); they stay registered and active, are named in the digest, and writing to the bot clears it.
429 is "Quota exceeded" (the month's quota): scheduled sends stop within one attempt, the quota learns it, and
the top officials hear of it once — on another channel when they have one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.runtime import demo
from bot.services.reminders import ReminderService
from handlers.telegram import TelegramNotifier
from storage import reminders, usage, users
from tests.channels import ZaloDriver, ZaloHarness
from tests.conftest import VN, message_update
from tests.harness import TelegramHarness

REMIND_AT = datetime(2026, 12, 15, 13, 0, tzinfo=VN)  # quarter IV's reminder, nobody has reported yet


async def _state(db, user_id: int):
    return await db.fetchone(
        "SELECT active, send_failures, send_retry_at, unreachable_at FROM users WHERE id = ?", (user_id,)
    )


async def test_a_zalo_403_once_keeps_the_reporter_active_and_the_next_reminder_arrives(settings, db, clock):
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=VN))
    await demo.load(db, clock.now())
    async with ZaloHarness(settings, db, clock) as zb:
        chat = ZaloDriver(zb)
        son = await chat.link("son")
        service = ReminderService(zb.core.ctx, {"zalo": zb.channel.notifier})
        clock.set(REMIND_AT)
        zb.server.fail("sendMessage", 403)  # the first reminder of the run meets Zalo's "Internal server error"
        first = await service.tick()
        assert first.failed == 1 and first.sent == 0
        row = await _state(db, son)
        assert row["active"] == 1 and row["send_failures"] == 1 and row["unreachable_at"] is None
        assert (await users.get(db, son)).active  # still registered and active: not locked out
        calls = zb.server.api.calls.count("sendMessage")
        again = await service.tick()  # a minute later: inside the back-off, not retried
        assert again.backing_off == 1 and zb.server.api.calls.count("sendMessage") == calls
        clock.advance(hours=2)  # past the back-off (1 h after a first failure)
        mark = chat.mark()
        later = await service.tick()
        assert later.sent == 1
        assert [o.chat_id for o in chat.since(mark) if "Hạn báo cáo quý IV" in o.text] == [chat.chat_of(son)]
        row = await _state(db, son)
        assert row["send_failures"] == 0 and row["unreachable_at"] is None
        answer = await chat.say(son, "/help")  # and of course they can still use the bot
        assert "chưa đăng ký" not in answer[0].text.lower()


async def test_unreachable_only_after_repeated_failures_over_time_and_a_message_clears_it(settings, demo_db, clock):
    son = (await users.by_login(demo_db, "son")).id
    start = clock.now()
    assert not await reminders.record_failure(demo_db, son, start)
    assert not await reminders.record_failure(demo_db, son, start + timedelta(hours=3))
    assert not await reminders.record_failure(demo_db, son, start + timedelta(hours=9))  # 3 in a day: not yet
    held, backing_off = await reminders.delivery_holds(demo_db, start + timedelta(hours=10))
    assert son in backing_off and son not in held  # back-off doubles: 1 h, 2 h, 4 h ...
    assert await reminders.record_failure(demo_db, son, start + timedelta(days=2, hours=1))  # over two days
    assert (await _state(demo_db, son))["active"] == 1
    assert [u[0] for u in await reminders.unreachable_users(demo_db)] == [son]
    async with ZaloHarness(settings, demo_db, clock) as zb:
        chat = ZaloDriver(zb)
        binh = await chat.link("binh")
        await zb.link("son", chat.chat_of(son))
        listed = await chat.say(binh, "/nguoidung")
        line = next(ln for o in listed for ln in o.text.splitlines() if "Bùi Văn Sơn" in ln)
        assert "không liên lạc được từ" in line and f"/thulai {son}" in line
        await chat.say(son, "tiến độ")  # a new message from the person re-activates delivery
        assert await reminders.unreachable_users(demo_db) == []
        assert not (await reminders.delivery_holds(demo_db, clock.now()))[0]
        await reminders.record_failure(demo_db, son, clock.now(), refused=True)  # an outright refusal marks at once
        cleared = await chat.say(binh, f"/thulai {son}")  # officials can clear it
        assert "Đã xóa đánh dấu" in cleared[0].text and await reminders.unreachable_users(demo_db) == []


async def test_a_429_stops_sends_within_one_attempt_and_officials_hear_once(settings, db, clock, evidence):
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=VN))
    await demo.load(db, clock.now())
    async with TelegramHarness(settings, db, clock) as tg, ZaloHarness(settings, db, clock) as zb:
        chat = ZaloDriver(zb)
        ids = {p.login: await chat.link(p.login) for p in demo.USERS}  # everyone on Zalo first
        for login in ("binh", "ngoc"):  # the top officials also have Telegram
            await tg.link(login, 70_000 + ids[login])
        service = ReminderService(
            zb.core.ctx, {"telegram": TelegramNotifier(tg.app.bot, backoff=0.01), "zalo": zb.channel.notifier}
        )
        clock.set(REMIND_AT)
        zb.server.fail("sendMessage", 429)  # Zalo: "Quota exceeded"
        calls = zb.server.api.calls.count("sendMessage")
        first = await service.tick()
        assert zb.server.api.calls.count("sendMessage") - calls == 1  # one attempt, then nothing more
        assert first.sent == 0 and first.held >= 7 and first.failed == 0
        assert await usage.refused(db, "zalo", "2026-12")
        assert not await db.scalar("SELECT MAX(send_failures) FROM users")  # a quota is nobody's delivery failure
        for _ in range(3):
            clock.advance(minutes=15)
            await service.tick()
        warnings = [m for m in tg.server.sent if m.text.startswith("⚠️ Hạn mức tin nhắn Zalo")]
        assert sorted(m.chat_id for m in warnings) == sorted(str(70_000 + ids[x]) for x in ("binh", "ngoc"))
        assert "Đã hết hạn mức" in warnings[0].text
        assert zb.server.api.calls.count("sendMessage") - calls == 1  # still one: nothing retried since
        evidence("Zalo 429: 1 send attempted, the rest held; 2 top officials told once on Telegram over 4 runs")


async def test_telegram_403_marks_unreachable_not_inactive_and_a_message_reactivates(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as tg:
        son = await tg.link("son", 70_001)
        await reminders.record_failure(demo_db, son, clock.now(), refused=True)  # as after "bot was blocked"
        answer = await tg.send(message_update(70_001, "/help"))  # the person is back
        assert "chưa đăng ký" not in answer[0].text.lower()
        assert (await users.get(demo_db, son)).active and await reminders.unreachable_users(demo_db) == []
