"""The periodic report a committee sends up — "Báo cáo kết quả công tác phát triển đảng viên" — as .docx. Pure.

Laid out as Party documents usually are (Hướng dẫn 36-HD/VPTW on the format of Party documents): the issuing
committee and its superior at the top left with the document number, "ĐẢNG CỘNG SẢN VIỆT NAM" with the place and
date at the top right, the title, the drafted narrative, the recommendations left as a marked placeholder for the
committee to write, the recipients and signature block, and a landscape annex (units × indicators, subtotals per
khối, totals). Every figure comes from the `PeriodicReport` record, which the service builds from the same
progress views the chat answers with, so the document and the chat agree.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from bot.domain.indicators import DEFAULT_SET, Indicators
from bot.domain.models import Figures
from bot.domain.textfmt import num, pct
from bot.present.exports.cells import first_sheet, print_setup, put

if TYPE_CHECKING:  # the document libraries are imported only when a file is written
    from docx.enum.text import WD_PARAGRAPH_ALIGNMENT
    from docx.shared import Length
    from docx.table import Table, _Cell, _Row
    from docx.text.paragraph import Paragraph

PLACEHOLDER = "[Cấp ủy bổ sung: …]"
ANNEX_TITLE = "PHỤ LỤC: KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN THEO ĐƠN VỊ"
ANNEX_WIDTH_CM = 26.5  # A4 landscape less 1.5 cm margins, with a little room


@dataclass(frozen=True)
class AnnexRow:
    """One line of the annex: a unit, a khối subtotal or the total."""

    name: str
    target: int | None
    cumulative: Figures  # admitted over the report's span, with its breakdown
    share: float | None
    status: str = ""
    kind: str = "unit"  # unit | subtotal | total | group
    note: str = ""  # e.g. "(đã hợp nhất vào …)"


@dataclass(frozen=True)
class UnitMention:
    name: str
    admitted: int
    target: int | None
    share: float | None
    short_of: int = 0


@dataclass(frozen=True)
class PeriodicReport:
    """Everything the report says; built by `bot.services.report`, rendered here and in the annex workbook."""

    committee: str  # "Đảng bộ xã Tân Lạc"
    issuer: str  # "ĐẢNG ỦY XÃ TÂN LẠC"
    superior: str | None  # "TỈNH ỦY PHÚ THỌ"
    number_suffix: str  # "BC/ĐU"
    place: str  # "Tân Lạc"
    issued_on: date
    period_title: str  # "9 tháng đầu năm 2021"
    as_of: date
    is_running: bool
    target: int | None
    target_label: str  # "chỉ tiêu năm 2021" / "chỉ tiêu nhiệm kỳ 2020–2025"
    cumulative: Figures  # admitted over the span (from the start of the year or term to its end or today)
    pace: float
    previous: int | None  # the same period a year earlier
    previous_label: str
    pipeline: dict[str, int]
    screening: dict[str, int]
    grassroots_total: int
    grassroots_admitting: int
    leading: Sequence[UnitMention]
    behind: Sequence[UnitMention]
    none_admitted: Sequence[str]
    rows: Sequence[AnnexRow]
    period_over: bool = False  # the year or term has ended: units met or missed the target, no longer a pace
    sources: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    indicators: Indicators = DEFAULT_SET  # the breakdowns (data): the cơ cấu section and the annex's columns
    grassroots_not_admitting: Sequence[str] = ()  # derived: grassroots organisations that admitted no one
    idle: Sequence[tuple[str, int | None]] = ()  # derived: units with no admission for `idle_years` years running
    idle_years: int = 3
    idle_window: str = ""  # "2023–2025"

    def indicator_codes(self) -> list[str]:
        """The annex's breakdown columns: the required indicators and every other one with a value in the total."""
        return [i.code for i in self.indicators.columns(self.cumulative.breakdown())]


