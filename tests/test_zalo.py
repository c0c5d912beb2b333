"""Zalo specifics end to end: redelivered updates, the webhook secret, 2,000-character messages, faults,
the monthly quota, file links, identities linked across channels, and both channels in one process."""

from __future__ import annotations

import asyncio
import io
import os
from datetime import datetime

import aiohttp
import pytest
from openpyxl import load_workbook
from pydantic import SecretStr

from bot.config import ConfigError, load_settings
from bot.present.exports.cells import first_sheet
from bot.runtime import demo
from bot.runtime.app import run_bot
from bot.services.reminders import Outcome, ReminderService
from handlers import webhook
from storage import usage, users
from tests.channels import ZALO_TOKEN, ZaloDriver, ZaloHarness, zalo_out
from tests.conftest import VN, counts, message_update
from tests.fakes.botapi_server import FakeBotApi
from tests.fakes.zalo_server import FakeZaloApi
from tests.harness import TOKEN, TelegramHarness, free_port

THU_Z, BINH_Z = "1100000000000000007", "1100000000000000001"
SECRET = "zalo-webhook-secret-for-tests"


@pytest.fixture
async def zbot(settings, district_db, clock):
    async with ZaloHarness(settings, district_db, clock) as harness:
        await harness.link("thu", THU_Z)
        await harness.link("binh", BINH_Z)
        yield harness
        assert not await harness.errors()


async def test_redelivered_updates_never_double_count(zbot, evidence):
    before = await counts(zbot.db)
    preview = await zbot.send(zbot.update(THU_Z, "kết nạp 2 đảng viên"), times=3)
    assert len(preview) == 1 and "1. ✅ Xác nhận" in preview[0].text  # answered once, not three times
    confirm = zbot.update(THU_Z, "1")
    saved = await zbot.send(confirm, times=3)
    assert len(saved) == 1 and saved[0].text.startswith("Đã lưu")
    again = await zbot.send(confirm)  # Zalo hands the same "1" over once more, later
    assert again == []
    assert (await counts(zbot.db))[0] == before[0] + 1
    rows = await zbot.db.fetchall("SELECT update_id FROM inbox WHERE channel = 'zalo'")
    assert len(rows) == 2  # one row per message id
    evidence("Zalo redelivery: each of 2 messages handed over 3–4 times; 1 answer each, 1 record stored")


async def test_numbers_only_pick_from_the_last_list(zbot):
    first = await zbot.send(zbot.update(BINH_Z, "tiến độ Cao Phong"))
    assert "1. Đảng bộ huyện Cao Phong" in first[0].text and "2. Đảng bộ thị trấn Cao Phong" in first[0].text
    chosen = await zbot.send(zbot.update(BINH_Z, "số 2"))
    assert "TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — Đảng bộ thị trấn Cao Phong" in chosen[0].text
    stale = await zbot.send(zbot.update(BINH_Z, "2"))  # that answer offered no list: "2" picks nothing
    assert "chưa hiểu" in stale[0].text
    out_of_range = await zbot.send(zbot.update(BINH_Z, "tiến độ Cao Phong"))
    assert zalo_out(out_of_range[0]).choices
    nothing = await zbot.send(zbot.update(BINH_Z, "7"))
    assert "TIẾN ĐỘ KẾT NẠP" not in nothing[0].text


async def test_long_answers_are_split_at_2000_on_line_boundaries(zbot):
    cp = (await users.by_login(zbot.db, "binh")).unit_id
    async with zbot.db.transaction():
        for i in range(60):
            await users.add(
                zbot.db, name=f"Đồng chí số {i:02d} của Ban Tổ chức", role="reporter", unit_id=cp, now=zbot.clock.now()
            )
    sent = await zbot.send(zbot.update(BINH_Z, "/nguoidung"))
    assert len(sent) >= 3 and all(1 <= len(m.text) <= 2000 for m in sent)
    whole = "\n".join(m.text for m in sent)
    assert "Đồng chí số 00" in whole and "… và" in whole  # nothing lost across the pieces
    lines = set(whole.splitlines())
    for message in sent:  # every piece starts and ends on a whole line
        assert message.text.splitlines()[0] in lines and message.text.splitlines()[-1] in lines
        assert message.text.splitlines()[-1].startswith(("#", "…", "Người dùng"))


