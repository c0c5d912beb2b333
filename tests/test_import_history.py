"""Import speaks the model of 2025 (issue 17 §1): a blank Cấp is never guessed, and a sheet for the nguồn and rà
soát history, stored as the chat stores it, round-trips through the template and shows in the chat's answers."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from bot.domain.models import UnitKind
from bot.importing.reader import infer_kind, read_file
from bot.services import imports
from bot.services.core import Core
from storage import submissions, units
from tests.conftest import callback_update, message_update
from tests.harness import TelegramHarness, button

MB = 1_048_576


def test_a_blank_cap_is_inferred_only_when_parent_and_name_leave_one_kind():
    assert infer_kind("Đảng ủy xã Cao Phong", UnitKind.PROVINCE) is UnitKind.COMMUNE
    assert infer_kind("Đảng bộ phường Hữu Nghị", UnitKind.PROVINCE) is UnitKind.WARD
    assert infer_kind("Đảng bộ Công an tỉnh", UnitKind.PROVINCE) is UnitKind.POLICE
    assert infer_kind("Đảng bộ các cơ quan Đảng tỉnh", UnitKind.PROVINCE) is UnitKind.PROVINCE_AGENCIES
    assert infer_kind("Ban Tổ chức", UnitKind.PROVINCE) is None  # a xã? a khối? not said: asked
    assert infer_kind("Chi bộ thôn 3", UnitKind.COMMUNE) is UnitKind.GRASSROOTS_BRANCH  # chi bộ cơ sở
    assert infer_kind("Đảng bộ Trường THPT", UnitKind.COMMUNE) is UnitKind.GRASSROOTS
    assert infer_kind("Chi bộ thôn 3", UnitKind.GRASSROOTS) is UnitKind.BRANCH  # chi bộ trực thuộc
    assert infer_kind("Tổ 5", UnitKind.GRASSROOTS) is None  # chi bộ or đảng bộ bộ phận
    assert infer_kind("Tổ 5", UnitKind.SUB_COMMITTEE) is UnitKind.BRANCH  # only chi bộ stand under it
    assert infer_kind("Chi bộ 1", UnitKind.BRANCH) is None  # nothing stands under a chi bộ
    assert infer_kind("Đảng bộ xã Bắc Phong", UnitKind.DISTRICT) is UnitKind.GRASSROOTS  # before 2025
    assert infer_kind("Đảng bộ tỉnh Phú Thọ", None) is UnitKind.PROVINCE
    assert infer_kind("Ban chỉ đạo", None) is None


async def test_a_blank_cap_in_a_file_is_inferred_or_asked_never_defaulted(district_db, settings, clock):
    core = Core(district_db, settings, clock)  # the demo's root CP is a huyện ủy (data before 2025)
    rows = [
        "Mã;Tên;Cấp;Mã cấp trên",
        "BP;Đảng bộ xã Bắc Phong;;CP",  # stored: keeps its kind
        "XM;Đảng bộ xã Mới;;CP",  # a đảng bộ cơ sở under a huyện ủy
        "XM-1;Chi bộ thôn Một;;XM",  # under it (inferred in the same file): a chi bộ trực thuộc
        "YT;Chi bộ Trạm Y tế;;CP",  # a chi bộ cơ sở
        "BAN;Ban Tuyên giáo;;CP",  # nothing says which: asked
        "TO;Tổ đảng 1;;BP-NOI",  # under a chi bộ: asked
    ]
    data = read_file("dv.csv", "\n".join(rows).encode(), MB)
    found = [str(p) for p in await imports.check(core.ctx, data)]
    assert found == [
        "Đơn vị, dòng 6, cột “Cấp”: không suy ra được cấp từ đơn vị cấp trên và tên; xin ghi rõ cột Cấp "
        "(ví dụ: đảng bộ cơ sở, chi bộ cơ sở)",
        "Đơn vị, dòng 7, cột “Cấp”: dưới một chi bộ không có đơn vị trực thuộc; xin kiểm tra Mã cấp trên hoặc ghi rõ "
        "cột Cấp",
    ], found
    good = read_file("dv.csv", "\n".join(rows[:5]).encode(), MB)
    assert await imports.check(core.ctx, good) == []
    await imports.apply(core.ctx, good, None, "dv.csv")
    kinds = {u.code: u.kind for u in await units.all_units(district_db)}
    assert kinds["BP"] is UnitKind.GRASSROOTS
    assert kinds["XM"] is UnitKind.GRASSROOTS and kinds["XM-1"] is UnitKind.BRANCH
    assert kinds["YT"] is UnitKind.GRASSROOTS_BRANCH
    assert UnitKind.DISTRICT not in {kinds[c] for c in ("XM", "XM-1", "YT")}  # never "huyện" by default


async def test_bad_history_rows_are_reported_like_chat_reports(district_db, settings, clock):
    core = Core(district_db, settings, clock)
    csv = (
        "Mã đơn vị,Kỳ,Nguồn,Đã học lớp nhận thức,Dự kiến cử đi học,Đã rà soát,Đưa ra khỏi Đảng,Tiếp tục theo dõi\n"
        "BP-NOI,Q3/2026,12,5,,,,\n"
        "BP-BS,Q3/2026,,,,3,5,\n"  # more removed than reviewed (the chat refuses it too)
        "BP,Q3/2026,10,,,,,\n"  # BP has chi bộ under it
        "BP-TH,Q1/2027,4,,,,,\n"  # not begun
        "BP-TH,Q2/2026,,,,,,\n"  # no figure at all
        "BP-NOI,Q3/2026,13,,,,,\n"  # twice the same unit and kỳ
    ).encode()
    data = read_file("nguon.csv", csv, MB)
    found = [str(p) for p in data.problems + await imports.check(core.ctx, data)]
    assert "Nguồn, rà soát, dòng 3, cột “Đưa ra khỏi Đảng”: số đưa ra khỏi Đảng (5) lớn hơn số đã rà soát (3)" in found
    assert any(f.startswith("Nguồn, rà soát, dòng 4, cột “Mã đơn vị”: BP có đơn vị trực thuộc") for f in found)
    assert "Nguồn, rà soát, dòng 5, cột “Kỳ”: Kỳ quý I/2027 chưa đến, chưa thể báo cáo." in found, found
    assert any(f.startswith("Nguồn, rà soát, dòng 6, cột “Nguồn”: dòng không có số nào") for f in found)
    assert "Nguồn, rà soát, dòng 7, cột “Kỳ”: trùng với dòng 2" in found


async def test_history_sheet_round_trip_template_fill_import_and_ask(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", 451)
        template = await bot.send(message_update(451, "/maunhap"))
        wb = load_workbook(io.BytesIO(template[0].file_bytes or b""))
        assert "Nguồn, rà soát" in wb.sheetnames
        guide = " ".join(str(c.value) for c in wb["Hướng dẫn"]["A"] if c.value)
        assert "7. Nguồn, rà soát" in guide and "xin ghi rõ Cấp" in guide
        ws = wb["Nguồn, rà soát"]
        assert [c.value for c in ws[1]] == [
            "Mã đơn vị",
            "Kỳ",
            "Nguồn",
            "Đã học lớp nhận thức",
            "Dự kiến cử đi học",
            "Đã rà soát",
            "Đưa ra khỏi Đảng",
            "Tiếp tục theo dõi",
        ]
        for sheet in [s for s in wb.sheetnames if s not in ("Hướng dẫn", "Nguồn, rà soát")]:
            del wb[sheet]
        ws.append(["BP-NOI", "Q4/2026", 41, 17, 9, None, None, None])
        ws.append(["BP-BS", "Q4/2026", None, None, None, 6, 1, 2])
        filled = io.BytesIO()
        wb.save(filled)
        bot.server.api.files["nguon1"] = filled.getvalue()
        upload = message_update(451, "x")
        del upload["message"]["text"]
        upload["message"]["document"] = {
            "file_id": "nguon1",
            "file_unique_id": "unguon1",
            "file_name": "nguon.xlsx",
            "file_size": len(filled.getvalue()),
        }
        preview = await bot.send(upload)
        assert "1 số liệu nguồn và 1 số liệu rà soát, sàng lọc" in preview[0].text, preview[0].text
        message, data = button(preview, "Xác nhận")
        done = await bot.send(callback_update(451, data, message.message_id))
        assert done[0].text == "Đã nhập “nguon.xlsx”: nguồn, rà soát: thêm 2, sửa 0.", done[0].text
        stored = await district_db.fetchall(
            "SELECT s.kind, s.pool, s.certified, s.planned_class, s.reviewed, s.removed, s.followed_up"
            " FROM submissions s JOIN units u ON u.id = s.unit_id WHERE s.channel = 'import' ORDER BY s.id"
        )
        assert [tuple(r) for r in stored] == [
            ("pipeline", 41, 17, 9, None, None, None),
            ("screening", None, None, None, 6, 1, 2),
        ]
        answer = await bot.send(message_update(451, "nguồn xóm Nội"))
        text = answer[0].text
        assert "Nguồn (quần chúng ưu tú): 41 người" in text, text
        assert "Đã học lớp nhận thức về Đảng: 17" in text and "Dự kiến cử đi học: 9" in text, text
        screened = await bot.send(message_update(451, "rà soát xóm Bắc Sơn"))
        for line in ("Đã rà soát: 6", "Đưa ra khỏi Đảng: 1", "Tiếp tục theo dõi, giúp đỡ: 2"):
            assert line in screened[0].text, screened[0].text
        # The same file again changes nothing.
        count = await submissions.count(district_db)
        upload["update_id"] += 100_000
        again = await bot.send(upload)
        message, data = button(again, "Xác nhận")
        same = await bot.send(callback_update(451, data, message.message_id))
        assert "không có thay đổi" in same[0].text, same[0].text
        assert await submissions.count(district_db) == count
        assert not bot.errors
    from bot.present.exports.template import rows_from

    history = (await rows_from(district_db))["history"]
    assert ["BP-NOI", "Q4/2026", 41, 17, 9, "", "", ""] in history
    assert ["BP-BS", "Q4/2026", "", "", "", 6, 1, 2] in history


def test_the_filled_template_writes_half_years_as_the_importer_reads_them():
    from bot.domain.periods import Period
    from bot.present.exports.template import period_label

    for period in (Period.half(2021, 1), Period.half(2021, 2), Period.quarter(2021, 3), Period.month(2021, 9)):
        label = period_label(period.kind.value, period.year, period.ym_from)
        data = read_file("sl.csv", f"Mã đơn vị,Kỳ,Kết nạp\nCAH,{label},1\n".encode(), MB)
        assert not data.problems, (label, data.problems)
        assert data.reports[0]["period"] == period.model_dump(mode="json"), label  # before: a half-year read as a year
