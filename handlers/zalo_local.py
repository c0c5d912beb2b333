"""A local stand-in for the Zalo Bot API, in the same process, following the documented behaviour.

Sources (see ../shared/ZALO.md): the official docs at bot.zaloplatforms.com/docs, mirrored in
`lamdt1/ckvn-bot` docs/zalo-bot-doc.md and `XuanNguyenNB/QuanLyThuChi_Bot_Telegram_Zalom` docs/ZALO_BOT_API.md
("docs" below), and the maintained client `openclaw/openclaw` extensions/zalo/src/api.ts and
monitor.webhook.ts ("openclaw"). Each behaviour below names its source; where the docs are silent, it says so.

`transport()` plugs it into `ZaloClient` (httpx) so the real adapter runs with no network: the console's
Zalo rendering uses it, and the tests wrap the same object in an HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import collections
import itertools
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

from handlers.zalo_api import TEXT_LIMIT, utf16_len

BOT_INFO = {"id": "5000000000000000001", "account_name": "bot.ptdv", "account_type": "BASIC", "can_join_groups": False}


@dataclass
class ZaloSent:
    """One message the bot sent."""

    method: str  # sendMessage | sendPhoto
    chat_id: str
    message_id: str
    text: str = ""
    photo: str | None = None


# docs, error table: 403 is "Internal server error" (sic: nothing says the user blocked the bot); 429 is
# "Quota exceeded" (the plan's monthly quota; no per-second limit is published). The 5xx wordings are ours.
_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Internal server error",
    404: "Not Found",
    408: "Request timeout",
    429: "Quota exceeded",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
USER_CAP = 50  # docs, plans (one source, 2026-07-19): the free plan's 50 users per bot
MONTHLY_QUOTA = 3000  # docs, plans (one source): 3,000 messages a month on the free plan


class LocalZaloApi:
    def __init__(self, *, user_cap: int | None = None, monthly_quota: int | None = None) -> None:
        self.user_cap = user_cap  # None: no cap (the console); tests set USER_CAP or less
        self.monthly_quota = monthly_quota  # None: no quota (the console); tests set a small one
        self.users: set[str] = set()  # the distinct people this bot has talked to
        self.sent: list[ZaloSent] = []
        self.calls: list[str] = []
        self.updates: collections.deque[dict[str, Any]] = collections.deque()
        self.webhook: dict[str, str] | None = None
        self.faults: collections.deque[tuple[str, int]] = collections.deque()  # (method or "*", HTTP status)
        self._ids = itertools.count(1)

    # --- test and console controls -------------------------------------------------------------
    def push(self, update: dict[str, Any], *, times: int = 1) -> None:
        """Queue an update for getUpdates (`times` > 1: Zalo handing the same message over again)."""
        for _ in range(times):
            self.updates.append(update)

    def fail(self, method: str, status: int, count: int = 1) -> None:
        """The next `count` calls of `method` ("*" for any) answer with this error, as the error table words it."""
        self.faults.extend([(method, status)] * count)

    def accept_user(self, user_id: str) -> bool:
        """A person writes to the bot: False when the bot already has `user_cap` other users. The docs are silent
        on what a person beyond the cap sees; here their messages never reach the bot."""
        if self.user_cap is not None and user_id not in self.users and len(self.users) >= self.user_cap:
            return False
        self.users.add(user_id)
        return True

    # --- the API ---------------------------------------------------------------------------------
    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one API call: (HTTP status, JSON body)."""
        self.calls.append(method)
        if self.faults and self.faults[0][0] in (method, "*"):
            _, status = self.faults.popleft()
            return status, _failure(status, _REASONS.get(status, "Error"))
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:  # docs, error table: 400 "bad request / unknown method"
            return 400, _failure(400, f"Bad Request: unknown method {method}")
        try:
            return 200, {"ok": True, "result": handler(params)}
        except _ApiError as exc:
            # openclaw, measured: an idle getUpdates answers HTTP 200 with ok false and error_code 408
            return (200 if exc.status == 408 else exc.status), _failure(exc.status, exc.description)

    def next_update(self) -> dict[str, Any] | None:
        """docs: getUpdates hands out one update (not a list), and no offset: once handed out it is gone."""
        while self.updates:
            update = self.updates.popleft()
            sender = str(update.get("message", {}).get("from", {}).get("id", ""))
            if self.accept_user(sender):
                return update
        return None

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_INFO

    def _m_getUpdates(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook is not None:  # docs: webhook and getUpdates exclude each other (wording ours)
            raise _ApiError(400, "Bad Request: webhook is active, polling is not allowed")
        update = self.next_update()
        if update is None:
            raise _ApiError(408, "Request timeout")
        return update

    def _m_setWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url, secret = _required(params, "url"), _required(params, "secret_token")
        if not url.startswith("https://"):  # docs: the webhook URL is https
            raise _ApiError(400, "Bad Request: url must be https")
        if not 8 <= len(secret) <= 256:  # docs: secret_token of 8–256 characters
            raise _ApiError(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook = {"url": url, "secret_token": secret}
        return {"url": url, "updated_at": int(time.time() * 1000)}

    def _m_deleteWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = None
        return {"url": "", "updated_at": int(time.time() * 1000)}

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url", ""), "updated_at": 0}

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, text = _required(params, "chat_id"), _required(params, "text")
        # docs: text of 1–2,000 characters; openclaw counts UTF-16 code units (the stricter reading)
        if not 1 <= utf16_len(text) <= TEXT_LIMIT:
            raise _ApiError(400, f"Bad Request: text must be 1-{TEXT_LIMIT} characters")
        return self._record(ZaloSent("sendMessage", chat_id, "", text=text))

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, photo = _required(params, "chat_id"), _required(params, "photo")
        # docs: `photo` is a URL Zalo's servers fetch; uploads, data URIs and base64 are refused, and some hosts
        # get "The photo URL is invalid". The docs are silent on which hosts: here anything not public https.
        host = urlparse(photo).hostname or ""
        if not photo.startswith("https://") or host in ("localhost", "127.0.0.1") or host.endswith(".local"):
            raise _ApiError(400, "The photo URL is invalid")
        if utf16_len(params.get("caption", "")) > TEXT_LIMIT:  # docs: caption up to 2,000
            raise _ApiError(400, f"Bad Request: caption must be at most {TEXT_LIMIT} characters")
        return self._record(ZaloSent("sendPhoto", chat_id, "", text=params.get("caption", ""), photo=photo))

    def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        _required(params, "chat_id")
        return True

    def _record(self, sent: ZaloSent) -> dict[str, Any]:
        # docs: 429 "Quota exceeded" once the plan's messages for the month are used up (counted per send here;
        # the docs are silent on whether getUpdates or failed calls count)
        if self.monthly_quota is not None and len(self.sent) >= self.monthly_quota:
            raise _ApiError(429, "Quota exceeded")
        sent.message_id = f"m{next(self._ids)}"
        self.sent.append(sent)
        return {"message_id": sent.message_id, "date": int(time.time() * 1000)}

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering `POST .../bot<TOKEN>/<method>` from this object."""

        def handle(request: httpx.Request) -> httpx.Response:
            method = request.url.path.rsplit("/", 1)[-1]
            params = json.loads(request.content or b"{}")
            status, body = self.call(method, params)
            return httpx.Response(status, json=body)

        return httpx.MockTransport(handle)


class _ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def _failure(status: int, description: str) -> dict[str, Any]:
    """docs: errors answer `{ok: false, error_code, description}`."""
    return {"ok": False, "error_code": status, "description": description}


def _required(params: dict[str, Any], name: str) -> str:
    value = params.get(name)
    if not value:
        raise _ApiError(400, f"Bad Request: {name} is required")
    return str(value)


def text_update(sender_id: str, text: str, message_id: str, *, name: str = "Test", date_ms: int = 0) -> dict[str, Any]:
    """An update as Zalo sends it for a text message in a private chat."""
    return {
        "event_name": "message.text.received",
        "message": {
            "message_id": message_id,
            "date": date_ms or int(time.time() * 1000),
            "chat": {"id": sender_id, "chat_type": "PRIVATE"},
            "from": {"id": sender_id, "display_name": name, "is_bot": False},
            "text": text,
        },
    }


def _update(event: str, sender_id: str, message_id: str, date_ms: int, chat: str | None, **content: Any) -> dict:
    """docs: `{event_name, message: {from: {id, display_name, is_bot}, chat: {id, chat_type}, …, message_id,
    date (ms)}}`."""
    group = chat is not None
    return {
        "event_name": event,
        "message": {
            "message_id": message_id,
            "date": date_ms or int(time.time() * 1000),
            "chat": {"id": chat or sender_id, "chat_type": "GROUP" if group else "PRIVATE"},
            "from": {"id": sender_id, "display_name": "Test", "is_bot": False},
            **content,
        },
    }


def image_update(sender_id: str, message_id: str, *, caption: str = "", date_ms: int = 0) -> dict[str, Any]:
    """docs: `message.image.received` carries `photo` (a URL) and maybe a `caption`."""
    content = {"photo": "https://photo.zdn.vn/x.jpg", **({"caption": caption} if caption else {})}
    return _update("message.image.received", sender_id, message_id, date_ms, None, **content)


def sticker_update(sender_id: str, message_id: str, *, date_ms: int = 0) -> dict[str, Any]:
    """docs: `message.sticker.received` carries `sticker` (an id) and `url`."""
    content = {"sticker": "bfe458bf64fa8da4d4eb", "url": "https://zalo-api.zadn.vn/sticker.png"}
    return _update("message.sticker.received", sender_id, message_id, date_ms, None, **content)


def unsupported_update(sender_id: str, message_id: str, *, date_ms: int = 0) -> dict[str, Any]:
    """docs: `message.unsupported.received` for some special accounts (minors, accessibility settings): the
    content is withheld, so the message carries none."""
    return _update("message.unsupported.received", sender_id, message_id, date_ms, None)


def group_update(sender_id: str, group_id: str, text: str, message_id: str, *, date_ms: int = 0) -> dict:
    """docs (groups, beta): in a group the bot receives only @mentions (and replies to its own messages). The docs
    are silent on how the mention appears in `text`; here as "@<account_name> " in front, as people type it."""
    return _update("message.text.received", sender_id, message_id, date_ms, group_id, text=text)
