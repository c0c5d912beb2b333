"""Finding the period a message speaks of: "quý III", "q3", "Q.III", "quý ba", "T9", "tháng 9/2021",
"6 tháng đầu năm", "năm nay", "năm ngoái", "năm 2021", "nhiệm kỳ 2020-2025"... Works on folded text.

`find_period` returns the period (or a problem such as "quý 5") and the character spans it used, so
that the caller can ignore those words when it looks for counts and unit names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from bot.domain.normalize import UNITS, number_at, roman
from bot.domain.periods import Period, PeriodKind

_NUM = r"(\d{1,3}|i{1,3}|iv|v|vi{0,3}|ix|x{1,2}|xi{1,2}|mot|hai|ba|bon|tu|nam|sau|bay|tam|chin|muoi(?: mot| hai)?)"
_YEAR = r"((?:19|20)\d\d)"

TERM_RE = re.compile(
    r"\b(?:nhiem ky|nhiem ki|nk)\b(?:\s*(?:nay|hien tai))?"
    r"(?:\s*(?:tu\s*)?(?:nam\s*)?" + _YEAR + r"\s*(?:-|den|toi|/|\s)\s*" + _YEAR + r")?"
    r"(\s*(?:truoc|vua qua))?"
)
HALF_RE = re.compile(r"\b(?:(?:6|sau) ?(?:thang|t)|nua)\b(?: (dau|cuoi))?(?: nam\b)?")
QUARTER_RE = re.compile(r"\b(?:quy|q)\s*" + _NUM + r"\b|\bquy (nay|truoc|vua qua)\b")
MONTH_RE = re.compile(
    r"\b(?:thang)\s*(?!nam\s+(?:nay|ngoai|truoc|kia|qua|toi)\b)"  # "tháng năm nay" is this year, not May
    + _NUM
    + r"\b|\bt(\d{1,2})\b|\bthang (nay|truoc|vua qua|gieng|chap)\b"
)
SLASH_MONTH_RE = re.compile(r"\b(\d{1,2})\s*/\s*" + _YEAR + r"\b")
YEAR_RE = re.compile(
    r"\bnam\s+" + _YEAR + r"\b|\b(?:nam )?(nay|ngoai|truoc|qua|kia)\b(?= |$)|/\s*" + _YEAR + r"\b|\b" + _YEAR + r"\b"
)
FIRST_MONTHS_RE = re.compile(
    r"\b(\d{1,2}|ba|sau|chin|muoi)\s*(?:thang|t)\b(?:\s+dau(?: nam)?)?(?!\s*(?:/|nua|toi|sau|truoc))"
)
DATE_RE = re.compile(r"\b(?:ngay|hom|dip|sang|chieu|toi)\s+(\d{1,2})\s*/\s*(\d{1,2})(?:\s*/\s*((?:19|20)\d\d))?\b")
_DIGIT_WORDS = {"khong": 0, "linh": 0, **UNITS, "mot": 1, "lam": 5, "tu": 4}
YEAR_WORDS_RE = re.compile(
    r"\bhai (?:nghin|ngan) (?:khong tram )?(?:(hai) muoi|muoi)(?: (\w+))?\b|\bhai khong (\w+) (\w+)\b"
)
BAD_YEAR_RE = re.compile(r"\bnam\s+(0+|\d{3,})\b")
# Words that are about a person, not the period: "sinh năm 2001", "sinh viên năm 3", "năm thứ 3", "lớp 12".
NOT_PERIOD_RE = re.compile(r"\b(?:sinh nam|sinh vien nam|nam thu|lop|ca|ngay sinh)\s+(?:thu\s+)?\d{1,4}\b")
# Keys swapped on a phone ("9 thnag đầu năm"), fixed in place (same length, so offsets stay valid).
TYPO_FIXES = {"thnag": "thang", "thagn": "thang", "tahng": "thang", "qyu": "quy", "nma": "nam", "anm": "nam"}
TYPOS = re.compile(r"\b(?:" + "|".join(TYPO_FIXES) + r")\b")
YTD_RE = re.compile(r"\b(?:tu dau nam|luy ke nam|ca nam)\b")


@dataclass
class PeriodMatch:
    period: Period | None = None
    problem: str | None = None
    spans: list[tuple[int, int]] = field(default_factory=list)
    kind: PeriodKind | None = None

    @property
    def found(self) -> bool:
        return self.period is not None or self.problem is not None


def _slot_number(text: str) -> int | None:
    text = text.strip()
    value = roman(text)
    if value is not None:
        return value
    tokens = text.split()
    got = number_at(tokens, 0)
    return got[0] if got and got[1] == len(tokens) else None


def _find_year(s: str, today: date, spans: list[tuple[int, int]]) -> int | None:
    for m in YEAR_RE.finditer(s):
        if any(a <= m.start() < b for a, b in spans):
            continue
        if m.group(1) or m.group(3) or m.group(4):
            spans.append(m.span())
            return int(m.group(1) or m.group(3) or m.group(4))
        word = m.group(2)
        if word and m.group(0).startswith("nam"):
            spans.append(m.span())
            return {"nay": today.year, "kia": today.year - 2}.get(word, today.year - 1)
    return None


def find_period(s: str, today: date) -> PeriodMatch:
    """Find the period in folded text `s`. Nothing found gives an empty match (caller picks a default)."""
    s = TYPOS.sub(lambda m: TYPO_FIXES[m.group(0)], _year_words(s))
    s = blank_spans(s, [m.span() for m in NOT_PERIOD_RE.finditer(s)])
    out = PeriodMatch()
    odd = BAD_YEAR_RE.search(s)
    if odd and not 1900 <= int(odd.group(1)) <= 2100:
        out.spans.append(odd.span())
        out.problem = f"không có năm {int(odd.group(1))} (ghi năm đủ 4 chữ số, ví dụ năm {today.year})"
        return out
    date_m = DATE_RE.search(s)
    if date_m and 1 <= int(date_m.group(2)) <= 12 and 1 <= int(date_m.group(1)) <= 31:
        out.spans.append(date_m.span())
        out.kind = PeriodKind.MONTH
        day_month = int(date_m.group(2))
        day_year = (
            int(date_m.group(3)) if date_m.group(3) else (today.year if day_month <= today.month else today.year - 1)
        )
        out.period = Period.month(day_year, day_month)
        return out
    term = TERM_RE.search(s)
    if term:
        out.spans.append(term.span())
        out.kind = PeriodKind.TERM
        if term.group(1):
            start, end = int(term.group(1)), int(term.group(2))
            if end <= start or end - start > 10:
                out.problem = f"nhiệm kỳ {start}–{end} không hợp lệ"
                return out
            out.period = Period.term(start, end)
        else:
            current = Period.containing(today, PeriodKind.TERM)
            out.period = current.same_period_last_year() if term.group(3) else current
        return out

    year = _find_year(s, today, out.spans)
    base_year = year if year is not None else today.year

    first = FIRST_MONTHS_RE.search(s)
    if first and not any(a <= first.start() < b for a, b in out.spans):
        n = _slot_number(first.group(1))
        if n in (3, 9) or (n is not None and 1 <= n <= 12 and n not in (6, 12) and "dau" in first.group(0)):
            out.spans.append(first.span())
            if n == 3:
                out.kind, out.period = PeriodKind.QUARTER, Period.quarter(base_year, 1)
            else:
                out.kind, out.period = PeriodKind.FIRST_MONTHS, Period.first_months(base_year, n)
            return out

    half = HALF_RE.search(s)
    if half and (half.group(1) or "thang" in half.group(0)):
        out.spans.append(half.span())
        out.kind = PeriodKind.HALF
        out.period = Period.half(base_year, 2 if half.group(1) == "cuoi" else 1)
        return out

    quarter = QUARTER_RE.search(s)
    if quarter:
        out.spans.append(quarter.span())
        out.kind = PeriodKind.QUARTER
        word = quarter.group(2)
        if word:
            current = Period.containing(today, PeriodKind.QUARTER)
            if word != "nay":
                y, q = (current.year, current.index - 1) if current.index > 1 else (current.year - 1, 4)
                current = Period.quarter(y, q)
            out.period = current
            return out
        number = _slot_number(quarter.group(1))
        if number is None or not 1 <= number <= 4:
            out.problem = f"không có quý {quarter.group(1).upper()} (một năm có 4 quý: I, II, III, IV)"
            return out
        out.period = Period.quarter(base_year, number)
        return out

    slash = SLASH_MONTH_RE.search(s)
    month = MONTH_RE.search(s)
    if month:
        out.spans.append(month.span())
        out.kind = PeriodKind.MONTH
        word = month.group(3)
        if word in ("nay", "truoc", "vua qua"):
            current = Period.containing(today, PeriodKind.MONTH)
            if word != "nay":
                y, m = (current.year, current.index - 1) if current.index > 1 else (current.year - 1, 12)
                current = Period.month(y, m)
            out.period = current
            return out
        if word in ("gieng", "chap"):
            out.period = Period.month(base_year, 1 if word == "gieng" else 12)
            return out
        raw = month.group(1) or month.group(2)
        number = _slot_number(raw)
        if number is None or not 1 <= number <= 12:
            out.problem = f"không có tháng {raw} (tháng từ 1 đến 12)"
            return out
        out.period = Period.month(base_year, number)
        return out
    if slash:
        out.spans.append(slash.span())
        out.kind = PeriodKind.MONTH
        number, year = int(slash.group(1)), int(slash.group(2))
        if not 1 <= number <= 12:
            out.problem = f"không có tháng {number} (tháng từ 1 đến 12)"
            return out
        out.period = Period.month(year, number)
        return out

    ytd = YTD_RE.search(s)
    if ytd:
        out.spans.append(ytd.span())
    if year is not None or ytd:
        out.kind = PeriodKind.YEAR
        out.period = Period.of_year(base_year)
    return out


def _year_words(s: str) -> str:
    """ "năm hai không hai mốt" -> "năm 2021" (padded to the same length, so that offsets stay valid)."""

    def digit(word: str | None) -> int | None:
        return _DIGIT_WORDS.get(word) if word else None

    def sub(m: re.Match[str]) -> str:
        if m.group(3) is not None:
            a, b = digit(m.group(3)), digit(m.group(4))
            if a is None or b is None:
                return m.group(0)
            year = 2000 + 10 * a + b
        else:
            tens = 20 if m.group(1) else 10
            unit = digit(m.group(2)) or 0
            year = 2000 + tens + unit
        text = str(year)
        return text + " " * (len(m.group(0)) - len(text))

    return YEAR_WORDS_RE.sub(sub, s)


def blank_spans(s: str, spans: list[tuple[int, int]]) -> str:
    """`s` with the given spans replaced by spaces (keeps other offsets valid)."""
    chars = list(s)
    for a, b in spans:
        for i in range(a, b):
            chars[i] = " "
    return "".join(chars)


__all__ = ["UNITS", "PeriodMatch", "blank_spans", "find_period"]
