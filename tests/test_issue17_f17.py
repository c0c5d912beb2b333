"""Issue 17, defects found while building the 2025 demo: khối questions over the whole subtree, history not read
through today's tree, merging refused for units already merged, former names in choice labels, and the filled
template re-importing cleanly."""

from __future__ import annotations

from bot.domain.messages import Inbound
from bot.domain.models import Category, Unit, UnitKind
from bot.domain.periods import Period
from bot.domain.tree import UnitTree
from bot.present.exports.template import INSTRUCTIONS, rows_from, template_workbook
from bot.services import imports
from bot.services.context import Context
from bot.services.core import Core
from bot.services.progress import load_progress
from bot.services.reorg import Change, apply_change
from bot.services.scope import choice_labels
from storage import submissions, units, users
from tests.test_demo_2025 import _say

# --- 1. a khối gathers its top-most members anywhere below the asker ------------------------------------------------


def test_top_of_category_counts_a_unit_through_its_ancestor_of_the_same_khoi():
    def unit(i: int, parent: int | None, category: str | None) -> Unit:
        return Unit(i, f"U{i}", f"U{i}", f"U{i}", f"u{i}", UnitKind.GRASSROOTS_BRANCH, category, parent)

    tree = UnitTree([unit(1, None, None), unit(2, 1, "xa"), unit(3, 2, "dn"), unit(4, 3, "dn"), unit(5, 1, "dn"),
                     unit(6, 2, None), unit(7, 6, "dn")])  # fmt: skip
    assert tree.top_of_category(1, "dn") == [3, 7, 5]  # 4 is counted through 3
    assert tree.top_of_category(2, "dn") == [3, 7]
    assert tree.top_of_category(1, "xa") == [2]


