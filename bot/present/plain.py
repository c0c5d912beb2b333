"""Choices without buttons: a numbered list under the text, answered by typing the number. Pure.

Used by every channel that has no inline buttons (Zalo; the console's Zalo rendering). Numbering runs on
across the replies of one answer, so "1", "2", "3" are never ambiguous within a chat.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.domain.messages import Reply

MenuItem = tuple[str, str]  # (label, choice data)

_PICK = re.compile(r"^\s*(?:so|số|chon|chọn)?\s*(\d{1,2})\s*[.)]?\s*$", re.IGNORECASE)


def numbered(replies: Sequence[Reply]) -> tuple[list[Reply], list[MenuItem]]:
    """Replies with their choices written out as numbered lines (and removed), and the menu they make."""
    menu: list[MenuItem] = []
    out = []
    for reply in replies:
        items = [choice for row in reply.choices for choice in row]
        if not items:
            out.append(reply)
            continue
        lines = []
        for choice in items:
            menu.append((choice.label, choice.data))
            lines.append(f"{len(menu)}. {choice.label}")
        first, last = len(menu) - len(items) + 1, len(menu)
        how = f"Trả lời bằng số ({first}–{last}):" if last > first else f"Trả lời {first} để chọn:"
        text = f"{reply.text}\n\n{how}\n" + "\n".join(lines)
        out.append(reply.model_copy(update={"text": text, "choices": ()}))
    return out, menu


def number(text: str) -> int | None:
    """The number a typed answer gives ("2", "2.", "số 2", "chon 2"), or None when it is not such an answer."""
    match = _PICK.match(text)
    if match is None or not match.group(1).isascii():
        return None
    return int(match.group(1))


# Something typed as a number that cannot be a choice: negative, with a fraction, or too long ("-1", "1.5", "1,5").
_NOT_A_PICK = re.compile(r"^\s*(?:so|số|chon|chọn)?\s*([-+−]?\s*\d+(?:[.,]\d+)?)\s*[.)]?\s*$", re.IGNORECASE)


def number_like(text: str) -> str | None:
    """The number as written when a typed answer is a number but not a whole choice number ("-1", "1.5", "123"),
    else None."""
    if number(text) is not None:
        return None
    match = _NOT_A_PICK.match(text)
    return None if match is None or not match.group(1).isascii() else " ".join(match.group(1).split())


def pick(text: str, menu: Sequence[MenuItem]) -> MenuItem | None:
    """The menu item a typed answer names ("2", "2.", "số 2", "chon 2"), or None."""
    index = number(text)
    return menu[index - 1] if index is not None and 1 <= index <= len(menu) else None


def out_of_range(index: int | str, size: int) -> str:
    """The answer to a number that is not on the list (the list stays valid)."""
    valid = "1" if size == 1 else f"từ 1 đến {size}"
    how = "Xin trả lời 1 để chọn." if size == 1 else f"Xin trả lời bằng một số {valid}."
    return f"Không có lựa chọn số {index}: tin nhắn trước chỉ có lựa chọn {valid}. {how}"
