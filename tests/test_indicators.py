"""Issue 17 §3: indicators are data — stored, rolled up, read, answered, exported and reported from the list."""

from __future__ import annotations

import io
import json

import pytest
from docx import Document
from openpyxl import load_workbook

from bot.cli import admin as admin_cli
from bot.domain.indicators import DEFAULT_SET
from bot.domain.models import Figures
from bot.domain.periods import Period
from bot.domain.tree import UnitTree
from bot.importing.reader import read_file
from bot.present.exports.charts import breakdown_labels
from bot.present.exports.template import rows_from, template_workbook
from bot.services import imports
from bot.services.core import Core
from bot.services.progress import load_progress
from storage import indicators as indicator_store
from storage import rollups, submissions, units, users
from tests.conftest import callback_update, message_update
from tests.harness import TelegramHarness, button
from tests.test_rollups import make_tree


async def test_seeded_list_matches_defaults(db):
    loaded = await indicator_store.load(db)
    assert loaded.items == DEFAULT_SET.items
    assert {"age_18_30", "worker", "farmer", "civil_servant", "armed_forces", "private_owner", "student"} <= set(
        loaded.codes
    )
    assert {"other_worker", "master", "doctorate", "readmitted", "university"} <= set(loaded.codes)
    assert loaded.by_code["university"].name == "trình độ đại học trở lên"
    assert loaded.by_code["master"].part_of == "university"


async def test_reports_with_the_old_fields_migrate_unchanged(settings, clock):
    from storage.db import Database
    from storage.migrations import migrate

    db = await Database.open(settings.database_path)
    try:
        await migrate(db, target=11)
        ids = await make_tree(db, clock)
        figures = {"admitted": 4, "female": 2, "ethnic_minority": 1, "religious": 1, "youth_union": 3, "student": 1}
        async with db.transaction():
            old = await submissions.append(
                db,
                unit_id=ids["A1"],
                kind="admission",
                period=Period.quarter(2021, 3),
                figures=figures | {"private_sector": 1, "university": 2},
                now=clock.now(),
                actor=None,
                channel="test",
            )
        before = await submissions.get(db, old)
        rolled = [dict(r) for r in await db.fetchall("SELECT * FROM rollups ORDER BY unit_id")]
        await migrate(db)
        after = await submissions.get(db, old)
        assert before is not None and after == before  # the new column empty: the same record
        assert [dict(r) for r in await db.fetchall("SELECT * FROM rollups ORDER BY unit_id")] == rolled
        sums = await rollups.sums(db, 202101, 202112)
        assert sums[ids["R"]][1] == Figures(**figures, private_sector=1, university=2)
        with pytest.raises(Exception, match="append-only"):  # the append-only trigger covers the new column
            await db.execute("UPDATE submissions SET extra = '{\"farmer\": 9}' WHERE id = ?", (old,))
    finally:
        await db.close()


async def test_extra_values_stored_rolled_up_and_superseded(db, clock):
    ids = await make_tree(db, clock)
    month = Period.month(2026, 3)
    async with db.transaction():
        first = await submissions.append(
            db,
            unit_id=ids["A1"],
            kind="admission",
            period=month,
            figures={"admitted": 3, "female": 2, "farmer": 1, "master": 1, "readmitted": 0},
            now=clock.now(),
            actor=None,
            channel="test",
        )
        await submissions.append(
            db,
            unit_id=ids["B2"],
            kind="admission",
            period=month,
            figures={"admitted": 1, "farmer": 1},
            now=clock.now(),
            actor=None,
            channel="test",
        )
    row = await submissions.get(db, first)
    assert row is not None and row.extra == {"farmer": 1, "master": 1}
    sums = await rollups.sums(db, 202601, 202612)
    assert sums[ids["R"]][1].extra == {"farmer": 2, "master": 1}
    assert sums[ids["R"]][1].get("female") == 2 and sums[ids["A"]][1].get("farmer") == 1
    direct = await submissions.admissions_by_unit(db, 202601, 202612)
    assert direct[ids["A1"]].extra == {"farmer": 1, "master": 1}
    async with db.transaction():
        new = await submissions.append(
            db,
            unit_id=ids["A1"],
            kind="admission",
            period=month,
            figures={"admitted": 2, "farmer": 2},
            now=clock.now(),
            actor=None,
            channel="test",
            supersedes=first,
        )
        assert await submissions.supersede(db, first, new)
    sums = await rollups.sums(db, 202601, 202612)
    assert sums[ids["R"]][1].extra.get("farmer") == 3 and not sums[ids["R"]][1].extra.get("master")
    before = {u: f for u, (_, f) in sums.items()}
    async with db.transaction():
        await rollups.rebuild(db)
    after = {u: f for u, (_, f) in (await rollups.sums(db, 202601, 202612)).items()}
    assert {u: (f.admitted, {k: v for k, v in f.extra.items() if v}) for u, f in before.items()} == {
        u: (f.admitted, f.extra) for u, f in after.items()
    }