async def test_khoi_doanh_nghiep_from_the_province_gathers_units_anywhere_below(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    tree = await core.ctx.tree()
    province = tree.roots[0]
    members = tree.top_of_category(province, Category.ENTERPRISE)
    assert members and not any(tree[m].parent_id == province for m in members)  # all under the communes
    answer = await _say(core, "binh", "tiến độ khối doanh nghiệp năm 2025")
    assert "Đảng bộ tỉnh Phú Thọ — khối doanh nghiệp" in answer and "Công ty Cam Cao Phong" in answer
    period = Period.of_year(2025)
    admitted = 0
    for m in members:
        admitted += (
            await load_progress(demo_db, tree, m, period, clock.now().date(), depth=0)
        ).root.cumulative.admitted
    assert f"Đã kết nạp: {admitted}/" in answer
    ranking = await _say(core, "binh", "xếp hạng khối doanh nghiệp năm 2025")
    assert "Cam Cao Phong" in ranking and "4. " in ranking


async def test_a_khoi_view_loads_its_members_not_the_whole_tree(demo_db, settings, clock, monkeypatch):
    from bot.services import queries

    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    seen: list[int] = []
    real = queries.load_progress

    async def spy(*args, **kwargs):
        view = await real(*args, **kwargs)
        seen.append(len(view.units))
        return view

    monkeypatch.setattr(queries, "load_progress", spy)
    core = Core(demo_db, settings, clock)
    await _say(core, "binh", "tiến độ khối doanh nghiệp năm 2025")
    members = tree.top_of_category(tree.roots[0], Category.ENTERPRISE)
    assert seen and max(seen) <= 1 + len(tree.children(tree.roots[0])) + len(members) < len(tree)


# --- 2. history is not read through today's tree --------------------------------------------------------------------


async def test_units_created_in_2025_are_not_silent_for_2021(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    tree = await core.ctx.tree()
    created = [u for u in tree.units.values() if u.valid_from is not None]
    assert created and all(u.valid_from.isoformat() == "2025-07-01" for u in created)  # made by the re-organisation
    new_leaves = [u for u in created if u.id in tree.reporting_units(tree.roots[0])]
    assert new_leaves  # the village chi bộ of the new communes
    answer = await _say(core, "binh", "đơn vị nào chưa báo cáo năm 2021")
    assert not any(u.name in answer for u in new_leaves)
    existing = len(tree.reporting_units(tree.roots[0])) - len(new_leaves)
    assert f"Tất cả {existing} đơn vị đã báo cáo năm 2021" in answer
    # the units that admitted no one for years: not a unit that has existed for a year and a half
    idle = await _say(core, "binh", "đơn vị nào 3 năm liền không kết nạp được")
    assert not any(u.name in idle for u in new_leaves)


# --- 3. /tochuc refuses units already merged or closed ----------------------------------------------------------------


async def test_tochuc_refuses_units_already_merged_or_closed_changing_nothing(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    version = await units.version(demo_db)
    merged = await _say(core, "binh", "/tochuc hopnhat BP, TN thành Đảng bộ xã Mới")
    assert "Đảng bộ xã Bắc Phong đã hợp nhất vào Đảng bộ xã Thung Nai, không thể hợp nhất nữa" in merged
    assert "Xác nhận" not in merged
    district = await _say(core, "binh", "/tochuc hopnhat CP thành Đảng bộ xã Cao Phong")
    assert "Đảng bộ huyện Cao Phong đã hợp nhất vào Đảng bộ tỉnh Phú Thọ" in district
    into = await _say(core, "binh", "/tochuc hopnhat Chi bộ xóm Nội thành BP")
    assert "không thể nhận thêm đơn vị. Xin ghi Đảng bộ xã Thung Nai thay thế." in into
    assert "không thể ngừng hoạt động nữa" in await _say(core, "binh", "/tochuc ngung BP")
    assert await units.version(demo_db) == version and (await units.by_code(demo_db, "BP")).merged_into is not None
    # closed meanwhile: a preview confirmed after its unit was merged away is refused on confirmation
    preview = await _say(core, "binh", "/tochuc ngung Chi bộ xóm Nội")
    assert "Xác nhận" in preview
    nai = await units.by_code(demo_db, "BP-NOI")
    thung_nai = await units.by_code(demo_db, "BP")
    async with demo_db.transaction():
        await units.deactivate(demo_db, nai.id, clock.now(), merged_into=thung_nai.merged_into)
        await units.bump_version(demo_db, clock.now())
    core.ctx.invalidate()
    confirmed = await _say(core, "binh", "có")
    assert "đã hợp nhất vào Đảng bộ xã Thung Nai" in confirmed and "Đã" not in confirmed.split(".")[0]


# --- 4. a choice matched by a former name says so ---------------------------------------------------------------------


async def test_cao_phong_choice_labels_the_province_by_the_old_district_name(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    binh = await users.by_login(demo_db, "binh")
    inbound = Inbound(channel="console", update_key="console:cp", sender_id=f"t-{binh.id}", chat_id="x",
                      at=clock.now(), text="tiến độ Cao Phong năm 2021")  # fmt: skip
    await _say(core, "binh", "xin chào")  # links the console identity
    replies = await core.handle(inbound)
    labels = [c.label for row in replies[0].choices for c in row]
    assert "Đảng bộ tỉnh Phú Thọ (huyện Cao Phong cũ)" in labels
    assert "Đảng bộ xã Cao Phong" in labels  # today's unit of that name: its own name, nothing added
    tree = await core.ctx.tree()
    province = tree.roots[0]
    assert choice_labels(tree, [province], "Phú Thọ") == ["Đảng bộ tỉnh Phú Thọ"]


# --- 5. the filled template of the 2025 demo goes back in cleanly -------------------------------------------------


async def test_the_filled_template_of_the_2025_demo_reimports_changing_nothing(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    mt = next(u for u in tree.units.values() if u.name == "Đảng bộ xã Mường Thàng")
    assert tree.children(mt.id) and not tree.active_children(mt.id)  # only the merged-away communes below it

    async def totals() -> list[int]:
        now = await ctx.tree()
        years = (2021, 2025, 2026)
        views = [await load_progress(demo_db, now, now.roots[0], Period.of_year(y), clock.now().date()) for y in years]
        return [v.root.cumulative.admitted for v in views]

    before, count = await totals(), await submissions.count(demo_db)
    rows = await rows_from(demo_db)
    assert any(r[0] == mt.code for r in rows["history"]) and any(r[0] == mt.code for r in rows["reports"])
    data = await imports.read(settings, "mau.xlsx", template_workbook(rows, await ctx.indicators()))
    assert await imports.check(ctx, data) == []  # before: "XAMUONGTHA1 có đơn vị trực thuộc" on 7 rows
    summary = await imports.apply(ctx, data, None, "mau.xlsx")
    assert "không có thay đổi" in summary.text()
    ctx.invalidate()
    assert await totals() == before and await submissions.count(demo_db) == count  # before: nearly doubled
    assert "Tệp điền sẵn (ptdv template --fill) gửi lại nguyên vẹn thì không thay đổi gì" in " ".join(INSTRUCTIONS)


async def test_rows_belong_to_the_unit_as_it_was_in_their_period(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    await apply_change(ctx, Change(kind="add", target=(await units.by_code(demo_db, "BP-NOI")).id,
                                   names=("Chi bộ Tổ 1",)), None)  # fmt: skip
    csv = "Mã đơn vị,Kỳ,Kết nạp\nBP-NOI,Q3/2021,2\nBP-NOI,T11/2026,1\n"
    data = await imports.read(settings, "sl.csv", csv.encode())
    problems = await imports.check(ctx, data)
    assert [(p.row, p.column) for p in problems] == [(3, "Mã đơn vị")]  # 2021: the chi bộ as it was; not today
    assert "có đơn vị trực thuộc" in problems[0].message
