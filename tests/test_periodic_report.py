"""The periodic report officials send up: figures equal the chat's, the narrative reads right, and the printed
pages (LibreOffice → PDF) keep every column on the page."""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from bot.domain.messages import Inbound, Reply
from bot.domain.progress import Status
from bot.language.report_spans import ReportRequest, ReportRequestProblem, asks_for_report, read_report_request
from bot.present.exports.periodic_report import annex_columns, annex_workbook, narrative, report_docx
from bot.services.context import Context
from bot.services.core import Core
from bot.services.progress import load_progress
from bot.services.report import ReportSpan, committee_of, draft
from storage import users


@pytest.fixture
async def ctx(district_db, settings, clock):
    return Context(district_db, settings, clock)


async def test_nine_months_2021_matches_the_seed_and_the_chat(ctx: Context) -> None:
    tree = await ctx.tree()
    root = tree.roots[0]
    span = ReportSpan.months(2021, 9)
    report = await draft(ctx, root, span)
    view = await load_progress(ctx.db, tree, root, span.period, ctx.today())
    assert report.cumulative == view.root.cumulative
    assert (report.cumulative.admitted, report.target) == (69, 71)
    text = "\n".join(p for _, ps in narrative(report) for p in ps)
    assert "9 tháng đầu năm 2021, toàn đảng bộ huyện Cao Phong kết nạp được 69 đảng viên, đạt 97,2%" in text
    assert "chỉ tiêu năm 2021 (71 đảng viên)" in text
    assert "Tổng số quần chúng ưu tú trong nguồn: 317" in text  # the article's pool
    total = report.rows[-1]
    assert total.kind == "total" and total.cumulative.admitted == 69
    units = [r for r in report.rows if r.kind == "unit"]
    assert len(units) == len(view.children()) == 27
    subtotals = [r for r in report.rows if r.kind == "subtotal"]
    assert sum(r.cumulative.admitted for r in subtotals) == 69
    behind = {m.name for m in report.behind}
    assert behind == {
        tree[p.unit_id].name for p in view.children() if p.status is Status.BEHIND and p.cumulative.admitted
    }


async def test_year_report_compares_with_the_year_before(ctx: Context) -> None:
    root = (await ctx.tree()).roots[0]
    report = await draft(ctx, root, ReportSpan.months(2025, 12))
    before = await draft(ctx, root, ReportSpan.months(2024, 12))
    text = "\n".join(p for _, ps in narrative(report) for p in ps)
    assert f"so với năm 2024 ({before.cumulative.admitted} đảng viên)" in text or "Bằng năm 2024" in text
    assert "[Cấp ủy bổ sung" in text  # the recommendations are left for the committee, marked


def test_committee_names() -> None:
    assert committee_of("Đảng bộ huyện Cao Phong") == ("Huyện ủy Cao Phong", "BC/HU", "Cao Phong")
    assert committee_of("Đảng bộ xã Tân Lạc") == ("Đảng ủy xã Tân Lạc", "BC/ĐU", "Tân Lạc")
    assert committee_of("Đảng bộ tỉnh Phú Thọ")[0] == "Tỉnh ủy Phú Thọ"


async def test_docx_and_annex_hold_the_figures(ctx: Context) -> None:
    from docx import Document
    from openpyxl import load_workbook

    root = (await ctx.tree()).roots[0]
    report = await draft(ctx, root, ReportSpan.months(2021, 9))
    doc = Document(io.BytesIO(report_docx(report)))
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "BÁO CÁO" in body and "kết quả công tác phát triển đảng viên 9 tháng đầu năm 2021" in body
    header = doc.tables[0].rows[0].cells
    assert "HUYỆN ỦY CAO PHONG" in header[0].text and "ĐẢNG CỘNG SẢN VIỆT NAM" in header[1].text
    annex = doc.tables[-1]
    assert [c.text for c in annex.rows[0].cells] == annex_columns()
    assert annex.rows[-1].cells[1].text == "TỔNG CỘNG" and annex.rows[-1].cells[3].text == "69"
    page = doc.sections[-1]
    assert page.page_width and page.page_height and page.page_width > page.page_height  # the annex is landscape

    wb = load_workbook(io.BytesIO(annex_workbook(report)))
    ws = wb.active
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$5:$5"
    names = [ws.cell(row=r, column=2).value for r in range(6, ws.max_row + 1)]
    assert "TỔNG CỘNG" in names
    total_row = 6 + names.index("TỔNG CỘNG")
    assert ws.cell(row=total_row, column=4).value == 69


