"""Several Zalo bots in one process and one database (issue 16 item 6): the free plan allows 50 users per bot,
so a committee splits its tree between bots. Two bots serve two halves of the demo district end to end —
register, report, ask, remind, digest — each within its own quota and user cap."""

from __future__ import annotations

import asyncio
import itertools
from datetime import datetime

from pydantic import SecretStr

from bot.config import ZaloBotSettings
from bot.runtime import demo
from bot.services.core import Core
from bot.services.reminders import ReminderService
from handlers import zalo
from handlers.zalo_local import text_update
from storage import inbox, usage, users
from tests.channels import ZALO_TOKEN
from tests.conftest import VN
from tests.fakes.zalo_server import FakeZaloApi

SECOND = "3344556677889900:TEST-zalo-token-of-the-second-bot"


class TwoBots:
    """`ptdv run`'s Zalo wiring (one adapter per `settings.zalo_specs`), polling one fake API with two tokens."""

    def __init__(self, settings, db, clock) -> None:
        self.server = FakeZaloApi(ZALO_TOKEN, user_cap=50)
        self.second = self.server.add_bot(SECOND, user_cap=3)
        self.db, self.clock, self.base = db, clock, settings
        self.stop = asyncio.Event()
        self.ids = itertools.count(1)

    async def __aenter__(self) -> TwoBots:
        await self.server.start()
        self.settings = self.base.model_copy(
            update={
                "zalo_bot_token": SecretStr(ZALO_TOKEN),
                "zalo_api_base_url": self.server.base_url,
                "zalo_max_per_second": 1000.0,
                "zalo_monthly_quota": 3000,
                "zalo_bots": [
                    ZaloBotSettings(
                        key="bp",
                        token=SecretStr(SECOND),
                        units=["BP"],
                        user_cap=3,
                        monthly_quota=100,
                        link="https://zalo.me/3344556677889900",
                    )
                ],
            }
        )
        self.core = Core(self.db, self.settings, self.clock)
        self.channels = {}
        self.tasks = []
        for spec in self.settings.zalo_specs:
            channel = zalo.build(
                self.settings, self.core, token=spec.token, channel=spec.channel, quota=spec.quota, backoff=0.01
            )
            self.channels[spec.channel] = channel
            self.tasks.append(asyncio.create_task(zalo.poll_forever(channel.client, channel.pump, self.stop, 1)))
        self.service = ReminderService(self.core.ctx, {c: ch.notifier for c, ch in self.channels.items()})
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.stop.set()
        await asyncio.wait_for(asyncio.gather(*self.tasks), timeout=10)
        for channel in self.channels.values():
            await channel.client.aclose()
        await self.server.stop()

    async def say(self, channel: str, zalo_id: str, text: str) -> list[str]:
        token = ZALO_TOKEN if channel == "zalo" else SECOND
        api = self.server.bots[token]
        seen = len(api.sent)
        update = text_update(zalo_id, text, f"m{next(self.ids)}", date_ms=int(self.clock.now().timestamp() * 1000))
        self.server.push(update, token=token)
        for _ in range(500):
            if await inbox.is_done(self.db, channel, zalo.update_key(update)):
                return [m.text for m in api.sent[seen:]]
            await asyncio.sleep(0.02)
        raise TimeoutError(text)

    async def link(self, channel: str, login: str, zalo_id: str) -> int:
        user = await users.by_login(self.db, login)
        async with self.db.transaction():
            await users.link_identity(
                self.db, channel=channel, external_id=zalo_id, user_id=user.id, chat_id=zalo_id, now=self.clock.now()
            )
        return user.id


