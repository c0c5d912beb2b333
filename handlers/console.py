"""The console chat: the real channel adapters over local stand-ins of their APIs, in a terminal.

Telegram (default): each line typed becomes a Telegram update (through the same inbox as real updates) for
the real PTB `Application`; inline buttons are shown numbered and pressed by typing the number, and photos or
files are saved to a folder with their path printed. Zalo (`--channel zalo`): each line becomes a Zalo update
for the real Zalo adapter, and what Zalo would show is printed — choices as a numbered list answered with the
number, texts split at 2,000 characters, files as links. `/as <login>` switches identity. With piped input
each line is answered in turn and the session ends at end of input.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web

from bot.config import Settings
from bot.domain.clock import Clock
from bot.domain.payloads import Action
from bot.services import files
from bot.services.core import Core
from bot.services.reminders import Notifier
from handlers import telegram, zalo
from handlers.inbox_pump import InboxPump
from handlers.local_api import LocalBotApi, LocalRequest, Sent
from handlers.zalo_local import LocalZaloApi, ZaloSent, text_update
from storage import inbox, pending, users
from storage.db import Database

CONSOLE_TOKEN = "123456:console-local-transport-no-network"
HELP = (
    "Bàn phím: gõ tin nhắn như trong Telegram; gõ số để bấm nút; /as <tên đăng nhập> để đổi người dùng;"
    " /tep <đường dẫn> để gửi một tệp; /thoat để thoát."
)


@dataclass
class Identity:
    user_id: int  # the Telegram-shaped id used in updates
    name: str
    login: str


class ConsoleBase:
    """Who is typing (`/as`), and printing."""

    def __init__(self, db: Database, clock: Clock, *, channel: str, out: TextIO) -> None:
        self.db = db
        self.clock = clock
        self.channel = channel  # the inbox channel of this console's updates
        self.out = out
        self.me: Identity | None = None
        self._next_update = 0
        self._next_message = 0

    async def start(self, login: str) -> None:
        self._next_update = await inbox.max_update_id(self.db, self.channel) + 1
        self._next_message = self._next_update
        await self.switch(login)

    async def send_line(self, line: str) -> None:
        """Handle one typed line: `/as` here, everything else as the channel would carry it."""
        text = line.rstrip("\n")
        if not await self._as(text.strip()):
            assert self.me is not None
            await self._send(text, text.strip())

    async def _send(self, text: str, stripped: str) -> None:
        raise NotImplementedError

    async def switch(self, login: str) -> None:
        user = await users.by_login(self.db, login)
        if user is not None:
            async with self.db.transaction():  # a new session: no edit mode left over from an earlier one
                await pending.close_open(self.db, user.id, Action.AWAIT_FIX, self.clock.now())
            self.me = Identity(user.id, user.name, login)
            self._say(f"— Đang dùng tài khoản: {user.name} ({login}) —")
        else:
            fake_id = 900_000_000 + zlib.crc32(login.encode()) % 1_000_000
            self.me = Identity(fake_id, login, login)
            self._say(f"— Người dùng mới chưa đăng ký: {login} —")

    async def _as(self, stripped: str) -> bool:
        """`/as <login>`: switch identity; True when the line was this console command."""
        if not (stripped == "/as" or stripped.startswith("/as ")):
            return False
        parts = stripped.split(maxsplit=1)
        if len(parts) == 2:
            await self.switch(parts[1].strip())
        else:
            self._say("Cách dùng: /as <tên đăng nhập>, ví dụ /as binh")
        return True

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


class ConsoleSession(ConsoleBase):
    """Telegram's rendering: the PTB application over `LocalBotApi`."""

    def __init__(
        self, api: LocalBotApi, pump: InboxPump, db: Database, clock: Clock, *, out: TextIO, files_dir: Path
    ) -> None:
        super().__init__(db, clock, channel=pump.channel, out=out)
        self.api = api
        self.files_dir = files_dir
        self.pump = pump
        self._last_buttons: Sent | None = None

    async def switch(self, login: str) -> None:
        await super().switch(login)
        self._last_buttons = None

    async def _send(self, text: str, stripped: str) -> None:
        """A file (`/tep`), a button press (a number) or a message."""
        assert self.me is not None
        if stripped.startswith("/tep "):
            await self._send_file(Path(stripped[5:].strip()))
            return
        if (
            stripped.isascii()
            and stripped.isdigit()
            and self._last_buttons
            and 1 <= int(stripped) <= len(self._last_buttons.button_data)
        ):
            data = self._last_buttons.button_data[int(stripped) - 1]
            update = self._callback_update(self._last_buttons, data)
        else:
            update = self._message_update(text)
        seen = len(self.api.sent)
        await self.pump.ingest([update])
        await self.pump.drain()
        await files.settled()  # a file announced with "đang chuẩn bị tệp…" is shown before the next line
        self._show(self.api.sent[seen:])

    async def _send_file(self, path: Path) -> None:
        """Send a local file as a Telegram document (imports)."""
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            self._say(f"Không đọc được {path}: {exc.strerror}")
            return
        file_id = f"f{self._next_update}"
        self.api.files[file_id] = content
        update = self._message_update("")
        message = update["message"]
        message.pop("sticker", None)
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": path.name,
            "file_size": len(content),
        }
        seen = len(self.api.sent)
        await self.pump.ingest([update])
        await self.pump.drain()
        await files.settled()  # a file announced with "đang chuẩn bị tệp…" is shown before the next line
        self._show(self.api.sent[seen:])

    def _base_user(self) -> dict[str, Any]:
        assert self.me is not None
        return {"id": self.me.user_id, "is_bot": False, "first_name": self.me.name}

    def _message_update(self, text: str) -> dict[str, Any]:
        assert self.me is not None
        update_id, self._next_update = self._next_update, self._next_update + 1
        message_id, self._next_message = self._next_message, self._next_message + 1
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(self.clock.now().timestamp()),
            "chat": {"id": self.me.user_id, "type": "private"},
            "from": self._base_user(),
        }
        if text.strip():
            message["text"] = text
            if text.startswith("/"):
                command = text.split()[0]
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        else:
            message["sticker"] = {
                "file_id": "s",
                "file_unique_id": "s",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
                "type": "regular",
            }
        return {"update_id": update_id, "message": message}

    def _callback_update(self, sent: Sent, data: str) -> dict[str, Any]:
        update_id, self._next_update = self._next_update, self._next_update + 1
        return {
            "update_id": update_id,
            "callback_query": {
                "id": f"cb{update_id}",
                "from": self._base_user(),
                "chat_instance": "console",
                "data": data,
                "message": {
                    "message_id": sent.message_id,
                    "date": int(self.clock.now().timestamp()),
                    "chat": {"id": int(sent.chat_id), "type": "private"},
                    "text": sent.text,
                },
            },
        }

    def _show(self, messages: list[Sent]) -> None:
        for sent in messages:
            if self.me and sent.chat_id != str(self.me.user_id):
                self._say(f"[gửi tới {sent.chat_id}] {sent.text}")
                continue
            self._say("PTĐV Bot ›")
            if sent.text:
                self._say(sent.text)
            if sent.file_bytes is not None:
                path = save_new(self.files_dir, f"{sent.message_id:05d}-{sent.file_name}", sent.file_bytes)
                kind = "ảnh" if sent.method == "sendPhoto" else "tệp"
                self._say(f"📎 Đã lưu {kind}: {path}")
            if sent.buttons:
                labels = sent.button_labels
                self._say("   ".join(f"[{i}] {label}" for i, label in enumerate(labels, 1)))
                self._last_buttons = sent
            self._say("")


