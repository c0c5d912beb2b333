"""Telegram adapter: a PTB `Application` whose only job is translation.

An `Update` becomes an `Inbound`, `Core.handle` decides, and each `Reply` becomes Telegram messages
(choices → inline buttons, attachments → photo or document, long texts split at 4,096 characters).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import httpx
from aiohttp import web
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter, Application, Defaults
from telegram.request import BaseRequest

from bot.config import ConfigError, Settings
from bot.domain.messages import Inbound, InboundKind, Reply
from bot.domain.textfmt import split_message
from bot.present import replies
from bot.services.core import Core
from bot.services.reminders import Delivery
from handlers.channel import Again, long_poll, with_retries
from handlers.inbox_pump import InboxPump, PollerFatal, telegram_lanes
from handlers.webhook import Hook, path_of, route, telegram_hook

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
FILE_LIMIT = 5 * 1_048_576  # documents larger than this are not downloaded (imports go through `ptdv import`)
CAPTION_LIMIT = 1024
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
CONFLICT_GIVE_UP = 300.0  # seconds of 409 Conflict (a second instance polling) before the process exits
COMMANDS: tuple[tuple[str, str], ...] = (
    ("tiendo", "Tiến độ kết nạp đảng viên (vd: /tiendo q3)"),
    ("baocao", "Báo cáo kết nạp (vd: /baocao 2 nu=1)"),
    ("sua", "Sửa báo cáo đã gửi (vd: /sua quý III kết nạp 4)"),
    ("lichsu", "Các báo cáo gần đây của đơn vị"),
    ("chamtiendo", "Đơn vị chậm tiến độ"),
    ("chuabaocao", "Đơn vị chưa báo cáo kỳ này"),
    ("cocau", "Cơ cấu đảng viên mới"),
    ("xuat", "Xuất báo cáo Excel (vd: /xuat 2021)"),
    ("bieudo", "Biểu đồ tiến độ"),
    ("nhacnho", "Lịch báo cáo và nhắc nhở (cán bộ theo dõi)"),
    ("help", "Hướng dẫn và câu hỏi mẫu"),
    ("dangky", "Đăng ký bằng mã mời: /dangky <mã>"),
    ("lienket", "Dùng cùng tài khoản trên Zalo (lấy mã liên kết)"),
)


def to_inbound(update: Update, channel: str, received_at: datetime, bot_username: str | None = None) -> Inbound | None:
    """Translate an update; None for kinds the bot ignores (channel posts, member changes...). In a group, a
    message is `addressed` to the bot when it is a command (not for another bot), mentions @bot_username or
    replies to the bot; the mention is taken out of the text."""
    key = f"{channel}:{update.update_id}"
    if update.callback_query:
        query = update.callback_query
        message = query.message
        return Inbound(
            channel=channel,
            update_key=key,
            sender_id=str(query.from_user.id),
            chat_id=str(message.chat.id if message else query.from_user.id),
            at=received_at,
            kind=InboundKind.CHOICE,
            data=query.data or "",
            message_id=str(message.message_id) if message else None,
            sender_name=query.from_user.full_name,
            username=query.from_user.username,
            is_group=message is not None and message.chat.type != "private",
            addressed=True,
        )
    message = update.message or update.edited_message
    if message is None or message.from_user is None:
        return None
    text = message.text or message.caption or ""
    kind = InboundKind.EDITED if update.edited_message else InboundKind.TEXT
    if not text:
        kind = InboundKind.FILE if message.document else InboundKind.MEDIA
    is_group = message.chat.type != "private"
    addressed = None
    if is_group:
        text, addressed = _addressed(message, text, bot_username)
    return Inbound(
        channel=channel,
        update_key=key,
        sender_id=str(message.from_user.id),
        chat_id=str(message.chat.id),
        at=message.date or received_at,
        kind=kind,
        text=text,
        message_id=str(message.message_id),
        sender_name=message.from_user.full_name,
        username=message.from_user.username,
        is_group=is_group,
        addressed=addressed,
        file_name=message.document.file_name if message.document else None,
    )


def _addressed(message: Message, text: str, bot_username: str | None) -> tuple[str, bool]:
    """A group message's text without the bot's @mention, and whether it is meant for the bot."""
    me = (bot_username or "").lower()
    command = re.match(r"^/[A-Za-z_]+(?:@(\w+))?", text.strip())
    if command:
        return text, command.group(1) is None or command.group(1).lower() == me
    replied = message.reply_to_message
    if (
        replied is not None
        and replied.from_user is not None
        and me
        and (replied.from_user.username or "").lower() == me
    ):
        return text, True
    if me:
        mention = re.compile(rf"@{re.escape(me)}\b", re.IGNORECASE)
        if mention.search(text):
            return mention.sub(" ", text).strip(), True
    return text, False


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(c.label, callback_data=c.data) for c in row] for row in reply.choices]
    )


class SendUncertain(Exception):
    """A send may have reached the chat although it did not succeed: the request went out and no answer came (a
    timeout, a connection broken while waiting), or only part of a split message went through. Never repeated."""


def _may_have_arrived(exc: NetworkError) -> bool:
    """Whether a failed request may still have reached Telegram. Not when the connection was never made (connect
    error or timeout, a full pool) or when Telegram answered (5xx: nothing was done); yes for a timeout or a
    broken connection after the request went out."""
    cause = exc.__cause__
    if isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return False
    if isinstance(cause, httpx.HTTPError):
        return True
    return isinstance(exc, TimedOut)


def _verdict(exc: Exception) -> Again | None:
    """Whether a failed Bot API request is tried again: after a 429 (its retry_after), a 5xx or a connection never
    made (with back-off); never a refusal (BadRequest). A request that may have arrived (a timeout, a connection
    broken while waiting) raises `SendUncertain` at once: it is never repeated."""
    if isinstance(exc, RetryAfter):
        return Again(_seconds(exc.retry_after))
    if isinstance(exc, BadRequest):
        return None  # BadRequest is a NetworkError in PTB: refused, never retried
    if isinstance(exc, NetworkError):
        if _may_have_arrived(exc):
            raise SendUncertain(str(exc) or type(exc).__name__) from exc
        return Again()
    return None


async def _call(make: Callable[[], Awaitable[object]], attempts: int, backoff: float) -> None:
    """One Bot API request, repeated only while it surely has not arrived (see `_verdict`)."""
    await with_retries(make, _verdict, attempts=attempts, backoff=backoff)


async def deliver(
    bot: Bot,
    chat_id: str,
    replies: Sequence[Reply],
    attempts: int = 4,
    backoff: float = 0.5,
) -> None:
    """Send answers in order. Each is a new message, so a timed-out one is not repeated (the person could get it
    twice); it is logged and the next answer goes on. See README, "Nothing lost, nothing twice"."""
    for reply in replies:
        try:
            await _send_one(bot, chat_id, reply, attempts, backoff)
        except SendUncertain as exc:
            log.warning("answer to %s may not have arrived (%s); not sent again", chat_id, exc)


FAN_OUT = 3  # `rate_limit_args` of a reminder send: paced by `FanOutRateLimiter`, retried up to 3 times on 429


class FanOutRateLimiter(AIORateLimiter):
    """The overall limiter for reminder fan-out only: a request sent with `rate_limit_args` (the notifier's sends)
    is paced and retried as by `AIORateLimiter`; anything else (answers to the person who wrote, button answers)
    goes straight out — one person's conversation is far below Telegram's per-chat limit, and a 429 on a reply is
    handled by `deliver`."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,  # AIORateLimiter's own parameter types
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        if rate_limit_args is None:
            return await callback(*args, **kwargs)
        return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)


