"""Run the real PTB `Application` against the fake Bot API over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

from pydantic import SecretStr

from bot.config import Settings
from bot.domain.clock import Clock
from bot.services.core import Core
from handlers.channel import long_poll
from handlers.inbox_pump import InboxPump
from handlers.local_api import Sent
from handlers.telegram import TelegramPolling, TelegramUpdates, build_application, running, update_key
from storage import inbox, users
from storage.db import Database
from tests.fakes.botapi_server import FakeBotApi

TOKEN = "123456789:TEST-token-for-the-fake-bot-api-000"


def free_port() -> int:
    """A TCP port nobody listens on, for a web server under test."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TelegramHarness:
    def __init__(
        self, settings: Settings, db: Database, clock: Clock, *, rate_limit: bool = False, timeout: float | None = None
    ) -> None:
        self.server = FakeBotApi()
        self.db = db
        self.clock = clock
        self.base_settings = settings
        self.rate_limit = rate_limit
        self.timeout = timeout
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.errors: list[BaseException] = []  # what processing an update raised

    async def __aenter__(self) -> TelegramHarness:
        await self.server.start()
        self.settings = self.base_settings.model_copy(
            update={
                "telegram_bot_token": SecretStr(TOKEN),
                "telegram_api_base_url": self.server.base_url,
                "telegram_api_base_file_url": self.server.base_url.replace("/bot", "/file/bot"),
            }
        )
        self.core = Core(self.db, self.settings, self.clock)
        self.app = build_application(self.settings, self.core, rate_limit=self.rate_limit, timeout=self.timeout)
        self._running = running(self.app)
        await self._running.__aenter__()
        updates = TelegramUpdates(self.app, self.core, "telegram")

        async def process(key: str, payload: dict[str, Any]) -> None:
            try:
                await updates.process(key, payload)
            except Exception as exc:  # the failure the pump is told of, kept for the test to look at
                self.errors.append(exc)
                raise

        self.pump = InboxPump(self.db, "telegram", self.clock, process, key=update_key)
        self._task = asyncio.create_task(long_poll(TelegramPolling(self.app.bot, timeout=1), self.pump, self._stop))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task:
            await asyncio.wait_for(self._task, timeout=10)
        await self._running.__aexit__(None, None, None)
        await self.server.stop()

    async def link(self, login: str, telegram_id: int) -> int:
        """Give a demo user a Telegram identity; return the user id."""
        user = await users.by_login(self.db, login)
        assert user is not None, login
        async with self.db.transaction():
            await users.link_identity(
                self.db,
                channel="telegram",
                external_id=str(telegram_id),
                user_id=user.id,
                chat_id=str(telegram_id),
                now=self.clock.now(),
            )
        return user.id

    async def send(self, update: dict[str, Any], timeout: float = 10.0) -> list[Sent]:
        """Push one update through getUpdates and wait until the bot has handled it."""
        seen = len(self.server.sent)
        self.server.push(update)
        await self.wait_done(update["update_id"], timeout)
        return self.server.sent[seen:]

    async def wait_done(self, update_id: int, timeout: float = 10.0) -> None:
        deadline = asyncio.get_running_loop().time() + timeout
        while not await inbox.is_done(self.db, "telegram", str(update_id)):
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"update {update_id} was not processed")
            await asyncio.sleep(0.02)


def button(sent: list[Sent], label: str) -> tuple[Sent, str]:
    """The last message offering a button whose label contains `label`, and that button's data."""
    for message in reversed(sent):
        for text, data in zip(message.button_labels, message.button_data, strict=True):
            if label in text:
                return message, data
    raise AssertionError(f"no button {label!r} in {[m.text[:40] for m in sent]}")
