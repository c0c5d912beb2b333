"""The README's console transcripts are real output: each one is replayed in the console (at the tests' date, on
the demo district) and every line it shows must appear, in order, in what the bot answers. A line ending in "…"
is a prefix; a line "…" stands for lines left out."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from bot.runtime import app

README = Path(__file__).resolve().parent.parent / "README.md"
PROMPT = re.compile(r"^(\w+) › (.*)$")
BOT = re.compile(r"^PTĐV Bot( \(Zalo\))? ›")


def transcripts() -> list[tuple[str, str | None, list[str], list[str]]]:
    """(channel, login, messages typed, lines shown) for each console transcript in the README."""
    found = []
    for block in re.findall(r"```text\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        lines = block.rstrip("\n").splitlines()
        channel, login = "telegram", None
        if lines and lines[0].startswith("$ "):
            command = lines.pop(0)
            if "--channel zalo" in command:
                channel = "zalo"
            if as_login := re.search(r"--as (\w+)", command):
                login = as_login.group(1)
        messages = [m.group(2) for line in lines if (m := PROMPT.match(line))]
        if messages:
            found.append(
                (channel, login or PROMPT.match(next(x for x in lines if PROMPT.match(x))).group(1), messages, lines)
            )
    return found


def test_the_readme_has_transcripts():
    assert len(transcripts()) >= 2


@pytest.mark.parametrize("channel,login,messages,shown", transcripts(), ids=lambda x: x if isinstance(x, str) else None)
async def test_readme_transcript_is_what_the_bot_says(settings, demo_db, clock, channel, login, messages, shown):
    out = io.StringIO()
    await app.run_console(
        settings,
        login=login,
        inp=io.StringIO("\n".join(messages) + "\n"),
        out=out,
        clock=clock,
        interactive=False,
        channel=channel,
    )
    said = [line.rstrip() for line in out.getvalue().splitlines()]
    at = 0
    for expected in (line.rstrip() for line in shown):
        if expected in ("", "…"):
            continue
        prefix = expected[:-1].rstrip() if expected.endswith("…") else None
        while at < len(said) and not (said[at].startswith(prefix) if prefix else said[at] == expected):
            at += 1
        assert at < len(said), f"README line not in the console output: {expected!r}\n\n{out.getvalue()}"
        at += 1
