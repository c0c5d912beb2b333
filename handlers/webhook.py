"""Telegram webhook mode: a small aiohttp endpoint behind the reverse proxy.

PTB's own webhook server answers 200 before anything is stored; this one checks the secret token (constant
time), writes the update to the inbox, and only then answers 200 — so an update Telegram handed over is never
lost, and one it sends again is an ignored insert. Processing happens from the inbox, as in polling mode.
"""

from __future__ import annotations

import hmac
import json
import logging
from urllib.parse import urlparse

from aiohttp import web

from handlers.inbox_pump import UpdatePump

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def webhook_app(pump: UpdatePump, secret: str, path: str) -> web.Application:
    async def receive(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("webhook call with a wrong secret from %s", request.remote)
            return web.Response(status=401, text="unauthorized")
        try:
            payload = json.loads(await request.read())
            int(payload["update_id"])
        except (ValueError, KeyError, TypeError):
            return web.Response(status=400, text="not an update")
        await pump.ingest([payload])  # durable before Telegram is told "OK"
        return web.Response(status=200, text="ok")

    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_post(path, receive)
    return app


def path_of(url: str) -> str:
    return urlparse(url).path or "/"


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)  # access logs would carry nothing useful but noise
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
