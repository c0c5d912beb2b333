"""Imports apply exactly the chat's checks (issue 14, item 10): whole numbers only ("1.5" was stored as 15, "2.0" as
20, 2.25 as 225), no period that has not begun, the per-report ceiling, and a single root."""

from __future__ import annotations

import io

from openpyxl import Workbook

from bot.importing.reader import read_file
from bot.services import imports
from bot.services.core import Core

MB = 1024 * 1024


async def problems_of(core: Core, name: str, content: bytes) -> list[str]:
    return [str(p) for p in await imports.check(core.ctx, read_file(name, content, 10 * MB))]


async def test_report_rows_get_the_chats_validation(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    csv = (
        "Mã đơn vị;Kỳ;Kết nạp\n"
        "CAH;T7/2026;1.5\n"  # row 2
        "CAH;T8/2026;2.0\n"  # row 3
        "CAH;Q4/2030;1\n"  # row 4: not begun
        "CAH;2025;99\n"  # row 5: above MAX_ADMISSIONS_PER_REPORT (50)
        "CAH;T10/2026;2\n"  # row 6: fine
        "CAH;T9/2026;1.200\n"  # row 7: a thousands separator — read as 1200, then refused as too big
    ).encode()
    found = await problems_of(core, "sl.csv", csv)
    rows = {int(p.split("dòng ")[1].split(",")[0].split(" ")[0]) for p in found if "dòng " in p}
    assert rows == {2, 3, 4, 5, 7}, found
    text = "\n".join(found)
    assert "“1.5”" in text and "“2.0”" in text and "chưa đến" in text and "quá lớn" in text


async def test_a_fractional_excel_number_is_refused(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    wb = Workbook()
    ws = wb.active
    ws.title = "Số liệu"
    ws.append(["Mã đơn vị", "Kỳ", "Kết nạp"])
    ws.append(["CAH", "T7/2026", 2.25])
    ws.append(["CAH", "T8/2026", 2.0])  # a whole number that Excel stores as a float
    out = io.BytesIO()
    wb.save(out)
    found = await problems_of(core, "sl.xlsx", out.getvalue())
    assert len(found) == 1 and "2.25" in found[0], found


async def test_a_second_root_is_refused(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    found = await problems_of(core, "dv.csv", "Mã;Tên;Mã cấp trên\nMOI;Đảng bộ Mới;\n".encode())
    assert len(found) == 1 and "một đơn vị gốc" in found[0], found