def test_figures_add_and_get():
    a = Figures(admitted=2, female=1, extra={"farmer": 1})
    b = Figures(admitted=1, extra={"farmer": 1, "master": 1})
    total = a + b
    assert (total.admitted, total.female, total.extra) == (3, 1, {"farmer": 2, "master": 1})
    assert total.get("master") == 1 and total.get("worker") == 0 and total.get("female") == 1
    assert sum([a, b], Figures()).extra == {"farmer": 2, "master": 1}


# --- The done-when of issue 17 §3: a new indicator through chat, end to end -------------------------------------

THU, BINH, HUNG = 7101, 7102, 7103


@pytest.fixture
async def bot(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as harness:
        await harness.link("thu", THU)
        await harness.link("binh", BINH)
        await harness.link("hung", HUNG)
        yield harness
        assert not harness.errors, harness.errors


async def confirm(bot, who: int, sent) -> list:
    message, data = button(sent, "Xác nhận")
    return await bot.send(callback_update(who, data, message.message_id))


async def test_new_indicator_by_chat_reaches_reports_answers_excel_chart_and_docx(bot):
    refused = await bot.send(message_update(HUNG, "/tieuchi them bộ đội xuất ngũ"))
    assert "cấp ủy cao nhất" in refused[0].text
    assert "bo_doi_xuat_ngu" not in (await indicator_store.load(bot.db)).codes

    preview = await bot.send(message_update(BINH, "/tieuchi them bộ đội xuất ngũ | BĐXN | xuất ngũ"))
    assert "Thêm chỉ tiêu cơ cấu: “bộ đội xuất ngũ” (viết tắt: BĐXN" in preview[0].text
    assert "bo_doi_xuat_ngu" not in (await indicator_store.load(bot.db)).codes  # nothing before “Xác nhận”
    saved = await confirm(bot, BINH, preview)
    assert "Đã thêm chỉ tiêu cơ cấu “bộ đội xuất ngũ”" in saved[0].text
    listed = await bot.send(message_update(BINH, "/tieuchi"))
    assert "• bộ đội xuất ngũ (BĐXN) — còn gọi: xuất ngũ" in listed[0].text
    audit_row = await bot.db.fetchone("SELECT actor_user_id FROM audit WHERE action = 'indicator.add'")
    assert audit_row is not None and audit_row[0] is not None

    # a secretary reports it (without diacritics too), every figure is stored
    text = "ket nap 3, 2 nu, 1 nong dan, 1 thac si, 1 ket nap lai, 1 bo doi xuat ngu"
    preview = await bot.send(message_update(THU, text))
    line = preview[0].text
    for part in ("Kết nạp 3 ĐVM", "nữ 2", "nông dân 1", "thạc sĩ 1", "kết nạp lại 1", "bộ đội xuất ngũ 1"):
        assert part in line, line
    await confirm(bot, THU, preview)
    unit = await units.by_code(bot.db, "THPTCP")
    row = await bot.db.fetchone(
        "SELECT admitted, female, university, extra FROM submissions WHERE unit_id = ? ORDER BY id DESC", (unit.id,)
    )
    assert (row[0], row[1], row[2]) == (3, 2, 1)
    assert json.loads(row[3]) == {"bo_doi_xuat_ngu": 1, "farmer": 1, "master": 1, "readmitted": 1}

    # a breakdown question
    answer = await bot.send(message_update(BINH, "cơ cấu đảng viên mới năm nay"))
    assert "• Bộ đội xuất ngũ: 1" in answer[0].text and "• Nông dân: 1" in answer[0].text

    # the Excel
    sent = await bot.send(message_update(BINH, "xuất excel tiến độ năm nay"))
    ws = load_workbook(io.BytesIO(sent[0].file_bytes)).worksheets[0]
    header = [c.value for c in ws[5]]
    column = header.index("Bộ đội xuất ngũ") + 1
    total = next(r for r in range(6, ws.max_row + 1) if ws.cell(row=r, column=2).value == "TỔNG CỘNG")
    assert ws.cell(row=total, column=column).value == 1

    # the breakdown chart
    chart = await bot.send(message_update(BINH, "biểu đồ cơ cấu năm nay"))
    assert chart[0].file_bytes and chart[0].file_bytes.startswith(b"\x89PNG")
    root = (await users.by_login(bot.db, "binh")).unit_id  # the province: the 2025 demo's root
    tree = UnitTree(await units.all_units(bot.db))
    view = await load_progress(bot.db, tree, root, Period.of_year(2026), bot.clock.now().date())
    assert ("bộ đội xuất ngũ", 1) in breakdown_labels(view)

    # the .docx report: the cơ cấu section and the annex
    drafted = await bot.send(message_update(BINH, "làm báo cáo năm 2026"))
    docx_file = next(s for s in drafted if (s.file_name or "").endswith(".docx"))
    document = Document(io.BytesIO(docx_file.file_bytes))
    body = "\n".join(p.text for p in document.paragraphs)
    assert "bộ đội xuất ngũ 1" in body and "nông dân 1" in body and "thạc sĩ 1" in body
    annex = document.tables[-1]
    assert "BĐXN" in [c.text for c in annex.rows[0].cells]
    assert "Tỉ lệ tổ chức cơ sở đảng kết nạp được đảng viên" in body
    assert "năm liền (2024–2026) không kết nạp được đảng viên" in body


async def test_derived_indicators_answer_questions(bot):
    share = await bot.send(message_update(BINH, "tỉ lệ tổ chức cơ sở đảng kết nạp được đảng viên năm 2025"))
    assert "TỔ CHỨC CƠ SỞ ĐẢNG KẾT NẠP ĐƯỢC ĐẢNG VIÊN" in share[0].text
    assert "tổ chức cơ sở đảng kết nạp được ít nhất 1 đảng viên" in share[0].text
    idle = await bot.send(message_update(BINH, "chi bộ nào 2 năm liền không kết nạp được đảng viên?"))
    assert idle[0].text.startswith("ĐƠN VỊ 2 NĂM LIỀN KHÔNG KẾT NẠP ĐƯỢC ĐẢNG VIÊN")


async def test_indicator_cli_adds_and_renames(settings, demo_db, clock):
    out = await admin_cli.manage_indicators(settings, "add ngư dân | Ngư dân | đánh cá", clock=clock)
    assert "Đã thêm chỉ tiêu cơ cấu “ngư dân”" in out
    loaded = await indicator_store.load(demo_db)
    assert loaded.find("danh ca") is not None and loaded.find("ngu dan").code == "ngu_dan"
    out = await admin_cli.manage_indicators(settings, "rename ngư dân | ngư dân, diêm dân", clock=clock)
    assert "ngư dân, diêm dân" in out
    with pytest.raises(admin_cli.CliError, match="đã là tên của chỉ tiêu"):
        await admin_cli.manage_indicators(settings, "add nông dân", clock=clock)
    out = await admin_cli.manage_indicators(settings, "batbuoc ngư dân | có", clock=clock)
    assert "luôn có cột" in out and (await indicator_store.load(demo_db)).by_code["ngu_dan"].required
    listing = await admin_cli.manage_indicators(settings, "list", clock=clock)
    assert "ngư dân, diêm dân" in listing and "thạc sĩ (ThS) — tính trong số trình độ đại học trở lên" in listing


async def test_import_reads_a_column_per_indicator_and_the_template_writes_them(district_db, settings, clock):
    demo_db = district_db  # the district's own shape: the filled template re-imports as it is
    core = Core(demo_db, settings, clock)
    async with demo_db.transaction():
        await indicator_store.put(
            demo_db,
            DEFAULT_SET.by_code["farmer"].model_copy(
                update={"code": "ngu_dan", "name": "ngư dân", "short_name": "Ngư dân", "aliases": (), "sort_order": 99}
            ),
            clock.now(),
        )
    header = "Mã đơn vị,Kỳ,Kết nạp,Nữ,Nông dân,ThS,Kết nạp lại,Ngư dân"
    good = read_file("sl.csv", f"{header}\nTHPTCP,T3/2026,3,1,1,1,,2\n".encode(), 10 * 1_048_576)
    assert not good.problems and await imports.check(core.ctx, good) == []
    await imports.apply(core.ctx, good, None, "sl.csv")
    unit = await units.by_code(demo_db, "THPTCP")
    row = await demo_db.fetchone(
        "SELECT admitted, female, extra FROM submissions WHERE unit_id = ? AND channel = 'import' ORDER BY id DESC",
        (unit.id,),
    )
    assert (row[0], row[1], json.loads(row[2])) == (3, 1, {"farmer": 1, "master": 1, "ngu_dan": 2})
    again = await imports.apply(core.ctx, good, None, "sl.csv")
    assert not any(again.changed.values())  # importing the same file again changes nothing

    bad = read_file("sl.csv", "Mã đơn vị,Kỳ,Kết nạp,Thợ lặn,Nông dân\nTHPTCP,T4/2026,1,1,2\n".encode(), 10 * 1_048_576)
    assert [(p.column, "lớn hơn tổng số" in p.message) for p in bad.problems] == [("Nông dân", True)]
    unknown = read_file("sl.csv", "Mã đơn vị,Kỳ,Kết nạp,Thợ lặn\nTHPTCP,T4/2026,1,1\n".encode(), 10 * 1_048_576)
    problems = await imports.check(core.ctx, unknown)
    assert [p.column for p in problems] == ["Thợ lặn"] and "không phải chỉ tiêu cơ cấu nào" in problems[0].message

    content = template_workbook(await rows_from(demo_db), await indicator_store.load(demo_db))
    sheet = load_workbook(io.BytesIO(content))["Số liệu"]
    titles = [c.value for c in sheet[1]]
    assert {"Nông dân", "ThS", "KN lại", "Ngư dân", "18–30 tuổi"} <= set(titles)
    line = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "THPTCP" and r[1] == "T3/2026")
    assert line[titles.index("Ngư dân")] == 2 and line[titles.index("ThS")] == 1
    back = read_file("mau.xlsx", content, 10 * 1_048_576)
    assert not back.problems and await imports.check(core.ctx, back) == []


