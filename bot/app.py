"""The composition root: storage, core, channels; started and stopped in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

import httpx
from aiohttp import web

from bot import demo
from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings, check_database_path
from bot.redact import RedactFilter
from bot.scheduler import Scheduler
from bot.services.core import Core
from bot.services.reminders import Notifier, ReminderService
from handlers import console, webhook, zalo
from handlers.inbox_pump import ALLOWED_UPDATES, UpdatePump
from handlers.local_api import LocalBotApi, LocalRequest
from handlers.telegram import TelegramNotifier, build_application, running
from handlers.zalo_api import ZaloClient, ZaloError, bot_name
from handlers.zalo_local import LocalZaloApi
from storage import backup
from storage.db import Database, UnusableDatabase
from storage.migrations import migrate

log = logging.getLogger(__name__)

CONSOLE_TOKEN = "123456:console-local-transport-no-network"


class RedactToken(RedactFilter):
    """Never let a bot token reach a log line, its arguments or its traceback (see `bot.redact`)."""


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
            return f"Đã tạo cơ sở dữ liệu mẫu {path} (huyện Cao Phong, dữ liệu giả để dùng thử)."
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
        async with contextlib.AsyncExitStack() as stack:
            core = Core(db, settings, clock)
            session: console.ConsoleBase
            if channel == "zalo":
                session = await _zalo_console(settings, core, stack, out)
            else:
                api = LocalBotApi()
                app = build_application(
                    settings.model_copy(update={"telegram_api_base_url": None}),
                    core,
                    channel="console",
                    token=CONSOLE_TOKEN,
                    request=LocalRequest(api),
                    updates_request=LocalRequest(api),
                    rate_limit=False,
                )
                await stack.enter_async_context(running(app))
                # The local transport's bot name is no real bot: invite links only with a configured name.
                core.ctx.bot_username = settings.telegram_bot_username
                core.reminders = ReminderService(core.ctx, {"console": TelegramNotifier(app.bot)})
                session = console.ConsoleSession(
                    app, api, db, clock, channel="console", out=out, files_dir=settings.console_files_dir
                )
            await session.start(login)
            await console.run(session, inp, console.is_interactive(inp) if interactive is None else interactive)
    finally:
        await db.close()


async def _zalo_console(
    settings: Settings, core: Core, stack: contextlib.AsyncExitStack, out: TextIO
) -> console.ZaloConsoleSession:
    """The Zalo adapter over the in-process Zalo API, on the console's identities (no quota, no pacing)."""
    api = LocalZaloApi()
    channel = zalo.build(
        settings.model_copy(update={"zalo_monthly_quota": 0, "zalo_max_per_second": 1000.0}),
        core,
        transport=api.transport(),
        token=CONSOLE_TOKEN,
        channel="console",
        inbox_channel="console-zalo",
    )
    stack.push_async_callback(channel.client.aclose)
    core.reminders = ReminderService(core.ctx, {"console": channel.notifier})
    return console.ZaloConsoleSession(api, channel.pump, core.db, core.clock, out=out)


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
            server = webhook.web_app() if settings.needs_web_server else None
            notifiers: dict[str, Notifier] = {}
            loops: list[Awaitable[None]] = []
            after_start: list[Callable[[], Awaitable[None]]] = []
            if settings.token:
                await _telegram(settings, core, stack, server, notifiers, loops, after_start, stop)
            if settings.zalo_token:
                await _zalo(settings, core, stack, server, notifiers, loops, after_start, stop, zalo_transport)
            if server is not None:
                webhook.add_file_links(server, db, clock)
                runner = await webhook.serve(server, settings.webhook_listen, settings.webhook_port)
                stack.push_async_callback(runner.cleanup)
                log.info("web server on %s:%s", settings.webhook_listen, settings.webhook_port)
            for step in after_start:
                await step()
            core.reminders = ReminderService(core.ctx, notifiers)
            scheduler = Scheduler(core.reminders)
            scheduler.add_daily_backup(
                settings.database_path, settings.backup_dir, settings.backup_keep, settings.backup_time
            )
            await scheduler.start()
            stack.push_async_callback(scheduler.stop)
            log.info("PTĐV Bot is running on %s; database %s", ", ".join(notifiers), settings.database_path)
            await asyncio.gather(*(_stop_all_on_error(job, stop) for job in loops))
    finally:
        await db.close()