async def test_server_errors_are_retried_and_a_quota_refusal_is_not(zbot):
    zbot.server.fail("getUpdates", 502, 2)
    zbot.server.fail("sendMessage", 500, 1)
    sent = await zbot.send(zbot.update(BINH_Z, "tien do q3 2021"), timeout=20)
    assert len(sent) == 1 and "69/71 ĐVM" in sent[0].text
    zbot.server.fail("sendMessage", 429, 1)  # "Quota exceeded": the month's quota, not a per-second limit
    calls = len(zbot.server.api.calls)
    sent = await zbot.send(zbot.update(BINH_Z, "tiến độ năm 2021"), timeout=20)
    assert sent == [] and zbot.server.api.calls[calls:].count("sendMessage") == 1  # tried once, not retried
    assert await usage.refused(zbot.db, "zalo", "2026-11")
    assert (await zbot.channel.sender.quota()).level.value == "exhausted"  # the quota learnt the real state
    sent = await zbot.send(zbot.update(BINH_Z, "tiến độ năm 2021"), timeout=20)  # answers are still tried once
    assert len(sent) == 1 and not await usage.refused(zbot.db, "zalo", "2026-11")  # it went through: cleared
    assert await usage.sent(zbot.db, "zalo", "2026-11") == 2  # only delivered messages count


async def test_files_are_expiring_unguessable_links(settings, district_db, clock):
    async with ZaloHarness(settings, district_db, clock, public_base_url="https://ptdv.example.vn") as zb:
        await zb.link("binh", BINH_Z)
        sent = await zb.send(zb.update(BINH_Z, "/xuat 2021"))
        url = next(w for w in sent[0].text.split() if w.startswith("https://ptdv.example.vn/f/"))
        token = url.split("/")[4]
        assert len(token) >= 32
        chart = await zb.send(zb.update(BINH_Z, "biểu đồ tiến độ quý III"))
        assert chart[0].method == "sendPhoto" and chart[0].photo.startswith("https://ptdv.example.vn/f/")
        server = webhook.web_app()
        webhook.add_file_links(server, district_db, clock)
        port = free_port()
        runner = await webhook.serve(server, "127.0.0.1", port)
        local = url.replace("https://ptdv.example.vn", f"http://127.0.0.1:{port}")
        try:
            async with aiohttp.ClientSession() as http:
                async with http.get(local) as r:
                    assert r.status == 200 and r.headers["Cache-Control"] == "private, no-store"
                    book = load_workbook(io.BytesIO(await r.read()))
                    assert "năm 2021" in first_sheet(book)["A2"].value
                photo = chart[0].photo.replace("https://ptdv.example.vn", f"http://127.0.0.1:{port}")
                async with http.get(photo) as r:
                    assert r.status == 200 and (await r.read())[:8] == b"\x89PNG\r\n\x1a\n"
                async with http.get(local.replace(token, token[:-2] + "xx")) as r:
                    assert r.status == 404
                clock.advance(hours=25)
                async with http.get(local) as r:
                    assert r.status == 404  # expired
        finally:
            await runner.cleanup()


async def test_without_a_public_address_the_reply_says_where_the_file_is(zbot, settings, tmp_path, monkeypatch):
    sent = await zbot.send(zbot.update(BINH_Z, "/xuat 2021"))
    text = sent[0].text
    assert "không gửi kèm được qua kênh này" in text and "ptdv file " in text
    token = text.split("ptdv file ")[1].split()[0].rstrip(".")
    from bot.cli import admin as admin_cli

    out = tmp_path / "bao-cao.xlsx"
    message = await admin_cli.save_file(settings, token, str(out), clock=zbot.clock)
    assert "Đã ghi" in message and first_sheet(load_workbook(out))["A2"].value


