"""Text → a typed intent. Pure: no storage, no clock beyond the `today` it is given.

The parser never raises: anything it cannot read becomes `Unknown` with a reason the replies turn into
a polite answer.
"""

from __future__ import annotations

import re
from datetime import date

from bot.language.normalize import fold
from bot.language.periods import PeriodMatch, blank_spans, find_period
from bot.models import Frozen
from bot.periods import Period

MAX_TEXT = 1000  # longer messages are noise, not reports or questions

_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.S)


class Intent(Frozen):
    pass


class Start(Intent):
    code: str | None = None


class Help(Intent):
    pass


class ProgressQuery(Intent):
    period: Period | None = None  # None: the current year to date
    unit_text: str | None = None  # folded words naming a unit, if any


class Unknown(Intent):
    reason: str = "not_understood"  # not_understood | empty | too_long
    problem: str | None = None


def split_command(text: str) -> tuple[str, str] | None:
    """ "/tiendo@ptdv_bot q3" -> ("tiendo", "q3")."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


PROGRESS_WORDS = re.compile(r"\b(tien do|tiendo|ket qua|bao nhieu|the nao|ra sao)\b")
FILLER = re.compile(
    r"\b(tien do|ket nap|dang vien moi|dang vien|dvm|kn|cua|cho|ve|xem|hien nay|hien tai|den nay|the nao|"
    r"ra sao|bao nhieu|ket qua|nhu the nao|minh|toi|em|anh|chi|a|nhe|voi|di|thi|o|tai|phat trien dang|"
    r"cua chi bo minh|don vi minh)\b"
)


def _rest_as_unit(s: str, match: PeriodMatch) -> str | None:
    rest = FILLER.sub(" ", blank_spans(s, match.spans))
    rest = re.sub(r"\s+", " ", rest).strip(" -,/")
    return rest or None


def parse(text: str, today: date) -> Intent:
    raw = (text or "").strip()
    if not raw:
        return Unknown(reason="empty")
    if len(raw) > MAX_TEXT:
        return Unknown(reason="too_long")
    command = split_command(raw)
    if command:
        name, args = command
        if name in ("start", "dangky"):
            return Start(code=args.split()[0] if args else None)
        if name in ("help", "huongdan", "trogiup"):
            return Help()
        if name == "tiendo":
            return _progress(fold(args), today)
        return Unknown(problem=f"Lệnh /{name} chưa có.")
    s = fold(raw)
    if s in ("help", "huong dan", "tro giup", "giup", "?"):
        return Help()
    if PROGRESS_WORDS.search(s):
        return _progress(s, today)
    return Unknown()


def _progress(s: str, today: date) -> Intent:
    match = find_period(s, today)
    if match.problem:
        return Unknown(reason="bad_period", problem=match.problem)
    return ProgressQuery(period=match.period, unit_text=_rest_as_unit(s, match))
