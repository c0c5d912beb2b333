"""One way for a test to chat with the bot, whatever the channel.

`TelegramDriver` runs the real PTB `Application` against the fake Telegram Bot API; `ZaloDriver` runs the real
Zalo adapter (long polling, inbox, plain-text rendering) against the fake Zalo Bot API. Both turn what the bot
sent into `Out` (chat, text, the choices offered, files) so one table of cases can run on both: a choice is a
button press on Telegram and a typed number on Zalo.
"""

from __future__ import annotations

import asyncio
import itertools
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import SecretStr

from bot.config import Settings
from bot.domain.clock import Clock
from bot.services.core import Core
from bot.services.reminders import Notifier
from handlers import zalo
from handlers.telegram import TelegramNotifier
from handlers.zalo_local import ZaloSent, text_update
from storage import inbox, users
from storage.db import Database
from tests.conftest import callback_update, message_update
from tests.fakes.zalo_server import FakeZaloApi
from tests.harness import TelegramHarness, button

ZALO_TOKEN = "2233445566778899:TEST-zalo-token-for-the-fake-api"
TG_BASE = 60_000
ZALO_BASE = 8_800_000_000_000_000_000

_MENU_HEAD = re.compile(r"^Trả lời (?:bằng số \(\d+–\d+\):|\d+ để chọn:)$")
_MENU_LINE = re.compile(r"^(\d+)\. (.+)$")


@dataclass
class Out:
    chat_id: str
    text: str
    choices: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # file names (Telegram uploads; Zalo photos and links)
    raw: Any = None


class ZaloHarness:
    """The Zalo adapter as `ptdv run` wires it, polling a fake Zalo Bot API on 127.0.0.1."""

    def __init__(
        self,
        settings: Settings,
        db: Database,
        clock: Clock,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        **overrides: Any,
    ) -> None:
        """`transport`: the HTTP transport the adapter's client uses (a test wraps the real one to lose answers)."""
        self.server = FakeZaloApi(ZALO_TOKEN.strip())
        self.transport = transport
        self.db = db
        self.clock = clock
        self.base_settings = settings
        self.overrides = overrides
        self._stop = asyncio.Event()
        self.poller: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)

    async def __aenter__(self) -> ZaloHarness:
        await self.server.start()
        self.settings = self.base_settings.model_copy(
            update={
                "zalo_bot_token": SecretStr(ZALO_TOKEN),
                "zalo_api_base_url": self.server.base_url,
                "zalo_max_per_second": 1000.0,
                **self.overrides,
            }
        )
        self.core = Core(self.db, self.settings, self.clock)
        self.channel = zalo.build(self.settings, self.core, backoff=0.01, transport=self.transport)
        self.poller = asyncio.create_task(zalo.poll_forever(self.channel.client, self.channel.pump, self._stop, 1))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self.poller:
            await asyncio.wait_for(self.poller, timeout=10)
        await self.channel.client.aclose()
        await self.server.stop()

    async def errors(self) -> list[str]:
        rows = await self.db.fetchall("SELECT error FROM inbox WHERE channel = 'zalo' AND error IS NOT NULL")
        return [r[0] for r in rows]

    async def link(self, login: str, zalo_id: str) -> int:
        user = await users.by_login(self.db, login)
        assert user is not None, login
        async with self.db.transaction():
            await users.link_identity(
                self.db, channel="zalo", external_id=zalo_id, user_id=user.id, chat_id=zalo_id, now=self.clock.now()
            )
        return user.id

    def update(self, zalo_id: str, text: str) -> dict[str, Any]:
        return text_update(zalo_id, text, f"zm{next(self._ids):06d}", date_ms=int(self.clock.now().timestamp() * 1000))

    async def send(self, update: dict[str, Any], *, times: int = 1, timeout: float = 10.0) -> list[ZaloSent]:
        """Let Zalo hand the update over (`times` times) and wait until the bot has handled it."""
        seen = len(self.server.sent)
        self.server.push(update, times=times)
        key = zalo.update_key(update)
        deadline = asyncio.get_running_loop().time() + timeout
        while not await inbox.is_done(self.db, "zalo", key) or self.server.api.updates:
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"Zalo message {key} was not processed")
            await asyncio.sleep(0.02)
        return self.server.sent[seen:]


def zalo_out(sent: ZaloSent) -> Out:
    """A Zalo message as `Out`; `raw` maps each offered label to the number that picks it."""
    numbers: dict[str, str] = {}
    in_menu = False
    for line in sent.text.splitlines():
        if _MENU_HEAD.match(line):
            in_menu, numbers = True, {}
        elif in_menu and (m := _MENU_LINE.match(line)):
            numbers[m.group(2)] = m.group(1)
        else:
            in_menu = False
    files = [sent.photo.rsplit("/", 1)[-1]] if sent.photo else re.findall(r"📎 \S+ (\S+\.(?:png|xlsx))", sent.text)
    return Out(sent.chat_id, sent.text, list(numbers), files, numbers)


class TelegramDriver:
    channel = "telegram"

    def __init__(self, harness: TelegramHarness) -> None:
        self.h = harness
        self.db = harness.db
        self.core = harness.core

    def notifier(self) -> Notifier:
        return TelegramNotifier(self.h.app.bot, backoff=0.01)

    def chat_of(self, user_id: int) -> str:
        return str(TG_BASE + user_id)

    async def link(self, login: str) -> int:
        user = await users.by_login(self.db, login)
        assert user is not None
        return await self.h.link(login, TG_BASE + user.id)

    async def say(self, user_id: int, text: str) -> list[Out]:
        return [self._out(m) for m in await self.h.send(message_update(TG_BASE + user_id, text))]

    async def choose(self, user_id: int, label: str, outs: list[Out]) -> list[Out]:
        message, data = button([o.raw for o in outs], label)
        sent = await self.h.send(callback_update(TG_BASE + user_id, data, message.message_id))
        return [self._out(m) for m in sent]

    def mark(self) -> int:
        return len(self.h.server.sent)

    def since(self, mark: int) -> list[Out]:
        return [self._out(m) for m in self.h.server.sent[mark:]]

    async def errors(self) -> list[str]:
        return [repr(e) for e in self.h.errors]

    @staticmethod
    def _out(sent: Any) -> Out:
        return Out(sent.chat_id, sent.text, sent.button_labels, [sent.file_name] if sent.file_name else [], sent)


class ZaloDriver:
    channel = "zalo"

    def __init__(self, harness: ZaloHarness) -> None:
        self.h = harness
        self.db = harness.db
        self.core = harness.core

    def notifier(self) -> Notifier:
        return self.h.channel.notifier

    def chat_of(self, user_id: int) -> str:
        return str(ZALO_BASE + user_id)

    async def link(self, login: str) -> int:
        user = await users.by_login(self.db, login)
        assert user is not None
        return await self.h.link(login, self.chat_of(user.id))

    async def say(self, user_id: int, text: str) -> list[Out]:
        return [zalo_out(m) for m in await self.h.send(self.h.update(self.chat_of(user_id), text))]

    async def choose(self, user_id: int, label: str, outs: list[Out]) -> list[Out]:
        for out in reversed(outs):
            for choice, number in out.raw.items():
                if label in choice:
                    return await self.say(user_id, number)
        raise AssertionError(f"no choice {label!r} in {[o.text[:40] for o in outs]}")

    def mark(self) -> int:
        return len(self.h.server.sent)

    def since(self, mark: int) -> list[Out]:
        return [zalo_out(m) for m in self.h.server.sent[mark:]]

    async def errors(self) -> list[str]:
        return await self.h.errors()