def narrative(report: PeriodicReport) -> list[tuple[str, list[str]]]:
    """The drafted body as (heading, paragraphs): the same sentences the .docx and tests read."""
    r = report
    admitted = r.cumulative.admitted
    result: list[str] = []
    title = r.period_title[:1].upper() + r.period_title[1:]
    first = f"{title}, toàn {r.committee} kết nạp được {num(admitted)} đảng viên"
    if r.target:
        first += f", đạt {pct(admitted / r.target)} {r.target_label} ({num(r.target)} đảng viên)"
        if r.is_running:
            first += f"; tiến độ chung cần đạt đến thời điểm báo cáo là {pct(r.pace)}"
    else:
        first += f" ({r.target_label} chưa được giao)"
    result.append(first + ".")
    if r.previous is not None:
        delta = admitted - r.previous
        if delta == 0:
            change = "bằng"
        else:
            change = ("tăng " if delta > 0 else "giảm ") + f"{num(abs(delta))} đảng viên"
            if r.previous:
                change += f" ({pct(abs(delta) / r.previous)})"
            change += " so với"
        result.append(f"{change[:1].upper()}{change[1:]} {r.previous_label} ({num(r.previous)} đảng viên).")
    if r.grassroots_total:
        result.append(
            f"Có {num(r.grassroots_admitting)}/{num(r.grassroots_total)} tổ chức cơ sở đảng kết nạp được đảng viên "
            f"({pct(r.grassroots_admitting / r.grassroots_total)})."
        )

    basis = r.cumulative
    structure = []
    for code in r.indicator_codes():
        item = r.indicators.by_code[code]
        value = basis.get(code)
        share = f" ({pct(value / basis.admitted)})" if basis.admitted else ""
        within = f", trong số {r.indicators.label(item.part_of)}" if item.part_of else ""
        structure.append(f"{item.name} {num(value)}{share}{within}")
    structure_text = [
        f"Trong số {num(basis.admitted)} đảng viên kết nạp {_basis_label(r)}: " + "; ".join(structure) + "."
    ]

    source = []
    if any(r.pipeline.values()):
        source.append(
            f"Tổng số quần chúng ưu tú trong nguồn: {num(r.pipeline.get('pool', 0))}; đã học lớp bồi dưỡng nhận "
            f"thức về Đảng: {num(r.pipeline.get('certified', 0))}; dự kiến cử đi học: "
            f"{num(r.pipeline.get('planned_class', 0))}."
        )
    else:
        source.append("Chưa có đơn vị báo cáo số liệu về nguồn phát triển đảng viên trong kỳ.")

    screening = []
    if any(r.screening.values()):
        screening.append(
            f"Đã rà soát, sàng lọc {num(r.screening.get('reviewed', 0))} đảng viên; đưa ra khỏi Đảng "
            f"{num(r.screening.get('removed', 0))}; tiếp tục theo dõi, giúp đỡ "
            f"{num(r.screening.get('followed_up', 0))}."
        )
    else:
        screening.append("Chưa có đơn vị báo cáo kết quả rà soát, sàng lọc đảng viên trong kỳ.")

    units = []
    if r.leading:
        units.append(
            "Các đơn vị dẫn đầu: "
            + "; ".join(f"{m.name} ({num(m.admitted)}/{_target_text(m.target)}, {pct(m.share)})" for m in r.leading)
            + "."
        )
    if r.behind:
        head = "Các đơn vị không đạt chỉ tiêu: " if r.period_over else "Các đơn vị chậm tiến độ: "
        parts = [
            f"{m.name} ({num(m.admitted)}/{_target_text(m.target)}"
            + (f", còn thiếu {num(m.short_of)}" if m.short_of else "")
            + ")"
            for m in r.behind
        ]
        units.append(head + _listed(parts) + ".")
    if r.none_admitted:
        units.append("Các đơn vị chưa kết nạp được đảng viên: " + _listed(list(r.none_admitted)) + ".")
    if r.idle:
        parts = [f"{name} ({idle_since(last)})" for name, last in r.idle]
        units.append(
            f"Các đơn vị {num(r.idle_years)} năm liền ({r.idle_window}) không kết nạp được đảng viên: "
            + _listed(parts)
            + "."
        )
    if not units:
        units.append("Các đơn vị đều đạt chỉ tiêu." if r.period_over else "Các đơn vị đều thực hiện đúng tiến độ.")

    return [
        ("I. KẾT QUẢ THỰC HIỆN", []),
        ("1. Kết quả kết nạp đảng viên", result),
        ("2. Cơ cấu đảng viên mới", structure_text),
        ("3. Công tác tạo nguồn, bồi dưỡng nhận thức về Đảng", source),
        ("4. Rà soát, sàng lọc đảng viên", screening),
        ("5. Đánh giá các đơn vị", units),
        (
            "II. ĐÁNH GIÁ CHUNG",
            [f"{PLACEHOLDER} ưu điểm, hạn chế, nguyên nhân."],
        ),
        (
            "III. PHƯƠNG HƯỚNG, NHIỆM VỤ VÀ ĐỀ XUẤT, KIẾN NGHỊ",
            [f"{PLACEHOLDER} phương hướng, nhiệm vụ thời gian tới; đề xuất, kiến nghị với cấp trên."],
        ),
    ]


