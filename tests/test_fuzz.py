"""Property tests: arbitrary text and button payloads never raise, and invalid input writes nothing."""

from __future__ import annotations

import asyncio
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.messages import Inbound, InboundKind
from bot.language import intents
from bot.language.periods import find_period
from bot.language.reports import read_report
from bot.runtime import demo
from bot.services.core import Core
from storage import users
from storage.db import Database
from storage.migrations import migrate
from tests.conftest import TODAY

VOCABULARY = [
    "kết nạp",
    "ket nap",
    "quý",
    "q",
    "III",
    "tháng",
    "T9",
    "năm",
    "nhiệm kỳ",
    "nữ",
    "dân tộc",
    "trong đó",
    "nguồn",
    "rà soát",
    "sửa:",
    "lũy kế",
    "hủy",
    "có",
    "tiến độ",
    "xã",
    "Bắc Phong",
    "chi bộ",
    "-",
    "=",
    ",",
    "2",
    "-3",
    "5000",
    "0",
    "hai",
    "mười",
    "2021",
    "2030",
    "/baocao",
    "/sua",
    "/tiendo",
    "/moi",
    "/khoa",
    "/chuyen",
    "/vaitro",
    "/dangky",
    "?",
    "'",
    ";",
    "<b>",
    "DROP TABLE",
    "\n",
    "đồng ý",
    "chứ không phải",
]
messages = st.one_of(
    st.text(max_size=400),
    st.lists(st.sampled_from(VOCABULARY), max_size=12).map(" ".join),
)
payloads = st.one_of(
    st.text(max_size=80),
    st.tuples(st.sampled_from(["c", "x", "e", "u", "f", "p"]), st.text(max_size=20), st.text(max_size=10)).map(
        "|".join
    ),
)


@settings(max_examples=1500, deadline=None)
@given(messages)
def test_parsers_never_raise(text):
    intents.parse(text, date(2026, 11, 23))
    read_report(text, date(2026, 11, 23))
    find_period(text, date(2026, 11, 23))


class Bot:
    """A Core over a demo database, driven synchronously for hypothesis."""

    def __init__(self, path) -> None:
        self.loop = asyncio.new_event_loop()
        self.clock = ManualClock(TODAY)
        self.settings = Settings(_env_file=None, database_path=path)
        self.db = self.loop.run_until_complete(self._open())
        self.core = Core(self.db, self.settings, self.clock)
        thu = self.loop.run_until_complete(users.by_login(self.db, "thu"))
        binh = self.loop.run_until_complete(users.by_login(self.db, "binh"))
        self.senders = [str(thu.id), str(binh.id), "424242"]  # reporter, official, stranger
        self.n = 0

    async def _open(self) -> Database:
        db = await Database.open(self.settings.database_path)
        await migrate(db)
        await demo.load(db, TODAY)
        return db

    def counts(self) -> tuple[int, int]:
        async def read() -> tuple[int, int]:
            return (
                await self.db.scalar("SELECT COUNT(*) FROM submissions"),
                await self.db.scalar("SELECT COUNT(*) FROM pending"),
            )

        return self.loop.run_until_complete(read())

    def handle(self, sender: str, kind: InboundKind, text: str = "", data: str | None = None):
        self.n += 1
        inbound = Inbound(
            channel="console",
            update_key=f"console:f{self.n}",
            sender_id=sender,
            chat_id=sender,
            at=self.clock.now(),
            kind=kind,
            text=text,
            data=data,
            message_id=str(self.n),
        )
        return self.loop.run_until_complete(self.core.handle(inbound))

    def close(self) -> None:
        self.loop.run_until_complete(self.db.close())
        self.loop.close()


def test_handler_never_raises_and_writes_nothing_unconfirmed(tmp_path):
    bot = Bot(tmp_path / "fuzz.sqlite3")
    try:

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.sampled_from([0, 1, 2]), messages)
        def run(who, text):
            subs_before, pending_before = bot.counts()
            answer = bot.handle(bot.senders[who], InboundKind.TEXT, text=text)
            assert answer and all(r.text.strip() for r in answer)
            assert all(len(r.text) <= 4096 or "\n" in r.text for r in answer)
            subs_after, pending_after = bot.counts()
            # everyday "ừ", "vâng" confirm only while a preview waits, which is when it could store anything
            typed_yes = intents.parse(text, TODAY.date(), pending=True).__class__ is intents.Confirm
            if not typed_yes:
                assert subs_after == subs_before  # nothing is stored without a confirmation
            if not any(r.choices for r in answer) and "Đang sửa" not in answer[0].text:
                assert pending_after == pending_before  # an answer without buttons opened nothing

        run()
    finally:
        bot.close()


def test_button_payloads_never_raise_or_write(tmp_path):
    bot = Bot(tmp_path / "fuzz2.sqlite3")
    try:

        @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.sampled_from([0, 1, 2]), payloads)
        def run(who, data):
            before = bot.counts()[0]
            answer = bot.handle(bot.senders[who], InboundKind.CHOICE, data=data)
            assert answer and answer[0].text
            assert bot.counts()[0] == before

        run()
    finally:
        bot.close()
