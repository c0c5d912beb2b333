"""Writing spreadsheet cells safely: every workbook the bot writes goes through `put` / `append`.

Text is always written as a text cell (data_type "s"), never as a formula, whatever it starts with. Text that a
spreadsheet could still take for a formula — beginning with = + - @, a tab or a carriage return, also after
leading spaces (OWASP "CSV injection") — additionally gets the quote-prefix style, so that editing the cell in
Excel or LibreOffice keeps it text. The value itself is kept unchanged: a name reads back exactly as stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl is imported only when a workbook is written
    from openpyxl import Workbook
    from openpyxl.cell import Cell, MergedCell
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@")
CONTROL_STARTS = ("\t", "\r", "\n")


def first_sheet(wb: Workbook) -> Worksheet:
    """The worksheet a new `Workbook()` starts with (openpyxl types `wb.active` as possibly absent)."""
    from openpyxl.worksheet.worksheet import Worksheet

    ws = wb.active
    if not isinstance(ws, Worksheet):
        raise TypeError(f"the workbook starts with {type(ws).__name__}, not a worksheet")
    return ws


def looks_like_formula(text: str) -> bool:
    """True for text a spreadsheet might evaluate: = + - @ first (after leading spaces), or a tab/CR first."""
    return text.startswith(CONTROL_STARTS) or text.lstrip().startswith(FORMULA_STARTS)


def put(ws: Worksheet, row: int, column: int, value: Any = None) -> Cell | MergedCell:
    """`ws.cell(row, column, value)` that never writes a formula. Returns the cell."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    return cell


def print_setup(ws: Worksheet, header_row: int, last_cell: str, footer: str) -> None:
    """A4 landscape, one page wide, the header row repeated on every page, page numbers in the footer."""
    fit, page_footer = ws.sheet_properties.pageSetUpPr, ws.oddFooter
    assert fit is not None and page_footer is not None  # a new worksheet has both (openpyxl types them optional)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    fit.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_area = f"A1:{last_cell}"
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    page_footer.left.text = footer
    page_footer.right.text = "Trang &P/&N"


def append(ws: Worksheet, values: Iterable[Any]) -> int:
    """`ws.append(values)` below the last row (a sheet with a header) that never writes a formula."""
    row = ws.max_row + 1
    for column, value in enumerate(values, 1):
        put(ws, row, column, value)
    return row
