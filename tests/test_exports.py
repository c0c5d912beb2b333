"""The files the bot writes: no formula injection in any workbook; print-ready Excel (print setup, subtotals per
khối, the term export, merged units); charts that show every unit; console files never overwritten."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.periods import Period
from bot.domain.tree import UnitTree
from bot.importing.reader import read_file
from bot.present.exports.cells import looks_like_formula
from bot.present.exports.template import rows_from, template_workbook
from bot.services import imports
from bot.services.context import Context
from bot.services.core import Core
from bot.services.progress import load_progress
from bot.services.queries import excel_bytes
from storage import units
from storage import units as units_store
from tests.conftest import TODAY

MB = 1_048_576
HOSTILE = {  # units active both in the demo and in the district before 2025
    "CQCQ": '=HYPERLINK("http://x.invalid","Bấm")',  # a unit name that is a formula
    "CAH": "  =1+1",  # … after leading spaces
    "QSH": "+SUM(1;2)",
    "HU": "@SUM(1)",
    "TTYT": "-2+3",
    "DL": "\t=1+1",
}


def assert_no_live_formula(content: bytes) -> list[str]:
    """Every text cell is a text cell; text that looks like a formula is also quote-prefixed. Returns the texts."""
    wb = load_workbook(io.BytesIO(content))
    texts = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.data_type == "s", (ws.title, cell.coordinate, cell.value)
                    texts.append(cell.value)
                    if looks_like_formula(cell.value):
                        assert cell.quotePrefix, (ws.title, cell.coordinate, cell.value)
    return texts


def test_what_looks_like_a_formula():
    for text in ("=1", " =1", "+1", "-1", "@A", "\t1", "\r1", "   @x"):
        assert looks_like_formula(text), text
    for text in ("Chi bộ xóm Nội", "1-2", "a=b", "", "Đảng bộ xã Bắc Phong"):
        assert not looks_like_formula(text), text


async def hostile_names(db) -> None:
    for code, name in HOSTILE.items():
        unit = await units.by_code(db, code)
        assert unit is not None
        await units.rename(db, unit.id, name, name)
    await db.execute("UPDATE users SET name = ? WHERE login = 'minh'", ("=cmd|' /C calc'!A0",))


async def test_unit_and_person_names_are_never_formulas_in_any_workbook(district_db, settings, clock):
    await hostile_names(district_db)
    ctx = Context(district_db, settings, clock)
    tree = await ctx.tree()
    for period in (Period.of_year(2026), Period.quarter(2021, 3), Period.term(2020, 2025)):
        view = await load_progress(district_db, tree, tree.roots[0], period, clock.now().date(), depth=None)
        texts = assert_no_live_formula(await excel_bytes(ctx, view))  # /xuat and `ptdv export`
        assert set(HOSTILE.values()) <= set(texts)  # kept as written, not mangled
    texts = assert_no_live_formula(template_workbook(await rows_from(district_db)))  # `ptdv template --fill`
    assert set(HOSTILE.values()) | {"=cmd|' /C calc'!A0"} <= set(texts)


def test_cli_export_and_template_write_text_cells(tmp_path, monkeypatch):
    import asyncio

    from bot.cli import main
    from storage.db import Database

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "db.sqlite3"))  # the demo, where export reads
    assert main(["setup", "--demo"]) == 0

    async def poison() -> None:
        db = await Database.open(tmp_path / "db.sqlite3")
        try:
            await hostile_names(db)
        finally:
            await db.close()

    asyncio.run(poison())
    assert main(["export", "2026", "--unit", "Đảng bộ xã Cao Phong", "--out", str(tmp_path / "x.xlsx")]) == 0
    assert HOSTILE["CQCQ"] in assert_no_live_formula((tmp_path / "x.xlsx").read_bytes())
    assert main(["template", "--fill", "--out", str(tmp_path / "m.xlsx")]) == 0
    assert HOSTILE["CAH"] in assert_no_live_formula((tmp_path / "m.xlsx").read_bytes())


@pytest.mark.parametrize("cell", ["=1+1", " =1+1", "\t=1+1"])
def test_import_refuses_a_formula_also_after_leading_spaces(cell):
    content = f'Mã,Tên,Mã cấp trên\nX1,"{cell}",CP\n'.encode()
    data = read_file("dv.csv", content, MB)
    assert not data.units
    assert any("công thức" in str(p) for p in data.problems), data.problems


async def test_imported_plus_and_at_names_are_exported_as_text(district_db, settings, clock):
    core = Core(district_db, settings, clock)
    csv = "Mã,Tên,Cấp,Mã cấp trên\nX1,+SUM(1),chi bộ cơ sở,CP\nX2,@SUM(2),chi bộ cơ sở,CP\n"  # Cấp: not guessed
    data = read_file("dv.csv", csv.encode(), MB)
    assert data.units and not data.problems
    assert await imports.check(core.ctx, data) == []
    await imports.apply(core.ctx, data, None, "dv.csv")
    texts = assert_no_live_formula(template_workbook(await rows_from(district_db)))
    assert {"+SUM(1)", "@SUM(2)"} <= set(texts)
    ctx = Context(district_db, Settings(_env_file=None, database_path=district_db.path), ManualClock(TODAY))
    tree = await ctx.tree()
    view = await load_progress(district_db, tree, tree.roots[0], Period.of_year(2026), TODAY.date(), depth=None)
    assert "+SUM(1)" in assert_no_live_formula(await excel_bytes(ctx, view))


# ---- Excel: print setup, subtotals per khối, the term export, merged units -------------------------------------


async def workbook(db, period: Period, clock=None):
    ctx = Context(db, Settings(_env_file=None, database_path=db.path), clock or ManualClock(TODAY))
    tree = await ctx.tree()
    view = await load_progress(db, tree, tree.roots[0], period, TODAY.date(), depth=None)
    return load_workbook(io.BytesIO(await excel_bytes(ctx, view))).active


def table(ws):
    header_row = next(r for r in range(1, 10) if ws.cell(row=r, column=1).value == "STT")
    header = [c.value for c in ws[header_row]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=header_row + 1, values_only=True)]
    return header_row, header, rows


async def test_excel_prints_on_a4_landscape_one_page_wide_with_the_header_on_every_page(district_db):
    ws = await workbook(district_db, Period.of_year(2026))
    header_row, _, _ = table(ws)
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows.replace("$", "") == f"{header_row}:{header_row}"
    # Title block: title, period with the data date, and the source, each merged across the table.
    assert ws["A1"].value.startswith("BÁO CÁO TIẾN ĐỘ PHÁT TRIỂN ĐẢNG VIÊN MỚI")
    assert "số liệu đến" in ws["A2"].value and "Nguồn:" in ws["A3"].value
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {f"A{r}:{ws.cell(row=header_row, column=ws.max_column).column_letter}{r}" for r in (1, 2, 3)} <= merged
    assert "&P" in ws.oddFooter.right.text


async def test_excel_has_a_subtotal_per_khoi_that_adds_up(district_db):
    ws = await workbook(district_db, Period.quarter(2021, 3))
    _, _, rows = table(ws)
    subtotals = [r for r in rows if str(r["Đơn vị"]).startswith("Cộng khối ")]
    assert sorted(r["Đơn vị"] for r in subtotals) == sorted(  # the committee's khối (data), as they are named
        [
            "Cộng khối xã, phường",
            "Cộng khối lực lượng vũ trang",
            "Cộng khối cơ quan",
            "Cộng khối đơn vị sự nghiệp",
            "Cộng khối doanh nghiệp",
        ]
    )
    total = rows[-1]
    assert total["Đơn vị"] == "TỔNG CỘNG" and total["Lũy kế"] == 69
    for column in ("Lũy kế", "Quý III", "Nữ", "Chỉ tiêu năm"):
        assert sum(r[column] or 0 for r in subtotals) == total[column], column
    # Each subtotal is the sum of the numbered rows above it (since the previous subtotal).
    members: list[dict] = []
    for r in rows:
        if r["STT"]:
            members.append(r)
        elif str(r["Đơn vị"]).startswith("Cộng khối "):
            assert r["Lũy kế"] == sum(m["Lũy kế"] for m in members)
            members = []


async def test_term_export_has_the_term_target_and_a_column_per_year(district_db):
    ws = await workbook(district_db, Period.term(2020, 2025))
    tree = UnitTree(await units_store.all_units(district_db))
    term = await load_progress(district_db, tree, tree.roots[0], Period.term(2020, 2025), TODAY.date())
    _, header, rows = table(ws)
    years = [h for h in header if str(h).startswith("Năm ")]
    assert "Chỉ tiêu nhiệm kỳ" in header and "Chỉ tiêu năm" not in header and "Quý I" not in header
    assert years == [f"Năm {y}" for y in Period.term(2020, 2025).years]
    total = rows[-1]
    assert total["Chỉ tiêu nhiệm kỳ"] == 350 and total["Lũy kế"] == term.root.cumulative.admitted
    for r in rows:
        if r["Lũy kế"] is not None:
            assert sum(r[y] or 0 for y in years) == r["Lũy kế"], r  # "Lũy kế" is the sum of the year columns
    units = [r for r in rows if r["STT"]]
    assert all(r["Tình trạng"] == "chưa giao chỉ tiêu nhiệm kỳ" for r in units if r["Chỉ tiêu nhiệm kỳ"] is None)


async def test_merged_units_are_listed_as_merged(district_db, clock):
    from bot.services.reorg import apply_change, read_change

    core = Core(district_db, Settings(_env_file=None, database_path=district_db.path), clock)
    change = await read_change(core.ctx, None, "hopnhat xã Thu Phong, xã Hợp Phong thành Đảng bộ xã Thu Hợp Phong")
    await apply_change(core.ctx, change, None)
    ws = await workbook(district_db, Period.of_year(2026), clock)
    _, _, rows = table(ws)
    names = [str(r["Đơn vị"]).strip() for r in rows]
    assert "Đảng bộ xã Thu Phong (đã sáp nhập vào Đảng bộ xã Thu Hợp Phong)" in names
    assert "Đảng bộ xã Hợp Phong (đã sáp nhập vào Đảng bộ xã Thu Hợp Phong)" in names
    numbered = [r for r in rows if r["STT"]]
    assert sum(r["Lũy kế"] for r in numbered) == rows[-1]["Lũy kế"]  # the listed units add up to the total


# ---- Charts: every unit visible, names whole, legend clear of the bars, data date and source, the term by year ----


async def chart_view(db, period: Period, code: str | None = None):
    ctx = Context(db, Settings(_env_file=None, database_path=db.path), ManualClock(TODAY))
    tree = await ctx.tree()
    root = tree.roots[0] if code is None else (await units.by_code(db, code)).id
    return ctx, await load_progress(db, tree, root, period, TODAY.date())


def texts_of(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text") and a.get_text()))


async def test_chart_shows_units_at_zero_whole_names_and_the_legend_clear_of_the_bars(district_db):
    from matplotlib import pyplot as plt
    from matplotlib.patches import Rectangle

    from bot.domain.progress import Status
    from bot.present.exports.charts import COLORS, progress_figure

    _, view = await chart_view(district_db, Period.of_year(2026))
    zero = [p for p in view.children() if p.target and p.cumulative.admitted == 0]
    assert any(p.status is Status.NO_REPORT for p in zero) and len(zero) >= 3  # the demo's worst units
    fig = progress_figure(view)
    try:
        fig.canvas.draw()
        ax = fig.axes[0]
        bars = [b for b in ax.patches if isinstance(b, Rectangle)]
        assert len(bars) == len([p for p in view.children() if p.target])
        assert all(b.get_width() > 0 for b in bars)  # units at 0 keep a visible bar
        grey = [
            b
            for b in bars
            if b.get_facecolor()[:3] == tuple(int(COLORS[Status.NO_REPORT][i : i + 2], 16) / 255 for i in (1, 3, 5))
        ]
        assert grey  # the grey "chưa báo cáo" shows
        labels = [t.get_text().replace("\n", " ") for t in ax.get_yticklabels()]
        assert "Chi bộ Cơ quan Mặt trận Tổ quốc và các đoàn thể huyện" in labels  # not cut with "…"
        assert not any("…" in label for label in labels)
        legend = fig.legends[0].get_window_extent()
        assert not legend.overlaps(ax.get_window_extent())  # the legend is below the plot, never over a bar
        words = texts_of(fig)
        assert "Số liệu đến 23/11/2026" in words and "Nguồn:" in words
    finally:
        plt.close(fig)


async def test_small_chart_keeps_the_legend_off_the_bars(district_db):
    from matplotlib import pyplot as plt

    from bot.present.exports.charts import progress_figure

    _, view = await chart_view(district_db, Period.of_year(2026), "BP")
    fig = progress_figure(view)
    try:
        fig.canvas.draw()
        assert len(fig.axes[0].patches) == 3
        assert not fig.legends[0].get_window_extent().overlaps(fig.axes[0].get_window_extent())
    finally:
        plt.close(fig)


async def test_term_chart_shows_the_term_year_by_year(district_db):
    from matplotlib import pyplot as plt

    from bot.present.exports.charts import term_figure
    from bot.services.queries import _years_of_term

    ctx, view = await chart_view(district_db, Period.term(2020, 2025))
    by_year = await _years_of_term(ctx, view)
    assert [y for y, _ in by_year] == list(Period.term(2020, 2025).years)
    assert sum(n for _, n in by_year) == view.root.cumulative.admitted
    fig = term_figure(view, by_year)
    try:
        assert len(fig.axes[0].patches) == len(by_year)
        words = texts_of(fig)
        assert f"lũy kế {view.root.cumulative.admitted}" in words and "350" in words and "Nguồn:" in words
    finally:
        plt.close(fig)


async def test_term_chart_is_what_the_bot_sends_for_a_term(settings, district_db, clock, monkeypatch):
    from bot.services import queries
    from tests.conftest import message_update
    from tests.harness import TelegramHarness

    drawn: list[list[tuple[int, int]]] = []
    real = queries.term_chart

    def spy(view, by_year):
        drawn.append(list(by_year))
        return real(view, by_year)

    monkeypatch.setattr(queries, "term_chart", spy)
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", 9101)
        replies = await bot.send(message_update(9101, "biểu đồ tiến độ nhiệm kỳ 2020-2025"))
    assert replies[0].method == "sendPhoto"
    assert drawn and len(drawn[0]) == len(Period.term(2020, 2025).years)  # congress to congress: 2020…2025
