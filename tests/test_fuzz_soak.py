"""Bad input at volume (make soak): 100,000 random messages and button payloads through the handler."""

from __future__ import annotations

import random
import string

import pytest

from bot.domain.messages import InboundKind
from bot.language import intents
from tests.conftest import TODAY
from tests.test_fuzz import VOCABULARY, Bot

ALPHABET = string.printable + "áàảãạăắằẳẵặâấầẩẫậđéèẻẽẹêếềểễệíìỉĩịóòỏõọôốồổỗộơớờởỡợúùủũụưứừửữựýỳỷỹỵ🙂" + "ĐƯƠ"


def noise(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return " ".join(rng.choice(VOCABULARY) for _ in range(rng.randint(0, 10)))
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 300)))


@pytest.mark.soak
def test_100k_messages_and_payloads(tmp_path, evidence):
    rng = random.Random(11)
    bot = Bot(tmp_path / "soak.sqlite3")
    messages = payloads = 0
    try:
        before = bot.counts()[0]
        typed_yes = 0
        for i in range(100_000):
            who = bot.senders[i % 3]
            if rng.random() < 0.75:
                text = noise(rng)
                answer = bot.handle(who, InboundKind.TEXT, text=text)
                typed_yes += isinstance(intents.parse(text, TODAY.date()), intents.Confirm)
                messages += 1
            else:
                data = "|".join(
                    rng.choice(["c", "x", "e", "u", "f", "q", "n", "p", ""]) if j == 0 else noise(rng)[:12]
                    for j in range(rng.randint(1, 6))
                )
                answer = bot.handle(who, InboundKind.CHOICE, data=data)
                payloads += 1
            assert answer and answer[0].text
        stored = bot.counts()[0] - before
        assert stored <= typed_yes  # only a typed "có" after a valid preview can store anything
    finally:
        bot.close()
    evidence(
        f"fuzz: {messages:,} messages and {payloads:,} button payloads; no exception; "
        f"{stored} stored, each after a typed confirmation"
    )
