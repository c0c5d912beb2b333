"""End to end: the real Application, long-polling a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

from storage import inbox, users
from tests.conftest import message_update
from tests.harness import TelegramHarness


async def test_progress_question_is_answered_with_demo_figures(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as h:
        await h.link("binh", 5001)
        replies = await h.send(message_update(5001, "tiến độ kết nạp quý III năm 2021"))
        assert not h.errors
    assert len(replies) == 1
    text = replies[0].text
    assert replies[0].chat_id == "5001"
    assert "Đảng bộ tỉnh Phú Thọ" in text  # binh: the province's Ban Tổ chức; 2021 was all Cao Phong's
    assert "69/71 ĐVM, đạt 97,2% chỉ tiêu" in text
    assert "75%" in text and "vượt tiến độ" in text


async def test_commands_menu_is_registered_in_vietnamese(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as h:
        commands = {c["command"]: c["description"] for c in h.server.api.commands}
    assert {"tiendo", "baocao", "sua", "lichsu", "chuabaocao", "xuat", "nhacnho", "help", "dangky"} <= set(commands)
    assert "Tiến độ" in commands["tiendo"]


async def test_unregistered_user_is_told_how_to_register(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as h:
        start = await h.send(message_update(6001, "/start"))
        question = await h.send(message_update(6001, "/tiendo"))
    assert "PTĐV Bot" in start[0].text and "/dangky" in start[0].text
    assert "chưa đăng ký" in question[0].text


async def test_redelivered_update_is_handled_once(settings, demo_db, clock):
    update = message_update(5002, "/tiendo")
    async with TelegramHarness(settings, demo_db, clock) as h:
        await h.link("minh", 5002)
        first = await h.send(update)
        again = await h.send(update)  # Telegram hands the same update over again
        assert len(first) == 1 and again == []
        assert await inbox.is_done(demo_db, "telegram", str(update["update_id"]))
    assert "Đảng bộ Công an huyện" in first[0].text


async def test_updates_are_stored_before_they_are_confirmed(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as h:
        await h.link("binh", 5003)
        update = message_update(5003, "tiến độ")
        await h.send(update)
        # The offset that confirms this update is only sent after it is in the inbox.
        rows = await demo_db.fetchall("SELECT update_id FROM inbox WHERE channel = 'telegram'")
        assert str(update["update_id"]) in {r[0] for r in rows}


async def test_run_telegram_polls_answers_and_stops(settings, demo_db, clock):
    """The production entry point: polling through the inbox, the scheduler running, a clean stop."""
    import asyncio

    from pydantic import SecretStr

    from bot.runtime.app import run_bot
    from tests.fakes.botapi_server import FakeBotApi
    from tests.harness import TOKEN

    server = FakeBotApi()
    await server.start()
    try:
        live = settings.model_copy(
            update={"telegram_bot_token": SecretStr(TOKEN), "telegram_api_base_url": server.base_url}
        )
        binh = await users.by_login(demo_db, "binh")
        async with demo_db.transaction():
            await users.link_identity(
                demo_db, channel="telegram", external_id="5555", user_id=binh.id, chat_id="5555", now=clock.now()
            )
        stop = asyncio.Event()
        task = asyncio.create_task(run_bot(live, stop, clock))
        server.push(message_update(5555, "/tiendo q3 2021"))
        for _ in range(200):
            if any("69/71" in m.text for m in server.sent):
                break
            await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, timeout=40)
        assert any(m.chat_id == "5555" and "69/71 ĐVM" in m.text for m in server.sent)
        runs = await demo_db.scalar("SELECT COUNT(*) FROM scheduler_runs")
        assert runs is not None
    finally:
        await server.stop()
