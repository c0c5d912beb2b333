"""What recording a congress (`/daihoi`, `ptdv daihoi`) says."""

from __future__ import annotations

from datetime import date

HELP = (
    "Cách ghi ngày đại hội (cán bộ theo dõi): /daihoi <ngày> — ví dụ “/daihoi 20/9/2025” ghi Đại hội nhiệm kỳ "
    "2025–2030 của đơn vị mình họp ngày 20/9/2025 (nhiệm kỳ 2020–2025 tính đến hết ngày hôm trước)."
)


def usage(committee_below: str | None) -> str:
    """How to write /daihoi; the example of a committee below names one the asker really has (none: no example)."""
    if committee_below is None:
        return HELP
    return (
        f"{HELP}\nCó thể ghi tên đảng bộ cấp dưới và nhiệm kỳ: "
        f"“/daihoi {committee_below} nhiệm kỳ 2025–2030 ngày 20/8/2025”."
    )


def dmy(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def no_date(committee_below: str | None = None) -> str:
    return f"Chưa thấy ngày đại hội.\n{usage(committee_below)}"


def no_such_day(written: str) -> str:
    return f"Ngày “{written}” không có thật. Xin ghi ngày/tháng/năm, ví dụ 20/9/2025."


def bad_term(start: int, end: int) -> str:
    return f"Nhiệm kỳ {start}–{end} không hợp lệ. Ví dụ: nhiệm kỳ 2025–2030."


def term_year_mismatch(start: int, end: int, day: date) -> str:
    return f"Đại hội mở đầu nhiệm kỳ {start}–{end} phải họp vào khoảng năm {start}, không phải {dmy(day)}."


def after_previous(start: int, end: int, previous: date) -> str:
    return f"Đại hội nhiệm kỳ {start}–{end} đã ghi ngày {dmy(previous)}; đại hội nhiệm kỳ sau phải họp sau ngày đó."


def before_next(start: int, end: int, following: date) -> str:
    return (
        f"Đại hội nhiệm kỳ {start}–{end} đã ghi ngày {dmy(following)}; đại hội nhiệm kỳ trước phải họp trước ngày đó."
    )


def opened(start: int, end: int, day: date, recorded: date | None) -> str:
    was = f" (đã ghi: {dmy(recorded)})" if recorded is not None else " (chưa ghi)"
    return f"Đại hội nhiệm kỳ {start}–{end} họp ngày {dmy(day)}{was}."


def previous_term_runs(start: int, end: int, since: date) -> str:
    return f"Nhiệm kỳ {start}–{end} tính từ {dmy(since)} đến hết ngày trước đại hội này."


def term_runs_from(start: int, end: int, since: date) -> str:
    return f"Nhiệm kỳ {start}–{end} tính từ {dmy(since)}."


def preview(unit_name: str, text: str) -> str:
    return f"Ghi ngày đại hội — {unit_name}:\n{text}"


def recorded(unit_name: str, start: int, end: int, day: date) -> str:
    return f"Đã ghi: Đại hội {unit_name} nhiệm kỳ {start}–{end} họp ngày {dmy(day)}."
