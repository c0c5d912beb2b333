"""Pending previews survive restarts and expire; two connections confirming at once store once."""

from __future__ import annotations

import asyncio

from bot.domain.messages import Inbound, InboundKind
from bot.services.core import Core
from storage import users
from storage.db import Database
from tests.conftest import counts, message_update
from tests.harness import TelegramHarness, button


def inbound(user_id: int, text: str, key: str, clock) -> Inbound:
    return Inbound(
        channel="console",
        update_key=key,
        sender_id=str(user_id),
        chat_id=str(user_id),
        at=clock.now(),
        text=text,
        kind=InboundKind.TEXT,
        message_id=key,
    )


async def test_pending_preview_survives_a_restart(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as bot:
        await bot.link("thu", 9001)
        preview = await bot.send(message_update(9001, "kết nạp 2 đảng viên"))
    before = await counts(demo_db)
    async with TelegramHarness(settings, demo_db, clock) as restarted:  # a new Application and Core
        message, data = button(preview, "Xác nhận")
        from tests.conftest import callback_update

        saved = await restarted.send(callback_update(9001, data, message.message_id))
    assert saved[0].text.startswith("Đã lưu")
    assert (await counts(demo_db))[0] == before[0] + 1


async def test_preview_expires(settings, demo_db, clock):
    core = Core(demo_db, settings, clock)
    thu = await users.by_login(demo_db, "thu")
    assert thu is not None
    before = await counts(demo_db)
    await core.handle(inbound(thu.id, "kết nạp 2", "console:e1", clock))
    clock.advance(minutes=settings.pending_ttl_minutes + 1)
    answer = await core.handle(inbound(thu.id, "có", "console:e2", clock))
    assert "hết hạn" in answer[0].text
    assert (await counts(demo_db))[0] == before[0]


async def test_two_connections_confirming_at_once_store_once(settings, demo_db, clock):
    """Two bot processes on one database file: each has its own SQLite connection."""
    thu = await users.by_login(demo_db, "thu")
    assert thu is not None
    core_a = Core(demo_db, settings, clock)
    await core_a.handle(inbound(thu.id, "kết nạp 2", "console:c1", clock))
    token = (await demo_db.fetchone("SELECT token FROM pending WHERE status = 'open'"))[0]
    second = await Database.open(settings.database_path)
    try:
        core_b = Core(second, settings, clock)
        before = await counts(demo_db)
        press = [
            Inbound(
                channel="console",
                update_key=f"console:p{i}",
                sender_id=str(thu.id),
                chat_id=str(thu.id),
                at=clock.now(),
                kind=InboundKind.CHOICE,
                data=f"c|{token}",
            )
            for i in range(6)
        ]
        answers = await asyncio.gather(*((core_a if i % 2 else core_b).handle(p) for i, p in enumerate(press)))
    finally:
        await second.close()
    saved = [a for a in answers if a[0].text.startswith("Đã lưu")]
    assert len(saved) == 1
    assert (await counts(demo_db))[0] == before[0] + 1