async def test_webhook_rejects_a_wrong_secret_and_stores_once(settings, district_db, clock):
    fake = FakeZaloApi(ZALO_TOKEN)
    await fake.start()
    port = free_port()
    live = settings.model_copy(
        update={
            "zalo_bot_token": SecretStr(ZALO_TOKEN),
            "zalo_api_base_url": fake.base_url,
            "zalo_mode": "webhook",
            "zalo_webhook_url": "https://ptdv.example.vn/zalo/hook",
            "zalo_webhook_secret": SecretStr(SECRET),
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
        }
    )
    binh = await users.by_login(district_db, "binh")
    async with district_db.transaction():
        await users.link_identity(
            district_db, channel="zalo", external_id=BINH_Z, user_id=binh.id, chat_id=BINH_Z, now=clock.now()
        )
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(live, stop, clock))
    url = f"http://127.0.0.1:{port}/zalo/hook"
    update = {"ok": True, "result": ZaloHarness(settings, district_db, clock).update(BINH_Z, "/tiendo q3 2021")}
    try:
        for _ in range(200):
            if fake.api.webhook is not None:
                break
            await asyncio.sleep(0.05)
        assert fake.api.webhook == {"url": "https://ptdv.example.vn/zalo/hook", "secret_token": SECRET}
        assert await fake.post_webhook(url, update, "wrong-secret-of-the-same-size") == 403
        assert await fake.post_webhook(url, update, None) == 403
        # a refused request is answered before anything is stored: the inbox can be read at once
        assert await district_db.scalar("SELECT COUNT(*) FROM inbox WHERE channel = 'zalo'") == 0  # nothing processed
        assert not [m for m in fake.sent if "69/71" in m.text]
        assert await fake.post_webhook(url, update, SECRET) == 200
        assert await fake.post_webhook(url, update, SECRET) == 200  # Zalo sends it again
        assert await fake.post_webhook(url, update, SECRET, wrapped=False) == 200  # and bare (openclaw's reading)
        for _ in range(200):  # drained: the answer went out and the one stored update is processed
            processed = "SELECT COUNT(processed_at) FROM inbox WHERE channel = 'zalo'"
            if any("69/71" in m.text for m in fake.sent) and await district_db.scalar(processed) == 1:
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
        await fake.stop()
    answers = [m for m in fake.sent if m.chat_id == BINH_Z and "69/71" in m.text]
    assert len(answers) == 1
    assert "getUpdates" not in fake.api.calls  # a webhook and polling are never used together
    assert await district_db.scalar("SELECT COUNT(*) FROM inbox WHERE channel = 'zalo'") == 1


def test_zalo_webhook_mode_needs_url_and_secret(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("ZALO_BOT_TOKEN", ZALO_TOKEN)
    monkeypatch.setenv("ZALO_MODE", "webhook")
    with pytest.raises(ConfigError, match="ZALO_WEBHOOK_URL"):
        load_settings()
    monkeypatch.setenv("ZALO_WEBHOOK_URL", "https://ptdv.example.vn/zalo")
    monkeypatch.setenv("ZALO_WEBHOOK_SECRET", "short")
    with pytest.raises(ConfigError, match="ZALO_WEBHOOK_SECRET"):
        load_settings()
    monkeypatch.setenv("ZALO_BOT_TOKEN", "not-a-token")
    with pytest.raises(ConfigError, match="ZALO_BOT_TOKEN"):
        load_settings()


async def test_both_channels_in_one_process(settings, district_db, clock):
    tg, za = FakeBotApi(), FakeZaloApi(ZALO_TOKEN)
    await tg.start()
    await za.start()
    live = settings.model_copy(
        update={
            "telegram_bot_token": SecretStr(TOKEN),
            "telegram_api_base_url": tg.base_url,
            "zalo_bot_token": SecretStr(ZALO_TOKEN),
            "zalo_api_base_url": za.base_url,
        }
    )
    binh = await users.by_login(district_db, "binh")
    async with district_db.transaction():
        await users.link_identity(
            district_db, channel="telegram", external_id="5555", user_id=binh.id, chat_id="5555", now=clock.now()
        )
        await users.link_identity(
            district_db, channel="zalo", external_id=BINH_Z, user_id=binh.id, chat_id=BINH_Z, now=clock.now()
        )
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(live, stop, clock))
    try:
        tg.push(message_update(5555, "/tiendo q3 2021"))
        za.push(ZaloHarness(settings, district_db, clock).update(BINH_Z, "tien do q3 2021"))
        for _ in range(300):
            if any("69/71" in m.text for m in tg.sent) and any("69/71" in m.text for m in za.sent):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=40)
        await tg.stop()
        await za.stop()
    assert [m.chat_id for m in tg.sent if "69/71" in m.text] == ["5555"]
    assert [m.chat_id for m in za.sent if "69/71" in m.text] == [BINH_Z]
    assert "deleteWebhook" in za.api.calls  # polling: make sure no webhook is set