MAX_NAMED = 10  # units named in a sentence; the annex lists them all


def _listed(parts: list[str]) -> str:
    shown = "; ".join(parts[:MAX_NAMED])
    rest = len(parts) - MAX_NAMED
    return shown + (f" và {num(rest)} đơn vị khác (xem phụ lục)" if rest > 0 else "")


def _basis_label(r: PeriodicReport) -> str:
    return f"trong {r.period_title}"


def _target_text(target: int | None) -> str:
    return "—" if target is None else num(target)


def idle_since(last_year: int | None) -> str:
    return f"lần cuối kết nạp năm {last_year}" if last_year else "chưa có số liệu kết nạp"


def derived_lines(report: PeriodicReport) -> list[str]:
    """The derived indicators under the annex's table."""
    r = report
    lines = []
    if r.grassroots_total:
        line = (
            f"Tỉ lệ tổ chức cơ sở đảng kết nạp được đảng viên: {num(r.grassroots_admitting)}/"
            f"{num(r.grassroots_total)} ({pct(r.grassroots_admitting / r.grassroots_total)})"
        )
        if r.grassroots_not_admitting:
            line += "; chưa kết nạp được: " + _listed(list(r.grassroots_not_admitting))
        lines.append(line + ".")
    if r.idle_window:
        named = "; ".join(f"{name} ({idle_since(last)})" for name, last in r.idle) or "không có"
        lines.append(
            f"Đơn vị {num(r.idle_years)} năm liền ({r.idle_window}) không kết nạp được đảng viên: "
            f"{num(len(r.idle))} — {named}."
        )
    return lines


def annex_columns(report: PeriodicReport | None = None) -> list[str]:
    r = report
    indicators = r.indicators if r else DEFAULT_SET
    codes = r.indicator_codes() if r else [i.code for i in DEFAULT_SET.columns()]
    return ["STT", "Đơn vị", "Chỉ tiêu", "Kết nạp", "% chỉ tiêu", *[indicators.short(c) for c in codes]]


def annex_values(row: AnnexRow, number: int | None, codes: Sequence[str] | None = None) -> list[object]:
    f = row.cumulative
    name = row.name + (f" {row.note}" if row.note else "")
    codes = codes if codes is not None else [i.code for i in DEFAULT_SET.columns()]
    return [number, name, row.target, f.admitted, row.share, *[f.get(k) for k in codes]]


def annex_widths_cm(n_indicators: int) -> list[float]:
    """Column widths that fit A4 landscape whatever the number of indicators (the name column gives way first)."""
    fixed = [1.0, 1.5, 1.5, 1.6]  # STT, chỉ tiêu, kết nạp, %
    each = min(1.75, (ANNEX_WIDTH_CM - sum(fixed) - 4.5) / max(n_indicators, 1))
    name = min(7.6, ANNEX_WIDTH_CM - sum(fixed) - each * n_indicators)
    return [fixed[0], name, fixed[1], fixed[2], fixed[3]] + [each] * n_indicators


