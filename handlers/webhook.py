"""The bot's own small web server (aiohttp, behind the reverse proxy): webhooks and file links.

Webhooks (`route`, one receiver for Telegram and every Zalo bot): PTB's own server answers 200 before anything
is stored; this one checks the secret header (constant time), writes the update to the inbox, and only then
answers 200 — so an update a channel handed over is never lost, and one it sends again is an ignored insert.
Processing happens from the inbox, as in polling mode. File links serve the charts and Excel files that Zalo
cannot carry, by unguessable token, until they expire.
"""

from __future__ import annotations

import hmac
import json
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlparse

from aiohttp import web

from bot.domain.clock import Clock
from handlers.inbox_pump import InboxPump
from storage import file_links
from storage.db import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def web_app() -> web.Application:
    app = web.Application(client_max_size=1024 * 1024)
    app.router.add_get("/healthz", _health)
    return app


async def _health(request: web.Request) -> web.Response:
    return web.Response(text="ok")


@dataclass(frozen=True)
class Hook:
    """One channel's webhook: where it is posted, the header carrying the shared secret, how an update is read
    from a body (None: not an update) and what a stored update is answered with."""

    path: str
    header: str
    secret: str
    parse: Callable[[Any], dict[str, Any] | None]
    ok: Callable[[], web.Response] = lambda: web.Response(status=200, text="ok")  # what a stored update gets


def route(hook: Hook, pump: InboxPump) -> web.RouteDef:
    """The one webhook receiver, for every channel: the secret compared in constant time (wrong or missing:
    403 — the caller is known to be refused, there is no HTTP authentication scheme to retry with, so not 401);
    a body that is not an update: 400; the update durably in the inbox before the 200 (not stored: 503, the
    channel sends it again; a redelivery is an ignored insert). Processing happens from the inbox, as in
    polling mode."""

    async def receive(request: web.Request) -> web.Response:
        if not authorised(request, hook.header, hook.secret):
            return web.Response(status=403, text="forbidden")
        try:
            update = hook.parse(json.loads(await request.read()))
        except ValueError:
            update = None
        if update is None:
            return web.Response(status=400, text="not an update")
        if not await pump.ingest_or_fail([update]):  # durable before the channel is told "OK"
            return web.Response(status=503, text="not stored")
        return hook.ok()

    return web.post(hook.path, receive)


def telegram_update(body: Any) -> dict[str, Any] | None:
    """A Telegram update: a JSON object with an integer update_id."""
    try:
        int(body["update_id"])
    except (KeyError, TypeError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def telegram_hook(secret: str, path: str) -> Hook:
    return Hook(path, SECRET_HEADER, secret, telegram_update)


def authorised(request: web.Request, header: str, secret: str) -> bool:
    """The secret header matches (compared in constant time); a mismatch is logged."""
    given = request.headers.get(header, "")
    if hmac.compare_digest(given.encode(), secret.encode()):
        return True
    log.warning("webhook call to %s with a wrong secret from %s", request.path, request.remote)
    return False


def add_file_links(app: web.Application, db: Database, clock: Clock) -> None:
    """GET /f/<token>/<name>: a stored file while its link lives; 404 alike for unknown and expired."""

    async def download(request: web.Request) -> web.Response:
        stored = await file_links.fetch(db, request.match_info["token"], clock.now())
        if stored is None:
            return web.Response(status=404, text="Liên kết không tồn tại hoặc đã hết hạn.")
        kind = XLSX if stored.filename.endswith(".xlsx") else mimetypes.guess_type(stored.filename)[0]
        disposition = "inline" if stored.kind == "photo" else "attachment"
        return web.Response(
            body=stored.content,
            content_type=kind or "application/octet-stream",
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(stored.filename)}",
                "Cache-Control": "private, no-store",
                "X-Robots-Tag": "noindex",
                "Referrer-Policy": "no-referrer",
            },
        )

    app.router.add_get("/f/{token}/{name}", download)


def path_of(url: str) -> str:
    return urlparse(url).path or "/"


async def serve(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)  # access logs would carry file tokens and nothing useful
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
