"""A fake Zalo Bot API server on 127.0.0.1 for end-to-end tests.

It answers `POST /bot<TOKEN>/<method>` with JSON like the real one, through the same `LocalZaloApi` the
console uses (whose comments cite the documentation for each behaviour): `getUpdates` hands out one update per
call, waits up to its timeout and then answers HTTP 200 `ok: false, error_code: 408`; updates can be handed out
twice (redelivery); texts over 2,000 UTF-16 units are refused; 403 "Internal server error", 429 "Quota
exceeded" and 5xx can be injected; a wrong token gets 401; a per-bot user cap and monthly quota can be set.
`post_webhook` plays Zalo calling the bot's webhook with the secret header, wrapped or bare.
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
    def __init__(self, token: str, **limits: Any) -> None:
        self.token = token
        self.api = LocalZaloApi(**limits)
        self.bots = {token: self.api}  # several bots behind one API address, told apart by token
        self._new = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.idle_answers = 0  # 408s served
        self.long_polls = 0  # getUpdates calls waiting for an update right now

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sent(self) -> list[ZaloSent]:
        return self.api.sent

    def add_bot(self, token: str, **limits: Any) -> LocalZaloApi:
        """Another bot on the same (fake) Zalo API, with its own users, quota and sent messages."""
        self.bots[token] = LocalZaloApi(**limits)
        return self.bots[token]

    def push(self, update: dict[str, Any], *, times: int = 1, token: str | None = None) -> None:
        self.bots[token or self.token].push(update, times=times)
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
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        api = self.bots.get(request.match_info["token"])
        if api is None:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        try:
            params = json.loads(await request.read() or b"{}")
        except ValueError:
            return web.json_response({"ok": False, "error_code": 400, "description": "Bad JSON"}, status=400)
        if method == "getUpdates" and not api.updates and not api.faults and api.webhook is None:
            self._new.clear()
            wait = min(float(params.get("timeout") or 0), MAX_WAIT)
            self.long_polls += 1
            try:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new.wait(), timeout=wait)
            finally:
                self.long_polls -= 1
        status, body = api.call(method, params)
        if body.get("error_code") == 408:
            self.idle_answers += 1
        return web.json_response(body, status=status)

    async def post_webhook(self, url: str, update: dict[str, Any], secret: str | None, *, wrapped: bool = True) -> int:
        """Zalo calling the bot's webhook; returns the HTTP status the bot answered. The docs show the body wrapped
        as `{ok: true, result: update}`; openclaw reads it bare — both are sent in the tests."""
        headers = {"X-Bot-Api-Secret-Token": secret} if secret is not None else {}
        if "event_name" not in update:
            update = update.get("result", update)
        body = {"ok": True, "result": update} if wrapped else update
        async with aiohttp.ClientSession() as http, http.post(url, json=body, headers=headers) as response:
            return response.status
