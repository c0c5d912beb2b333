"""The progress workbook in the shape an Organisation Board files: one row per unit grouped by category,
target, admissions per quarter, cumulative, %, status, breakdown columns, a totals row, frozen header, and
the period and time of export in the title."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import datetime

from bot.models import BREAKDOWN_FIELDS, BREAKDOWN_LABELS, Figures
from bot.progress import STATUS_LABELS, UnitProgress
from bot.services.progress import ProgressView
from bot.textfmt import moment, pct

HEADERS = [
    "STT",
    "Đơn vị",
    "Chỉ tiêu năm",
    "Quý I",
    "Quý II",
    "Quý III",
    "Quý IV",
    "Lũy kế",
    "% chỉ tiêu",
    "Tình trạng",
    *[BREAKDOWN_LABELS[f].capitalize() for f in BREAKDOWN_FIELDS],
]
FIRST_DATA_ROW = 5
OTHER = "Khác"


def progress_workbook(view: ProgressView, quarters: Mapping[int, list[int]], exported_at: datetime) -> bytes:
    """`quarters[unit_id]` = admissions in Q1..Q4 (rolled up) of the view's year."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Tiến độ"
    unit = view.tree[view.root_id]
    ws["A1"] = f"BÁO CÁO TIẾN ĐỘ PHÁT TRIỂN ĐẢNG VIÊN MỚI — {unit.name.upper()}"
    ws["A2"] = (
        f"Kỳ: {view.period.label}; số liệu đến {view.as_of:%d/%m/%Y}; tiến độ chung {pct(view.pace)}; "
        f"xuất lúc {moment(exported_at)}"
    )
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"].font = Font(italic=True)
    header_fill = PatternFill("solid", fgColor="FFD9E1F2")
    thin = Side(style="thin", color="FF999999")
    for col, title in enumerate(HEADERS, 1):
        cell = ws.cell(row=4, column=col, value=title)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"

    row = FIRST_DATA_ROW
    number = 0
    groups = _groups(view)
    for label, members in groups:
        if len(groups) > 1:
            ws.cell(row=row, column=2, value=label).font = Font(bold=True)
            ws.cell(row=row, column=2).fill = PatternFill("solid", fgColor="FFF2F2F2")
            row += 1
        for p in members:
            number += 1
            _unit_row(ws, row, number, view.tree[p.unit_id].name, p, quarters.get(p.unit_id, [0] * 4))
            row += 1
            for child_id in view.tree.subtree(p.unit_id)[1:]:  # lower levels: grouped, not in the totals
                child = view.units[child_id]
                depth = view.tree.depth(child_id) - view.tree.depth(view.root_id) - 1
                _unit_row(
                    ws, row, None, "   " * depth + view.tree[child_id].name, child, quarters.get(child_id, [0] * 4)
                )
                ws.row_dimensions[row].outlineLevel = min(depth, 7)
                ws.row_dimensions[row].hidden = False
                for col in range(1, len(HEADERS) + 1):
                    ws.cell(row=row, column=col).font = Font(italic=True, color="FF555555")
                row += 1
    total = view.root
    _unit_row(ws, row, None, "TỔNG CỘNG", total, quarters.get(view.root_id, [0] * 4))
    for col in range(1, len(HEADERS) + 1):
        ws.cell(row=row, column=col).font = Font(bold=True)
        ws.cell(row=row, column=col).border = Border(top=thin)
    widths = [5, 46, 10, 7, 7, 7, 7, 8, 10, 16] + [12] * len(BREAKDOWN_FIELDS)
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[4].height = 45
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _groups(view: ProgressView) -> list[tuple[str, list[UnitProgress]]]:
    children = view.children()
    if not children:
        return [(view.tree[view.root_id].name, [view.root])]
    by_category: dict[str, list[UnitProgress]] = {}
    for p in children:
        category = view.tree[p.unit_id].category
        label = view.category_labels.get(category, category) if category else OTHER
        by_category.setdefault(label, []).append(p)
    order = [*view.category_labels.values(), *(k for k in by_category if k != OTHER), OTHER]
    order = list(dict.fromkeys(order))
    return [(label, by_category[label]) for label in order if label in by_category]


def _unit_row(ws, row: int, number: int | None, name: str, p: UnitProgress, quarters: list[int]) -> None:  # type: ignore[no-untyped-def]
    f: Figures = p.cumulative
    values = [
        number or None,
        name,
        p.target,
        *quarters,
        f.admitted,
        p.share,
        STATUS_LABELS[p.status],
        *[getattr(f, field) for field in BREAKDOWN_FIELDS],
    ]
    for col, value in enumerate(values, 1):
        cell = ws.cell(row=row, column=col, value=value)
        if col == 9 and value is not None:
            cell.number_format = "0.0%"
