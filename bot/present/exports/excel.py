"""The progress workbook in the shape an Organisation Board files: a title block, one row per unit grouped by
khối with a subtotal per khối, the target, admissions per quarter (per year for a term), cumulative, %, status,
breakdown columns, a totals row, and a print setup (A4 landscape, one page wide, header row on every page).

For a year (or a part of one) the target is the year's and the columns are its quarters; for a term the target is
the term's and the columns are its years. Either way "Lũy kế" is the sum of those columns. Units that were merged
or closed but still have figures in the period are listed (their reports count in the totals) and marked."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from bot.domain.models import Figures
from bot.domain.periods import PeriodKind
from bot.domain.progress import STATUS_LABELS, ProgressView, Status, UnitProgress
from bot.domain.textfmt import first_upper, moment, pct
from bot.present.exports.cells import first_sheet, print_setup, put
from bot.present.replies.queries import khoi_words

if TYPE_CHECKING:  # openpyxl is imported only when a workbook is written
    from openpyxl.worksheet.worksheet import Worksheet

HEADER_ROW = 5
FIRST_DATA_ROW = HEADER_ROW + 1
OTHER = "Khác"
SOURCE = "Nguồn: báo cáo đã xác nhận của các đơn vị trên PTĐV Bot"
QUARTER_TITLES = ["Quý I", "Quý II", "Quý III", "Quý IV"]


def column_titles(view: ProgressView) -> list[str]:
    """The period columns: the quarters of the year, or the years of a term."""
    if view.period.kind is PeriodKind.TERM:
        return [f"Năm {y}" for y in view.period.years]
    return list(QUARTER_TITLES)


def indicator_codes(view: ProgressView) -> list[str]:
    """The breakdown columns: the indicator list's required ones and every other one with a value (data)."""
    return [i.code for i in view.indicators.columns(view.root.cumulative.breakdown())]


def headers(view: ProgressView) -> list[str]:
    term = view.period.kind is PeriodKind.TERM
    return [
        "STT",
        "Đơn vị",
        "Chỉ tiêu nhiệm kỳ" if term else "Chỉ tiêu năm",
        *column_titles(view),
        "Lũy kế",
        "% chỉ tiêu",
        "Tình trạng",
        *[first_upper(view.indicators.label(c)) for c in indicator_codes(view)],
    ]


