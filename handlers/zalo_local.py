"""A local stand-in for the Zalo Bot API, in the same process.

`LocalZaloApi` answers the methods the bot uses the way Zalo does — one update per `getUpdates`, 408 when
idle, text of 1–2,000 characters, no polling while a webhook is set — and records what the bot sent.
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

import httpx

from handlers.zalo_api import TEXT_LIMIT

BOT_INFO = {"id": "5000000000000000001", "account_name": "bot.ptdv", "account_type": "BASIC", "can_join_groups": False}


@dataclass
class ZaloSent:
    """One message the bot sent."""

    method: str  # sendMessage | sendPhoto
    chat_id: str
    message_id: str
    text: str = ""
    photo: str | None = None


class LocalZaloApi:
    def __init__(self) -> None:
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
        """The next `count` calls of `method` ("*" for any) answer with this HTTP status."""
        self.faults.extend([(method, status)] * count)

    # --- the API ---------------------------------------------------------------------------------
    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one API call: (HTTP status, JSON body)."""
        self.calls.append(method)
        if self.faults and self.faults[0][0] in (method, "*"):
            _, status = self.faults.popleft()
            body: dict[str, Any] = {"ok": False, "error_code": status, "description": _REASONS.get(status, "Error")}
            if status == 429:
                body["parameters"] = {"retry_after": 0.05}
            return status, body
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": f"Method {method} not found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except _ApiError as exc:
            return exc.status, {"ok": False, "error_code": exc.status, "description": exc.description}

    def next_update(self) -> dict[str, Any] | None:
        return self.updates.popleft() if self.updates else None

    def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT_INFO

    def _m_getUpdates(self, params: dict[str, Any]) -> dict[str, Any]:
        if self.webhook is not None:
            raise _ApiError(400, "Bad Request: webhook is active, polling is not allowed")
        update = self.next_update()
        if update is None:
            raise _ApiError(408, "Request timeout")
        return update

    def _m_setWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        url, secret = _required(params, "url"), _required(params, "secret_token")
        if not url.startswith("https://"):
            raise _ApiError(400, "Bad Request: url must be https")
        self.webhook = {"url": url, "secret_token": secret}
        return {"url": url, "updated_at": int(time.time() * 1000)}

    def _m_deleteWebhook(self, params: dict[str, Any]) -> dict[str, Any]:
        self.webhook = None
        return {"url": "", "updated_at": int(time.time() * 1000)}

    def _m_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url", ""), "updated_at": 0}

    def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, text = _required(params, "chat_id"), _required(params, "text")
        if not 1 <= len(text) <= TEXT_LIMIT:
            raise _ApiError(400, f"Bad Request: text must be 1-{TEXT_LIMIT} characters")
        return self._record(ZaloSent("sendMessage", chat_id, "", text=text))

    def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id, photo = _required(params, "chat_id"), _required(params, "photo")
        if not photo.startswith(("http://", "https://")):
            raise _ApiError(400, "Bad Request: photo must be a URL")
        return self._record(ZaloSent("sendPhoto", chat_id, "", text=params.get("caption", ""), photo=photo))

    def _m_sendChatAction(self, params: dict[str, Any]) -> bool:
        _required(params, "chat_id")
        return True

    def _record(self, sent: ZaloSent) -> dict[str, Any]:
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


_REASONS = {429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


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