async def _send_one(
    bot: Bot, chat_id: str, reply: Reply, attempts: int = 4, backoff: float = 0.5, paced: bool = False
) -> None:
    """One reply as Telegram messages; the keyboard goes with the last piece of a split text. Each request is
    retried on its own (never the pieces already sent); a failure after a piece went out is `SendUncertain`.
    `paced`: through the fan-out limiter (reminders)."""
    # `rate_limit_args` exists only on the application's ExtBot, whose generics PTB binds to None at the builder
    limit: dict[str, Any] = (
        {"rate_limit_args": FAN_OUT} if paced and getattr(bot, "rate_limiter", None) is not None else {}
    )
    target = reply.chat_id or chat_id
    calls: list[Callable[[], Awaitable[object]]] = []
    text = reply.text
    if reply.attachment is not None:
        attachment = reply.attachment
        caption, text = (text, "") if len(text) <= CAPTION_LIMIT else ("", text)
        send = bot.send_photo if attachment.kind == "photo" else bot.send_document
        calls.append(
            partial(
                send,
                target,
                attachment.content,
                filename=attachment.filename,
                caption=caption or None,
                reply_markup=keyboard(reply) if not text else None,
                **limit,
            )
        )
    if text or not calls:
        pieces = split_message(text, TEXT_LIMIT)
        for i, piece in enumerate(pieces):
            markup = keyboard(reply) if i == len(pieces) - 1 else None
            calls.append(partial(bot.send_message, target, piece, reply_markup=markup, **limit))
    for i, make in enumerate(calls):
        try:
            await _call(make, attempts, backoff)
        except TelegramError as exc:
            if i == 0:
                raise
            raise SendUncertain(f"{i} of {len(calls)} parts sent, then: {exc}") from exc