async def test_two_zalo_bots_serve_two_halves_of_the_district(settings, db, clock, evidence):
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=VN))
    await demo.load(db, clock.now(), reorganise=False)  # nobody has reported quarter IV
    async with TwoBots(settings, db, clock) as bots:
        await bots.link("zalo", "binh", "z-binh")  # the district's officials: the first bot
        await bots.link("zalo-bp", "hung", "z-hung")  # xã Bắc Phong (BP) and below: the second bot
        await bots.link("zalo", "thu", "z-thu")
        # register: the invite names the right bot; the wrong bot refuses without using the code
        invite = (await bots.say("zalo", "z-binh", "/moi báo cáo xóm Nội"))[0]
        code = invite.split("Mã mời: ")[1].split()[0]
        assert "https://zalo.me/3344556677889900" in invite
        wrong = await bots.say("zalo", "z-son", f"/dangky {code}")
        assert "dùng một bot Zalo khác" in wrong[0] and "https://zalo.me/3344556677889900" in wrong[0]
        welcome = await bots.say("zalo-bp", "z-son", f"/dangky {code}")
        assert "xóm Nội" in welcome[0]
        son = await users.by_identity(db, "zalo-bp", "z-son")
        assert son is not None and await users.by_identity(db, "zalo", "z-son") is None
        # report and ask, each through the person's own bot
        preview = await bots.say("zalo-bp", "z-son", "kết nạp 1 đảng viên")
        assert "1. ✅ Xác nhận" in preview[0]
        assert (await bots.say("zalo-bp", "z-son", "1"))[0].startswith("Đã lưu")
        assert "TIẾN ĐỘ" in (await bots.say("zalo-bp", "z-hung", "tiến độ"))[0]
        assert "TIẾN ĐỘ" in (await bots.say("zalo", "z-binh", "/tiendo q3 2021"))[0]
        # the second bot's user cap (3 here; 50 on the free plan): the 4th person cannot register through it
        await bots.link("zalo-bp", "tuan", "z-tuan")
        other = (await bots.say("zalo-bp", "z-hung", "/moi báo cáo xóm Bắc Sơn"))[0].split("Mã mời: ")[1].split()[0]
        full = await bots.say("zalo-bp", "z-new", f"/dangky {other}")
        assert "đã đủ 3 người dùng" in full[0]
        # remind and digest: through each person's bot
        first, second = bots.server.api, bots.second
        marks = len(first.sent), len(second.sent)
        clock.set(datetime(2026, 12, 15, 13, 0, tzinfo=VN))
        await bots.service.tick()
        reminded_1 = {m.chat_id for m in first.sent[marks[0] :] if "Hạn báo cáo quý IV" in m.text}
        reminded_2 = {m.chat_id for m in second.sent[marks[1] :] if "Hạn báo cáo quý IV" in m.text}
        assert reminded_1 == {"z-thu"} and reminded_2 == {"z-tuan"}  # son's unit has reported
        clock.set(datetime(2026, 12, 21, 7, 45, tzinfo=VN))
        await bots.service.tick()
        digests_1 = {m.chat_id for m in first.sent if m.text.startswith("BẢN TIN TUẦN")}
        digests_2 = {m.chat_id for m in second.sent if m.text.startswith("BẢN TIN TUẦN")}
        assert digests_1 == {"z-binh"} and digests_2 == {"z-hung"}
        # near its cap (3 of 3): the top officials hear which units to move, once
        cap = [m for m in first.sent if m.text.startswith("⚠️ Bot")]
        assert [m.chat_id for m in cap] == ["z-binh"] and "3/3 người dùng" in cap[0].text
        # each bot counts against its own quota
        used_1 = await usage.sent(db, "zalo", "2026-12")
        used_2 = await usage.sent(db, "zalo-bp", "2026-12")
        assert used_1 == len(first.sent) - marks[0] and used_2 == len(second.sent) - marks[1]
        assert (await bots.channels["zalo-bp"].sender.quota()).limit == 100
        assert (await bots.channels["zalo"].sender.quota()).limit == 3000
        assert second.users == {"z-son", "z-hung", "z-new"}  # within the fake's per-bot cap of 3
        evidence(f"two Zalo bots, one process: bot 1 sent {used_1} in Dec, bot 2 {used_2}; routing by person")