run_telegram = run_bot  # the name the Telegram-only versions used


async def _stop_all_on_error(job: Awaitable[None], stop: asyncio.Event) -> None:
    try:
        await job
    except BaseException:
        stop.set()  # one channel failing stops the others, and the process exits with the error
        raise


async def _telegram(
    settings: Settings,
    core: Core,
    stack: contextlib.AsyncExitStack,
    server: web.Application | None,
    notifiers: dict[str, Notifier],
    loops: list[Awaitable[None]],
    after_start: list[Callable[[], Awaitable[None]]],
    stop: asyncio.Event,
) -> None:
    app = build_application(settings, core)
    await stack.enter_async_context(running(app))
    notifiers["telegram"] = TelegramNotifier(app.bot)
    pump = UpdatePump(app, core.db, "telegram", core.clock)
    await pump.drain()  # whatever a previous run stored but did not finish
    if settings.telegram_mode == "webhook":
        assert settings.webhook_url and settings.webhook_secret and server is not None
        secret = settings.webhook_secret.get_secret_value()
        webhook.add_telegram(server, pump, secret, webhook.path_of(settings.webhook_url))

        async def register() -> None:
            await app.bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)

        after_start.append(register)
        loops.append(pump.process_until(stop))
    else:
        await app.bot.delete_webhook()  # polling and a webhook cannot be used together
        loops.append(pump.poll_forever(stop, conflict_give_up=settings.telegram_conflict_give_up_seconds))
    log.info("Telegram: @%s, %s", app.bot.username, settings.telegram_mode)


async def _zalo(
    settings: Settings,
    core: Core,
    stack: contextlib.AsyncExitStack,
    server: web.Application | None,
    notifiers: dict[str, Notifier],
    loops: list[Awaitable[None]],
    after_start: list[Callable[[], Awaitable[None]]],
    stop: asyncio.Event,
    transport: httpx.AsyncBaseTransport | None,
) -> None:
    """Every Zalo bot (ZALO_BOT_TOKEN and ZALO_BOTS) in this one process, on this one database: each with its
    own channel name, token, quota, inbox and webhook path (or poller, in development)."""
    for spec in settings.zalo_specs:
        channel = zalo.build(
            settings, core, transport=transport, token=spec.token, channel=spec.channel, quota=spec.quota
        )
        stack.push_async_callback(channel.client.aclose)
        client, pump = channel.client, channel.pump
        me = await client.get_me()
        await pump.drain()
        notifiers[spec.channel] = channel.notifier
        if settings.zalo_mode == "webhook":
            assert spec.webhook_url and settings.zalo_webhook_secret and server is not None
            secret = settings.zalo_webhook_secret.get_secret_value()
            zalo.add_webhook(server, webhook.path_of(spec.webhook_url), pump, secret)
            after_start.append(_register_zalo_webhook(client, spec.webhook_url, secret))
            loops.append(pump.process_until(stop))
        else:
            with contextlib.suppress(ZaloError):  # polling and a webhook cannot be used together
                await client.delete_webhook()
            loops.append(zalo.poll_forever(client, pump, stop))
        log.info("Zalo %s: %s, %s", spec.channel, bot_name(me), settings.zalo_mode)


def _register_zalo_webhook(client: ZaloClient, url: str, secret: str) -> Callable[[], Awaitable[None]]:
    async def register() -> None:
        await client.set_webhook(url, secret)

    return register
