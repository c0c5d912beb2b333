"""`ptdv doctor`: one pass/fail line per check — settings, tokens (getMe), database, schedule, Zalo quota, backups."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass

from bot.clock import Clock, SystemClock
from bot.config import ConfigError, Settings, load_settings
from storage import backup
from storage.migrations import current_version, latest_version


@dataclass
class Check:
    ok: bool
    line: str

    def __str__(self) -> str:
        return f"{'✔' if self.ok else '✘'} {self.line}"


async def _token(settings: Settings) -> Check:
    if not settings.token:
        return Check(
            True, "Token Telegram: chưa cấu hình" + ("" if settings.zalo_token else " — `make run` mở console")
        )
    from telegram import Bot
    from telegram.error import TelegramError

    kwargs = {}
    if settings.telegram_api_base_url:
        kwargs["base_url"] = settings.telegram_api_base_url
    try:
        async with Bot(settings.token, **kwargs) as bot:
            me = await asyncio.wait_for(bot.get_me(), timeout=15)
    except (TelegramError, TimeoutError, OSError) as exc:
        return Check(
            False, f"Token Telegram: không chấp nhận hoặc không kết nối được ({type(exc).__name__}: {str(exc)[:120]})"
        )
    return Check(True, f"Token Telegram: hợp lệ, bot @{me.username}")


async def _zalo(settings: Settings) -> Check | None:
    """The Zalo token (getMe) and the webhook state Zalo has for the bot."""
    if not settings.zalo_token:
        return None
    from handlers.zalo_api import ZaloClient, ZaloError, bot_name

    client = ZaloClient(settings.zalo_token, settings.zalo_api, timeout=15)
    try:
        me = await client.get_me()
        hook = await client.get_webhook_info()
    except ZaloError as exc:
        return Check(False, f"Zalo: không chấp nhận token hoặc không kết nối được ({exc})")
    finally:
        await client.aclose()
    name = bot_name(me)
    url = (hook or {}).get("url") or ""
    mode = f"webhook {url}" if url else "không có webhook (long polling)"
    wrong = (settings.zalo_mode == "webhook") != bool(url)
    note = " — sẽ được đặt lại khi bot chạy" if wrong else ""
    return Check(True, f"Zalo: token hợp lệ, bot {name}; Zalo đang ghi nhận {mode}{note}")


async def _zalo_usage(db, settings: Settings, clock: Clock) -> Check:  # type: ignore[no-untyped-def]
    from bot.quota import Level, month_key
    from storage import usage

    month = month_key(clock.now().date())
    quota = settings.zalo_quota.model_copy(update={"used": await usage.sent(db, "zalo", month)})
    if quota.unlimited:
        return Check(True, f"Zalo tháng {month}: đã gửi {quota.used} tin (không giới hạn)")
    return Check(
        quota.level is not Level.EXHAUSTED,
        f"Hạn mức Zalo tháng {month}: {quota.used}/{quota.limit} tin ({quota.level.value})",
    )


async def _database(settings: Settings, clock: Clock) -> list[Check]:
    from storage import units as unit_store
    from storage import users
    from storage.db import Database

    path = settings.database_path
    if not path.exists():
        return [Check(False, f"Cơ sở dữ liệu: chưa có {path} — chạy `ptdv setup`")]
    status = await asyncio.to_thread(backup.integrity, path)
    checks = [Check(status == "ok", f"Cơ sở dữ liệu {path}: kiểm tra toàn vẹn {status}")]
    db = await Database.open(path)
    try:
        version, latest = await current_version(db), latest_version()
        checks.append(
            Check(
                version == latest,
                f"Phiên bản lược đồ: {version}/{latest}" + ("" if version == latest else " — chạy `ptdv migrate`"),
            )
        )
        units = await unit_store.count(db)
        people = await users.count_active(db)
        checks.append(Check(units > 0, f"Dữ liệu: {units} đơn vị, {people} người dùng đang hoạt động"))
        if version == latest and units:
            checks.append(await _schedule(db, settings, clock))
        if version == latest and settings.zalo_token:
            checks.append(await _zalo_usage(db, settings, clock))
    finally:
        await db.close()
    return checks


async def _schedule(db, settings: Settings, clock: Clock) -> Check:  # type: ignore[no-untyped-def]
    from bot.services.context import Context
    from bot.services.reminder_controls import next_runs
    from bot.services.reminders import ReminderService

    ctx = Context(db, settings, clock)
    calendar = await ReminderService(ctx, {}).calendar()
    runs = next_runs(calendar, ctx.now())
    text = "; ".join(f"{what} {when:%H:%M %d/%m}" for what, when in runs[:3])
    state = "TẠM DỪNG" if calendar.paused else "đang bật"
    return Check(True, f"Nhắc nhở {state}; lần tới: {text}; sao lưu hằng ngày lúc {settings.backup_time}")


def _backups(settings: Settings) -> Check:
    folder = settings.backup_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return Check(False, f"Sao lưu: không tạo được {folder} ({exc.strerror})")
    if not os.access(folder, os.W_OK):
        return Check(False, f"Sao lưu: không ghi được vào {folder}")
    files = sorted(folder.glob(backup.PATTERN))
    last = f"bản gần nhất {files[-1].name}" if files else "chưa có bản sao lưu nào"
    return Check(True, f"Sao lưu: {folder} ghi được; {last}; giữ {settings.backup_keep} bản")


async def run(clock: Clock | None = None) -> tuple[list[Check], bool]:
    try:
        settings = load_settings()
    except ConfigError as exc:
        return [Check(False, str(exc))], False
    clock = clock or SystemClock(settings.tz)  # the command line's edge: the one place the system clock is read
    checks = [
        Check(
            True,
            f"Cấu hình: đọc được; múi giờ {settings.timezone}, giờ hiện tại {clock.now():%H:%M %d/%m/%Y}",
        )
    ]
    checks.append(await _token(settings))
    if (zalo := await _zalo(settings)) is not None:
        checks.append(zalo)
    checks += await _database(settings, clock)
    checks.append(_backups(settings))
    return checks, all(c.ok for c in checks)
