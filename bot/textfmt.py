"""Vietnamese number and date formatting: 1.234; 97,2%; 20/09/2026."""

from __future__ import annotations

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


def plural_units(n: int) -> str:
    return f"{num(n)} đơn vị"


def split_message(text: str, limit: int) -> list[str]:
    """Split on line boundaries into pieces of at most `limit` characters (hard-cut overlong lines)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current or not pieces:
        pieces.append(current)
    return pieces


def first_upper(text: str) -> str:
    """Upper-case the first letter only: str.capitalize would also lower-case "Đảng" (the Party) inside the text."""
    return text[:1].upper() + text[1:]
