"""A fake Zalo Bot API server on 127.0.0.1 for end-to-end tests.

It answers `POST /bot<TOKEN>/<method>` with JSON like the real one, through the same `LocalZaloApi` the
console uses: `getUpdates` hands out one update per call, waits up to its timeout and then answers HTTP 408;
updates can be handed out twice (Zalo's redelivery); texts over 2,000 characters are refused; 429 and 5xx can
be injected; a wrong token gets 401. `post_webhook` plays Zalo calling the bot's webhook with the secret
header.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import aiohttp
from aiohttp import web

from handlers.zalo_local import LocalZaloApi, ZaloSent

MAX_WAIT = 1.0  # seconds a test's getUpdates waits before 408 (the real one waits `timeout`)


class FakeZaloApi:
    def __init__(self, token: str) -> None:
        self.token = token
        self.api = LocalZaloApi()
        self._new = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.idle_answers = 0  # 408s served

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sent(self) -> list[ZaloSent]:
        return self.api.sent

    def push(self, update: dict[str, Any], *, times: int = 1) -> None:
        self.api.push(update, times=times)
        self._new.set()

    def fail(self, method: str, status: int, count: int = 1) -> None:
        self.api.fail(method, status, count)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        try:
            params = json.loads(await request.read() or b"{}")
        except ValueError:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad JSON"}, status=400)
        if method == "getUpdates" and not self.api.updates and not self.api.faults and self.api.webhook is None:
            self._new.clear()
            wait = min(float(params.get("timeout") or 0), MAX_WAIT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new.wait(), timeout=wait)
        status, body = self.api.call(method, params)
        if status == 408:
            self.idle_answers += 1
        return web.json_response(body, status=status)

    async def post_webhook(self, url: str, update: dict[str, Any], secret: str | None) -> int:
        """Zalo calling the bot's webhook; returns the HTTP status the bot answered."""
        headers = {"X-Bot-Api-Secret-Token": secret} if secret is not None else {}
        async with aiohttp.ClientSession() as http, http.post(url, json=update, headers=headers) as response:
            return response.status
