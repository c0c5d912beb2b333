"""Webhook mode end to end: the real Application behind our webhook endpoint, a fake Bot API for replies."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from pydantic import SecretStr

from bot.config import ConfigError, load_settings
from bot.runtime.app import run_bot
from storage import users
from tests.conftest import message_update
from tests.fakes.botapi_server import FakeBotApi
from tests.harness import TOKEN, free_port

SECRET = "s3cret-webhook-token-for-tests"


async def test_wrong_secret_is_refused_right_one_processed_once(settings, demo_db, clock):
    server = FakeBotApi()
    await server.start()
    port = free_port()
    live = settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_api_base_url": server.base_url,
            "telegram_mode": "webhook",
            "webhook_url": "https://ptdv.example.vn/telegram/hook",
            "webhook_secret": SecretStr(SECRET),
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
        }
    )
    binh = await users.by_login(demo_db, "binh")
    async with demo_db.transaction():
        await users.link_identity(
            demo_db, channel="telegram", external_id="4242", user_id=binh.id, chat_id="4242", now=clock.now()
        )
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(live, stop, clock))
    url = f"http://127.0.0.1:{port}/telegram/hook"
    update = message_update(4242, "/tiendo q3 2021")
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):  # wait for the endpoint
                try:
                    async with http.post(url, data=b"{}"):
                        break
                except aiohttp.ClientConnectionError:
                    await asyncio.sleep(0.05)
            body = json.dumps(update)
            headers = {"Content-Type": "application/json"}
            async with http.post(url, data=body, headers={**headers, "X-Telegram-Bot-Api-Secret-Token": "wrong"}) as r:
                assert r.status == 403  # one receiver for every channel: a wrong or missing secret is 403
            async with http.post(url, data=body, headers=headers) as r:
                assert r.status == 403  # one receiver for every channel: a wrong or missing secret is 403
            assert await demo_db.scalar("SELECT COUNT(*) FROM inbox") == 0  # nothing processed
            ok = {**headers, "X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(url, data=body, headers=ok) as r:
                assert r.status == 200
            async with http.post(url, data=body, headers=ok) as r:  # Telegram sends it again
                assert r.status == 200
            async with http.post(url, data=b"not json", headers=ok) as r:
                assert r.status == 400
        for _ in range(100):
            if any("69/71" in m.text for m in server.sent):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
        await server.stop()
    answers = [m for m in server.sent if m.chat_id == "4242" and not m.text.startswith("BẢN TIN TUẦN")]
    assert len(answers) == 1 and "69/71 ĐVM" in answers[0].text  # the weekly digest went out at start-up too
    assert "setWebhook" in server.api.calls
    assert await demo_db.scalar("SELECT COUNT(*) FROM inbox WHERE processed_at IS NOT NULL") == 1


def test_webhook_mode_needs_url_and_secret(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_MODE", "webhook")
    with pytest.raises(ConfigError, match="WEBHOOK_URL"):
        load_settings()
    monkeypatch.setenv("WEBHOOK_URL", "https://ptdv.example.vn/telegram")
    monkeypatch.setenv("WEBHOOK_SECRET", "short")
    with pytest.raises(ConfigError, match="WEBHOOK_SECRET"):
        load_settings()
