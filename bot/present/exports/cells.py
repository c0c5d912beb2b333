"""Writing spreadsheet cells safely: every workbook the bot writes goes through `put` / `append` (or, for a
workbook written row by row in openpyxl's write-only mode, `Stream.row`).

Text is always written as a text cell (data_type "s"), never as a formula, whatever it starts with. Text that a
spreadsheet could still take for a formula — beginning with = + - @, a tab or a carriage return, also after
leading spaces (OWASP "CSV injection") — additionally gets the quote-prefix style, so that editing the cell in
Excel or LibreOffice keeps it text. The value itself is kept unchanged: a name reads back exactly as stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from copy import copy
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # openpyxl is imported only when a workbook is written
    from openpyxl import Workbook
    from openpyxl.cell import Cell, MergedCell
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
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


def print_setup(ws: Worksheet | WriteOnlyWorksheet, header_row: int, last_cell: str, footer: str) -> None:
    """A4 landscape, one page wide, the header row repeated on every page, page numbers in the footer.

    A write-only worksheet writes its sheet properties (fit to page) with its first row: call this before the first
    row there, and set `print_area` again once the last row is known."""
    from openpyxl.worksheet.worksheet import Worksheet

    if not isinstance(ws, Worksheet):  # a write-only sheet has the same print attributes (untyped in the stubs)
        ws = cast(Worksheet, ws)
    fit, page_footer = ws.sheet_properties.pageSetUpPr, ws.oddFooter
    assert fit is not None and page_footer is not None  # a new worksheet has both (openpyxl types them optional)
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
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


class Stream:
    """Rows for a worksheet in openpyxl's write-only mode (each row is written out when appended, none is kept).

    Text is written as text exactly as `put` writes it (a text cell, quote-prefixed when it looks like a formula;
    never a formula or an error value). Styles are registered once per kind (`define`) and every cell of that kind
    shares the record: styling a cell is then a copy of a small array, not the hashing of a Font, a Fill and a
    Border per cell, which is what made a province's workbook take seconds. The cells themselves are reused from row
    to row (a row is written before the next is built)."""

    def __init__(self, ws: WriteOnlyWorksheet) -> None:
        self.ws: Any = ws  # row_dimensions and the like are there at run time, not in the stubs
        self.rows = 0
        self._styles: dict[tuple[str, bool], Any] = {}
        self._pool: dict[tuple[str | None, bool, int], Any] = {}  # openpyxl cells

    def define(self, name: str, **style: Any) -> None:
        """A kind of cell: `font`, `fill`, `border`, `alignment`, `number_format` (openpyxl style objects)."""
        for quoted in (False, True):
            cell = self._new()
            for attribute, value in style.items():
                setattr(cell, attribute, value)
            if quoted:
                cell.quotePrefix = True
            self._styles[(name, quoted)] = copy(cell._style)

    def _new(self) -> Any:
        from openpyxl.cell import WriteOnlyCell

        return WriteOnlyCell(self.ws)

    def _cell(self, style: str | None, quoted: bool, column: int) -> Any:
        key = (style, quoted, column)
        cell = self._pool.get(key)
        if cell is None:
            cell = self._pool[key] = self._new()
            if style is not None or quoted:
                if (style or "", quoted) not in self._styles:
                    self.define("")  # plain: only its quote-prefixed variant is used (formula-like text)
                cell._style = copy(self._styles[(style or "", quoted)])
        return cell

    def row(
        self,
        values: Sequence[Any],
        styles: str | Sequence[str | None] | None = None,
        *,
        height: float | None = None,
        outline: int = 0,
    ) -> int:
        """Append one row; `styles` is one kind for every cell or one per column (None: unstyled). Returns its
        number. A styled cell with no value is still written (a border or a fill across the row)."""
        from openpyxl.cell.cell import ERROR_CODES

        self.rows += 1
        cells: list[Any] = []
        for column, value in enumerate(values, 1):
            style = styles if isinstance(styles, str) or styles is None else styles[column - 1]
            text = isinstance(value, str)
            quoted = text and looks_like_formula(value)
            if style is None and not quoted and not (text and (value in ERROR_CODES)):
                cells.append(value)  # a plain value: openpyxl's own shared cell writes it
                continue
            cell = self._cell(style, quoted, column)
            cell.value = value
            if text:
                cell.data_type = "s"  # never a formula, never an error value
            cells.append(cell)
        if height is not None or outline:
            dimension = self.ws.row_dimensions[self.rows]
            if height is not None:
                dimension.height = height
            if outline:
                dimension.outlineLevel = outline
        self.ws.append(cells)
        if height is not None or outline:
            del self.ws.row_dimensions[self.rows]  # written with the row: not kept for 60k rows
        return self.rows