def test_questions_naming_an_indicator_are_breakdown_questions():
    from datetime import date

    from bot.domain.indicators import IndicatorDef, Indicators
    from bot.language.intents import Ask, parse
    from bot.language.queries import QueryKind

    today = date(2026, 10, 20)
    for text in ("số đảng viên mới là nông dân năm nay", "có bao nhiêu đảng viên mới dưới 30 tuổi?"):
        intent = parse(text, today, indicators=DEFAULT_SET)
        assert isinstance(intent, Ask) and intent.query.kind is QueryKind.BREAKDOWN, text
        assert intent.query.unit_text is None
    own = Indicators([*DEFAULT_SET, IndicatorDef(code="ngu_dan", name="ngư dân", short_name="Ngư dân")])
    intent = parse("bao nhiêu ngư dân được kết nạp năm nay?", today, indicators=own)
    assert isinstance(intent, Ask) and intent.query.kind is QueryKind.BREAKDOWN and intent.query.unit_text is None
    idle = parse("chi bộ nào 4 năm liền không kết nạp được đảng viên?", today, indicators=own)
    assert isinstance(idle, Ask) and (idle.query.kind, idle.query.years) == (QueryKind.IDLE, 4)


def test_indicator_cli_help_is_vietnamese(capsys):
    from bot.cli import main
    from tests.test_issue13_cli import ENGLISH

    with pytest.raises(SystemExit) as done:
        main(["indicator", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("cách dùng: ptdv indicator") and not any(word in out for word in ENGLISH), out