def _words_outside_page(pdf: Path) -> list[str]:
    """Words whose box runs past the right edge of their page (pdftotext -bbox)."""
    import re

    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    out: list[str] = []
    width = 0.0
    for line in html.splitlines():
        page = re.search(r'<page width="([\d.]+)"', line)
        if page:
            width = float(page.group(1))
        word = re.search(r'xMax="([\d.]+)".*>(.*)</word>', line)
        if word and float(word.group(1)) > width - 5:
            out.append(word.group(2))
    return out


def _render_and_check(folder: Path, files: dict[str, bytes]) -> None:
    for name, content in files.items():
        (folder / name).write_bytes(content)
        subprocess.run(
            ["soffice", f"-env:UserInstallation=file://{folder}/lo", "--headless", "--convert-to", "pdf",
             "--outdir", str(folder), str(folder / name)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        pdf = folder / (Path(name).stem + ".pdf")
        assert not _words_outside_page(pdf), name
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        pages = int(info.split("Pages:")[1].split()[0])
        last_page = subprocess.run(
            ["pdftotext", "-f", str(pages), "-l", str(pages), str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "TỔNG CỘNG" in last_page, name
        for page in range(1, pages + 1):
            text = subprocess.run(
                ["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"], capture_output=True, text=True
            ).stdout
            if "STT" in text:  # every page of the annex table carries the whole header, last column included
                assert "ĐH trở" in text, (name, page)
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "1", str(pdf), str(pdf)], check=True)
        assert next(folder.glob(f"{pdf.name}-*1.png")).stat().st_size > 5_000


@pytest.mark.skipif(
    (not shutil.which("soffice") or not shutil.which("pdftotext")) and os.environ.get("CI") != "true",
    reason="LibreOffice or poppler not installed (.ci/run installs them; under CI=true this fails instead)",
)
@pytest.mark.parametrize("span", [ReportSpan.months(2021, 9), ReportSpan.months(2025, 12)], ids=["9t2021", "2025"])
async def test_printed_pages_keep_every_column(ctx: Context, tmp_path: Path, span: ReportSpan) -> None:
    root = (await ctx.tree()).roots[0]
    report = await draft(ctx, root, span)
    files = {"bao-cao.docx": report_docx(report), "phu-luc.xlsx": annex_workbook(report)}
    await asyncio.to_thread(_render_and_check, tmp_path, files)


@pytest.mark.skipif(
    (not shutil.which("soffice") or not shutil.which("pdftotext")) and os.environ.get("CI") != "true",
    reason="LibreOffice or poppler not installed (.ci/run installs them; under CI=true this fails instead)",
)
async def test_the_2025_demo_reports_print_and_agree_with_the_chat(demo_db, settings, clock, tmp_path: Path) -> None:
    """The demo as `make run` shows it (after the 2025 re-organisation): the province's year 2025 and a new đảng ủy
    xã's 9 months of 2026 print on A4 without cut columns, and their totals are the chat's."""
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    province = tree.roots[0]
    commune = (await users.by_login(demo_db, "quang")).unit_id  # the console's default official: a new đảng ủy xã
    for unit_id, span in ((province, ReportSpan.months(2025, 12)), (commune, ReportSpan.months(2026, 9))):
        report = await draft(ctx, unit_id, span)
        view = await load_progress(ctx.db, tree, unit_id, span.period, ctx.today())
        assert report.cumulative == view.root.cumulative and report.rows[-1].cumulative == view.root.cumulative
        files = {f"bao-cao-{unit_id}.docx": report_docx(report), f"phu-luc-{unit_id}.xlsx": annex_workbook(report)}
        await asyncio.to_thread(_render_and_check, tmp_path, files)


def test_reading_what_report_is_asked_for() -> None:
    today = date(2026, 10, 20)
    cases = {
        "làm báo cáo 9 tháng năm 2021": ReportRequest(year=2021, months=9),
        "lam bao cao 9 thang": ReportRequest(year=2026, months=9),
        "dự thảo báo cáo sơ kết 6 tháng": ReportRequest(year=2026, months=6),
        "xuất báo cáo 9 tháng năm 2025": ReportRequest(year=2025, months=9),
        "làm báo cáo năm 2025": ReportRequest(year=2025),
        "làm báo cáo năm ngoái": ReportRequest(year=2025),
        "báo cáo tổng kết năm 2025": ReportRequest(year=2025),
        "làm báo cáo nhiệm kỳ 2020-2025": ReportRequest(year=2020, term_start=2020),
        "làm báo cáo nhiệm kỳ": ReportRequest(year=2026, term_current=True),
    }
    for text, expected in cases.items():
        assert asks_for_report(text), text
        assert read_report_request(text, today) == expected, text
    for text in ("xuất báo cáo năm 2021", "tiến độ năm 2025", "kết nạp 2 đảng viên", "báo cáo quý III"):
        assert not asks_for_report(text), text  # the progress workbook, a question, a report
    assert isinstance(read_report_request("làm báo cáo năm 2030", today), ReportRequestProblem)
    assert isinstance(read_report_request("làm báo cáo nhiệm kỳ 2020-2021", today), ReportRequestProblem)


async def _ask(core: Core, login: str, text: str) -> list[Reply]:
    user = await users.by_login(core.ctx.db, login)
    assert user is not None
    async with core.ctx.db.transaction():
        await users.link_identity(
            core.ctx.db, channel="telegram", external_id=login, user_id=user.id, chat_id=login, now=core.ctx.now()
        )
    inbound = Inbound(channel="telegram", update_key=f"telegram:{text}", sender_id=login, chat_id=login,
                      at=core.ctx.now(), text=text)  # fmt: skip
    return await core.handle(inbound)


async def test_officials_get_the_report_by_chat_and_reporters_do_not(district_db, settings, clock) -> None:
    from docx import Document

    core = Core(district_db, settings, clock)
    answer = await _ask(core, "binh", "làm báo cáo 9 tháng năm 2021")
    assert [r.attachment.filename.rsplit(".", 1)[1] for r in answer if r.attachment] == ["docx", "xlsx"]
    assert "69/71" in answer[0].text
    doc = Document(io.BytesIO(answer[0].attachment.content))
    assert any("đạt 97,2%" in p.text for p in doc.paragraphs)
    same = await _ask(core, "binh", "/duthao 9 tháng 2021")
    assert same[0].attachment.content and same[0].text == answer[0].text
    refused = await _ask(core, "minh", "làm báo cáo năm 2025")
    assert [r.attachment for r in refused] == [None] and "cán bộ theo dõi" in refused[0].text


def test_command_line_writes_both_files(tmp_path: Path, monkeypatch) -> None:
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert main(["setup", "--demo"]) == 0
    assert main(["report", "9", "tháng", "2021", "--out-dir", str(tmp_path)]) == 0
    assert sorted(p.suffix for p in tmp_path.glob("bao-cao-ptdv-*")) == [".docx", ".xlsx"]
    assert main(["report", "năm", "2099", "--out-dir", str(tmp_path)]) != 0


async def test_the_unit_assessment_never_says_all_is_well_when_it_is_not(ctx: Context) -> None:
    tree = await ctx.tree()
    root = tree.roots[0]
    for span in (ReportSpan.term(2020), ReportSpan.months(2021, 9), ReportSpan.months(2025, 12)):
        report = await draft(ctx, root, span)
        text = "\n".join(p for _, ps in narrative(report) for p in ps)
        units = [r for r in report.rows if r.kind == "unit"]
        zero = [r.name for r in units if r.cumulative.admitted == 0]
        assert all(name in text for name in zero), span.title
        if zero or report.behind:
            assert "đều thực hiện đúng tiến độ" not in text and "đều đạt chỉ tiêu" not in text, span.title
    over = await draft(ctx, root, ReportSpan.months(2025, 12))  # the year is over: met or missed, not a pace
    text = "\n".join(p for _, ps in narrative(over) for p in ps)
    assert "chậm tiến độ" not in text
    missed = [r.name for r in over.rows if r.kind == "unit" and r.target and 0 < r.cumulative.admitted < r.target]
    assert all(name in text for name in missed) and (not missed or "không đạt chỉ tiêu" in text)


async def test_wrapped_names_get_taller_rows_in_the_annex(ctx: Context) -> None:
    from openpyxl import load_workbook

    report = await draft(ctx, (await ctx.tree()).roots[0], ReportSpan.months(2021, 9))
    ws = load_workbook(io.BytesIO(annex_workbook(report))).active
    long_rows = [r for r in range(6, ws.max_row + 1) if len(str(ws.cell(row=r, column=2).value or "")) > 40]
    assert long_rows and all((ws.row_dimensions[r].height or 0) >= 30 for r in long_rows)
