"""A send that timed out after Telegram (or Zalo) accepted it is never repeated (issue 14, item 8).

The fake Bot API carries a sendMessage out and answers it later than the client waits: reminders and digests
arrive exactly once and are logged "uncertain", the fan-out summary counts them as such, a later run does not
send them again, and an answer to a person (a preview) arrives once, without an apology after it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import datetime

import httpx

from bot.runtime import demo
from bot.services.reminders import Delivery, ReminderService
from handlers.telegram import TelegramNotifier
from storage import users
from tests.channels import ZaloDriver, ZaloHarness
from tests.conftest import VN, callback_update, message_update
from tests.fakes.botapi_server import Fault
from tests.harness import TelegramHarness, button

TG = 70_000
TIMEOUT = 0.3  # the client's timeout; the late answers come after LATE
LATE = 0.8


def late(chat: int | None = None) -> Fault:
    """Telegram delivers the message at once and answers after the client gave up waiting (the next sendMessage
    to `chat`, or to anyone)."""
    return Fault("sendMessage", 200, delay=LATE, chat_id=None if chat is None else str(chat), accepted=True)


async def log_status(db, chat: int, kind: str) -> list[str]:
    rows = await db.fetchall(
        "SELECT l.status FROM reminder_log l JOIN identities i ON l.user_id = i.user_id"
        " WHERE i.channel = 'telegram' AND i.chat_id = ? AND l.kind = ?",
        (str(chat), kind),
    )
    return [r[0] for r in rows]


async def test_timed_out_reminders_and_digests_arrive_once_and_are_logged_uncertain(settings, db, clock):
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=VN))
    await demo.load(db, clock.now(), reorganise=False)  # nobody has reported for quarter IV
    async with TelegramHarness(settings, db, clock, timeout=TIMEOUT) as h:
        chats = {}
        for person in demo.DISTRICT_USERS:
            user = await users.by_login(db, person.login)
            chats[person.login] = await h.link(person.login, TG + user.id) + TG
        service = ReminderService(h.core.ctx, {"telegram": TelegramNotifier(h.app.bot, backoff=0.01)})
        h.core.reminders = service

        clock.set(datetime(2026, 12, 14, 7, 45, tzinfo=VN))  # Monday: the weekly digest only
        h.server.faults.extend([late(chats["binh"]), late(chats["ngoc"])])
        digests = await service.tick()
        assert digests.uncertain == 2 and digests.sent == 1 and digests.failed == 0  # hung's went through
        clock.set(datetime(2026, 12, 14, 8, 15, tzinfo=VN))
        assert (await service.tick()).uncertain == 0  # a later run sends nothing again

        clock.set(datetime(2026, 12, 15, 8, 30, tzinfo=VN))  # five days before the deadline: reminders
        h.server.faults.extend([late(chats["son"]), late(chats["lan"])])
        first = await service.tick()
        assert first.uncertain == 2 and first.failed == 0 and first.sent == 5
        clock.set(datetime(2026, 12, 15, 13, 0, tzinfo=VN))
        again = await service.tick()
        assert again.sent == again.uncertain == 0

        sent = h.server.sent
        reminders = Counter(m.chat_id for m in sent if "Hạn báo cáo quý IV" in m.text)
        digest = Counter(m.chat_id for m in sent if m.text.startswith("BẢN TIN TUẦN"))
        assert reminders[str(chats["son"])] == reminders[str(chats["lan"])] == 1  # arrived, exactly once
        assert all(n == 1 for n in reminders.values()) and len(reminders) == 7
        assert digest == Counter({str(chats[lg]): 1 for lg in ("binh", "ngoc", "hung")})
        for login, kind in (("son", "remind"), ("lan", "remind"), ("binh", "digest"), ("ngoc", "digest")):
            assert await log_status(db, chats[login], kind) == ["uncertain"], login
        assert await log_status(db, chats["thu"], "remind") == ["sent"]
        assert not h.errors


async def test_the_fan_out_summary_counts_uncertain_sends_apart(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock, timeout=TIMEOUT) as h:
        binh = TG + (await users.by_login(district_db, "binh")).id
        await h.link("binh", binh)
        for login in ("son", "tuan", "minh", "thu", "lan", "hoa"):
            user = await users.by_login(district_db, login)
            await h.link(login, TG + user.id)
        h.core.reminders = ReminderService(h.core.ctx, {"telegram": TelegramNotifier(h.app.bot, backoff=0.01)})
        clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=VN))
        preview = await h.send(message_update(binh, "/nhacnho xem"))
        count = int(re.search(r"(\d+) người sẽ nhận tin", preview[0].text).group(1))
        message, data = button(preview, f"Gửi ngay cho {count} người")
        h.server.faults.extend([late(), late()])  # the first two reminders of the fan-out
        before = len(h.server.sent)
        done = await h.send(callback_update(binh, data, message.message_id))
        arrived = [m for m in h.server.sent[before:] if "Hạn báo cáo" in m.text]
        summary = next(m.text for m in done if m.chat_id == str(binh))
        assert f"Đã gửi {count - 2} tin nhắc, 2 tin không chắc đã tới" in summary, summary
        assert len(arrived) == count and len({m.chat_id for m in arrived}) == count  # each once
        again = await h.send(callback_update(binh, data, message.message_id))  # a second press repeats nothing
        assert [m.text for m in again] == ["Đã gửi 0 tin nhắc."]
        assert not h.errors


async def test_a_timed_out_answer_is_not_sent_again(settings, district_db, clock):
    """The preview went out but its answer came late: the reporter sees it once, and no apology after it."""
    async with TelegramHarness(settings, district_db, clock, timeout=TIMEOUT) as h:
        lan = TG + (await users.by_login(district_db, "lan")).id
        await h.link("lan", lan)
        h.server.faults.append(late(lan))
        answer = await h.send(message_update(lan, "kết nạp 1 đảng viên"))
        assert len(answer) == 1 and answer[0].text.startswith("Xin xác nhận")
        message, data = button(answer, "Xác nhận")
        saved = await h.send(callback_update(lan, data, message.message_id))
        assert len(saved) == 1 and saved[0].text.startswith("Đã lưu")
        assert not h.errors


class LateAnswers(httpx.AsyncBaseTransport):
    """Zalo carries the send out, but its answer never reaches the bot in time."""

    def __init__(self, inner: httpx.AsyncBaseTransport, chats: set[str]) -> None:
        self.inner = inner
        self.chats = chats

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path.endswith("/sendMessage") and json.loads(request.content)["chat_id"] in self.chats:
            self.chats.discard(json.loads(request.content)["chat_id"])
            await response.aclose()
            raise httpx.ReadTimeout("no answer in time", request=request)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_zalo_timed_out_reminder_arrives_once_and_is_logged_uncertain(settings, db, clock):
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=VN))
    await demo.load(db, clock.now(), reorganise=False)
    late = LateAnswers(httpx.AsyncHTTPTransport(), set())
    async with ZaloHarness(settings, db, clock, transport=late) as zb:
        chat = ZaloDriver(zb)
        son, thu = await chat.link("son"), await chat.link("thu")
        late.chats.add(chat.chat_of(son))  # from now on, Zalo's answers to son's messages come too late
        service = ReminderService(zb.core.ctx, {"zalo": zb.channel.notifier})
        clock.set(datetime(2026, 12, 15, 13, 0, tzinfo=VN))
        first = await service.tick()
        assert first.uncertain == 1 and first.sent == 1 and first.failed == 0
        clock.advance(hours=30)  # long past any back-off
        assert (await service.tick()).uncertain == 0
        got = Counter(m.chat_id for m in zb.server.sent if "Hạn báo cáo quý IV" in m.text)
        assert got == Counter({chat.chat_of(son): 1, chat.chat_of(thu): 1})
        rows = await db.fetchall("SELECT user_id, status FROM reminder_log WHERE kind = 'remind' ORDER BY user_id")
        assert {(r[0], r[1]) for r in rows if r[0] in (son, thu)} == {(son, Delivery.UNCERTAIN.value), (thu, "sent")}
        answer = await chat.say(son, "/help")  # nobody was marked as failing: the person is fine
        assert answer and "chưa đăng ký" not in answer[0].text.lower()
