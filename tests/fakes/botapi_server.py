"""A fake Telegram Bot API server on 127.0.0.1 for end-to-end tests.

It speaks HTTP like the real one (form fields with JSON-encoded values, multipart uploads), serves
queued updates through long-polling `getUpdates` with Telegram's offset semantics (a call with
`offset` confirms and forgets everything before it), records what the bot sends through the same
`LocalBotApi` the console uses, and can inject faults (429 with retry_after, 5xx, 403, slow answers, sends
carried out but answered too late;
on getUpdates too — 409 Conflict, 403, 5xx — when the fault names it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from handlers.local_api import LocalBotApi


@dataclass
class Fault:
    method: str | None  # None: any method but getUpdates
    status: int
    description: str = "fault"
    retry_after: int | None = None
    delay: float = 0.0
    chat_id: str | None = None  # only for sends to this chat (e.g. a user who blocked the bot)
    sticky: bool = False  # stays after use (a blocked user stays blocked)
    accepted: bool = False  # the call is carried out (the message is delivered), then answered after `delay`


class FakeBotApi:
    def __init__(self, enforce_limits: bool = False) -> None:
        self.api = LocalBotApi()
        self.enforce_limits = enforce_limits  # answer 429 above ~30 messages/second overall, 1/second per chat
        self._recent: deque[float] = deque()
        self._last_by_chat: dict[str, float] = {}
        self.rate_limited = 0
        self.send_times: list[float] = []
        self.updates: list[dict[str, Any]] = []
        self.confirmed_offset = 0
        self.faults: deque[Fault] = deque()
        self._new_update = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.get_updates_calls = 0
        self.faults_served = 0

    # --- control from the test ----------------------------------------------------------------
    def push(self, update: dict[str, Any]) -> None:
        self.updates.append(update)
        self._new_update.set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def sent(self):
        return self.api.sent

    async def start(self) -> None:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_get("/file/bot{token}/documents/{file_id}", self._download)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # --- HTTP -----------------------------------------------------------------------------------
    async def _download(self, request: web.Request) -> web.Response:
        return web.Response(body=self.api.files.get(request.match_info["file_id"], b""))

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params, files = await _read_params(request)
        fault = self._take_fault(method, str(params.get("chat_id", "")))
        if method == "getUpdates" and fault is None:
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        if fault is not None and fault.accepted:
            status, body = self.api.call(method, params, files)  # delivered now; the answer comes too late
            await asyncio.sleep(fault.delay)
            return web.json_response(body, status=status)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            body = {"ok": False, "error_code": fault.status, "description": fault.description}
            if fault.retry_after is not None:
                body["parameters"] = {"retry_after": fault.retry_after}
            return web.json_response(body, status=fault.status)
        if self.enforce_limits and method.startswith("send") and self._over_limit(str(params.get("chat_id"))):
            self.rate_limited += 1
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            return web.json_response(body, status=429)
        status, body = self.api.call(method, params, files)
        if method.startswith("send"):
            self.send_times.append(time.monotonic())
        return web.json_response(body, status=status)

    def _over_limit(self, chat_id: str) -> bool:
        now = time.monotonic()
        while self._recent and now - self._recent[0] > 1.0:
            self._recent.popleft()
        if len(self._recent) >= 30 or now - self._last_by_chat.get(chat_id, -10.0) < 1.0:
            return True
        self._recent.append(now)
        self._last_by_chat[chat_id] = now
        return False

    def _take_fault(self, method: str, chat_id: str) -> Fault | None:
        if method in ("getMe", "setMyCommands", "deleteWebhook"):
            return None
        for fault in list(self.faults):
            if method == "getUpdates" and fault.method != method:
                continue  # a getUpdates fault is asked for by name (409 from a second instance, 403, 5xx)
            if fault.method in (None, method) and fault.chat_id in (None, chat_id):
                if not fault.sticky:
                    self.faults.remove(fault)
                self.faults_served += 1
                return fault
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        self.get_updates_calls += 1
        offset = int(params.get("offset") or 0)
        if offset:
            self.confirmed_offset = max(self.confirmed_offset, offset)
            self.updates = [u for u in self.updates if u["update_id"] >= offset]
        timeout = float(params.get("timeout") or 0)
        if not self.updates and timeout:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), timeout=min(timeout, 0.5))
        return list(self.updates)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        params = await request.json()
    elif request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                files[key] = (value.filename, value.file.read())
            else:
                params[key] = _decode(value)
    params.update({k: _decode(v) for k, v in request.query.items()})
    return params, files


def _decode(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