async def test_one_person_on_telegram_and_zalo(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as tg, ZaloHarness(settings, district_db, clock) as za:
        khanh = await tg.link("khanh", 7009)
        offer = await tg.send(message_update(7009, "/lienket"))
        code = offer[0].text.split("Mã liên kết: ")[1].split()[0]
        assert "/lienket " + code in offer[0].text
        linked = await za.send(za.update(THU_Z, f"lien ket {code.lower()}"))  # typed on a phone, no slash
        assert "Đã liên kết: Nguyễn Văn Khánh dùng bot trên Telegram, Zalo" in linked[0].text
        assert {c for c, _ in await users.chats_of(district_db, khanh)} >= {"telegram", "zalo"}
        again = await za.send(za.update("1100000000000000999", f"/lienket {code}"))  # someone else, same code
        assert "đã được sử dụng" in again[0].text
        # reminders go to the channel registered first (Telegram here), once
        service = ReminderService(tg.core.ctx, {"telegram": _notifier(tg), "zalo": za.channel.notifier})
        clock.set(datetime(2026, 12, 15, 13, 0, tzinfo=VN))
        before_tg, before_za = len(tg.server.sent), len(za.server.sent)
        await service.tick()
        assert [m.chat_id for m in tg.server.sent[before_tg:] if "Hạn báo cáo" in m.text] == ["7009"]
        assert not any(m.chat_id == THU_Z for m in za.server.sent[before_za:])
        # the same user on Zalo: same unit, same rights, one history
        preview = await za.send(za.update(THU_Z, "kết nạp 1 đảng viên"))
        assert "Chi bộ Cơ quan Huyện ủy" in preview[0].text
        await za.send(za.update(THU_Z, "1"))
        history = await tg.send(message_update(7009, "/lichsu"))
        assert "Nguyễn Văn Khánh" in history[0].text and "Kết nạp 1" in history[0].text
        assert not tg.errors and not await za.errors()


def _notifier(harness: TelegramHarness):
    from handlers.telegram import TelegramNotifier

    return TelegramNotifier(harness.app.bot, backoff=0.01)


async def test_quota_near_warns_officials_and_keeps_reminders_that_matter(settings, db, clock, evidence):
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=VN))
    await demo.load(db, clock.now(), reorganise=False)  # nobody has reported quarter IV
    async with ZaloHarness(settings, db, clock, zalo_monthly_quota=200) as zb:
        chat = ZaloDriver(zb)
        ids = {p.login: await chat.link(p.login) for p in demo.DISTRICT_USERS}
        by_chat = {chat.chat_of(uid): login for login, uid in ids.items()}
        service = ReminderService(zb.core.ctx, {"zalo": zb.channel.notifier})

        async def run(day: int, hour: int, minute: int, used: int) -> tuple[list, Outcome]:
            await usage.add(db, "zalo", "2026-12", used - await usage.sent(db, "zalo", "2026-12"))
            clock.set(datetime(2026, 12, day, hour, minute, tzinfo=VN))
            mark = chat.mark()
            outcome = await service.tick()
            await service.tick()
            return chat.since(mark), outcome

        # 164/200 = 82 %: near. The top officials are warned once; reminders to units that have not reported go out
        pushed, _ = await run(15, 13, 0, 164)
        warned = sorted(by_chat[o.chat_id] for o in pushed if o.text.startswith("⚠️ Hạn mức tin nhắn Zalo"))
        assert warned == ["binh", "ngoc"]
        warning = next(o.text for o in pushed if o.text.startswith("⚠️"))
        assert "đã dùng 164/200 tin của tháng 12/2026 (82%)" in warning and "01/01/2027" in warning
        reminded = {by_chat[o.chat_id] for o in pushed if "Hạn báo cáo quý IV" in o.text}
        assert reminded == {"son", "tuan", "minh", "thu", "lan", "khanh", "hoa"}
        # 182/200: inside the reserve kept for answers. Reminders are held; officials hear of the new level once
        pushed, reserve = await run(18, 13, 0, 182)
        assert not any("Hạn báo cáo quý IV" in o.text for o in pushed)
        assert reserve.held >= 7
        assert sorted(by_chat[o.chat_id] for o in pushed if o.text.startswith("⚠️")) == ["binh", "ngoc"]
        assert "trả lời người dùng" in next(o.text for o in pushed if o.text.startswith("⚠️"))
        # escalations still go out; Monday's digests are held
        pushed, monday = await run(21, 8, 15, 185)
        assert sorted(by_chat[o.chat_id] for o in pushed if o.text.startswith("Quá hạn báo cáo")) == [
            "binh",
            "hung",
            "ngoc",
        ]
        assert not any(o.text.startswith("BẢN TIN TUẦN") for o in pushed) and monday.held >= 3
        assert await usage.sent(db, "zalo", "2026-12") <= 200
        # people still get answers
        answer = await chat.say(ids["binh"], "tien do q3 2021")
        assert "69/71" in answer[0].text
        evidence(
            f"Zalo quota: at 82% officials warned once and {len(reminded)} not-reported reminders sent; in the "
            f"reserve {reserve.held} reminders and {monday.held} digests held, escalations and answers sent"
        )


