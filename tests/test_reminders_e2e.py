"""Reminders through the real Application and the fake Bot API, with a hand-driven clock.

A whole quarter (1 October – 23 December 2026) is walked a few times a day: the right people are reminded on
the right days, nobody twice, nothing in quiet hours or on weekends; escalation and digests arrive; a restart
in the middle neither loses nor repeats anything. A second test injects 429, 500, timeouts and 403 during a
fan-out.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from bot.domain.calendar import Calendar
from bot.runtime import demo
from bot.services.reminders import ReminderService
from handlers.telegram import TelegramNotifier
from storage import units, users
from tests.conftest import VN, message_update
from tests.fakes.botapi_server import Fault
from tests.harness import TelegramHarness, button

TG = 60_000  # telegram id = TG + user id
TIMES = ((6, 45), (7, 45), (8, 15), (13, 0), (22, 0))


async def link_everyone(harness: TelegramHarness) -> dict[str, int]:
    ids = {}
    for person in demo.DISTRICT_USERS:
        user = await users.by_login(harness.db, person.login)
        ids[person.login] = await harness.link(person.login, TG + user.id)
    return ids


def attach(harness: TelegramHarness) -> ReminderService:
    service = ReminderService(harness.core.ctx, {"telegram": TelegramNotifier(harness.app.bot, backoff=0.01)})
    harness.core.reminders = service
    return service


async def walk(harness, service, clock, start: date, end: date, sent: list, actions: dict) -> None:
    day = start
    while day <= end:
        for hh, mm in TIMES:
            clock.set(datetime(day.year, day.month, day.day, hh, mm, tzinfo=VN))
            if (day, hh, mm) in actions:
                await actions[(day, hh, mm)](harness)
            before = len(harness.server.sent)
            await service.tick()
            sent += [(clock.now(), m) for m in harness.server.sent[before:]]
        day += timedelta(days=1)


async def test_a_quarter_of_reminders(settings, db, clock):
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=VN))
    await demo.load(db, clock.now(), reorganise=False)  # reports up to September: none for quarter IV yet
    sent: list = []

    async def khanh_reports(h):  # reports enough on 15/12 to be done: no more reminders for him
        preview = await h.send(message_update(TG + ids["khanh"], "kết nạp 5 đảng viên"))
        message, data = button(preview, "Xác nhận")
        from tests.conftest import callback_update

        await h.send(callback_update(TG + ids["khanh"], data, message.message_id))

    async def lan_starts(h):  # in the middle of a confirmation when the 18/12 reminder is due
        await h.send(message_update(TG + ids["lan"], "kết nạp 1"))

    async def lan_cancels(h):
        await h.send(message_update(TG + ids["lan"], "hủy"))

    actions_before = {(date(2026, 12, 15), 13, 0): khanh_reports}
    actions_after = {(date(2026, 12, 18), 7, 45): lan_starts, (date(2026, 12, 18), 13, 0): lan_cancels}

    async with TelegramHarness(settings, db, clock) as first:
        ids = await link_everyone(first)
        await walk(first, attach(first), clock, date(2026, 10, 1), date(2026, 12, 16), sent, actions_before)
    # restart in the middle: a new Application, a new service, the same database
    async with TelegramHarness(settings, db, clock) as second:
        await walk(second, attach(second), clock, date(2026, 12, 17), date(2026, 12, 23), sent, actions_after)
        assert not first.errors and not second.errors

    calendar = Calendar()
    replies_to_users = {"Xin xác nhận", "Đã lưu", "Đã hủy"}
    pushed = [(when, m) for when, m in sent if not any(m.text.startswith(r) for r in replies_to_users)]
    for when, _ in pushed:  # nothing at night, on weekends or holidays
        assert not calendar.is_quiet(when), when

    by_chat = {login: TG + uid for login, uid in ids.items()}
    reminders = [(when, m) for when, m in pushed if "Hạn báo cáo quý IV: 20/12" in m.text]
    got = Counter((m.chat_id, when.date()) for when, m in reminders)
    assert all(n == 1 for n in got.values()), got  # nobody twice
    reporters = ["son", "tuan", "minh", "thu", "lan", "khanh", "hoa"]
    for login in reporters:
        days = sorted(d for (chat, d) in got if chat == str(by_chat[login]))
        expected = [date(2026, 12, 15)] if login == "khanh" else [date(2026, 12, 15), date(2026, 12, 18)]
        assert days == expected, (login, days)
    lan = [when for when, m in reminders if m.chat_id == str(by_chat["lan"]) and when.date() == date(2026, 12, 18)]
    assert lan and lan[0].hour == 13  # deferred while she was confirming, sent at the next run
    khanh = next(m.text for when, m in reminders if m.chat_id == str(by_chat["khanh"]))
    assert khanh.startswith("Chi bộ Cơ quan Huyện ủy: năm 2026") and "Trả lời “kết nạp N”" in khanh
    assert not any(m.chat_id not in {str(by_chat[lg]) for lg in reporters} for _, m in reminders)

    escalations = [(when, m) for when, m in pushed if m.text.startswith("Quá hạn báo cáo quý IV/2026")]
    assert {m.chat_id for _, m in escalations} == {str(by_chat[lg]) for lg in ("binh", "ngoc", "hung")}
    assert all(when.date() == date(2026, 12, 21) for when, _ in escalations)
    hung = next(m.text for _, m in escalations if m.chat_id == str(by_chat["hung"]))
    assert "Chi bộ xóm Nội (Bùi Văn Sơn)" in hung and "Chi bộ Trường Tiểu học Bắc Phong" in hung
    binh = next(m.text for _, m in escalations if m.chat_id == str(by_chat["binh"]))
    assert "Chi bộ Cơ quan Huyện ủy" not in binh  # khanh reported
    assert "chưa có người báo cáo đăng ký" in binh

    digests = [(when, m) for when, m in pushed if m.text.startswith("BẢN TIN TUẦN")]
    mondays = [date(2026, 10, 5) + timedelta(weeks=w) for w in range(12)]
    for login in ("binh", "ngoc", "hung"):
        days = sorted(when.date() for when, m in digests if m.chat_id == str(by_chat[login]))
        assert days == mondays, (login, days)
    assert all(when.hour == 7 and when.minute == 45 for when, _ in digests)
    assert "Chưa có người báo cáo" in next(m.text for _, m in digests if m.chat_id == str(by_chat["binh"]))

    log = await db.fetchall(
        "SELECT recipient, unit_id, kind, period_key, COUNT(*) FROM reminder_log"
        " GROUP BY 1, 2, 3, 4 HAVING COUNT(*) > 1"
    )
    assert log == []


async def test_fan_out_survives_429_500_timeouts_and_403(settings, district_db, clock):
    cah = (await units.by_code(district_db, "DL")).id  # a unit silent this year
    async with district_db.transaction():
        extra = [
            await users.add(district_db, name=f"Bí thư {i}", role="reporter", unit_id=cah, now=clock.now())
            for i in range(40)
        ]
    async with TelegramHarness(settings, district_db, clock, rate_limit=True, timeout=0.3) as harness:
        for user_id in extra:
            async with district_db.transaction():
                await users.link_identity(
                    district_db,
                    channel="telegram",
                    external_id=str(TG + user_id),
                    user_id=user_id,
                    chat_id=str(TG + user_id),
                    now=clock.now(),
                )
        binh = await harness.link("binh", TG + 1)
        service = attach(harness)
        blocked = [str(TG + u) for u in extra[:3]]
        faults = harness.server.faults
        faults.extend([Fault("sendMessage", 429, "Too Many Requests", retry_after=1)] * 2)
        faults.extend([Fault("sendMessage", 500, "Internal Server Error")] * 3)
        # delivered, but answered after the client's timeout: logged uncertain, never sent again (issue 14 item 8)
        faults.extend(Fault("sendMessage", 200, delay=0.6, accepted=True, chat_id=str(TG + u)) for u in extra[3:5])
        faults.extend(
            Fault("sendMessage", 403, "Forbidden: bot was blocked by the user", chat_id=c, sticky=True) for c in blocked
        )
        clock.set(datetime(2026, 12, 15, 8, 30, tzinfo=VN))
        first = await service.tick()
        second = await service.tick()  # retries whatever failed, sends nothing twice
        assert harness.server.faults_served >= 10
        reminders = Counter(m.chat_id for m in harness.server.sent if "Hạn báo cáo" in m.text)
        reachable = {str(TG + u) for u in extra[3:]}
        assert {c for c in reminders if c in reachable | set(blocked)} == reachable
        assert all(reminders[c] == 1 for c in reachable)
        assert first.blocked == 3 and first.uncertain == 2 and second.uncertain == 0
        assert first.sent + second.sent + first.uncertain == len(reachable)
        for user_id in extra[:3]:  # Telegram's 403 "bot was blocked": unreachable, never inactive (issue 14 #9)
            row = await district_db.fetchone("SELECT active, unreachable_at FROM users WHERE id = ?", (user_id,))
            assert row["active"] == 1 and row["unreachable_at"]
        clock.set(datetime(2026, 12, 21, 7, 45, tzinfo=VN))  # Monday: the digest reports them
        await service.tick()
        digest = next(m.text for m in harness.server.sent if m.chat_id == str(TG + binh) and "BẢN TIN" in m.text)
        assert "Không liên lạc được (3)" in digest and "Bí thư 0" in digest
        assert not harness.errors
