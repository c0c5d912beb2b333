"""The composition root: storage, core, channels; started and stopped in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sqlite3
import sys
from collections.abc import Awaitable
from typing import TextIO

import httpx

from bot.config import ConfigError, Settings, check_database_path
from bot.domain.clock import Clock, SystemClock
from bot.runtime import demo
from bot.runtime.redact import RedactFilter
from bot.runtime.scheduler import Scheduler
from bot.services.core import Core
from bot.services.reminders import ReminderService
from handlers import console, webhook, zalo
from handlers.channel import Channel
from handlers.telegram import TelegramChannel
from storage import backup
from storage.db import Database, UnusableDatabase
from storage.migrations import migrate

log = logging.getLogger(__name__)


class RedactToken(RedactFilter):
    """Never let a bot token reach a log line, its arguments or its traceback (see `bot.runtime.redact`)."""


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings, quiet: bool = False) -> None:
    level = logging.WARNING if quiet and settings.log_level == "INFO" else getattr(logging, settings.log_level)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and a Bot API URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact = RedactToken(settings.secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
        if settings.log_format == "json":
            handler.setFormatter(JsonFormatter())
    logging.getLogger("apscheduler").setLevel(max(level, logging.INFO))


async def open_database(settings: Settings) -> Database:
    """Open, check (`PRAGMA quick_check`) and migrate the database; `UnusableDatabase` (one line) if it cannot be
    used — not a database, damaged, or not writable."""
    hint = backup.restore_hint(settings.database_path, settings.backup_dir)
    try:
        db = await Database.open(settings.database_path)
    except UnusableDatabase as exc:
        raise UnusableDatabase(f"{exc} {hint}") from None
    try:
        await db.check_integrity()
        await migrate(db)
    except UnusableDatabase as exc:
        await db.close()
        raise UnusableDatabase(f"{exc} {hint}") from None
    except sqlite3.Error as exc:
        await db.close()
        raise UnusableDatabase(
            f"Không ghi được vào cơ sở dữ liệu {settings.database_path} ({exc}): kiểm tra dung lượng đĩa và quyền ghi."
        ) from None
    except BaseException:
        await db.close()
        raise
    return db


async def setup(settings: Settings) -> str:
    """Create or migrate the configured database; never put the demo in it. Returns a short summary."""
    db = await open_database(settings)
    try:
        if await demo.is_empty(db):
            return (
                f"Cơ sở dữ liệu {settings.database_path} đã sẵn sàng, chưa có đơn vị nào. Nhập danh sách đơn vị, "
                "người dùng, chỉ tiêu: `ptdv template` rồi `ptdv import <tệp>`. Dữ liệu mẫu để dùng thử (tệp riêng "
                f"{settings.demo_database_path}): `ptdv setup --demo`, hoặc `ptdv console`."
            )
        return f"Cơ sở dữ liệu {settings.database_path} đã sẵn sàng."
    finally:
        await db.close()


def demo_settings(settings: Settings) -> Settings:
    """The same settings on the demo database file."""
    return settings.model_copy(update={"database_path": settings.demo_database_path})


async def setup_demo(settings: Settings, clock: Clock | None = None) -> str:
    """Create the demo database (DEMO_DATABASE_PATH) with the demo district, if it is empty. Refused when it is
    the database a bot token is configured for."""
    path = settings.demo_database_path
    if settings.channels and path.resolve() == settings.database_path.resolve():
        raise ConfigError(
            f"Không nạp dữ liệu mẫu vào {path}: đây là cơ sở dữ liệu của bot (đã cấu hình token). "
            "Đặt DEMO_DATABASE_PATH là một tệp khác."
        )
    check_database_path(path)
    clock = clock or SystemClock(settings.tz)
    db = await open_database(demo_settings(settings))
    try:
        if await demo.is_empty(db):
            await demo.load(db, clock.now())
            return (
                f"Đã tạo cơ sở dữ liệu mẫu {path}: Đảng bộ tỉnh Phú Thọ với các đảng bộ xã Cao Phong, Thung Nai,"
                f" Mường Thàng (từ 1/7/2025) và lịch sử của huyện Cao Phong trước đó; báo cáo mẫu đến trước ngày"
                f" {clock.now():%d/%m/%Y}, dữ liệu giả để dùng thử."
            )
        return f"Cơ sở dữ liệu mẫu {path} đã sẵn sàng."
    finally:
        await db.close()


async def run_console(
    settings: Settings,
    *,
    login: str | None,
    inp: TextIO,
    out: TextIO,
    clock: Clock | None = None,
    interactive: bool | None = None,
    channel: str = "telegram",
) -> None:
    """Chat with the bot in a terminal, rendered as on Telegram (default) or on Zalo."""
    clock = clock or SystemClock(settings.tz)
    db = await open_database(settings)
    try:
        core = Core(db, settings, clock)
        chat = await console.build(
            settings,
            core,
            rendering=channel,
            login=login or demo.CONSOLE_LOGIN,  # the demo's default official
            inp=inp,
            out=out,
            interactive=console.is_interactive(inp) if interactive is None else interactive,
        )
        try:
            core.reminders = ReminderService(core.ctx, {chat.name: chat.notifier})
            await chat.start()
            await chat.run(asyncio.Event())
        finally:
            await chat.aclose()
    finally:
        await db.close()


def build_channels(
    settings: Settings, core: Core, *, zalo_transport: httpx.AsyncBaseTransport | None = None
) -> list[Channel]:
    """Every configured chat channel: Telegram (TELEGRAM_BOT_TOKEN), then each Zalo bot (ZALO_BOT_TOKEN,
    ZALO_BOTS); each receives by long polling or by webhook as its settings say."""
    channels: list[Channel] = []
    if settings.token:
        channels.append(TelegramChannel(settings, core))
    channels.extend(zalo.channels(settings, core, transport=zalo_transport))
    return channels


async def run_bot(
    settings: Settings,
    stop: asyncio.Event | None = None,
    clock: Clock | None = None,
    *,
    zalo_transport: httpx.AsyncBaseTransport | None = None,
) -> None:
    """Every configured channel (Telegram, Zalo or both) in one event loop, on one database, with the reminder
    scheduler and — for webhooks and file links — the bot's web server; until SIGINT/SIGTERM (or `stop`)."""
    clock = clock or SystemClock(settings.tz)
    db = await open_database(settings)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
    try:
        async with contextlib.AsyncExitStack() as stack:
            core = Core(db, settings, clock)
            await core.ctx.ready()  # the tree and the name indexes, before the first question rather than in it
            channels = build_channels(settings, core, zalo_transport=zalo_transport)
            server = webhook.web_app() if settings.needs_web_server else None
            for channel in channels:
                stack.push_async_callback(channel.aclose)
            for channel in channels:
                await channel.start()
                if routes := channel.routes():
                    assert server is not None, "a webhook is configured, so the settings need the web server"
                    server.router.add_routes(routes)
            if server is not None:
                webhook.add_file_links(server, db, clock)
                runner = await webhook.serve(server, settings.webhook_listen, settings.webhook_port)
                stack.push_async_callback(runner.cleanup)
                log.info("web server on %s:%s", settings.webhook_listen, settings.webhook_port)
            core.reminders = ReminderService(core.ctx, {channel.name: channel.notifier for channel in channels})
            scheduler = Scheduler(core.reminders)
            scheduler.add_daily_backup(
                settings.database_path, settings.backup_dir, settings.backup_keep, settings.backup_time
            )
            stack.push_async_callback(scheduler.stop)
            await start_scheduler(scheduler, settings)
            log.info(
                "PTĐV Bot is running on %s; database %s", ", ".join(c.name for c in channels), settings.database_path
            )
            await asyncio.gather(*(_stop_all_on_error(channel.run(stop), stop) for channel in channels))
    finally:
        await db.close()


async def start_scheduler(scheduler: Scheduler, settings: Settings) -> None:
    """Start the schedule; its first run catches up on reminders due while the bot was down, and writes. A full
    disk or a read-only file found there ends the process in one line (`UnusableDatabase`), never a traceback."""
    try:
        await scheduler.start()
    except sqlite3.Error as exc:
        raise UnusableDatabase(
            f"Không ghi được vào cơ sở dữ liệu {settings.database_path} ({exc}) khi gửi nhắc việc lúc khởi động: "
            "kiểm tra dung lượng đĩa và quyền ghi."
        ) from None


async def _stop_all_on_error(job: Awaitable[None], stop: asyncio.Event) -> None:
    try:
        await job
    except BaseException:
        stop.set()  # one channel failing stops the others, and the process exits with the error
        raise