class TelegramNotifier:
    """Sends reminders through the application's bot (and so its rate limiter): a 429 waits its retry_after, a
    5xx or a connection never made backs off and retries, a 403 means the person blocked the bot, and a timeout
    is UNCERTAIN — the message may have arrived, so it is never sent again."""

    def __init__(self, bot: Bot, attempts: int = 4, backoff: float = 1.0) -> None:
        self.bot = bot
        self.attempts = attempts
        self.backoff = backoff

    async def quota(self) -> None:
        return None  # Telegram has rate limits but no monthly quota

    async def deliver(self, chat_id: str, reply: Reply) -> Delivery:
        try:
            await _send_one(self.bot, chat_id, reply, self.attempts, self.backoff, paced=True)
        except SendUncertain as exc:
            log.warning("message to %s may have arrived (%s): not sent again", chat_id, exc)
            return Delivery.UNCERTAIN
        except Forbidden:
            return Delivery.BLOCKED
        except BadRequest as exc:
            log.warning("message to %s refused: %s", chat_id, exc)
            return Delivery.BLOCKED if "chat not found" in str(exc).lower() else Delivery.FAILED
        except TelegramError as exc:
            log.info("message to %s not sent (%s); a later run tries again", chat_id, exc)
            return Delivery.FAILED
        return Delivery.SENT