def progress_workbook(view: ProgressView, columns: Mapping[int, Sequence[int | None]], exported_at: datetime) -> bytes:
    """`columns[unit_id]` = admissions (rolled up) in each column of `column_titles(view)`."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = "Tiến độ"
    titles = headers(view)
    width = len(titles)
    last = get_column_letter(width)
    n_cols = len(column_titles(view))
    unit = view.tree[view.root_id]
    term = view.period.kind is PeriodKind.TERM
    codes = indicator_codes(view)

    # Title block: title, period and reading date, source; merged across the table so that it prints centred.
    lines = [
        (f"BÁO CÁO TIẾN ĐỘ PHÁT TRIỂN ĐẢNG VIÊN MỚI — {unit.name.upper()}", Font(bold=True, size=13)),
        (
            f"Kỳ: {view.period.label}; số liệu đến {view.as_of:%d/%m/%Y}; tiến độ chung {pct(view.pace)}; "
            f"xuất lúc {moment(exported_at)}",
            Font(italic=True),
        ),
        (f"{SOURCE}. “Lũy kế” = tổng các cột {'năm' if term else 'quý'} đến ngày số liệu.", Font(italic=True)),
    ]
    for row, (text, font) in enumerate(lines, 1):
        put(ws, row, 1, text).font = font
        ws.merge_cells(f"A{row}:{last}{row}")
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center")

    header_fill = PatternFill("solid", fgColor="FFD9E1F2")
    thin = Side(style="thin", color="FF999999")
    for col, title in enumerate(titles, 1):
        cell = put(ws, HEADER_ROW, col, title)
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"

    def unit_name(unit_id: int, indent: int = 0) -> str:
        u = view.tree[unit_id]
        name = "   " * indent + u.name
        if u.active:
            return name
        if u.merged_into is not None and u.merged_into in view.tree:
            return f"{name} (đã sáp nhập vào {view.tree[u.merged_into].name})"
        return f"{name} (đã thôi hoạt động)"

    def cols(unit_id: int) -> list[int | None]:
        return list(columns.get(unit_id, [None] * n_cols))

    row = FIRST_DATA_ROW
    number = 0
    groups = _groups(view)
    for label, members in groups:
        if len(groups) > 1:
            put(ws, row, 2, label).font = Font(bold=True)
            ws.cell(row=row, column=2).fill = PatternFill("solid", fgColor="FFF2F2F2")
            row += 1
        for p in members:
            number += 1
            _unit_row(ws, row, number, unit_name(p.unit_id), p, cols(p.unit_id), term, codes)
            row += 1
            for child_id in view.tree.subtree(p.unit_id)[1:]:  # lower levels: grouped, not in the totals
                if child_id not in view.units or not _listed(view, child_id):
                    continue
                child = view.units[child_id]
                depth = view.tree.depth(child_id) - view.tree.depth(view.root_id) - 1
                _unit_row(ws, row, None, unit_name(child_id, depth), child, cols(child_id), term, codes)
                ws.row_dimensions[row].outlineLevel = min(depth, 7)
                for col in range(1, width + 1):
                    ws.cell(row=row, column=col).font = Font(italic=True, color="FF555555")
                row += 1
        if len(groups) > 1:
            _subtotal_row(ws, row, f"Cộng {khoi_words(label)}", members, columns, n_cols, codes)
            for col in range(1, width + 1):
                ws.cell(row=row, column=col).font = Font(bold=True, italic=True)
                ws.cell(row=row, column=col).fill = PatternFill("solid", fgColor="FFF2F2F2")
            row += 1
    total = view.root
    _unit_row(ws, row, None, "TỔNG CỘNG", total, cols(view.root_id), term, codes)
    for col in range(1, width + 1):
        ws.cell(row=row, column=col).font = Font(bold=True)
        ws.cell(row=row, column=col).border = Border(top=thin)
    widths = [5, 46, 10, *[7 if n_cols == 4 else 8] * n_cols, 8, 10, 25] + [12] * len(codes)
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.row_dimensions[HEADER_ROW].height = 45

    print_setup(ws, HEADER_ROW, f"{last}{row}", f"{unit.name} — {view.period.label}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _listed(view: ProgressView, unit_id: int) -> bool:
    """Active units, and merged or closed ones that still have figures in the period."""
    p = view.units[unit_id]
    return view.tree[unit_id].active or bool(p.cumulative.admitted or p.events_in_period)


def _groups(view: ProgressView) -> list[tuple[str, list[UnitProgress]]]:
    children = [view.units[c] for c in view.tree.children(view.root_id) if c in view.units and _listed(view, c)]
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


def _status(p: UnitProgress, term: bool) -> str:
    if term and p.status is Status.NO_TARGET:
        return "chưa giao chỉ tiêu nhiệm kỳ"
    return STATUS_LABELS[p.status]


def _unit_row(
    ws: Worksheet,
    row: int,
    number: int | None,
    name: str,
    p: UnitProgress,
    cols: list[int | None],
    term: bool,
    codes: Sequence[str],
) -> None:
    f: Figures = p.cumulative
    _write(ws, row, [number or None, name, p.target, *cols, f.admitted, p.share, _status(p, term)], f, codes)


def _subtotal_row(
    ws: Worksheet,
    row: int,
    label: str,
    members: list[UnitProgress],
    columns: Mapping[int, Sequence[int | None]],
    n_cols: int,
    codes: Sequence[str],
) -> None:
    targets = [p.target for p in members if p.target]
    target = sum(targets) if targets else None
    sums: list[int | None] = []
    for i in range(n_cols):
        values = [x for p in members if (v := columns.get(p.unit_id)) is not None and (x := v[i]) is not None]
        sums.append(sum(values) if values else None)
    figures = Figures()
    for p in members:
        figures = figures + p.cumulative
    share = figures.admitted / target if target else None
    _write(ws, row, [None, label, target, *sums, figures.admitted, share, None], figures, codes)


def _write(ws: Worksheet, row: int, values: list[object], f: Figures, codes: Sequence[str]) -> None:
    share_col = len(values) - 1  # "% chỉ tiêu", just before "Tình trạng"
    values = [*values, *[f.get(code) for code in codes]]
    for col, value in enumerate(values, 1):
        cell = put(ws, row, col, value)
        if col == share_col and value is not None:
            cell.number_format = "0.0%"
