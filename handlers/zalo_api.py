"""A small async client for the Zalo Bot API (https://bot.zaloplatforms.com), on httpx.

`POST {base}/bot<TOKEN>/<method>` with a JSON body; answers `{ok, result}` or `{ok: false, error_code,
description}`. The published Python SDKs copy python-telegram-bot's synchronous surface and call
`asyncio.run` inside, which breaks in a running event loop; this client is a thin async layer instead.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)

TEXT_LIMIT = 2000  # sendMessage `text` and sendPhoto `caption`: 1–2,000 characters (the docs' method table)
# One maintained client (openclaw extensions/zalo) counts UTF-16 code units, where an emoji such as 📎 or ⚠️
# counts double; the docs do not say. We measure in UTF-16 units and keep a margin below the limit.
SEND_LIMIT = 1900


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (characters outside the BMP count two)."""
    return len(text.encode("utf-16-le")) // 2


class ZaloError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class ZaloQuotaExceeded(ZaloError):
    """429 "Quota exceeded": the plan's monthly message quota is used up (Zalo's error table). Not a per-second
    rate limit — none is published — so waiting seconds and trying again only wastes calls."""


class ZaloUnavailable(ZaloError):
    """5xx, a timeout or a broken connection: worth trying again later — except a send that may have arrived."""

    @property
    def may_have_arrived(self) -> bool:
        """408: the request went out and no answer came (or only part of a message went out): never repeat it."""
        return self.code == 408


class ZaloForbidden(ZaloError):
    """403, which Zalo's error table calls "Internal server error". Nothing says it means that the person
    blocked the bot: it is a failed delivery, to be retried after a back-off, never a reason to give up on a
    person."""


class ZaloUnauthorized(ZaloError):
    """401: the token is wrong or revoked."""


class ZaloClient:
    def __init__(
        self,
        token: str,
        base_url: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._base = f"{base_url.rstrip('/')}/bot{token}"
        self._http = httpx.AsyncClient(transport=transport, timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """One API call; its `result`, or a `ZaloError` subclass saying how to react."""
        try:
            response = await self._http.post(
                f"{self._base}/{method}",
                json=payload or {},
                timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            # never reached Zalo: safe to try again (no URL in the text: it carries the token)
            raise ZaloUnavailable(0, f"{method}: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            # the request went out and no answer came (a timeout, a connection broken while waiting): it may have
            # been carried out, so a send is never repeated (ZaloUnavailable.may_have_arrived)
            raise ZaloUnavailable(408, f"{method}: {type(exc).__name__} (no answer)") from exc
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        if response.status_code == 200 and body.get("ok"):
            return body.get("result")
        code = int(body.get("error_code") or response.status_code)
        description = str(body.get("description") or response.reason_phrase or "error")
        raise _error(code, description, response, body)

    async def get_me(self) -> dict[str, Any]:
        return await self.call("getMe")

    async def get_updates(self, timeout: int = 25) -> dict[str, Any] | None:
        """One update, or None when none came within `timeout` seconds (Zalo answers 408 then)."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        except ZaloError as exc:
            broken = isinstance(exc.__cause__, httpx.TransportError) and not isinstance(
                exc.__cause__, httpx.TimeoutException
            )
            if exc.code == 408 and not broken:  # a broken connection is an error (backed off), not "nothing came"
                return None
            if broken:
                raise ZaloUnavailable(0, str(exc.description)) from exc
            raise
        return result or None

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> dict[str, Any]:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> dict[str, Any]:
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        return await self.call("sendPhoto", payload)

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def bot_name(me: dict[str, Any] | None) -> str:
    """The bot's name in a getMe result."""
    return str((me or {}).get("account_name") or (me or {}).get("name") or "?")


def _error(code: int, description: str, response: httpx.Response, body: dict[str, Any]) -> ZaloError:
    if code == 429:
        return ZaloQuotaExceeded(code, description)
    if code == 408 or code >= 500 or response.status_code >= 500:
        return ZaloUnavailable(code, description)
    if code == 403:
        return ZaloForbidden(code, description)
    if code == 401:
        return ZaloUnauthorized(code, description)
    return ZaloError(code, description)
