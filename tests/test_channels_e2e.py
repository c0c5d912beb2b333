"""Reporting, queries and reminders on both channels, from one table of cases.

Each case is a conversation: who says what (or picks which choice), what the answers must contain, which
choices and files they offer, and how many records it stores. It runs once through the real PTB `Application`
and the fake Telegram Bot API (choices are buttons) and once through the real Zalo adapter and the fake Zalo
Bot API (choices are a numbered list answered with the number; files are links). The reminder table walks
the end of a quarter on each channel: the same people get the same reminders, escalations and digests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

import pytest

from bot.runtime import demo
from bot.services.reminders import ReminderService
from storage import units
from tests.channels import Out, TelegramDriver, ZaloDriver, ZaloHarness
from tests.conftest import VN, counts
from tests.harness import TelegramHarness

CHANNELS = ["telegram", "zalo"]
STRANGER = 990_001  # never registered


@asynccontextmanager
async def driver(channel: str, settings, db, clock) -> AsyncIterator[TelegramDriver | ZaloDriver]:
    if channel == "telegram":
        async with TelegramHarness(settings, db, clock) as harness:
            chat: TelegramDriver | ZaloDriver = TelegramDriver(harness)
            yield chat
    else:
        async with ZaloHarness(settings, db, clock, public_base_url="https://ptdv.example.vn") as zharness:
            chat = ZaloDriver(zharness)
            yield chat
    assert not await chat.errors()


@dataclass(frozen=True)
class Step:
    who: str  # a demo login, or "stranger"
    say: str | None = None
    choose: str | None = None  # a label (part of it) offered by the previous answer
    expect: tuple[str, ...] = ()  # every one appears in the answer's texts
    choices: tuple[str, ...] = ()  # every one is offered
    files: tuple[str, ...] = ()  # file name endings delivered


@dataclass(frozen=True)
class Case:
    name: str
    steps: tuple[Step, ...]
    stores: int = 0  # new submission records
    live: tuple[str, int, int, list[int]] | None = None  # (unit code, ym_from, ym_to, admitted of live rows)
    raw: str | None = None  # the raw text kept with the stored record
    extra: dict = field(default_factory=dict)


CONFIRM = ("Xác nhận", "Sửa", "Hủy")

CASES = [
    # --- reporting --------------------------------------------------------------------------------------
    Case(
        "report-and-confirm",
        (
            Step(
                "thu",
                "kết nạp 2 đảng viên",
                expect=("Kết nạp 2 ĐVM — tháng 11, quý IV/2026 — Chi bộ Trường THPT Cao Phong",),
                choices=CONFIRM,
            ),
            Step("thu", choose="Xác nhận", expect=("Đã lưu", "Năm 2026: đã kết nạp")),
        ),
        stores=1,
        live=("THPTCP", 202611, 202611, [2]),
        raw="kết nạp 2 đảng viên",
    ),
    Case(
        "typed-confirmation-without-diacritics",
        (
            Step("thu", "ket nap 1 dvm thang 10", expect=("Kết nạp 1 ĐVM — tháng 10",)),
            Step("thu", "dong y", expect=("Đã lưu",)),
        ),
        stores=1,
        live=("THPTCP", 202610, 202610, [1]),
    ),
    Case(
        "breakdown-in-a-quarter",
        (
            Step("minh", "quý III kết nạp 3 đảng viên, trong đó 1 nữ, 1 dân tộc thiểu số", choices=CONFIRM),
            Step("minh", choose="Xác nhận", expect=("Đã lưu",)),
        ),
        stores=1,
    ),
    Case(
        "cancel-by-choice",
        (
            Step("thu", "kết nạp 2", choices=CONFIRM),
            Step("thu", choose="Hủy", expect=("Đã hủy",)),
            Step("thu", "có", expect=("Không có gì đang chờ xác nhận",)),
        ),
    ),
    Case(
        "correction-supersedes",
        (
            Step("minh", "quý III kết nạp 3", choices=CONFIRM),
            Step("minh", choose="Xác nhận", expect=("Đã lưu",)),
            Step("minh", "sửa: quý III kết nạp 4 chứ không phải 3", expect=("Đang có:", "Thay bằng:")),
            Step("minh", choose="Xác nhận", expect=("Đã lưu",)),
        ),
        stores=2,
        live=("CAH", 202607, 202609, [4]),
    ),
    Case(
        "official-reports-on-behalf",
        (
            Step("binh", "Chi bộ Công an huyện kết nạp 2 đảng viên", expect=("Đảng bộ Công an huyện",)),
            Step("binh", choose="Xác nhận", expect=("Đã lưu",)),
        ),
        stores=1,
        live=("CAH", 202611, 202611, [2]),
    ),
    Case("bad-number", (Step("thu", "kết nạp -2", expect=("không thể âm", "chưa được lưu")),)),
    Case("breakdown-too-big", (Step("thu", "kết nạp 2, trong đó 3 nữ", expect=("lớn hơn tổng số",)),)),
    Case("out-of-scope", (Step("thu", "Chi bộ Công an huyện kết nạp 2", expect=("ngoài phạm vi",)),)),
    Case("unregistered", (Step("stranger", "kết nạp 2", expect=("chưa đăng ký", "/dangky")),)),
    Case("noise", (Step("thu", "asdfgh qwerty", expect=("Xin lỗi", "/help")),)),
    # --- queries --------------------------------------------------------------------------------------------
    Case(
        "quarter-2021-matches-the-article",
        (Step("binh", "tiến độ kết nạp quý III 2021", expect=("69/71 ĐVM, đạt 97,2% chỉ tiêu", "vượt tiến độ")),),
    ),
    Case("without-diacritics", (Step("binh", "tien do q3 2021", expect=("69/71 ĐVM",)),)),
    Case(
        "ambiguous-unit-is-a-choice",
        (
            Step("binh", "tiến độ Cao Phong", choices=("Đảng bộ huyện Cao Phong", "Đảng bộ thị trấn Cao Phong")),
            Step(
                "binh", choose="thị trấn Cao Phong", expect=("TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — Đảng bộ thị trấn Cao Phong",)
            ),
        ),
    ),
    Case("behind-pace", (Step("binh", "đơn vị chậm tiến độ", expect=("ĐƠN VỊ CHẬM TIẾN ĐỘ", "cần thêm")),)),
    Case(
        "not-reported-with-pages",
        (
            Step(
                "binh", "đơn vị nào chưa báo cáo quý này?", expect=("CHƯA BÁO CÁO QUÝ IV/2026",), choices=("Xem tiếp",)
            ),
            Step("binh", choose="Xem tiếp", expect=("16.",)),
        ),
    ),
    Case("reporter-sees-only-own-unit", (Step("thu", "tiến độ xã Bắc Phong", expect=("ngoài phạm vi",)),)),
    Case("chart", (Step("binh", "biểu đồ tiến độ quý III", expect=("quý III/2026",), files=(".png",)),)),
    Case("excel", (Step("binh", "/xuat 2021", files=(".xlsx",)),)),
]


async def _play(chat: TelegramDriver | ZaloDriver, ids: dict[str, int], case: Case) -> list[Out]:
    last: list[Out] = []
    for step in case.steps:
        who = ids.get(step.who, STRANGER)
        if step.choose is not None:
            last = await chat.choose(who, step.choose, last)
        else:
            assert step.say is not None
            last = await chat.say(who, step.say)
        assert last, (case.name, step)
        text = "\n".join(o.text for o in last)
        for part in step.expect:
            assert part in text, (chat.channel, case.name, part, text[:400])
        offered = [c for o in last for c in o.choices]
        for label in step.choices:
            assert any(label in c for c in offered), (chat.channel, case.name, label, offered)
        files = [f for o in last for f in o.files]
        for ending in step.files:
            assert any(f.endswith(ending) for f in files), (chat.channel, case.name, ending, files)
    return last


@pytest.mark.parametrize("channel", CHANNELS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
async def test_conversation(channel, case, settings, district_db, clock):
    async with driver(channel, settings, district_db, clock) as chat:
        ids = {p.login: await chat.link(p.login) for p in demo.DISTRICT_USERS}
        before = (await counts(district_db))[0]
        await _play(chat, ids, case)
        assert (await counts(district_db))[0] == before + case.stores, case.name
        if case.live is not None:
            code, ym_from, ym_to, admitted = case.live
            unit = await units.by_code(district_db, code)
            rows = await district_db.fetchall(
                "SELECT admitted, raw_text, source_update FROM submissions WHERE unit_id = ? AND ym_from = ?"
                " AND ym_to = ? AND superseded_by IS NULL AND kind = 'admission' ORDER BY id",
                (unit.id, ym_from, ym_to),
            )
            assert [r[0] for r in rows][-len(admitted) :] == admitted
            assert rows[-1][2].startswith(f"{channel}:")  # the source update is kept, with its channel
            if case.raw is not None:
                assert rows[-1][1] == case.raw


# --- reminders ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Moment:
    day: tuple[int, int, int]
    contains: str  # the pushed messages of interest contain this
    to: frozenset[str]  # logins that get exactly one each; nobody else gets one


REPORTERS = frozenset({"son", "tuan", "minh", "thu", "lan", "khanh", "hoa"})
OFFICIALS = frozenset({"binh", "ngoc", "hung"})
REMINDER_CASES = [
    Moment((2026, 12, 15), "Hạn báo cáo quý IV: 20/12", REPORTERS),  # five days before the deadline
    Moment((2026, 12, 21), "BẢN TIN TUẦN", OFFICIALS),  # Monday's digest
    Moment((2026, 12, 21), "Quá hạn báo cáo quý IV/2026", OFFICIALS),  # the day after the deadline
]
RUN_TIMES = ((7, 45), (8, 15), (13, 0))


@pytest.mark.parametrize("channel", CHANNELS)
async def test_reminders_escalations_and_digests(channel, settings, db, clock):
    clock.set(datetime(2026, 10, 1, 9, 0, tzinfo=VN))
    await demo.load(db, clock.now(), reorganise=False)  # reports up to September: none for quarter IV yet
    limit = 2000 if channel == "zalo" else 4096
    async with driver(channel, settings, db, clock) as chat:
        ids = {p.login: await chat.link(p.login) for p in demo.DISTRICT_USERS}
        by_chat = {chat.chat_of(uid): login for login, uid in ids.items()}
        service = ReminderService(chat.core.ctx, {channel: chat.notifier()})
        chat.core.reminders = service
        days = sorted({m.day for m in REMINDER_CASES})
        for day in days:
            mark = chat.mark()
            for hour, minute in RUN_TIMES:
                clock.set(datetime(*day, hour, minute, tzinfo=VN))
                await service.tick()
                await service.tick()  # a second run sends nothing again
            for moment in (m for m in REMINDER_CASES if m.day == day):
                pushed = [o for o in chat.since(mark) if moment.contains in o.text]
                got = [by_chat[o.chat_id] for o in pushed]
                assert sorted(got) == sorted(moment.to), (channel, moment.contains, got)
                assert all(len(o.text) <= limit for o in pushed)
        failed = await db.scalar("SELECT COUNT(*) FROM reminder_log WHERE status NOT IN ('sent', 'missed')")
        assert failed == 0