def test_console_shows_the_zalo_rendering(tmp_path):
    import subprocess
    import sys

    env = {"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")  # the code under test, also in the subprocess
    subprocess.run([sys.executable, "-m", "bot", "setup"], env=env, cwd=tmp_path, check=True, capture_output=True)
    script = "/as binh\ntiến độ cao phong\n2\n/as thu\nkết nạp 2 đảng viên\n1\n"
    done = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--channel", "zalo"],
        env=env,
        cwd=tmp_path,
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "PTĐV Bot (Zalo) ›" in out
    assert "Trả lời bằng số (1–2):\n1. Đảng bộ tỉnh Phú Thọ (huyện Cao Phong cũ)\n2. Đảng bộ xã Cao Phong" in out
    assert "TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — Đảng bộ xã Cao Phong" in out
    assert "1. ✅ Xác nhận" in out and "Đã lưu" in out


async def test_photos_stickers_withheld_messages_and_groups_get_useful_answers(zbot):
    from handlers.zalo_local import group_update, image_update, sticker_update, unsupported_update

    photo = await zbot.send(image_update(THU_Z, "zi1", caption="báo cáo quý"))
    assert photo[0].text.startswith("Ảnh không được đọc") and "kết nạp 2 đảng viên" in photo[0].text
    sticker = await zbot.send(sticker_update(THU_Z, "zs1"))
    assert "chỉ đọc tin nhắn chữ" in sticker[0].text
    withheld = await zbot.send(unsupported_update(THU_Z, "zu1"))
    assert "không nhận được nội dung" in withheld[0].text and "báo cáo thay" in withheld[0].text
    mention = await zbot.send(group_update(BINH_Z, "g-77", "@bot.ptdv /help", "zg1"))
    assert "/lienketnhom" in mention[0].text and mention[0].chat_id == "g-77"  # the mention is stripped first
    link = await zbot.send(group_update(BINH_Z, "g-77", "@bot.ptdv /lienketnhom", "zg2"))
    assert "gửi riêng cho từng cán bộ" in link[0].text
    assert await zbot.db.scalar("SELECT COUNT(*) FROM digest_chats") == 0


async def test_webhook_update_stored_before_a_crash_is_answered_once_after_restart(settings, district_db, clock):
    """The crash test Telegram's webhook passes: an update stored (and so acknowledged with 200) but not handled
    when the process died is handled at the next start, once, even when Zalo delivers it again."""
    from storage import inbox

    fake = FakeZaloApi(ZALO_TOKEN)
    await fake.start()
    port = free_port()
    live = settings.model_copy(
        update={
            "zalo_bot_token": SecretStr(ZALO_TOKEN),
            "zalo_api_base_url": fake.base_url,
            "zalo_mode": "webhook",
            "zalo_webhook_url": "https://ptdv.example.vn/zalo/hook",
            "zalo_webhook_secret": SecretStr(SECRET),
            "webhook_listen": "127.0.0.1",
            "webhook_port": port,
        }
    )
    binh = await users.by_login(district_db, "binh")
    async with district_db.transaction():
        await users.link_identity(
            district_db, channel="zalo", external_id=BINH_Z, user_id=binh.id, chat_id=BINH_Z, now=clock.now()
        )
    from handlers import zalo as zalo_handlers

    update = ZaloHarness(settings, district_db, clock).update(BINH_Z, "/tiendo q3 2021")
    key = zalo_handlers.update_key(update)
    await inbox.store(district_db, "zalo", [(key, update)], clock.now())  # what the killed process left behind
    stop = asyncio.Event()
    task = asyncio.create_task(run_bot(live, stop, clock))
    try:
        for _ in range(200):
            if fake.api.webhook is not None and await inbox.is_done(district_db, "zalo", key):
                break
            await asyncio.sleep(0.05)
        url = f"http://127.0.0.1:{port}/zalo/hook"
        assert await fake.post_webhook(url, update, SECRET, wrapped=False) == 200  # Zalo's redelivery
        # the 200 comes after the insert, which the stored message id turned into a no-op: nothing to process
        assert await district_db.scalar("SELECT COUNT(*) FROM inbox WHERE channel = 'zalo'") == 1
        assert await inbox.is_done(district_db, "zalo", key)
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=20)
        await fake.stop()
    assert [m.chat_id for m in fake.sent if "69/71" in m.text] == [BINH_Z]
