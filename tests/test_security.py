"""Attacks from issue 14 (security): link codes, scope, callback data, groups. Each test reproduces one."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot import callbacks
from bot.messages import Inbound, InboundKind, Reply
from bot.periods import Period
from bot.services.core import Core
from storage import users
from tests.conftest import TODAY

_n = itertools.count(1)


class Chat:
    """Drive `Core.handle` directly with inbounds on any channel, private or group."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def send(
        self,
        sender: str,
        text: str = "",
        *,
        channel: str = "console",
        group: bool = False,
        data: str | None = None,
        name: str = "Người lạ",
    ) -> list[Reply]:
        n = next(_n)
        inbound = Inbound(
            channel=channel,
            update_key=f"{channel}:sec{n}",
            sender_id=sender,
            chat_id="-100777" if group else sender,
            at=TODAY,
            kind=InboundKind.CHOICE if data is not None else InboundKind.TEXT,
            text=text,
            data=data,
            message_id=str(n),
            sender_name=name,
            is_group=group,
        )
        return await self.core.handle(inbound)


async def uid(db, login: str) -> str:
    user = await users.by_login(db, login)
    assert user is not None
    return str(user.id)


@pytest.fixture
async def chat(settings, demo_db, clock) -> Chat:
    return Chat(Core(demo_db, settings, clock))


def text_of(answer: list[Reply]) -> str:
    return "\n".join(r.text for r in answer)


# --- 5. callback data is untrusted input ----------------------------------------------------------------
async def test_empty_token_does_not_confirm_the_latest_preview(chat, demo_db):
    thu = await uid(demo_db, "thu")
    preview = await chat.send(thu, "kết nạp 2")
    assert preview[0].choices
    before = await demo_db.scalar("SELECT COUNT(*) FROM submissions")
    for data in ("c|", "c", "c||", "c| ", "e|", "x|"):
        answer = await chat.send(thu, data=data)
        assert "Đã lưu" not in text_of(answer)
    assert await demo_db.scalar("SELECT COUNT(*) FROM submissions") == before
    assert await demo_db.scalar("SELECT COUNT(*) FROM pending WHERE status = 'open'") == 1


@pytest.mark.parametrize(
    "data",
    [
        "f|99999999999999999999",
        "u|abcdefgh|99999999999999999999",
        "n|99999999999999999999",
        "q|0|0|2|Y99999|1",
        "q|0|0|2|T1-9999|1",
        "q|0|0|2|Q2026-9|1",
        "q|0|0|2|Y2026|99999999999999999999",
        "q|9|0|2|Y2026|1",
        "q|0|0|²|Y2026|1",
        "f|0",
        "f|-1",
    ],
)
async def test_malformed_callbacks_are_refused_quietly(chat, demo_db, data):
    binh = await uid(demo_db, "binh")
    answer = await chat.send(binh, data=data)
    assert len(answer) == 1 and len(answer[0].text) < 1000
    assert "Xin lỗi" in answer[0].text


def test_codec_round_trips_and_checks_the_limit():
    for choice in (
        callbacks.Preview(action="c", token="AbC_d-12"),
        callbacks.ChooseUnit(token="AbC_d-12", unit_id=42),
        callbacks.FixRecord(submission_id=7),
        callbacks.SendNow(root_id=1),
        callbacks.QueryChoice(
            kind=callbacks.KINDS[3], form=callbacks.FORMS[1], unit_id=5, period=Period.term(2020, 2025), page=2
        ),
        callbacks.QueryChoice(
            kind=callbacks.KINDS[0], form=callbacks.FORMS[0], unit_id=5, period=Period.month(2026, 9)
        ),
    ):
        assert callbacks.unpack(callbacks.pack(choice)) == choice
    with pytest.raises(callbacks.TooLong):
        callbacks.pack(callbacks.Preview(action="c", token="x" * 70))


@hsettings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.lists(
            st.one_of(st.sampled_from(list("cexufqn")), st.text(max_size=12), st.integers().map(str)), max_size=7
        ).map("|".join),
    )
)
def test_unpack_never_raises_and_accepts_only_bounded_fields(data):
    choice = callbacks.unpack(data)
    if choice is not None:
        assert callbacks.pack(choice) == data  # only the canonical form is accepted
        assert len(data.encode()) <= callbacks.MAX_BYTES


async def test_random_callbacks_never_crash_the_core(settings, demo_db, clock):
    chat = Chat(Core(demo_db, settings, clock))
    binh = await uid(demo_db, "binh")
    seen: list[str] = []

    @hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(st.one_of(st.sampled_from(list("cexufqn")), st.integers(-5, 10**25).map(str)), max_size=7).map(
            "|".join
        )
    )
    def collect(data):
        seen.append(data)

    collect()
    before = await demo_db.scalar("SELECT COUNT(*) FROM submissions")
    for data in seen:
        answer = await chat.send(binh, data=data)
        assert answer and sum(len(r.text) for r in answer) < 8000
    assert await demo_db.scalar("SELECT COUNT(*) FROM submissions") == before


_ = timedelta
