"""Zalo adapter: Zalo Bot API updates in, `PlainMessage`s out. Translation only.

An update (`{event_name, message: {message_id, date (ms), chat: {id, chat_type}, from: {id, display_name},
text}}`) becomes an `Inbound`; `PlainChannel` (in `bot/`) does the rest — numbered choices instead of buttons,
links instead of files. Updates reach the inbox by long polling (one update per call, 408 when idle) or by
webhook (secret header compared in constant time) and are deduplicated there by message id: Zalo may hand the
same message over again, and it is processed once. Sends are paced, split at 2,000 characters on line
boundaries, retried on 429/5xx, and counted against the monthly quota.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlparse

import httpx
from aiohttp import web

from bot.config import ConfigError, Settings
from bot.domain.bots import kind_of
from bot.domain.clock import Clock
from bot.domain.messages import Inbound, InboundKind, PlainMessage, Reply
from bot.domain.quota import Quota, month_key
from bot.domain.textfmt import split_message
from bot.present import replies
from bot.services.core import Core
from bot.services.plain_channel import PlainChannel
from bot.services.reminders import Delivery
from handlers.channel import Again, long_poll, with_retries
from handlers.inbox_pump import InboxPump, PollerFatal
from handlers.webhook import Hook, path_of, route
from handlers.zalo_api import (
    SEND_LIMIT,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloQuotaExceeded,
    ZaloUnauthorized,
    ZaloUnavailable,
    bot_name,
    utf16_len,
)
from storage import usage
from storage.db import Database

log = logging.getLogger(__name__)

CHANNEL = "zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
APOLOGY = replies.APOLOGY


# The documented event names (docs: message.text/image/sticker/unsupported.received) → what the core is told.
EVENT_MEDIA = {
    "message.text.received": "text",  # an empty text
    "message.image.received": "image",
    "message.sticker.received": "sticker",
    "message.unsupported.received": "unsupported",
}
MENTION = re.compile(r"^\s*@\S+[\s,:]*")  # "@bot.ptdv tiến độ" → "tiến độ"


def public_https(url: str | None) -> bool:
    """Can Zalo's servers fetch a picture under this base URL? Only https on a public host (docs: sendPhoto takes
    a URL Zalo fetches; uploads are refused, and a private-network link cannot work)."""
    if not url or not url.startswith("https://"):
        return False
    host = (urlparse(url).hostname or "").lower()
    if not host or host == "localhost" or host.endswith((".local", ".lan", ".internal", ".localhost")):
        return False
    try:
        return ipaddress.ip_address(host).is_global
    except ValueError:
        return "." in host  # a name: public unless it is one of the private suffixes above


def unwrap(body: Any) -> dict[str, Any] | None:
    """The update in a webhook body or a getUpdates result (either bare or as `{ok, result}`)."""
    if isinstance(body, dict) and isinstance(body.get("result"), dict) and "event_name" not in body:
        body = body["result"]
    return body if isinstance(body, dict) and isinstance(body.get("message"), dict) else None


def update_key(update: dict[str, Any]) -> str:
    """Zalo updates carry no update id: the message id names them (a digest of the body if it is missing)."""
    message_id = update.get("message", {}).get("message_id")
    if message_id:
        return str(message_id)
    return "h" + hashlib.sha256(json.dumps(update, sort_keys=True).encode()).hexdigest()[:32]


def to_inbound(update: dict[str, Any], received_at: datetime, channel: str = CHANNEL) -> Inbound | None:
    """Translate an update; None for what the bot ignores (no sender, the bot itself). `channel` names where
    identities live ("zalo"; the console's Zalo rendering uses its own)."""
    message = update.get("message") or {}
    sender = message.get("from") or {}
    chat = message.get("chat") or {}
    if not sender.get("id") or sender.get("is_bot"):
        return None
    text = message.get("text") or ""
    event = str(update.get("event_name", ""))
    is_group = str(chat.get("chat_type", "PRIVATE")).upper() == "GROUP"
    if is_group:  # in a group only @mentions reach the bot (docs): read what follows the mention
        text = MENTION.sub("", text, count=1)
    kind = InboundKind.TEXT if event == "message.text.received" and text.strip() else InboundKind.MEDIA
    media = EVENT_MEDIA.get(event, "unsupported") if kind is InboundKind.MEDIA else None
    at = received_at
    if isinstance(message.get("date"), int | float):
        at = datetime.fromtimestamp(message["date"] / 1000, tz=received_at.tzinfo)
    return Inbound(
        channel=channel,
        update_key=f"{channel}:{update_key(update)}",
        sender_id=str(sender["id"]),
        chat_id=str(chat.get("id") or sender["id"]),
        at=at,
        kind=kind,
        text=text if kind is InboundKind.TEXT else "",
        message_id=str(message.get("message_id") or ""),
        sender_name=str(sender.get("display_name") or sender.get("name") or ""),
        is_group=is_group,
        media=media,
    )


class Pacer:
    """At most `per_second` calls a second, spaced evenly (shared by answers and reminders)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0
        self._lock = asyncio.Lock()

    async def wait(self) -> None:
        async with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            await asyncio.sleep(delay)


class ZaloSender:
    """Sends plain messages within Zalo's limits and counts each one against the month's quota.

    A 429 ("Quota exceeded": the plan's monthly quota) is learnt: stored for the month, it makes the quota
    read as used up, so scheduled sends stop at once (answers are still tried, once each: one that goes
    through shows the quota is back). A 403 ("Internal server error") and a timeout are failed deliveries,
    not repeated here (a timed-out send may have arrived); 5xx and connection errors are retried with back-off.
    """

    def __init__(
        self,
        client: ZaloClient,
        db: Database,
        clock: Clock,
        *,
        quota: Quota,
        per_second: float = 5.0,
        attempts: int = 4,
        backoff: float = 0.5,
        channel: str = CHANNEL,
    ) -> None:
        self.channel = channel
        self.client = client
        self.db = db
        self.clock = clock
        self.quota_plan = quota
        self.pacer = Pacer(per_second)
        self.attempts = attempts
        self.backoff = backoff
        self._refused: dict[str, bool] = {}  # month -> Zalo answered 429 (cached from channel_usage)
        # Scheduled sends go one at a time (the pacer spaces them anyway): after a 429 no other is in flight,
        # so the refusal stops them within one attempt.
        self._one_at_a_time = asyncio.Lock()

    @staticmethod
    def pieces(message: PlainMessage) -> list[tuple[str, str]]:
        """The API calls one message takes: ("photo", caption) and/or ("text", piece) in order; each text within
        SEND_LIMIT UTF-16 code units."""
        calls: list[tuple[str, str]] = []
        text = message.text
        if message.photo_url:
            caption, text = (text, "") if utf16_len(text) <= SEND_LIMIT else ("", text)
            calls.append(("photo", caption))
        if text.strip() or not calls:
            calls += [("text", piece) for piece in split_message(text, SEND_LIMIT, utf16_len) if piece.strip()]
        return calls

    async def send(self, chat_id: str, message: PlainMessage, *, scheduled: bool = False) -> None:
        """Send one message; `scheduled` sends (reminders, digests) are not even tried once Zalo said 429."""
        if scheduled:
            async with self._one_at_a_time:
                await self._send(chat_id, message, scheduled)
        else:
            await self._send(chat_id, message, scheduled)

    async def _send(self, chat_id: str, message: PlainMessage, scheduled: bool) -> None:
        pieces = self.pieces(message)
        for i, (kind, text) in enumerate(pieces):
            try:
                if kind == "photo":
                    assert message.photo_url is not None
                    await self._call(scheduled, self.client.send_photo, chat_id, message.photo_url, text)
                else:
                    await self._call(scheduled, self.client.send_message, chat_id, text)
            except ZaloError as exc:
                if i == 0:
                    raise
                # part of the message went out: sending it again would repeat that part
                raise ZaloUnavailable(408, f"{i} of {len(pieces)} parts sent, then: {exc}") from exc

    def _month(self) -> str:
        return month_key(self.clock.now().date())

    async def refused(self) -> bool:
        """Did Zalo answer "Quota exceeded" this month (and nothing has gone through since)?"""
        month = self._month()
        if month not in self._refused:
            self._refused[month] = await usage.refused(self.db, self.channel, month)
        return self._refused[month]

    async def _call(self, scheduled: bool, method: Any, *args: Any) -> None:
        """One API call through the shared retry helper: paced before each try; a scheduled send is not tried once
        Zalo said 429 (checked after the wait: a 429 meanwhile stops this one); 5xx and connections never made
        are tried again with back-off; a timed-out send may have arrived and is never repeated blind."""

        async def paced() -> None:
            await self.pacer.wait()
            if scheduled and await self.refused():
                raise ZaloQuotaExceeded(429, "Quota exceeded (earlier this month)")

        async def attempt() -> None:
            try:
                await method(*args)
            except ZaloQuotaExceeded:
                await self._learn_refusal()
                raise

        await with_retries(attempt, _send_verdict, attempts=self.attempts, backoff=self.backoff, before=paced)
        month = self._month()
        await usage.add(self.db, self.channel, month)
        if self._refused.get(month):
            log.info("Zalo %s: sends go through again; the quota refusal is cleared", self.channel)
            await usage.accept(self.db, self.channel, month)
            self._refused[month] = False

    async def _learn_refusal(self) -> None:
        month = self._month()
        if not await self.refused():
            log.warning("Zalo %s: monthly quota exceeded (429); scheduled sends stop", self.channel)
            await usage.refuse(self.db, self.channel, month, self.clock.now())
        self._refused[month] = True

    async def quota(self) -> Quota:
        """The month's quota as used so far; used up when Zalo said so (429), whatever our count says."""
        month = self._month()
        used = await usage.sent(self.db, self.channel, month)
        if await self.refused():
            limit = self.quota_plan.limit or max(used, 1)
            return self.quota_plan.model_copy(update={"limit": limit, "used": max(used, limit)})
        return self.quota_plan.model_copy(update={"used": used})


def _send_verdict(exc: Exception) -> Again | None:
    """5xx and connections never made are tried again; a send that may have arrived (408), a 429 (the month's
    quota), a 403 and other refusals are not."""
    if isinstance(exc, ZaloUnavailable) and not exc.may_have_arrived:
        return Again()
    return None


class ZaloAdapter:
    """Processes stored Zalo updates: `Inbound` → `PlainChannel` → sends."""

    def __init__(self, plain: PlainChannel, sender: ZaloSender, clock: Clock) -> None:
        self.plain = plain
        self.sender = sender
        self.clock = clock

    async def process(self, key: str, payload: dict[str, Any]) -> str | None:
        inbound = to_inbound(payload, self.clock.now(), self.plain.channel)
        if inbound is None:
            return None
        try:
            messages = await self.plain.handle(inbound)
        except Exception:
            with contextlib.suppress(ZaloError):
                await self.sender.send(inbound.chat_id, PlainMessage(text=APOLOGY))
            raise
        for message in messages:
            try:
                await self.sender.send(message.chat_id or inbound.chat_id, message)
            except (ZaloQuotaExceeded, ZaloForbidden) as exc:
                # not worth failing the update for: it is stored and handled; the answer could not go out
                log.warning("Zalo answer to %s not delivered: %s", message.chat_id or inbound.chat_id, exc)
                return None
            except ZaloUnavailable as exc:
                if not exc.may_have_arrived:
                    raise
                # a new message that may have arrived is not sent again (README, "Nothing lost, nothing twice")
                log.warning("Zalo answer to %s may not have arrived (%s); not sent again", inbound.chat_id, exc)
        return None


class ZaloNotifier:
    """Reminders and digests to Zalo users: the same rendering as answers, within the quota."""

    def __init__(self, plain: PlainChannel, sender: ZaloSender) -> None:
        self.plain = plain
        self.sender = sender

    async def deliver(self, chat_id: str, reply: Reply) -> Delivery:
        if await self.sender.refused():
            return Delivery.QUOTA
        try:
            for message in await self.plain.render(chat_id, [reply]):
                await self.sender.send(message.chat_id or chat_id, message, scheduled=True)
        except ZaloQuotaExceeded:
            return Delivery.QUOTA
        except ZaloUnavailable as exc:
            if exc.may_have_arrived:
                log.warning("Zalo message to %s may have arrived (%s): not sent again", chat_id, exc)
                return Delivery.UNCERTAIN
            log.warning("Zalo message to %s not delivered: %s", chat_id, exc)
            return Delivery.FAILED
        except ZaloError as exc:  # 403 "Internal server error" included: failed, backed off, tried again later
            log.warning("Zalo message to %s not delivered: %s", chat_id, exc)
            return Delivery.FAILED
        return Delivery.SENT

    async def quota(self) -> Quota:
        return await self.sender.quota()


QUOTA_BACKOFF = (60.0, 3600.0)  # getUpdates answered 429: first wait, longest wait (seconds)


class ZaloPolling:
    """Zalo's side of `long_poll` — only for development: the docs say getUpdates is not for production, and an
    update it hands out is gone (no offset, no acknowledgement: nothing to confirm); production runs on the
    webhook. One update per call, None when idle (408). 429 waits from a minute up to an hour; a refused token
    (401) is fatal; 403 (Zalo's "Internal server error"), 5xx and network errors back off."""

    def __init__(self, client: ZaloClient, *, timeout: int = 25, name: str = CHANNEL) -> None:
        self.client = client
        self.timeout = timeout
        self.name = name
        self._quota_wait = QUOTA_BACKOFF[0]

    async def fetch(self) -> list[dict[str, Any]]:
        update = unwrap(await self.client.get_updates(self.timeout))
        return [update] if update is not None else []

    def confirm(self, updates: list[dict[str, Any]]) -> None:
        return None  # Zalo takes no confirmation

    def verdict(self, exc: Exception) -> Again | None:
        if isinstance(exc, ZaloQuotaExceeded):
            wait, self._quota_wait = self._quota_wait, min(self._quota_wait * 2, QUOTA_BACKOFF[1])
            return Again(wait)
        if isinstance(exc, ZaloUnauthorized):  # 403 is Zalo's "Internal server error": backed off, not fatal
            log.error("Zalo getUpdates refused (%s): the token is not valid; stopping", exc)
            raise PollerFatal(f"Zalo từ chối token khi nhận tin ({exc.code}): kiểm tra ZALO_BOT_TOKEN.") from None
        if isinstance(exc, ZaloError):
            return Again()
        return None

    def recovered(self) -> None:
        self._quota_wait = QUOTA_BACKOFF[0]


async def poll_forever(client: ZaloClient, pump: InboxPump, stop: asyncio.Event, timeout: int = 25) -> None:
    """Long-poll Zalo (`ZaloPolling`): each update is in the inbox (deduplicated by message id) before the next
    call; `stop` ends it at once."""
    await long_poll(ZaloPolling(client, timeout=timeout, name=pump.channel), pump, stop)


def hook(path: str, secret: str) -> Hook:
    """Zalo's webhook (the one receiver, `handlers.webhook.route`): body bare or as `{ok, result}`; Zalo is
    answered `{"message": "Success"}`."""
    return Hook(path, SECRET_HEADER, secret, unwrap, ok=lambda: web.json_response({"message": "Success"}))


@dataclass
class ZaloChannel:
    """One Zalo bot as a `Channel`: its adapter's parts, wired — what `ptdv run`, the console and the tests start.
    In webhook mode (ZALO_MODE) `hook` is set and the bot's webhook is registered when it runs; otherwise it
    long-polls."""

    name: str
    client: ZaloClient
    plain: PlainChannel
    sender: ZaloSender
    adapter: ZaloAdapter
    pump: InboxPump
    notifier: ZaloNotifier
    hook: Hook | None = None
    webhook_url: str | None = None

    def routes(self) -> list[web.RouteDef]:
        return [route(self.hook, self.pump)] if self.hook is not None else []

    async def start(self) -> None:
        me = await self.client.get_me()
        await self.pump.drain()  # whatever a previous run stored but did not finish
        if self.hook is None:
            with contextlib.suppress(ZaloError):  # polling and a webhook cannot be used together
                await self.client.delete_webhook()
        log.info("Zalo %s: %s, %s", self.name, bot_name(me), "webhook" if self.hook else "polling")

    async def run(self, stop: asyncio.Event) -> None:
        if self.hook is not None:
            assert self.webhook_url is not None
            await self.client.set_webhook(self.webhook_url, self.hook.secret)
            await self.pump.process_until(stop)
        else:
            await poll_forever(self.client, self.pump, stop)

    async def aclose(self) -> None:
        await self.client.aclose()


def channels(settings: Settings, core: Core, *, transport: httpx.AsyncBaseTransport | None = None) -> list[ZaloChannel]:
    """Every Zalo bot (ZALO_BOT_TOKEN and ZALO_BOTS) in this one process, on this one database: each with its own
    channel name, token, quota, inbox and webhook path (or poller, in development)."""
    webhook = settings.zalo_mode == "webhook"
    if webhook and any(spec.webhook_url is None for spec in settings.zalo_specs):
        raise ConfigError("Chế độ webhook của Zalo cần ZALO_WEBHOOK_URL và ZALO_WEBHOOK_SECRET.")
    return [
        build(
            settings,
            core,
            transport=transport,
            token=spec.token,
            channel=spec.channel,
            quota=spec.quota,
            webhook_url=spec.webhook_url if webhook else None,
        )
        for spec in settings.zalo_specs
    ]


def build(
    settings: Settings,
    core: Core,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    token: str | None = None,
    channel: str = CHANNEL,
    inbox_channel: str | None = None,
    backoff: float = 0.5,
    quota: Quota | None = None,
    webhook_url: str | None = None,
) -> ZaloChannel:
    """One Zalo bot's adapter. `channel` names the bot ("zalo", "zalo-<key>" for more bots, see `bot.domain.bots`):
    its identities, inbox, menus and monthly count; `token` and `quota` are that bot's; with `webhook_url` it
    receives by webhook (ZALO_WEBHOOK_SECRET), else by long polling."""
    client = ZaloClient(token or settings.zalo_token or "", settings.zalo_api, transport=transport)
    plain = PlainChannel(
        core,
        channel,
        public_base_url=settings.public_base_url,
        link_hours=settings.file_link_hours,
        other_channels=[c for c in settings.channels if c != kind_of(channel)],
        photos_by_url=public_https(settings.public_base_url),
    )
    sender = ZaloSender(
        client,
        core.db,
        core.clock,
        quota=quota or settings.zalo_quota,
        per_second=settings.zalo_max_per_second,
        backoff=backoff,
        channel=channel,
    )
    adapter = ZaloAdapter(plain, sender, core.clock)
    pump = InboxPump(core.db, inbox_channel or channel, core.clock, adapter.process, key=update_key)
    receiver = None
    if webhook_url is not None:
        if settings.zalo_webhook_secret is None:
            raise ConfigError("Chế độ webhook của Zalo cần ZALO_WEBHOOK_URL và ZALO_WEBHOOK_SECRET.")
        receiver = hook(path_of(webhook_url), settings.zalo_webhook_secret.get_secret_value())
    return ZaloChannel(
        name=channel,
        client=client,
        plain=plain,
        sender=sender,
        adapter=adapter,
        pump=pump,
        notifier=ZaloNotifier(plain, sender),
        hook=receiver,
        webhook_url=webhook_url,
    )
