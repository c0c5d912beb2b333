"""The fake Bot API in its own process, so that a benchmark's CPU figure is the bot's work alone.

`python -m bench.fake_api` starts `tests.fakes.botapi_server.FakeBotApi` and a small control server next to it,
then prints one JSON line with both ports. `RemoteFakeApi` (in the benchmark process) starts it, pushes updates
and waits for answers through the control server.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes.botapi_server import FakeBotApi


async def _serve() -> None:
    server = FakeBotApi()
    await server.start()

    async def push(request: web.Request) -> web.Response:
        for update in await request.json():
            server.push(update)
        return web.json_response({"ok": True})

    async def count(request: web.Request) -> web.Response:
        return web.json_response({"sent": len(server.sent)})

    async def sent(request: web.Request) -> web.Response:
        since = int(request.query.get("since", 0))
        rows = [
            {"chat_id": m.chat_id, "text": m.text, "message_id": m.message_id, "button_data": m.button_data}
            for m in server.sent[since:]
        ]
        return web.json_response(rows)

    async def reset(request: web.Request) -> web.Response:
        server.sent.clear()
        server.updates.clear()
        return web.json_response({"ok": True})

    control = web.Application(client_max_size=64 * 1024 * 1024)
    control.router.add_post("/push", push)
    control.router.add_get("/count", count)
    control.router.add_get("/sent", sent)
    control.router.add_post("/reset", reset)
    runner = web.AppRunner(control)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(json.dumps({"api": server.port, "control": port}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await runner.cleanup()
    await server.stop()


class RemoteFakeApi:
    """The benchmark's handle on a fake Bot API running in a child process."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[str] | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0
        self._control = ""

    async def start(self) -> None:
        self._proc = subprocess.Popen(  # noqa: ASYNC220 - started once, before anything is measured
            [sys.executable, "-m", "bench.fake_api"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._proc.stdout is not None
        line = await asyncio.to_thread(self._proc.stdout.readline)
        ports = json.loads(line)
        self.port, self._control = ports["api"], f"http://127.0.0.1:{ports['control']}"
        self._session = aiohttp.ClientSession()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def push(self, updates: list[dict[str, Any]]) -> None:
        assert self._session is not None
        async with self._session.post(f"{self._control}/push", json=updates) as response:
            response.raise_for_status()

    async def count(self) -> int:
        assert self._session is not None
        async with self._session.get(f"{self._control}/count") as response:
            return int((await response.json())["sent"])

    async def sent(self, since: int = 0) -> list[dict[str, Any]]:
        assert self._session is not None
        async with self._session.get(f"{self._control}/sent", params={"since": since}) as response:
            return list(await response.json())

    async def reset(self) -> None:
        assert self._session is not None
        async with self._session.post(f"{self._control}/reset") as response:
            response.raise_for_status()

    async def wait(self, count: int, seconds: float = 300) -> None:
        deadline = time.monotonic() + seconds
        while (got := await self.count()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{got} of {count} answers")
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._proc is not None:
            assert self._proc.stdin is not None
            self._proc.stdin.close()
            await asyncio.to_thread(self._proc.wait, 10)


if __name__ == "__main__":
    asyncio.run(_serve())
