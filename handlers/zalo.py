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

from bot.config import Settings
from bot.domain.bots import kind_of
from bot.domain.clock import Clock
from bot.domain.messages import Inbound, InboundKind, PlainMessage, Reply
from bot.domain.quota import Quota, month_key
from bot.domain.textfmt import split_message
from bot.present import replies
from bot.services.core import Core
from bot.services.plain_channel import PlainChannel
from bot.services.reminders import Delivery
from handlers.inbox_pump import InboxPump, PollerFatal, Stopped, sleep_or_stop, unless_stopped
from handlers.webhook import authorised
from handlers.zalo_api import (
    SEND_LIMIT,
    ZaloClient,
    ZaloError,
    ZaloForbidden,
    ZaloQuotaExceeded,
    ZaloUnauthorized,
    ZaloUnavailable,
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
        for attempt in range(self.attempts):
            await self.pacer.wait()
            if scheduled and await self.refused():  # checked after the wait: a 429 meanwhile stops this one
                raise ZaloQuotaExceeded(429, "Quota exceeded (earlier this month)")
            try:
                await method(*args)
            except ZaloQuotaExceeded:
                month = self._month()
                if not await self.refused():
                    log.warning("Zalo %s: monthly quota exceeded (429); scheduled sends stop", self.channel)
                    await usage.refuse(self.db, self.channel, month, self.clock.now())
                self._refused[month] = True
                raise
            except ZaloUnavailable as exc:
                if exc.may_have_arrived or attempt == self.attempts - 1:
                    raise  # a timed-out send may have arrived: never repeated blind
                log.info("Zalo unavailable (%s); retry %d", exc, attempt + 1)
                await asyncio.sleep(self.backoff * 2**attempt)
            else:
                month = self._month()
                await usage.add(self.db, self.channel, month)
                if self._refused.get(month):
                    log.info("Zalo %s: sends go through again; the quota refusal is cleared", self.channel)
                    await usage.accept(self.db, self.channel, month)
                    self._refused[month] = False
                return

    async def quota(self) -> Quota:
        """The month's quota as used so far; used up when Zalo said so (429), whatever our count says."""
        month = self._month()
        used = await usage.sent(self.db, self.channel, month)
        if await self.refused():
            limit = self.quota_plan.limit or max(used, 1)
            return self.quota_plan.model_copy(update={"limit": limit, "used": max(used, limit)})
        return self.quota_plan.model_copy(update={"used": used})


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


async def poll_forever(client: ZaloClient, pump: InboxPump, stop: asyncio.Event, timeout: int = 25) -> None:
    """Long-poll Zalo: each update is in the inbox (deduplicated by message id) before the next call. 429, 5xx,
    network errors and a busy database back off and retry; a refused token (401/403) or a database that refuses
    writes raises `PollerFatal` (the process exits non-zero); `stop` ends it at once."""
    await pump.run_with_processor(stop, _poll(client, pump, stop, timeout))


async def _poll(client: ZaloClient, pump: InboxPump, stop: asyncio.Event, timeout: int) -> None:
    """Only for development: the docs say getUpdates is not for production, and an update it hands out is gone
    (no offset, no acknowledgement) — production runs on the webhook."""
    backoff = 1.0
    quota_backoff = QUOTA_BACKOFF[0]
    while not stop.is_set():
        try:
            raw = await unless_stopped(stop, client.get_updates(timeout))
        except Stopped:
            return  # Zalo hands an update not taken over again
        except ZaloQuotaExceeded:
            log.warning("Zalo getUpdates: quota exceeded (429); polling again in %.0f s", quota_backoff)
            await sleep_or_stop(stop, quota_backoff)
            quota_backoff = min(quota_backoff * 2, QUOTA_BACKOFF[1])
            continue
        except ZaloUnauthorized as exc:  # 403 is Zalo's "Internal server error": backed off below, not fatal
            log.error("Zalo getUpdates refused (%s): the token is not valid; stopping", exc)
            raise PollerFatal(f"Zalo từ chối token khi nhận tin ({exc.code}): kiểm tra ZALO_BOT_TOKEN.") from None
        except ZaloError as exc:
            level = logging.WARNING if isinstance(exc, ZaloUnavailable) else logging.ERROR
            log.log(level, "Zalo getUpdates failed (%s); retrying in %.0f s", exc, backoff)
            await sleep_or_stop(stop, backoff)
            backoff = min(backoff * 2, 60.0)
            continue
        backoff, quota_backoff = 1.0, QUOTA_BACKOFF[0]
        update = unwrap(raw)
        if update is not None and not await pump.ingest_durably([update], stop):
            log.warning("stopping before a Zalo update was stored: %s", update_key(update))
            return


def add_webhook(app: web.Application, path: str, pump: InboxPump, secret: str) -> None:
    """Zalo's webhook: the secret header checked in constant time, the update stored before 200."""

    async def receive(request: web.Request) -> web.Response:
        if not authorised(request, SECRET_HEADER, secret):
            return web.Response(status=403, text="forbidden")
        try:
            update = unwrap(json.loads(await request.read()))
        except ValueError:
            update = None
        if update is None:
            return web.Response(status=400, text="not an update")
        if not await pump.ingest_or_fail([update]):  # durable before Zalo is told "OK"; a repeat is ignored
            return web.Response(status=503, text="not stored")
        return web.json_response({"message": "Success"})

    app.router.add_post(path, receive)


@dataclass
class ZaloChannel:
    """The Zalo adapter's parts, wired: what `ptdv run`, the console and the tests start."""

    client: ZaloClient
    plain: PlainChannel
    sender: ZaloSender
    adapter: ZaloAdapter
    pump: InboxPump
    notifier: ZaloNotifier


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
) -> ZaloChannel:
    """One Zalo bot's adapter. `channel` names the bot ("zalo", "zalo-<key>" for more bots, see `bot.domain.bots`):
    its identities, inbox, menus and monthly count; `token` and `quota` are that bot's."""
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
    return ZaloChannel(client, plain, sender, adapter, pump, ZaloNotifier(plain, sender))
