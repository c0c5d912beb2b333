"""The progress workbook in the shape an Organisation Board files: one row per unit grouped by category,
target, admissions per quarter, cumulative, %, status, breakdown columns, a totals row, frozen header, and
the period and time of export in the title."""

from __future__ import annotations

import io
from collections.abc import Mapping
from copy import copy
from datetime import datetime

from bot.models import BREAKDOWN_FIELDS, BREAKDOWN_LABELS, CATEGORY_LABELS, Figures
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
    """`quarters[unit_id]` = admissions in Q1..Q4 (rolled up) of the view's year.

    Written in openpyxl's write-only mode (rows streamed to the file, not kept as cell objects) with one style
    object per kind of cell shared by all the cells of that kind: a 60,621-unit province is 60k rows."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tiến độ")
    widths = [5, 46, 10, 7, 7, 7, 7, 8, 10, 16] + [12] * len(BREAKDOWN_FIELDS)
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    thin = Side(style="thin", color="FF999999")
    styles = {
        "title": Font(bold=True, size=13),
        "subtitle": Font(italic=True),
        "bold": Font(bold=True),
        "lower": Font(italic=True, color="FF555555"),
        "group_fill": PatternFill("solid", fgColor="FFF2F2F2"),
        "total_border": Border(top=thin),
    }
    header_fill = PatternFill("solid", fgColor="FFD9E1F2")
    header_alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_border = Border(top=thin, bottom=thin, left=thin, right=thin)

    shared: dict[tuple[object, ...], object] = {}  # one style record per kind of cell, copied to each cell

    def cell(value: object, font: Font | None = None, **style: object) -> WriteOnlyCell:
        out = WriteOnlyCell(ws, value=value)
        key = (id(font), *sorted((name, id(v)) for name, v in style.items()))
        record = shared.get(key)
        if record is None:  # registering a style hashes the Font/Border/...: once per kind, not once per cell
            if font is not None:
                out.font = font
            for name, value_ in style.items():
                setattr(out, name, value_)
            record = shared[key] = copy(out._style)
        else:
            out._style = copy(record)
        return out

    unit = view.tree[view.root_id]
    ws.append([cell(f"BÁO CÁO TIẾN ĐỘ PHÁT TRIỂN ĐẢNG VIÊN MỚI — {unit.name.upper()}", styles["title"])])
    ws.append(
        [
            cell(
                f"Kỳ: {view.period.label}; số liệu đến {view.as_of:%d/%m/%Y}; tiến độ chung {pct(view.pace)}; "
                f"xuất lúc {moment(exported_at)}",
                styles["subtitle"],
            )
        ]
    )
    ws.append([])
    ws.row_dimensions[4].height = 45
    ws.append(
        [
            cell(title, styles["bold"], fill=header_fill, alignment=header_alignment, border=header_border)
            for title in HEADERS
        ]
    )

    row = FIRST_DATA_ROW
    number = 0
    groups = _groups(view)
    for label, members in groups:
        if len(groups) > 1:
            ws.append([None, cell(label, styles["bold"], fill=styles["group_fill"])])
            row += 1
        for p in members:
            number += 1
            ws.append(_unit_row(cell, number, view.tree[p.unit_id].name, p, quarters.get(p.unit_id, [0] * 4)))
            row += 1
            for child_id in view.tree.subtree(p.unit_id)[1:]:  # lower levels: grouped, not in the totals
                child = view.units[child_id]
                depth = view.tree.depth(child_id) - view.tree.depth(view.root_id) - 1
                ws.row_dimensions[row].outlineLevel = min(depth, 7)
                name = "   " * depth + view.tree[child_id].name
                ws.append(_unit_row(cell, None, name, child, quarters.get(child_id, [0] * 4), styles["lower"]))
                row += 1
    total = view.root
    ws.append(
        _unit_row(
            cell, None, "TỔNG CỘNG", total, quarters.get(view.root_id, [0] * 4), styles["bold"], styles["total_border"]
        )
    )
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
        by_category.setdefault(CATEGORY_LABELS.get(category or "", OTHER), []).append(p)
    order = [*CATEGORY_LABELS.values(), OTHER]
    return [(label, by_category[label]) for label in order if label in by_category]


def _unit_row(  # type: ignore[no-untyped-def]
    cell,
    number: int | None,
    name: str,
    p: UnitProgress,
    quarters: list[int],
    font=None,
    border=None,
) -> list:
    """One unit's cells; every cell of the row gets `font` and `border` when given (shared style objects)."""
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
    out = []
    for col, value in enumerate(values, 1):
        style = {"border": border} if border is not None else {}
        if col == 9 and value is not None:
            style["number_format"] = "0.0%"
        out.append(cell(value, font, **style) if font is not None or style else value)
    return out
