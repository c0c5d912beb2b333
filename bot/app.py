"""The composition root: storage, core, channels; started and stopped in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
import sys
from typing import TextIO

from bot import demo
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.scheduler import Scheduler
from bot.services.core import Core
from bot.services.reminders import ReminderService
from handlers import console, webhook
from handlers.inbox_pump import ALLOWED_UPDATES, UpdatePump
from handlers.local_api import LocalBotApi, LocalRequest
from handlers.telegram import TelegramNotifier, build_application, running
from storage.db import Database
from storage.migrations import migrate

log = logging.getLogger(__name__)

CONSOLE_TOKEN = "123456:console-local-transport-no-network"


class RedactToken(logging.Filter):
    """Never let the bot token reach a log line (it is part of every Bot API URL)."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(s in message for s in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, "<token>")
            record.msg, record.args = message, ()
        return True


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
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings, quiet: bool = False) -> None:
    level = logging.WARNING if quiet and settings.log_level == "INFO" else getattr(logging, settings.log_level)
    logging.basicConfig(level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL, and a Bot API URL carries the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    redact = RedactToken([settings.token or ""])
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
        if settings.log_format == "json":
            handler.setFormatter(JsonFormatter())
    logging.getLogger("apscheduler").setLevel(max(level, logging.INFO))


async def open_database(settings: Settings) -> Database:
    db = await Database.open(settings.database_path)
    await migrate(db)
    return db


async def setup(settings: Settings, clock: Clock | None = None) -> str:
    """Migrate the database and load the demo district if it is empty. Returns a one-line summary."""
    clock = clock or SystemClock(settings.tz)
    db = await open_database(settings)
    try:
        if await demo.is_empty(db):
            await demo.load(db, clock.now())
            return f"Đã tạo cơ sở dữ liệu {settings.database_path} và nạp dữ liệu mẫu (huyện Cao Phong)."
        return f"Cơ sở dữ liệu {settings.database_path} đã sẵn sàng."
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
) -> None:
    clock = clock or SystemClock(settings.tz)
    db = await open_database(settings)
    try:
        core = Core(db, settings, clock)
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
        async with running(app):
            core.reminders = ReminderService(core.ctx, {"console": TelegramNotifier(app.bot)})
            session = console.ConsoleSession(
                app, api, db, clock, channel="console", out=out, files_dir=settings.console_files_dir
            )
            await session.start(login)
            await console.run(session, inp, console.is_interactive(inp) if interactive is None else interactive)
    finally:
        await db.close()


async def _serve_webhook(app, pump: UpdatePump, settings: Settings, stop: asyncio.Event) -> None:  # type: ignore[no-untyped-def]
    assert settings.webhook_url and settings.webhook_secret
    secret = settings.webhook_secret.get_secret_value()
    runner = await webhook.serve(
        webhook.webhook_app(pump, secret, webhook.path_of(settings.webhook_url)),
        settings.webhook_listen,
        settings.webhook_port,
    )
    try:
        await app.bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        log.info("webhook mode: listening on %s:%s", settings.webhook_listen, settings.webhook_port)
        await pump.process_until(stop)
    finally:
        await runner.cleanup()


async def run_telegram(settings: Settings, stop: asyncio.Event | None = None, clock: Clock | None = None) -> None:
    """Long polling through the inbox, with the reminder scheduler, until SIGINT/SIGTERM (or `stop`)."""
    clock = clock or SystemClock(settings.tz)
    db = await open_database(settings)
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
    try:
        core = Core(db, settings, clock)
        app = build_application(settings, core)
        async with running(app):
            me = app.bot.username
            log.info("PTĐV Bot @%s is polling; database %s", me, settings.database_path)
            core.reminders = ReminderService(core.ctx, {"telegram": TelegramNotifier(app.bot)})
            scheduler = Scheduler(core.reminders)
            scheduler.add_daily_backup(
                settings.database_path, settings.backup_dir, settings.backup_keep, settings.backup_time
            )
            pump = UpdatePump(app, db, "telegram", clock)
            await pump.drain()  # whatever a previous run stored but did not finish
            await scheduler.start()
            try:
                if settings.telegram_mode == "webhook":
                    await _serve_webhook(app, pump, settings, stop)
                else:
                    await app.bot.delete_webhook()  # polling and a webhook cannot be used together
                    await pump.poll_forever(stop)
            finally:
                await scheduler.stop()
    finally:
        await db.close()
