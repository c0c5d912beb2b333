"""One channel shape (issue 18 §3): every channel is built from the settings as a `Channel`; one retry helper;
one webhook receiver, which refuses a wrong secret alike on every channel; a failed update is reported to the
inbox pump by its own call, not through a list shared by all updates."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.config import ZaloBotSettings
from bot.domain.messages import Inbound
from bot.present import replies
from bot.runtime.app import build_channels
from bot.services.core import Core
from handlers import console, webhook, zalo
from handlers.channel import Again, Channel, with_retries
from handlers.inbox_pump import InboxPump
from handlers.telegram import TelegramChannel, TelegramUpdates
from storage import inbox
from tests.conftest import message_update
from tests.harness import TOKEN, TelegramHarness, free_port

ZALO_TOKEN = "2233445566778899:TEST-zalo-token-for-the-fake-api"
SECRET = "s3cret-webhook-token-for-tests"


# --- one retry helper ------------------------------------------------------------------------------------------


class Flaky:
    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_retries_while_the_verdict_says_again_and_stops_at_once_when_it_does_not():
    flaky = Flaky([ConnectionError("a"), ConnectionError("b")])
    assert await with_retries(flaky, lambda e: Again(), attempts=4, backoff=0) == "ok"
    assert flaky.calls == 3

    refused = Flaky([PermissionError("no")])
    with pytest.raises(PermissionError):
        await with_retries(refused, lambda e: None, attempts=4, backoff=0)
    assert refused.calls == 1  # not worth another try: never repeated

    always = Flaky([ConnectionError(str(i)) for i in range(10)])
    with pytest.raises(ConnectionError, match="2"):
        await with_retries(always, lambda e: Again(after=0), attempts=3, backoff=5)  # `after` wins over back-off
    assert always.calls == 3


async def test_a_verdict_may_refuse_by_raising_and_before_runs_before_each_try():
    class MayHaveArrived(Exception):
        pass

    def verdict(exc: Exception) -> Again | None:
        if isinstance(exc, TimeoutError):
            raise MayHaveArrived from exc  # a send that timed out is never repeated
        return Again()

    paced: list[int] = []

    async def before() -> None:
        paced.append(1)

    flaky = Flaky([ConnectionError(), TimeoutError()])
    with pytest.raises(MayHaveArrived):
        await with_retries(flaky, verdict, attempts=4, backoff=0, before=before)
    assert flaky.calls == 2 and len(paced) == 2


# --- channels from the settings ----------------------------------------------------------------------------------


async def test_the_composition_root_builds_every_channel_alike_from_the_settings(settings, db, clock):
    live = settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_mode": "webhook",
            "webhook_url": "https://ptdv.example.vn/telegram/hook",
            "webhook_secret": SecretStr(SECRET),
            "zalo_bot_token": SecretStr(ZALO_TOKEN),
            "zalo_mode": "webhook",
            "zalo_webhook_url": "https://ptdv.example.vn/zalo",
            "zalo_webhook_secret": SecretStr(SECRET),
            "zalo_bots": [
                ZaloBotSettings(key="bp", token=SecretStr("1122334455:another-zalo-token-0001"), units=["BP"])
            ],
        }
    )
    core = Core(db, live, clock)
    channels = build_channels(live, core)
    try:
        assert [c.name for c in channels] == ["telegram", "zalo", "zalo-bp"]
        assert [[r.path for r in c.routes()] for c in channels] == [
            ["/telegram/hook"],
            ["/zalo"],
            ["/zalo/bp"],
        ]
        polling = build_channels(settings.model_copy(update={"zalo_bot_token": SecretStr(ZALO_TOKEN)}), core)
        assert [(c.name, list(c.routes())) for c in polling] == [("zalo", [])]
        for channel in polling:
            await channel.aclose()
        chat = await console.build(
            settings, core, login="binh", inp=io.StringIO(""), out=io.StringIO(), interactive=False
        )
        shaped: list[Channel] = [*channels, chat]  # the console is a Channel too
        assert chat.name == "console" and not chat.routes()
        await chat.aclose()
        assert len(shaped) == 4
    finally:
        for channel in channels:
            await channel.aclose()


# --- one webhook receiver ----------------------------------------------------------------------------------------


async def test_one_receiver_answers_a_wrong_or_missing_secret_with_403_on_every_channel(demo_db, clock):
    async def process(key: str, payload: dict[str, Any]) -> None:
        return None

    tg = InboxPump(demo_db, "telegram", clock, process, key=lambda p: str(p["update_id"]))
    za = InboxPump(demo_db, "zalo", clock, process, key=zalo.update_key)
    app = webhook.web_app()
    app.router.add_routes(
        [
            webhook.route(webhook.telegram_hook(SECRET, "/telegram"), tg),
            webhook.route(zalo.hook("/zalo", SECRET), za),
        ]
    )
    port = free_port()
    runner = await webhook.serve(app, "127.0.0.1", port)
    telegram_update = message_update(1, "tiến độ")
    zalo_update = {"event_name": "message.text.received", "message": {"message_id": "m1", "text": "x"}}
    try:
        async with aiohttp.ClientSession() as http:

            async def post(path: str, header: str, secret: str | None, body: Any) -> tuple[int, str]:
                headers = {header: secret} if secret is not None else {}
                async with http.post(f"http://127.0.0.1:{port}{path}", json=body, headers=headers) as response:
                    return response.status, await response.text()

            for path, header, body in (
                ("/telegram", webhook.SECRET_HEADER, telegram_update),
                ("/zalo", zalo.SECRET_HEADER, zalo_update),
            ):
                assert (await post(path, header, "wrong-secret-of-the-same-size!", body))[0] == 403
                assert (await post(path, header, None, body))[0] == 403
                assert (await post(path, header, SECRET, {"no": "update"}))[0] == 400
            assert await demo_db.scalar("SELECT COUNT(*) FROM inbox") == 0
            assert await post("/telegram", webhook.SECRET_HEADER, SECRET, telegram_update) == (200, "ok")
            assert await post("/zalo", zalo.SECRET_HEADER, SECRET, {"ok": True, "result": zalo_update}) == (
                200,
                '{"message": "Success"}',
            )
            assert await demo_db.scalar("SELECT COUNT(*) FROM inbox") == 2
    finally:
        await runner.cleanup()


# --- failures reported by the call -------------------------------------------------------------------------------


async def test_a_failed_update_is_reported_by_its_own_call_and_nothing_grows(settings, demo_db, clock):
    """Two updates processed at the same time, one failing: only that one's call reports the failure (diffing a
    shared error list would have handed it to the other too), the person gets an apology, and no list of errors
    is kept on the application for the life of the process."""
    async with TelegramHarness(settings, demo_db, clock) as h:
        real = h.core.handle

        async def handle(inbound: Inbound) -> list[Any]:
            if inbound.text == "boom":
                await asyncio.sleep(0)
                raise RuntimeError("boom")
            return await real(inbound)

        h.core.handle = handle  # type: ignore[method-assign]
        updates = TelegramUpdates(h.app, h.core, "telegram")
        bad, good = message_update(501, "boom"), message_update(502, "/help")
        results = await asyncio.gather(
            updates.process(str(bad["update_id"]), bad),
            updates.process(str(good["update_id"]), good),
            return_exceptions=True,
        )
        assert isinstance(results[0], RuntimeError) and results[1] is None
        assert any(m.chat_id == "501" and m.text == replies.APOLOGY for m in h.server.sent)  # the apology

        # through the pump: the error is kept on the failing update's own row
        failing = message_update(503, "boom")
        await h.send(failing)
        row = await demo_db.fetchone(
            "SELECT error FROM inbox WHERE channel = 'telegram' AND update_id = ?", (str(failing["update_id"]),)
        )
        assert row is not None and "boom" in row[0]
        assert await inbox.is_done(demo_db, "telegram", str(failing["update_id"]))
        assert len(h.errors) == 1
        assert "errors" not in h.app.bot_data  # nothing accumulates for the life of the process


def test_telegram_channel_needs_its_webhook_settings(settings, db, clock):
    from bot.config import ConfigError

    broken = settings.model_copy(update={"telegram_bot_token": SecretStr(TOKEN), "telegram_mode": "webhook"})
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        TelegramChannel(broken, Core(db, broken, clock))


def test_zalo_webhook_mode_without_a_url_is_refused_not_turned_into_polling(settings, db, clock):
    from bot.config import ConfigError

    broken = settings.model_copy(
        update={
            "zalo_bot_token": SecretStr(ZALO_TOKEN),
            "zalo_mode": "webhook",
            "zalo_webhook_secret": SecretStr(SECRET),
        }
    )
    with pytest.raises(ConfigError, match="ZALO_WEBHOOK_URL"):
        zalo.channels(broken, Core(db, broken, clock))