def report_docx(report: PeriodicReport) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)

    def para(
        text: str = "",
        *,
        bold: bool = False,
        italic: bool = False,
        underline: bool = False,
        align: WD_PARAGRAPH_ALIGNMENT | None = None,
        size: float | None = None,
        space_after: float = 6,
        indent: bool = False,
        cell: _Cell | None = None,
    ) -> Paragraph:
        """A paragraph in the document, or in a table cell (whose first, empty paragraph is used first)."""
        if cell is None:
            p = doc.add_paragraph()
        elif len(cell.paragraphs) == 1 and not cell.paragraphs[0].runs:
            p = cell.paragraphs[0]
        else:
            p = cell.add_paragraph()
        run = p.add_run(text)
        run.bold, run.italic, run.underline = bold, italic, underline
        if size:
            run.font.size = Pt(size)
        if align is not None:
            p.alignment = align
        p.paragraph_format.space_after = Pt(space_after)
        p.paragraph_format.space_before = Pt(0)
        if indent:
            p.paragraph_format.first_line_indent = Cm(1.0)
        return p

    # Header block: issuer on the left, the Party's name with place and date on the right.
    header = doc.add_table(rows=1, cols=2)
    header.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(header, [Cm(7.0), Cm(9.5)])
    left, right = header.rows[0].cells
    center = WD_ALIGN_PARAGRAPH.CENTER
    if report.superior:
        para(report.superior.upper(), align=center, size=13, space_after=0, cell=left)
    para(report.issuer.upper(), bold=True, align=center, size=13, space_after=0, cell=left)
    para("*", align=center, space_after=0, cell=left)
    para(f"Số:      -{report.number_suffix}", align=center, size=13, space_after=0, cell=left)
    para("ĐẢNG CỘNG SẢN VIỆT NAM", bold=True, underline=True, align=center, size=14, space_after=6, cell=right)
    d = report.issued_on
    para(
        f"{report.place}, ngày {d.day:02d} tháng {d.month:02d} năm {d.year}",
        italic=True,
        align=center,
        size=13,
        space_after=0,
        cell=right,
    )

    para("", space_after=6)
    para("BÁO CÁO", bold=True, align=center, size=15, space_after=0)
    para(
        f"kết quả công tác phát triển đảng viên {report.period_title}",
        bold=True,
        align=center,
        size=14,
        space_after=2,
    )
    para("-----", align=center, space_after=12)
    para(
        f"Số liệu tổng hợp từ báo cáo của các tổ chức đảng trực thuộc đến ngày {report.as_of:%d/%m/%Y}"
        + (f" ({report.sources})" if report.sources else "")
        + ".",
        italic=True,
        indent=True,
    )

    justify = WD_ALIGN_PARAGRAPH.JUSTIFY
    for heading, paragraphs in narrative(report):
        para(heading, bold=True, space_after=4)
        for text in paragraphs:
            p = para(text, align=justify, indent=True)
            if PLACEHOLDER in text:
                for run in p.runs:
                    run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    # Recipients and signature.
    sign = doc.add_table(rows=1, cols=2)
    _widths(sign, [Cm(7.0), Cm(9.5)])
    left, right = sign.rows[0].cells
    para("Nơi nhận:", bold=True, italic=True, size=12, space_after=0, cell=left)
    receiver = report.superior or "Cấp ủy cấp trên"
    for line in (f"- {receiver} (Ban Tổ chức),", "- Các đồng chí cấp ủy viên,", "- Lưu Văn phòng."):
        para(line, size=11, space_after=0, cell=left)
    para(f"T/M {report.issuer.upper()}", bold=True, align=center, space_after=0, cell=right)
    para("BÍ THƯ", bold=True, align=center, space_after=48, cell=right)
    para(PLACEHOLDER.replace(": …", ": họ và tên"), italic=True, align=center, cell=right)

    # Annex on a landscape page.
    annex = doc.add_section()
    annex.orientation = WD_ORIENT.LANDSCAPE
    annex.page_width, annex.page_height = Cm(29.7), Cm(21.0)
    annex.left_margin = annex.right_margin = Cm(1.5)
    annex.top_margin = annex.bottom_margin = Cm(1.5)
    para(ANNEX_TITLE, bold=True, align=center, size=13, space_after=0)
    para(
        f"(Kèm theo Báo cáo kết quả công tác phát triển đảng viên {report.period_title} của {report.issuer})",
        italic=True,
        align=center,
        size=11,
        space_after=6,
    )
    columns = annex_columns(report)
    codes = report.indicator_codes()
    table = doc.add_table(rows=1, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths = [Cm(w) for w in annex_widths_cm(len(codes))]
    small = 10 if len(codes) <= 8 else 9
    head = table.rows[0]
    _repeat_header(head)
    for i, title in enumerate(columns):
        cell = head.cells[i]
        para(title, bold=True, align=center, size=small, space_after=0, cell=cell)
    number = 0
    for row in report.rows:
        cells = table.add_row().cells
        if row.kind == "group":
            merged = cells[0].merge(cells[-1])
            para(row.name, bold=True, size=10, space_after=0, cell=merged)
            continue
        if row.kind == "unit":
            number += 1
        values = annex_values(row, number if row.kind == "unit" else None, codes)
        bold = row.kind in ("subtotal", "total")
        for i, value in enumerate(values):
            if i == 4:
                text = pct(value) if isinstance(value, float) else "—"
            elif value is None:
                text = "—" if i == 2 else ""
            else:
                text = num(value) if isinstance(value, int) else str(value)
            para(
                text,
                bold=bold,
                size=small,
                space_after=0,
                align=None if i == 1 else center,
                cell=cells[i],
            )
    _widths(table, widths)
    para("", space_after=4)
    for line in derived_lines(report):
        para(line, size=11, space_after=2)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _widths(table: Table, widths: Sequence[Length]) -> None:
    """Fixed column widths (the grid and every cell: Word reads one, LibreOffice the other)."""
    table.autofit = False
    for i, width in enumerate(widths):
        table.columns[i].width = width
    for row in table.rows:
        cells = row.cells
        if len({id(c._tc) for c in cells}) == len(cells):  # merged rows keep their span
            for cell, width in zip(cells, widths, strict=True):
                cell.width = width


def _repeat_header(row: _Row) -> None:
    """Mark a table row as a header row repeated on every printed page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


NAME_WIDTH = 44  # characters of the name column
NAME_CHARS_PER_LINE = 40  # what fits on one printed line of it


def annex_workbook(report: PeriodicReport) -> bytes:
    """The annex as .xlsx, print-ready: A4 landscape, fit to one page wide, header rows repeated, text as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = first_sheet(wb)
    ws.title = "Phụ lục"
    columns = annex_columns(report)
    codes = report.indicator_codes()
    last = get_column_letter(len(columns))
    put(ws, 1, 1, report.issuer.upper())
    put(ws, 2, 1, ANNEX_TITLE)
    put(
        ws,
        3,
        1,
        f"Kèm theo Báo cáo kết quả công tác phát triển đảng viên {report.period_title}; số liệu đến "
        f"{report.as_of:%d/%m/%Y}",
    )
    for r, size in ((1, 11), (2, 13), (3, 11)):
        ws.merge_cells(f"A{r}:{last}{r}")
        ws.cell(row=r, column=1).font = Font(bold=r < 3, italic=r == 3, size=size)
        ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
    header_row = 5
    thin = Side(style="thin", color="FF000000")
    box = Border(top=thin, bottom=thin, left=thin, right=thin)
    for col, title in enumerate(columns, 1):
        cell = put(ws, header_row, col, title)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFD9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = box
    row_index = header_row
    number = 0
    for row in report.rows:
        row_index += 1
        if row.kind == "group":
            ws.merge_cells(start_row=row_index, start_column=1, end_row=row_index, end_column=len(columns))
            put(ws, row_index, 1, row.name).font = Font(bold=True)
            continue
        if row.kind == "unit":
            number += 1
        for col, value in enumerate(annex_values(row, number if row.kind == "unit" else None, codes), 1):
            cell = put(ws, row_index, col, value)
            if isinstance(value, str):
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            else:
                cell.alignment = Alignment(horizontal="center", vertical="center")
            if col == 5 and value is not None:
                cell.number_format = "0.0%"
            cell.border = box
            if row.kind != "unit":
                cell.font = Font(bold=True)
        lines = -(-len(row.name + row.note) // NAME_CHARS_PER_LINE)  # wrapped names need a taller row to print
        if lines > 1:
            ws.row_dimensions[row_index].height = 15 * lines
    for i, line in enumerate(derived_lines(report)):  # the derived indicators, under the table
        row_index += 2 if i == 0 else 1
        put(ws, row_index, 1, line)
        ws.merge_cells(start_row=row_index, start_column=1, end_row=row_index, end_column=len(columns))
        ws.cell(row=row_index, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row_index].height = 15 * max(1, -(-len(line) // 150))
    widths = [5, NAME_WIDTH, 9, 9, 9] + [9] * len(codes)
    for col, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[header_row].height = 32
    ws.freeze_panes = f"C{header_row + 1}"
    print_setup(ws, header_row, f"{last}{row_index}", f"{report.issuer} — {report.period_title}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
