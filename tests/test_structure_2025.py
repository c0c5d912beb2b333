"""Issue 17 §1: today's unit kinds, khối as a committee's data, terms from congress to congress, and an import
that speaks the same model."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook

from bot.domain.categories import Categories, defaults_for
from bot.domain.messages import Inbound
from bot.domain.models import UnitKind
from bot.domain.periods import Period
from bot.domain.tree import UnitTree
from bot.domain.vocabulary import KIND_LABELS
from bot.importing.reader import read_file
from bot.language import intents
from bot.services import imports
from bot.services.context import Context
from bot.services.core import Core
from bot.services.progress import load_progress
from storage import audit, rollups, submissions, targets, units, users
from storage import categories as khoi_store
from storage import terms as term_store
from storage.db import Database
from storage.migrations import latest_version, migrate


async def _say(core: Core, user_login: str, text: str, clock) -> str:
    user = await users.by_login(core.db, user_login)
    assert user is not None
    external = f"t-{user.id}"
    if await users.by_identity(core.db, "console", external) is None:
        async with core.db.transaction():
            await users.link_identity(
                core.db, channel="console", external_id=external, user_id=user.id, now=clock.now()
            )
    inbound = Inbound(
        channel="console", update_key=f"console:{text}", sender_id=external, chat_id=external, at=clock.now(), text=text
    )
    return "\n".join(r.text for r in await core.handle(inbound))


# --- 1. kinds ---------------------------------------------------------------------------------------------------


def test_kinds_name_todays_organisations_and_old_values_stay_readable():
    assert UnitKind("xa") is UnitKind.COMMUNE and KIND_LABELS[UnitKind.COMMUNE] == "đảng ủy xã"
    for value in ("tinh", "huyen", "co_so", "chi_bo"):  # stored before 2025
        assert UnitKind(value) in KIND_LABELS
    assert KIND_LABELS[UnitKind.DISTRICT].startswith("huyện ủy")
    assert {KIND_LABELS[k] for k in UnitKind} >= {
        "tỉnh ủy",
        "thành ủy",
        "đảng ủy phường",
        "đảng ủy đặc khu",
        "Đảng bộ các cơ quan Đảng tỉnh",
        "Đảng bộ Ủy ban nhân dân tỉnh",
        "Đảng bộ Quân sự tỉnh",
        "Đảng bộ Công an tỉnh",
        "đảng bộ cơ sở",
        "chi bộ cơ sở",
        "đảng bộ bộ phận",
        "chi bộ trực thuộc",
    }


async def test_migration_keeps_old_data_and_accepts_new_kinds(settings, clock):
    db = await Database.open(settings.database_path)
    try:
        await migrate(db, target=8)
        async with db.transaction():
            root = await units.add(db, code="CP", name="Đảng bộ huyện Cao Phong", short_name="Cao Phong", kind="huyen",
                                   now=clock.now())  # fmt: skip
            child = await units.add(db, code="BP", name="Đảng bộ xã Bắc Phong", short_name="Bắc Phong", kind="co_so",
                                    category="xa_thi_tran", parent_id=root, now=clock.now())  # fmt: skip
            await targets.set_target(db, unit_id=root, scope="term", start_year=2020, end_year=2025, value=300,
                                     now=clock.now())  # fmt: skip
        await migrate(db)
        assert latest_version() >= 11
        assert (await units.get(db, root)).kind is UnitKind.DISTRICT  # the old value reads as huyện ủy
        async with db.transaction():  # today's kinds are accepted by the table
            new = await units.add(db, code="XA1", name="Đảng ủy xã Cao Phong", short_name="xã Cao Phong", kind="xa",
                                  now=clock.now())  # fmt: skip
        assert (await units.get(db, new)).kind is UnitKind.COMMUNE
        # khối: rows with today's labels for the top committee, the 2021 label kept as an alias
        cats = await khoi_store.load(db)
        tree = UnitTree(await units.all_units(db))
        assert cats.labels(tree, root)["xa_thi_tran"] == "Khối xã, phường"
        assert cats.find(tree, child, "Đảng bộ xã, thị trấn").code == "xa_thi_tran"
        # terms: 2020–2025 ends at the mid-2025 congress, 2025–2030 starts there; the term target belongs to it
        own = term_store.committee_terms(tree, await term_store.all_terms(db), child)
        assert [(t.start_year, t.congress, t.next_congress) for t in own] == [
            (2020, date(2020, 7, 1), date(2025, 7, 1)),
            (2025, date(2025, 7, 1), None),
        ]
        term_id = await db.scalar("SELECT term_id FROM targets WHERE scope = 'term'")
        assert term_id == own[0].id
    finally:
        await db.close()


# --- 2. khối as data -----------------------------------------------------------------------------------------


async def test_official_renames_and_adds_a_khoi_and_every_reader_follows(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    listing = await _say(core, "binh", "/khoi", clock)
    assert "Khối xã, phường" in listing and "Khối lực lượng vũ trang" in listing
    answer = await _say(core, "binh", "/khoi doiten Khối xã, phường | Khối xã, phường, đặc khu", clock)
    assert "Đã đổi tên" in answer
    answer = await _say(core, "binh", "/khoi them Khối y tế", clock)
    assert "Đã thêm Khối y tế" in answer
    # progress text groups by the new label; the Excel annex, compare and report read the same
    tree = await core.ctx.tree()
    view = await load_progress(demo_db, tree, tree.roots[0], Period.of_year(2021), clock.now().date())
    assert view.category_labels["xa_thi_tran"] == "Khối xã, phường, đặc khu"
    assert list(view.category_labels.values())[-1] == "Khối y tế"
    progress = await _say(core, "binh", "tiến độ năm 2021", clock)
    assert "Khối xã, phường, đặc khu:" in progress
    # the language layer reads the names from data: the new name, the old one (kept as alias) and the added one
    for text in ("tiến độ khối xã, phường, đặc khu năm 2021", "tiến độ khối xã năm 2021"):
        reply = await _say(core, "binh", text, clock)
        assert "khối xã, phường, đặc khu" in reply, reply
    words = await core.ctx.category_words(tree.roots[0])
    assert ("y_te", ["khoi y te"]) in words
    intent = intents.parse("tiến độ khối y tế", clock.now().date(), words)
    assert isinstance(intent, intents.Ask) and intent.query.category == "y_te"
    # audited, and a reporter may not change the list
    rows = await demo_db.fetchall("SELECT action FROM audit WHERE entity = 'category' ORDER BY id")
    assert [r["action"] for r in rows] == ["khoi.rename", "khoi.add"]
    assert await audit.for_entity(demo_db, "category", f"{tree.roots[0]}:y_te")


async def test_khoi_bad_input_and_reporters_change_nothing(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    before = await khoi_store.all_rows(demo_db)
    assert "Không có khối" in await _say(core, "binh", "/khoi doiten Khối vũ trụ | Khối mới", clock)
    assert "Cách dùng" in await _say(core, "binh", "/khoi doiten chỉ một tên", clock)
    assert "Đã có" in await _say(core, "binh", "/khoi them doanh nghiệp", clock)
    reporter = await demo_db.scalar("SELECT login FROM users WHERE role = 'reporter' AND login IS NOT NULL LIMIT 1")
    assert "Chỉ cán bộ theo dõi" in await _say(core, reporter, "/khoi them Khối y tế", clock)
    assert await khoi_store.all_rows(demo_db) == before


async def test_a_sub_committee_changes_its_own_list_only(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    root = tree.roots[0]
    child = tree.children(root)[0]
    from bot.services import khoi

    await khoi.command(ctx, child, "them Khối thôn, tổ dân phố", None)
    cats = await ctx.categories()
    assert "Khối thôn, tổ dân phố" in cats.labels(tree, child).values()
    assert "Khối thôn, tổ dân phố" not in cats.labels(tree, root).values()


def test_categories_lookup_without_any_list_uses_the_starting_words():
    cats = Categories([])
    assert cats.find(None, None, "lực lượng vũ trang").code == "llvt"
    own = Categories(defaults_for(7))
    assert own.committee_for(None, 7) == 7


# --- 3. terms ----------------------------------------------------------------------------------------------------


async def test_term_2020_2025_counts_2025_up_to_the_committees_congress(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    root = tree.roots[0]
    leaf = next(u for u in tree.subtree(root) if not tree.children(u))
    async with demo_db.transaction():
        await term_store.record(demo_db, root, 2020, 2025, date(2020, 8, 20), date(2025, 8, 12))
        await term_store.record(demo_db, root, 2025, 2030, date(2025, 8, 12), None)
        for ym, n in ((2025, 7), (2025, 9)):  # July 2025: in the old term; September: in the new
            await submissions.append(
                demo_db,
                unit_id=leaf,
                kind="admission",
                period=Period.month(ym, n),
                figures={"admitted": 1000 + n},
                now=clock.now(),
                actor=None,
                channel="test",
                raw_text="test",
            )
        await rollups.rebuild(demo_db)
    view = await load_progress(demo_db, tree, root, Period.term(2020, 2025), clock.now().date())
    assert (view.period.start, view.period.end) == (date(2020, 8, 20), date(2025, 8, 11))
    july = 1007
    sums = await rollups.sums(demo_db, view.period.ym_from, view.period.ym_to, [root])
    assert view.root.cumulative.admitted == sums[root].figures.admitted
    assert view.root.cumulative.admitted >= july and view.root.cumulative.admitted < july + 1009
    assert view.pace == 1.0  # the term is over (today 2026)
    # "nhiệm kỳ này" is the committee's current term, with the pace over its real length
    current = await load_progress(demo_db, tree, root, Period.containing(clock.now().date(), Period.term(2025).kind),
                                  clock.now().date())  # fmt: skip
    assert current.period.start == date(2025, 8, 12)
    length = (date(2030, 6, 30) - date(2025, 8, 12)).days + 1
    assert abs(current.pace - ((clock.now().date() - date(2025, 8, 12)).days + 1) / length) < 1e-9
    assert "nhiệm kỳ 2025–2030" in await _say(Core(demo_db, settings, clock), "binh", "tiến độ nhiệm kỳ", clock)


# --- 4. import ------------------------------------------------------------------------------------------------


def _workbook(units_rows: list[list[object]], reports: list[list[object]] | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Đơn vị"
    ws.append(["Mã đơn vị", "Tên đơn vị", "Tên ngắn", "Cấp", "Khối", "Mã cấp trên"])
    for row in units_rows:
        ws.append(row)
    if reports:
        rs = wb.create_sheet("Số liệu")
        rs.append(["Mã đơn vị", "Kỳ", "Kết nạp"])
        for row in reports:
            rs.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


async def test_import_speaks_todays_kinds_the_committees_khoi_and_half_years(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    root = tree[tree.roots[0]]
    from bot.services import khoi

    await khoi.command(ctx, root.id, "them Khối y tế", None)
    content = _workbook(
        [
            ["XNEW", "Đảng ủy xã Tân Mới", "Tân Mới", "đảng ủy xã", "khối xã, phường", root.code],
            ["XNEW-CB", "Chi bộ Trạm y tế Tân Mới", "", "chi bộ trực thuộc", "y tế", "XNEW"],
            ["HOLD", "Đảng bộ huyện Cũ", "", "huyện", "", root.code],  # the old words still read
        ],
        [["XNEW-CB", "6 tháng đầu năm 2026", 2]],
    )
    data = read_file("mau.xlsx", content, 10_000_000)
    assert not data.problems, data.problems
    assert not await imports.check(ctx, data)
    await imports.apply(ctx, data, None, "test")
    new = await units.by_code(demo_db, "XNEW")
    branch = await units.by_code(demo_db, "XNEW-CB")
    assert new.kind is UnitKind.COMMUNE and new.category == "xa_thi_tran"
    assert branch.kind is UnitKind.BRANCH and branch.category == "y_te"
    assert (await units.by_code(demo_db, "HOLD")).kind is UnitKind.DISTRICT
    row = await demo_db.fetchone("SELECT ym_from, ym_to, admitted FROM submissions WHERE unit_id = ?", (branch.id,))
    assert tuple(row) == (202601, 202606, 2)


async def test_import_refuses_a_khoi_the_committee_does_not_have(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    root = (await ctx.tree()).roots[0]
    code = (await ctx.tree())[root].code
    data = read_file("mau.xlsx", _workbook([["XB", "Chi bộ B", "", "xã", "khối vũ trụ", code]]), 10_000_000)
    problems = await imports.check(ctx, data)
    assert len(problems) == 1 and problems[0].column == "Khối" and "khối vũ trụ" in problems[0].message
    assert await units.by_code(demo_db, "XB") is None
