"""What drafting the periodic report (`/baocao`) says: the titles of what it covers, the answer that carries the
.docx and its annex, and the names the report gives the committee that issues it."""

from __future__ import annotations

import re
from datetime import date

OTHER = "Khác"  # the khối of units that belong to none
TOTAL = "TỔNG CỘNG"

_COMMITTEES = [
    (re.compile(r"^Đảng bộ tỉnh\s+", re.I), "Tỉnh ủy ", "BC/TU"),
    (re.compile(r"^Đảng bộ thành phố\s+", re.I), "Thành ủy ", "BC/TU"),
    (re.compile(r"^Đảng bộ huyện\s+", re.I), "Huyện ủy ", "BC/HU"),
    (re.compile(r"^Đảng bộ\s+", re.I), "Đảng ủy ", "BC/ĐU"),
    (re.compile(r"^Chi bộ\s+", re.I), "Chi bộ ", "BC/CB"),
]


def committee_of(name: str) -> tuple[str, str, str]:
    """ "Đảng bộ huyện Cao Phong" → ("Huyện ủy Cao Phong", "BC/HU", "Cao Phong"): issuer, number suffix, place."""
    for pattern, prefix, suffix in _COMMITTEES:
        match = pattern.match(name)
        if match:
            rest = name[match.end() :]
            place = re.sub(r"^(xã|phường|thị trấn|đặc khu)\s+", "", rest, flags=re.I)
            return prefix + rest, suffix, place
    return name, "BC", name


def year_title(year: int) -> str:
    return f"năm {year}"


def months_title(year: int, months: int) -> str:
    return f"{months} tháng đầu năm {year}"


def term_title(start: int, end: int | None) -> str:
    return f"nhiệm kỳ {start}–{end}"


def target_label(year: int, end_year: int | None, term: bool) -> str:
    """The target the report measures against: the term's or the year's."""
    return f"chỉ tiêu nhiệm kỳ {year}–{end_year}" if term else f"chỉ tiêu năm {year}"


def same_period(title: str) -> str:
    return f"cùng kỳ {title}"


def subtotal(label: str) -> str:
    return f"Cộng {label.lower()}"


def draft_caption(title: str, unit_name: str, admitted: int, target: int | None, as_of: date) -> str:
    shown = f"/{target}" if target else ""
    return (
        f"Dự thảo báo cáo kết quả công tác phát triển đảng viên {title} — {unit_name} "
        f"(kết nạp {admitted}{shown}; số liệu đến {as_of:%d/%m/%Y}). Phần đánh giá "
        "và kiến nghị để trống, đánh dấu vàng, cho cấp ủy bổ sung."
    )


def annex_caption(title: str) -> str:
    return f"Phụ lục số liệu theo đơn vị ({title}), bảng tính để in."