def save_new(folder: Path, name: str, content: bytes) -> Path:
    """Write `content` to a file of that name in `folder` that did not exist before (never overwrite: message
    numbers start from 1 in every session, so a later session adds "-2", "-3"… instead)."""
    folder.mkdir(parents=True, exist_ok=True)
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    for n in itertools.count(1):
        path = folder / (name if n == 1 else f"{stem}-{n}{dot}{ext}")
        try:
            with path.open("xb") as f:
                f.write(content)
            return path
        except FileExistsError:
            continue
    raise AssertionError("unreachable")


class ZaloConsoleSession(ConsoleBase):
    """Zalo's rendering: the Zalo adapter over `LocalZaloApi`; what a Zalo user would see is printed."""

    def __init__(self, api: LocalZaloApi, pump: InboxPump, db: Database, clock: Clock, *, out: TextIO) -> None:
        super().__init__(db, clock, channel=pump.channel, out=out)
        self.api = api
        self.pump = pump

    async def _send(self, text: str, stripped: str) -> None:
        assert self.me is not None
        if stripped.startswith("/tep"):
            self._say("Zalo không cho người dùng gửi tệp cho bot. Nhập dữ liệu qua Telegram hoặc lệnh ptdv import.")
            return
        message_id, self._next_message = self._next_message, self._next_message + 1
        update = text_update(
            str(self.me.user_id),
            text,
            str(message_id),
            name=self.me.name,
            date_ms=int(self.clock.now().timestamp() * 1000),
        )
        if not stripped:
            update["event_name"] = "message.sticker.received"
        seen = len(self.api.sent)
        await self.pump.ingest([update])
        await self.pump.drain()
        await files.settled()  # a file announced with "đang chuẩn bị tệp…" is shown before the next line
        self._show(self.api.sent[seen:])

    def _show(self, messages: list[ZaloSent]) -> None:
        for sent in messages:
            if self.me and sent.chat_id != str(self.me.user_id):
                self._say(f"[gửi tới {sent.chat_id}] {sent.text}")
                continue
            self._say(f"PTĐV Bot (Zalo) › [{len(sent.text)} ký tự]")
            if sent.photo:
                self._say(f"🖼 Ảnh: {sent.photo}")
            if sent.text:
                self._say(sent.text)
            self._say("")


