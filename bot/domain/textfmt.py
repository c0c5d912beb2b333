"""Vietnamese number and date formatting: 1.234; 97,2%; 20/09/2026."""

from __future__ import annotations

import errno
import re
from collections.abc import Callable
from datetime import date, datetime


def num(value: int | float, decimals: int = 0) -> str:
    """1234 -> "1.234"; 9.5 with decimals=1 -> "9,5"."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def pct(share: float | None, decimals: int = 1) -> str:
    """0.9718 -> "97,2%"; whole numbers lose the decimals: 0.75 -> "75%"."""
    if share is None:
        return "—"
    value = share * 100
    if abs(value - round(value)) < 0.05:
        return f"{num(round(value))}%"
    return f"{num(value, decimals)}%"


def day(d: date | datetime) -> str:
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def day_month(d: date) -> str:
    return f"{d.day:02d}/{d.month:02d}"


def moment(d: datetime) -> str:
    return f"{d.hour:02d}:{d.minute:02d} {day(d)}"


def split_message(text: str, limit: int, measure: Callable[[str], int] = len) -> list[str]:
    """Split on line boundaries into pieces of at most `limit` (as `measure` counts: characters by default, or
    e.g. UTF-16 code units); overlong lines are hard-cut, never inside a character."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while measure(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            cut = _fits(line, limit, measure)
            pieces.append(line[:cut])
            line = line[cut:]
        candidate = f"{current}\n{line}" if current else line
        if measure(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def _fits(line: str, limit: int, measure: Callable[[str], int]) -> int:
    """The longest prefix of `line` (at least one character) that `measure` keeps within `limit`."""
    size = 0
    for index, char in enumerate(line):
        size += measure(char)
        if size > limit:
            return max(index, 1)
    return len(line)


_OS_REASONS = {
    errno.ENOENT: "không có tệp hay thư mục này",
    errno.EACCES: "không có quyền truy cập",
    errno.EPERM: "không được phép",
    errno.EISDIR: "đây là một thư mục, cần một tệp",
    errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
    errno.ENOSPC: "hết chỗ trống trên đĩa",
    errno.EROFS: "ổ đĩa chỉ cho đọc",
    errno.EEXIST: "đã có",
}


def os_reason(exc: OSError) -> str:
    """Why a file operation failed, in Vietnamese (the system's own text is English)."""
    return _OS_REASONS.get(exc.errno or 0, f"lỗi hệ thống {exc.errno or ''}".strip())


def as_written(message: str, folded: str) -> str:
    """The words of `message` that `folded` (a fragment of its folded form) came from, as the person wrote them —
    with their diacritics and capitals — so that a reply quotes the person's own words; `folded` itself when they
    cannot be found."""
    from bot.domain.normalize import fold

    target = fold(folded)
    if not target:
        return folded
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", message)]
    for i, (start, _) in enumerate(words):
        for _, end in words[i:]:
            piece = fold(message[start:end])
            if piece == target:
                return message[start:end].strip(" ,.;:!?()\"'“”")
            if len(piece) > len(target):
                break
    return folded


def first_upper(text: str) -> str:
    """Upper-case the first letter only: str.capitalize would also lower-case "Đảng" (the Party) inside the text."""
    return text[:1].upper() + text[1:]
