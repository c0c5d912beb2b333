"""`ptdv doctor`: one pass/fail line per check — settings, tokens (getMe), database, schedule, Zalo quota, backups."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.config import ConfigError, Settings, load_settings
from bot.domain.clock import Clock, SystemClock
from bot.domain.textfmt import os_reason
from bot.runtime.redact import failure_reason, network_reason, redact, register, without_urls
from storage import backup
from storage.migrations import current_version, latest_version

if TYPE_CHECKING:
    from storage.db import Database


@dataclass
class Check:
    ok: bool
    line: str

    def __str__(self) -> str:
        return redact(f"{'✔' if self.ok else '✘'} {self.line}")


async def token_check(settings: Settings) -> Check:
    if not settings.token:
        return Check(True, "Token Telegram: chưa cấu hình")
    from telegram import Bot
    from telegram.error import TelegramError

    base_url = settings.telegram_api_base_url
    try:
        async with Bot(settings.token, base_url=base_url) if base_url else Bot(settings.token) as bot:
            me = await asyncio.wait_for(bot.get_me(), timeout=15)
    except (TelegramError, TimeoutError, OSError) as exc:
        return Check(False, f"Token Telegram: không chấp nhận hoặc không kết nối được ({failure_reason(exc, 160)})")
    return Check(True, f"Token Telegram: hợp lệ, bot @{me.username}")


async def _zalo(settings: Settings) -> list[Check]:
    """Every Zalo bot: its token (getMe), the webhook state Zalo has for it, and the production mode."""
    if not settings.zalo_specs:
        return [
            Check(
                True,
                "Token Zalo: chưa cấu hình"
                + ("" if settings.token else " — chưa có token nào: `make run` mở console trên dữ liệu mẫu"),
            )
        ]
    from handlers.zalo_api import ZaloClient, ZaloError, bot_name

    checks = []
    for spec in settings.zalo_specs:
        client = ZaloClient(spec.token, settings.zalo_api, timeout=15)
        try:
            me = await client.get_me()
            hook = await client.get_webhook_info()
        except ZaloError as exc:
            reason = network_reason(exc) or without_urls(f"{exc.code}: {' '.join(exc.description.split())}"[:160])
            line = f"Zalo {spec.channel}: không chấp nhận token hoặc không kết nối được ({reason})"
            checks.append(Check(False, line))
            continue
        finally:
            await client.aclose()
        url = (hook or {}).get("url") or ""
        mode = f"webhook {url}" if url else "không có webhook (long polling)"
        wrong = (settings.zalo_mode == "webhook") != bool(url)
        note = " — sẽ được đặt lại khi bot chạy" if wrong else ""
        share = f"; phục vụ {', '.join(spec.share.units)}" if spec.share.units else ""
        checks.append(
            Check(True, f"Zalo {spec.channel}: token hợp lệ, bot {bot_name(me)}{share}; Zalo ghi nhận {mode}{note}")
        )
    if checks and settings.zalo_mode == "polling" and not settings.zalo_api_base_url:
        checks.append(
            Check(
                True,
                "CẢNH BÁO Zalo: đang dùng long polling — theo tài liệu Zalo chỉ dành cho phát triển (tin đã lấy ra "
                "là mất nếu bot dừng giữa chừng). Khi chạy thật, đặt ZALO_MODE=webhook, ZALO_WEBHOOK_URL, "
                "ZALO_WEBHOOK_SECRET.",
            )
        )
    return checks


async def _zalo_usage(db: Database, settings: Settings, clock: Clock) -> list[Check]:
    """Each bot's month: messages sent against its quota, a quota refusal (429) seen, people against the cap."""
    from bot.domain.quota import Level, month_key
    from storage import usage, users

    month = month_key(clock.now().date())
    checks = []
    for spec in settings.zalo_specs:
        quota = spec.quota.model_copy(update={"used": await usage.sent(db, spec.channel, month)})
        people = len(await users.people_on_channel(db, spec.channel))
        cap = spec.share.user_cap
        who = f"; {people}/{cap} người dùng" if cap else ""
        if await usage.refused(db, spec.channel, month):
            line = f"Hạn mức Zalo {spec.channel} tháng {month}: Zalo báo HẾT HẠN MỨC (429) — tin nhắc tạm dừng{who}"
            checks.append(Check(False, line))
        elif quota.unlimited:
            checks.append(Check(True, f"Zalo {spec.channel} tháng {month}: đã gửi {quota.used} tin{who}"))
        else:
            level = quota.level is not Level.EXHAUSTED
            line = (
                f"Hạn mức Zalo {spec.channel} tháng {month}: {quota.used}/{quota.limit} tin ({quota.level.value}){who}"
            )
            checks.append(Check(level and (cap is None or people < cap), line))
    return checks


async def _database(settings: Settings, clock: Clock) -> list[Check]:
    from storage import units as unit_store
    from storage import users
    from storage.db import Database, UnusableDatabase

    path = settings.database_path
    if not path.exists():
        return [Check(False, f"Cơ sở dữ liệu: chưa có {path} — chạy `ptdv setup`")]
    status = await asyncio.to_thread(backup.integrity, path)
    if status != "ok":  # not a database or damaged: nothing else can be read from it
        return [
            Check(
                False,
                f"Cơ sở dữ liệu {path}: kiểm tra toàn vẹn không đạt ({status}). "
                + backup.restore_hint(path, settings.backup_dir),
            )
        ]
    checks = [Check(True, f"Cơ sở dữ liệu {path}: kiểm tra toàn vẹn ok")]
    try:
        db = await Database.open(path)
    except UnusableDatabase as exc:
        return [*checks, Check(False, str(exc))]
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
        hint = "" if units else " — nhập danh sách: `ptdv template` rồi `ptdv import <tệp>`"
        checks.append(Check(units > 0, f"Dữ liệu: {units} đơn vị, {people} người dùng đang hoạt động{hint}"))
        if version == latest and units:
            checks.append(await _schedule(db, settings, clock))
        if version == latest and settings.zalo_token:
            checks += await _zalo_usage(db, settings, clock)
    finally:
        await db.close()
    return checks


async def _schedule(db: Database, settings: Settings, clock: Clock) -> Check:
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
        return Check(False, f"Sao lưu: không tạo được {folder} ({os_reason(exc)})")
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
    register(settings.secrets)
    clock = clock or SystemClock(settings.tz)  # the command line's edge: the one place the system clock is read
    checks = [
        Check(
            True,
            f"Cấu hình: đọc được; múi giờ {settings.timezone}, giờ hiện tại {clock.now():%H:%M %d/%m/%Y}",
        )
    ]
    checks.append(await token_check(settings))
    checks += await _zalo(settings)
    checks += await _database(settings, clock)
    checks.append(_backups(settings))
    return checks, all(c.ok for c in checks)
