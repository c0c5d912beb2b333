"""Asking for the periodic report: "làm báo cáo 9 tháng", "xuất báo cáo năm 2025", "/duthao nhiệm kỳ 2020-2025".
Pure: folded text in, what the report covers out (or the reason it cannot be read).

The report officials send up covers the first 6 or 9 months of a year, a whole year, or a term; "sơ kết" is the
6-month review and "tổng kết" the year's.
"""

from __future__ import annotations

import re
from datetime import date

from bot.domain.models import Frozen
from bot.domain.normalize import fold

_WANTS = re.compile(
    r"\b(?:lam|du thao|soan|viet|tao)\s+(?:giup\s+|cho\s+\w+\s+)?(?:ban\s+)?bao cao\s+"
    r"(?:ket qua\s+)?(?:cong tac\s+)?(?:phat trien dang vien\s+)?"
    r"(?:(?:3|6|9|12|sau|chin) thang|so ket|tong ket|nam|ca nam|nhiem ky)\b"
    # "xuất báo cáo năm 2021" is the progress workbook (/xuat); the 6- and 9-month reviews are the report sent up
    r"|\b(?:xuat|gui)\s+(?:ban\s+)?bao cao\s+(?:(?:6|9|sau|chin) thang|so ket|tong ket)\b"
    r"|\bbao cao (?:so ket|tong ket)\b"
    r"|\bbao cao ket qua (?:cong tac )?phat trien dang vien\b"
)
_MONTHS = re.compile(r"\b(3|6|9|12|ba|sau|chin|muoi hai) thang\b")
_MONTH_WORDS = {"ba": 3, "sau": 6, "chin": 9, "muoi hai": 12}
_TERM = re.compile(r"\bnhiem ky\b(?:\s*(?:tu\s*)?((?:19|20)\d\d)\s*(?:-|–|den|toi|/)\s*((?:19|20)\d\d))?")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_RELATIVE = re.compile(r"\bnam (nay|ngoai|truoc)\b")


class ReportRequest(Frozen):
    """The first `months` months of `year`, or — with `term_start` — the term beginning that year."""

    year: int
    months: int = 12
    term_start: int | None = None
    term_current: bool = False  # "nhiệm kỳ" with no years: the committee's current term


class ReportRequestProblem(Frozen):
    message: str


def asks_for_report(text: str) -> bool:
    return bool(_WANTS.search(fold(text)))


def read_report_request(text: str, today: date) -> ReportRequest | ReportRequestProblem:
    s = fold(text)
    term = _TERM.search(s)
    if term:
        if term.group(1):
            start, end = int(term.group(1)), int(term.group(2))
            if end - start != 5:
                return ReportRequestProblem(message=f"Nhiệm kỳ {start}–{end} không phải 5 năm.")
            return ReportRequest(year=start, term_start=start)
        return ReportRequest(year=today.year, term_current=True)
    year = today.year
    if m := _YEAR.search(s):
        year = int(m.group(1))
    elif m := _RELATIVE.search(s):
        year = today.year if m.group(1) == "nay" else today.year - 1
    months = 12
    if m := _MONTHS.search(s):
        word = m.group(1)
        months = int(word) if word.isdigit() else _MONTH_WORDS[word]
    elif re.search(r"\bso ket\b", s):
        months = 6
    if year > today.year or (year == today.year and months != 12 and today.month < months - 2):
        return ReportRequestProblem(message=f"Kỳ báo cáo {months} tháng năm {year} chưa bắt đầu.")
    if year < 1930:
        return ReportRequestProblem(message=f"Năm {year} không hợp lệ.")
    return ReportRequest(year=year, months=months)