def _seconds(value: float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def update_key(payload: dict[str, Any]) -> str:
    """An update's name in the inbox: Telegram's update_id."""
    return str(payload["update_id"])


class TelegramUpdates:
    """Processes stored Telegram updates: `Update` → `Inbound` → `Core.handle` → sends. A failure is reported to
    the pump by the call itself — raised (after an apology to the chat), so the pump keeps it on that update's
    row — never through state shared between updates (PTB's error handlers would need a list that grows for the
    life of the process, and concurrent updates would take each other's errors)."""

    def __init__(self, app: Application, core: Core, channel: str) -> None:
        self.app = app
        self.core = core
        self.channel = channel

    async def process(self, key: str, payload: dict[str, Any]) -> None:
        update = Update.de_json(payload, self.app.bot)  # a malformed payload raises: kept on its row
        try:
            await self.handle(update)
        except Exception:
            await self._apologise(update)
            raise

    async def handle(self, update: Update) -> None:
        bot = self.app.bot
        inbound = to_inbound(update, self.channel, self.core.ctx.now(), bot.username)
        if inbound is None:
            return
        if update.callback_query:
            try:
                await update.callback_query.answer()
            except TelegramError as exc:  # an old button: the answer is a courtesy, not a requirement
                log.info("answerCallbackQuery failed: %s", exc)
        document = update.message.document if update.message else None
        if inbound.kind is InboundKind.FILE and document is not None and (document.file_size or 0) <= FILE_LIMIT:
            data = await (await bot.get_file(document.file_id)).download_as_bytearray()
            inbound = inbound.model_copy(update={"file_bytes": bytes(data)})
        answers = await self.core.handle(inbound)
        await deliver(bot, inbound.chat_id, answers)

    async def _apologise(self, update: Update) -> None:
        if update.effective_chat is None:
            return
        try:
            await self.app.bot.send_message(update.effective_chat.id, replies.APOLOGY)
        except TelegramError:
            log.warning("could not send the apology to %s", update.effective_chat.id)


def inbox_pump(app: Application, core: Core, channel: str) -> InboxPump:
    """The inbox of `channel`'s Telegram updates, each processed by `TelegramUpdates`."""
    return InboxPump(
        core.db, channel, core.clock, TelegramUpdates(app, core, channel).process, key=update_key, lanes=telegram_lanes
    )


class TelegramPolling:
    """Telegram's side of `long_poll`: batches confirmed by the next call's offset. 429 waits its retry_after;
    409 Conflict (another process polls with this token, or a webhook is set) backs off for at most
    `conflict_give_up` seconds; a refused token (401/403/404) is fatal; timeouts, 5xx and other Bot API
    errors back off."""

    name = "telegram"

    def __init__(self, bot: Bot, *, timeout: int = 25, conflict_give_up: float = CONFLICT_GIVE_UP) -> None:
        self.bot = bot
        self.timeout = timeout
        self.conflict_give_up = conflict_give_up
        self.offset: int | None = None
        self._conflict_since: float | None = None

    async def fetch(self) -> list[dict[str, Any]]:
        updates = await self.bot.get_updates(offset=self.offset, timeout=self.timeout, allowed_updates=ALLOWED_UPDATES)
        return [u.to_dict() for u in updates]

    def confirm(self, updates: list[dict[str, Any]]) -> None:
        self.offset = int(updates[-1]["update_id"]) + 1

    def verdict(self, exc: Exception) -> Again | None:
        if isinstance(exc, RetryAfter):
            return Again(_seconds(exc.retry_after))
        if isinstance(exc, Conflict):
            now = asyncio.get_running_loop().time()
            self._conflict_since = now if self._conflict_since is None else self._conflict_since
            waited = now - self._conflict_since
            if waited >= self.conflict_give_up:
                raise PollerFatal(
                    f"Telegram trả lời 409 Conflict suốt {waited:.0f} giây: một tiến trình khác đang chạy bot với "
                    "cùng token (hoặc đã đặt webhook). Dừng tiến trình kia rồi khởi động lại."
                ) from None
            log.error(
                "getUpdates: 409 Conflict (%s) — another process polls with this token, or a webhook is set; "
                "giving up after %.0f s",
                exc,
                self.conflict_give_up,
            )
            return Again()
        if isinstance(exc, Forbidden | InvalidToken):
            log.error("getUpdates refused (%s): the token is not valid for this bot; stopping", exc)
            raise PollerFatal(
                f"Telegram từ chối token khi nhận tin ({type(exc).__name__}): kiểm tra TELEGRAM_BOT_TOKEN."
            ) from None
        if isinstance(exc, TelegramError):  # timeouts, 5xx, connection refused; anything else too
            return Again()
        return None

    def recovered(self) -> None:
        if self._conflict_since is not None:
            log.warning("getUpdates works again after 409 Conflict")
        self._conflict_since = None


class TelegramChannel:
    """Telegram as a `Channel`: the PTB application (without its Updater) fed from the inbox — by long polling,
    or by the webhook (TELEGRAM_MODE)."""

    def __init__(self, settings: Settings, core: Core) -> None:
        self.name = "telegram"
        self.settings = settings
        self.app = build_application(settings, core)
        self.pump = inbox_pump(self.app, core, self.name)
        self.notifier = TelegramNotifier(self.app.bot)
        self.hook: Hook | None = None
        if settings.telegram_mode == "webhook":
            if not (settings.webhook_url and settings.webhook_secret):
                raise ConfigError("Chế độ webhook cần WEBHOOK_URL và WEBHOOK_SECRET.")
            self.hook = telegram_hook(settings.webhook_secret.get_secret_value(), path_of(settings.webhook_url))
        self._stack = contextlib.AsyncExitStack()

    def routes(self) -> list[web.RouteDef]:
        return [route(self.hook, self.pump)] if self.hook is not None else []

    async def start(self) -> None:
        await self._stack.enter_async_context(running(self.app))
        await self.pump.drain()  # whatever a previous run stored but did not finish
        if self.hook is None:
            await self.app.bot.delete_webhook()  # polling and a webhook cannot be used together
        log.info("Telegram: @%s, %s", self.app.bot.username, self.settings.telegram_mode)

    async def run(self, stop: asyncio.Event) -> None:
        if self.hook is not None:
            assert self.settings.webhook_url is not None
            await self.app.bot.set_webhook(
                self.settings.webhook_url, secret_token=self.hook.secret, allowed_updates=ALLOWED_UPDATES
            )
            await self.pump.process_until(stop)
        else:
            polling = TelegramPolling(self.app.bot, conflict_give_up=self.settings.telegram_conflict_give_up_seconds)
            await long_poll(polling, self.pump, stop)

    async def aclose(self) -> None:
        await self._stack.aclose()


@asynccontextmanager
async def running(app: Application) -> AsyncIterator[Application]:
    """Initialise and start the application, register the command menu; stop and shut down on exit.

    (`post_init` only runs under `run_polling`/`run_webhook`, which own the event loop; we do not.)
    """
    await app.initialize()
    try:
        await app.start()
        try:
            app.bot_data["core"].ctx.bot_username = app.bot.username
            await register_commands(app)
            yield app
        finally:
            await app.stop()
    finally:
        await app.shutdown()


async def register_commands(app: Application) -> None:
    try:
        await app.bot.set_my_commands([BotCommand(name, text) for name, text in COMMANDS])
    except TelegramError as exc:
        log.warning("setMyCommands failed: %s", exc)


def build_application(
    settings: Settings,
    core: Core,
    *,
    token: str | None = None,
    request: BaseRequest | None = None,
    updates_request: BaseRequest | None = None,
    rate_limit: bool = True,
    timeout: float | None = None,
) -> Application:
    """The PTB application without an Updater and without handlers: updates arrive through the inbox pump and are
    processed by `TelegramUpdates` (its `Bot`, rate limiter and life cycle are what PTB gives here)."""
    builder = (
        Application.builder().token(token or settings.token or "").updater(None).defaults(Defaults(tzinfo=settings.tz))
    )
    if settings.telegram_api_base_url:
        builder = builder.base_url(settings.telegram_api_base_url)
        builder = builder.base_file_url(
            settings.telegram_api_base_file_url or settings.telegram_api_base_url.replace("/bot", "/file/bot")
        )
    if request is not None:
        builder = builder.request(request)
    if updates_request is not None:
        builder = builder.get_updates_request(updates_request)
    if rate_limit:
        # A bucket of 2 refilled at 28/second, not "30 per second": PTB's limiter is a bucket that would let a burst of
        # 30 through at once and so exceed Telegram's "about 30 in any second" (a 429 then pauses every request).
        # PTB's annotations bind the builder's rate-limiter parameter to None at `Application.builder()`, so a real
        # limiter (`AIORateLimiter` is `BaseRateLimiter[int]`) is refused although this is the documented call.
        # Only the reminder fan-out goes through it; replies are not capped by it (FanOutRateLimiter).
        builder = builder.rate_limiter(
            FanOutRateLimiter(overall_max_rate=2, overall_time_period=2 / 28, max_retries=FAN_OUT)  # type: ignore[arg-type]
        )
    if timeout is not None and request is None:
        builder = builder.read_timeout(timeout).write_timeout(timeout).connect_timeout(timeout).pool_timeout(timeout)
    app = builder.build()
    app.bot_data["core"] = core  # for `running`, which names the bot in the core
    return app
