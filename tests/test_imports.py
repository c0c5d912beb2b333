"""Import: the filled template reproduces the demo; every bad row is reported and nothing is half-imported."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.periods import Period
from bot.importing.reader import FileRefused, read_file
from bot.present.exports.template import rows_from, template_workbook
from bot.services import imports
from bot.services.core import Core
from bot.services.progress import load_progress
from storage.backup import row_counts
from storage.db import Database
from storage.migrations import migrate
from tests.conftest import TODAY, message_update
from tests.harness import TelegramHarness, button

MB = 1_048_576


async def figures(db: Database) -> dict[str, int]:
    core = Core(db, Settings(_env_file=None, database_path=db.path), ManualClock(TODAY))
    tree = await core.ctx.tree()
    root = tree.roots[0]
    out = {}
    for label, period in (
        ("2026", Period.of_year(2026)),
        ("q3-2021", Period.quarter(2021, 3)),
        ("2021", Period.of_year(2021)),
    ):
        view = await load_progress(db, tree, root, period, TODAY.date(), depth=None)
        for unit_id, p in view.units.items():
            out[f"{label}:{tree[unit_id].code}"] = p.cumulative.admitted
            out[f"{label}:{tree[unit_id].code}:target"] = p.target or 0
            out[f"{label}:{tree[unit_id].code}:female"] = p.cumulative.female
    return out


async def empty_db(path) -> Database:
    db = await Database.open(path)
    await migrate(db)
    return db


async def test_filled_template_reproduces_the_demo(district_db, tmp_path):
    content = template_workbook(await rows_from(district_db))
    fresh = await empty_db(tmp_path / "fresh.sqlite3")
    try:
        core = Core(fresh, Settings(_env_file=None, database_path=fresh.path), ManualClock(TODAY))
        data = read_file("mau.xlsx", content, 10 * MB)
        assert await imports.check(core.ctx, data) == []
        summary = await imports.apply(core.ctx, data, None, "mau.xlsx")
        assert summary.added["units"] == 31 and summary.added["users"] == 10
        assert await figures(fresh) == await figures(district_db)
        assert (await figures(fresh))["q3-2021:CP"] == 69
        again = await imports.apply(core.ctx, read_file("mau.xlsx", content, 10 * MB), None, "mau.xlsx")
        assert not any(again.added.values()) and not any(again.changed.values())
        assert "không có thay đổi" in again.text()
    finally:
        await fresh.close()


def corrupt(content: bytes) -> bytes:
    wb = load_workbook(io.BytesIO(content))
    units, people, targets = wb["Đơn vị"], wb["Người dùng"], wb["Chỉ tiêu"]
    units["A3"] = units["A2"].value  # duplicated code (row 3)
    units["F5"] = "KHONGCO"  # unknown parent (row 5)
    units["F2"] = units["A4"].value  # a cycle: the root under one of its own units (row 2)
    units.insert_rows(8)  # an empty row: skipped, not an error
    targets["E3"] = "ba"  # non-numeric target (row 3)
    targets["E4"] = "=2+2"  # a formula (row 4)
    people["D2"] = "trưởng ban"  # unknown role (row 2)
    targets.merge_cells("A10:B10")  # merged cells (row 10)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


async def test_a_corrupted_copy_reports_every_bad_row_and_changes_nothing(district_db, settings, clock):
    content = corrupt(template_workbook(await rows_from(district_db)))
    core = Core(district_db, settings, clock)
    before = row_counts(settings.database_path)
    data = read_file("hong.xlsx", content, 10 * MB)
    problems = [str(p) for p in await imports.check(core.ctx, data)]
    expected = [
        "Đơn vị, dòng 3, cột “Mã”: mã CP trùng với dòng 2",
        "Đơn vị, dòng 5, cột “Mã cấp trên”: không có đơn vị mã KHONGCO",
        "Người dùng, dòng 2, cột “Vai trò”",
        "Chỉ tiêu, dòng 3, cột “Chỉ tiêu”: chỉ tiêu phải là số nguyên không âm, không phải “ba”",
        "Chỉ tiêu, dòng 4, cột “Chỉ tiêu”: là công thức",
        "Chỉ tiêu, dòng 10",
        "vòng lặp",
    ]
    for fragment in expected:
        assert any(fragment in p for p in problems), (fragment, problems)
    assert row_counts(settings.database_path) == before


def test_bad_files_are_refused_whole(tmp_path):
    with pytest.raises(FileRefused, match="quá lớn"):
        read_file("to.xlsx", b"x" * (50 * MB + 1), 10 * MB)
    with pytest.raises(FileRefused, match="không phải bảng tính"):
        read_file("anh.xlsx", b"\x89PNG\r\n\x1a\n" + b"0" * 100, 10 * MB)
    with pytest.raises(FileRefused, match="Không thấy trang"):
        from openpyxl import Workbook

        wb = Workbook()
        wb.active.title = "Sheet1"
        out = io.BytesIO()
        wb.save(out)
        read_file("trong.xlsx", out.getvalue(), 10 * MB)
    missing = read_file("dv.csv", "Mã;Tên\nX;Chi bộ X\n".encode(), 10 * MB)
    assert [str(p) for p in missing.problems] == []  # parent column is optional
    wrong = read_file("dv.csv", b"Ma so;Ten goi\nX;Y\n", 10 * MB)
    assert any("thiếu cột" in str(p) for p in wrong.problems)


async def test_csv_import_of_targets(district_db, settings, clock):
    core = Core(district_db, settings, clock)
    data = read_file(
        "ct.csv", "Mã đơn vị,Loại,Năm,Chỉ tiêu,Kế hoạch quý\nCAH,năm,2030,7,20/30/30/20\n".encode(), 10 * MB
    )
    assert await imports.check(core.ctx, data) == []
    summary = await imports.apply(core.ctx, data, None, "ct.csv")
    assert summary.added["targets"] == 1
    row = await district_db.fetchone(
        "SELECT value, quarter_plan FROM targets t JOIN units u ON u.id = t.unit_id"
        " WHERE u.code = 'CAH' AND t.start_year = 2030"
    )
    assert row["value"] == 7 and row["quarter_plan"] == "[0.2, 0.3, 0.3, 0.2]"


async def test_import_by_chat(settings, district_db, clock):
    csv = "Mã đơn vị,Loại,Năm,Chỉ tiêu\nCAH,năm,2028,8\nTP,năm,2028,3\n".encode()
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", 401)
        await bot.link("minh", 402)
        template = await bot.send(message_update(401, "/maunhap"))
        assert template[0].method == "sendDocument" and template[0].file_name == "mau-nhap-ptdv.xlsx"
        workbook = template[0].file_bytes
        assert workbook is not None and load_workbook(io.BytesIO(workbook)).sheetnames[:2] == ["Hướng dẫn", "Đơn vị"]
        bot.server.api.files["csv1"] = csv
        upload = message_update(401, "x")
        del upload["message"]["text"]
        upload["message"]["document"] = {
            "file_id": "csv1",
            "file_unique_id": "ucsv1",
            "file_name": "ct.csv",
            "file_size": len(csv),
        }
        preview = await bot.send(upload)
        assert "Nhập tệp “ct.csv”: 0 đơn vị, 0 người dùng, 2 chỉ tiêu" in preview[0].text
        assert not any("Sửa" in label for label in preview[0].button_labels)  # a file is sent again, not retyped
        assert "“Sửa”" not in preview[0].text and "gửi lại" in preview[0].text
        message, data = button(preview, "Xác nhận")
        from tests.conftest import callback_update

        done = await bot.send(callback_update(401, data, message.message_id))
        assert "Đã nhập “ct.csv”: chỉ tiêu: thêm 2" in done[0].text
        upload["update_id"] += 100_000
        upload["message"]["from"]["id"] = upload["message"]["chat"]["id"] = 402
        refused = await bot.send(upload)
        assert "chỉ cán bộ theo dõi cấp cao nhất" in refused[0].text
        assert not bot.errors