class ConsoleChannel:
    """The console as a `Channel` (`handlers.channel`): typed lines in, what the chosen channel would show
    printed; it runs until the input ends or `/thoat`, and serves no web routes. Its notifier is the rendering
    channel's, so reminders read as they would on Telegram or Zalo."""

    name = "console"

    def __init__(
        self,
        session: ConsoleBase,
        notifier: Notifier,
        *,
        login: str,
        inp: TextIO,
        interactive: bool,
        stack: contextlib.AsyncExitStack,
    ) -> None:
        self.session = session
        self.notifier = notifier
        self.login = login
        self.inp = inp
        self.interactive = interactive
        self._stack = stack

    def routes(self) -> list[web.RouteDef]:
        return []

    async def start(self) -> None:
        await self.session.start(self.login)

    async def run(self, stop: asyncio.Event) -> None:
        await run(self.session, self.inp, self.interactive, stop)

    async def aclose(self) -> None:
        await self._stack.aclose()


async def build(
    settings: Settings,
    core: Core,
    *,
    rendering: str = "telegram",
    login: str,
    inp: TextIO,
    out: TextIO,
    interactive: bool,
) -> ConsoleChannel:
    """The console over the real adapter of `rendering` ("telegram" or "zalo") and a local stand-in of its API:
    no network, no quota, no pacing."""
    stack = contextlib.AsyncExitStack()
    try:
        session: ConsoleBase
        notifier: Notifier
        if rendering == "zalo":
            zapi = LocalZaloApi()
            zalo_bot = zalo.build(
                settings.model_copy(update={"zalo_monthly_quota": 0, "zalo_max_per_second": 1000.0}),
                core,
                transport=zapi.transport(),
                token=CONSOLE_TOKEN,
                channel="console",
                inbox_channel="console-zalo",
            )
            stack.push_async_callback(zalo_bot.aclose)
            session = ZaloConsoleSession(zapi, zalo_bot.pump, core.db, core.clock, out=out)
            notifier = zalo_bot.notifier
        else:
            api = LocalBotApi()
            app = telegram.build_application(
                settings.model_copy(update={"telegram_api_base_url": None}),
                core,
                token=CONSOLE_TOKEN,
                request=LocalRequest(api),
                updates_request=LocalRequest(api),
                rate_limit=False,
            )
            await stack.enter_async_context(telegram.running(app))
            # The local transport's bot name is no real bot: invite links only with a configured name.
            core.ctx.bot_username = settings.telegram_bot_username
            pump = telegram.inbox_pump(app, core, "console")
            session = ConsoleSession(api, pump, core.db, core.clock, out=out, files_dir=settings.console_files_dir)
            notifier = telegram.TelegramNotifier(app.bot)
    except BaseException:
        await stack.aclose()
        raise
    return ConsoleChannel(session, notifier, login=login, inp=inp, interactive=interactive, stack=stack)


async def run(session: ConsoleBase, inp: TextIO, interactive: bool, stop: asyncio.Event | None = None) -> None:
    """Line by line until the input ends, `/thoat`, or `stop` (looked at between lines)."""
    if interactive:
        session._say(HELP)
    while stop is None or not stop.is_set():
        if interactive:
            prompt = f"{session.me.login if session.me else '?'} › "
            try:
                line = await asyncio.to_thread(input, prompt)
            except EOFError:
                break
        else:
            line = await asyncio.to_thread(inp.readline)
            if line == "":
                break
            session._say(f"{session.me.login if session.me else '?'} › {line.rstrip()}")
        if line.strip() in ("/thoat", "/quit", "/exit"):
            break
        await session.send_line(line)


def is_interactive(stream: TextIO = sys.stdin) -> bool:
    return stream.isatty()
