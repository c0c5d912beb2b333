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
from typing import Any

from bot.domain.models import Figures
from bot.domain.periods import PeriodKind
from bot.domain.progress import STATUS_LABELS, ProgressView, Status, UnitProgress
from bot.domain.textfmt import first_upper, moment, pct
from bot.present.exports.cells import Stream, print_setup
from bot.present.replies.queries import khoi_words

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
    """`columns[unit_id]` = admissions (rolled up) in each column of `column_titles(view)`.

    Written in openpyxl's write-only mode (`cells.Stream`: each row goes to the file as it is made, with one shared
    style record per kind of cell), so a 60,621-unit province does not hold 60k rows of cell objects."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Tiến độ")
    titles = headers(view)
    width = len(titles)
    last = get_column_letter(width)
    n_cols = len(column_titles(view))
    unit = view.tree[view.root_id]
    term = view.period.kind is PeriodKind.TERM
    codes = indicator_codes(view)
    share_col = 3 + n_cols + 2  # "% chỉ tiêu"

    # What a write-only sheet writes before its first row: column widths, frozen panes, the page set-up.
    widths = [5, 46, 10, *[7 if n_cols == 4 else 8] * n_cols, 8, 10, 25] + [12] * len(codes)
    for col, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = f"C{FIRST_DATA_ROW}"
    footer = f"{unit.name} — {view.period.label}"
    print_setup(ws, HEADER_ROW, f"{last}{HEADER_ROW}", footer)  # the print area is set again after the last row

    thin = Side(style="thin", color="FF999999")
    grey = PatternFill("solid", fgColor="FFF2F2F2")
    center = Alignment(horizontal="center")
    out = Stream(ws)
    out.define("title", font=Font(bold=True, size=13), alignment=center)
    out.define("subtitle", font=Font(italic=True), alignment=center)
    out.define(
        "header",
        font=Font(bold=True),
        fill=PatternFill("solid", fgColor="FFD9E1F2"),
        alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
        border=Border(top=thin, bottom=thin, left=thin, right=thin),
    )
    out.define("group", font=Font(bold=True), fill=grey)
    kinds: dict[str, dict[str, Any]] = {
        "unit": {},
        "lower": {"font": Font(italic=True, color="FF555555")},  # lower levels: grouped, not in the totals
        "subtotal": {"font": Font(bold=True, italic=True), "fill": grey},
        "total": {"font": Font(bold=True), "border": Border(top=thin)},
    }
    for kind, style in kinds.items():
        out.define(kind, **style)
        out.define(f"{kind}%", **style, number_format="0.0%")

    def styles(kind: str) -> list[str | None]:
        base = None if kind == "unit" else kind
        return [f"{kind}%" if col == share_col else base for col in range(1, width + 1)]

    row_styles = {kind: styles(kind) for kind in kinds}

    # Title block: title, period and reading date, source; merged across the table so that it prints centred.
    lines = [
        (f"BÁO CÁO TIẾN ĐỘ PHÁT TRIỂN ĐẢNG VIÊN MỚI — {unit.name.upper()}", "title"),
        (
            f"Kỳ: {view.period.label}; số liệu đến {view.as_of:%d/%m/%Y}; tiến độ chung {pct(view.pace)}; "
            f"xuất lúc {moment(exported_at)}",
            "subtitle",
        ),
        (f"{SOURCE}. “Lũy kế” = tổng các cột {'năm' if term else 'quý'} đến ngày số liệu.", "subtitle"),
    ]
    for text, kind in lines:
        row = out.row([text], kind)
        ws.merged_cells.add(f"A{row}:{last}{row}")
    while out.rows < HEADER_ROW - 1:
        out.row([])
    out.row(titles, "header", height=45)

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

    number = 0
    groups = _groups(view)
    root_depth = view.tree.depth(view.root_id)
    for label, members in groups:
        if len(groups) > 1:
            out.row([None, label], [None, "group"])
        for p in members:
            number += 1
            out.row(_unit_values(number, unit_name(p.unit_id), p, cols(p.unit_id), term, codes), row_styles["unit"])
            for child_id in view.tree.subtree(p.unit_id)[1:]:  # lower levels: grouped, not in the totals
                if child_id not in view.units or not _listed(view, child_id):
                    continue
                child = view.units[child_id]
                depth = view.tree.depth(child_id) - root_depth - 1
                values = _unit_values(None, unit_name(child_id, depth), child, cols(child_id), term, codes)
                out.row(values, row_styles["lower"], outline=min(depth, 7))
        if len(groups) > 1:
            label_text = f"Cộng {khoi_words(label)}"
            out.row(_subtotal_values(label_text, members, columns, n_cols, codes), row_styles["subtotal"])
    total = out.row(_unit_values(None, "TỔNG CỘNG", view.root, cols(view.root_id), term, codes), row_styles["total"])
    ws.print_area = f"A1:{last}{total}"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


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


def _unit_values(
    number: int | None, name: str, p: UnitProgress, cols: list[int | None], term: bool, codes: Sequence[str]
) -> list[object]:
    f: Figures = p.cumulative
    return _values([number or None, name, p.target, *cols, f.admitted, p.share, _status(p, term)], f, codes)


def _subtotal_values(
    label: str,
    members: list[UnitProgress],
    columns: Mapping[int, Sequence[int | None]],
    n_cols: int,
    codes: Sequence[str],
) -> list[object]:
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
    return _values([None, label, target, *sums, figures.admitted, share, None], figures, codes)


def _values(values: list[object], f: Figures, codes: Sequence[str]) -> list[object]:
    return [*values, *[f.get(code) for code in codes]]
