"""Issue 17 §2 and the congress dates of §1: the demo tells the true story (Cao Phong's history carried across the
1 July 2025 re-organisation by the bot's own events), and a committee records its congress (/daihoi, ptdv daihoi)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.domain.messages import Inbound
from bot.domain.models import Role, UnitKind
from bot.domain.periods import Period
from bot.runtime import demo
from bot.services.context import Context
from bot.services.core import Core
from bot.services.progress import load_progress
from storage import audit, rollups, units, users
from storage import terms as term_store
from storage.db import Database
from storage.migrations import migrate


async def _say(core: Core, login: str, text: str) -> str:
    user = await users.by_login(core.db, login)
    assert user is not None
    external = f"t-{user.id}"
    if await users.by_identity(core.db, "console", external) is None:
        async with core.db.transaction():
            await users.link_identity(
                core.db, channel="console", external_id=external, user_id=user.id, now=core.ctx.now()
            )
    inbound = Inbound(
        channel="console",
        update_key=f"console:{login}:{text}",
        sender_id=external,
        chat_id=external,
        at=core.ctx.now(),
        text=text,
    )
    return "\n".join(r.text for r in await core.handle(inbound))


async def _unit(db: Database, name: str):
    found = [u for u in await units.all_units(db) if u.name == name and u.active]
    assert len(found) == 1, name
    return found[0]


# --- the structure ------------------------------------------------------------------------------------------------


async def test_a_fresh_demo_shows_the_post_2025_structure_with_history_carried(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    assert len(tree.roots) == 1
    province = tree[tree.roots[0]]
    assert (province.name, province.kind, province.active) == ("Đảng bộ tỉnh Phú Thọ", UnitKind.PROVINCE, True)
    district = await units.by_code(demo_db, "CP")
    old_province = await units.by_code(demo_db, "HB")
    for ended in (district, old_province):  # the district ended; Hòa Bình joined Phú Thọ
        assert not ended.active and ended.merged_into == province.id
    assert district.kind is UnitKind.DISTRICT and not tree.children(district.id)
    # new commune committees directly under the province; the old communes merged into them
    communes = [tree[u] for u in tree.active_children(province.id) if tree[u].kind is UnitKind.COMMUNE]
    assert {c.name for c in communes} == {"Đảng bộ xã Cao Phong", "Đảng bộ xã Thung Nai", "Đảng bộ xã Mường Thàng"}
    thung_nai = await _unit(demo_db, "Đảng bộ xã Thung Nai")
    for code in ("BP", "BT", "TN"):
        old = await units.by_code(demo_db, code)
        assert old is not None and not old.active and old.merged_into == thung_nai.id and old.parent_id == thung_nai.id
    # the old chi bộ and đảng bộ cơ sở keep their codes and names, re-attached to the new committees
    for code, parent in (("BP-NOI", "Đảng bộ xã Thung Nai"), ("THPTCP", "Đảng bộ xã Cao Phong"),
                         ("CAH", "Đảng bộ Công an tỉnh"), ("QSH", "Đảng bộ Quân sự tỉnh")):  # fmt: skip
        unit = await units.by_code(demo_db, code)
        assert unit is not None and unit.active and unit.parent_id is not None
        assert tree[unit.parent_id].name == parent
    # made by the bot's own re-organisation events, on 1 July 2025
    rows = await demo_db.fetchall("SELECT action, at FROM audit WHERE entity = 'unit' AND action LIKE 'unit.%'")
    actions = {r["action"] for r in rows}
    assert {"unit.add", "unit.move", "unit.merge"} <= actions
    assert all(r["at"].startswith("2025-07-01") for r in rows)
    # history carried: xã Thung Nai's 2021 is what Bắc Phong, Bình Thanh and Thung Nai reported then
    year = Period.of_year(2021)
    sums = await rollups.sums(demo_db, year.ym_from, year.ym_to, [thung_nai.id, province.id])
    parts = [(await units.by_code(demo_db, c)).id for c in ("BT", "TN", "BP-BS", "BP-NOI", "BP-TH")]
    own = await rollups.sums(demo_db, year.ym_from, year.ym_to, parts)
    assert sums[thung_nai.id][1].admitted == sum(v[1].admitted for v in own.values()) > 0
    # the province's 2021 (all that was Cao Phong) keeps the article's figures
    q3 = await load_progress(demo_db, tree, province.id, Period.first_months(2021, 9), clock.now().date())
    assert (q3.root.cumulative.admitted, q3.root.target) == (demo.ARTICLE_Q3_TOTAL, demo.DISTRICT_TARGET)


async def test_logins_the_console_official_is_a_commune_and_binh_sees_the_province(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    quang = await users.by_login(demo_db, demo.CONSOLE_LOGIN)
    binh = await users.by_login(demo_db, "binh")
    assert quang is not None and binh is not None
    assert quang.role is Role.OFFICIAL and tree[quang.unit_id].kind is UnitKind.COMMUNE
    assert tree[quang.unit_id].name == "Đảng bộ xã Cao Phong"
    assert binh.role is Role.OFFICIAL and binh.unit_id == tree.roots[0]
    assert await ctx.scope(binh) >= set(tree.subtree(tree.roots[0]))
    assert (await users.by_login(demo_db, "hung")).unit_id == (await _unit(demo_db, "Đảng bộ xã Thung Nai")).id
    for login in ("son", "tuan", "minh", "thu", "khanh", "hoa", "lan"):  # branch reporters kept
        person = await users.by_login(demo_db, login)
        assert person is not None and person.role is Role.REPORTER and tree[person.unit_id].active


async def test_cao_phong_still_finds_the_history_69_of_71_at_q3_2021(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    answer = await _say(core, "binh", "tiến độ huyện Cao Phong quý 3 năm 2021")
    assert "Lũy kế từ đầu năm đến hết quý III: 69/71 ĐVM, đạt 97,2% chỉ tiêu" in answer
    # "Cao Phong" alone: the district's history (now the province's) or today's xã Cao Phong
    ambiguous = await core.handle(
        Inbound(
            channel="console",
            update_key="console:cp",
            sender_id=f"t-{(await users.by_login(demo_db, 'binh')).id}",
            chat_id="x",
            at=clock.now(),
            text="tiến độ Cao Phong năm 2021",
        )
    )
    labels = [c.label for row in ambiguous[0].choices for c in row]
    assert "Đảng bộ tỉnh Phú Thọ (huyện Cao Phong cũ)" in labels and "Đảng bộ xã Cao Phong" in labels
    # a commune official sees only the part of the history that is hers
    assert "Đảng bộ xã Cao Phong" in await _say(core, "quang", "tiến độ Cao Phong năm 2021")


async def test_term_2020_2025_counts_2025_up_to_the_province_congress(demo_db, settings, clock):
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    root = tree.roots[0]
    congress_day = demo.PROVINCE_CONGRESSES[1][2]
    view = await load_progress(demo_db, tree, root, Period.term(2020, 2025), clock.now().date())
    assert view.period.end == date(congress_day.year, congress_day.month, congress_day.day - 1)
    before_july = await rollups.sums(demo_db, view.period.ym_from, 202506, [root])
    assert view.root.cumulative.admitted > before_july[root][1].admitted  # Q3 2025 counts in the old term
    answer = await _say(Core(demo_db, settings, clock), "binh", "tiến độ nhiệm kỳ 2020-2025")
    assert f"đến {view.period.end:%d/%m/%Y}" in answer


@pytest.mark.parametrize("today", [datetime(2025, 11, 30, 9), datetime(2027, 11, 30, 9), datetime(2025, 3, 1, 9)])
async def test_the_demo_loads_a_year_either_side_and_before_the_reorganisation(db, clock, today):
    now = today.replace(tzinfo=clock.now().tzinfo)
    await demo.load(db, now)
    tree = Context(db, None, clock)  # type: ignore[arg-type]  # only the tree is read
    t = await tree.tree()
    root = t[t.roots[0]]
    if now.date() >= demo.REORG_DAY:
        assert root.name == "Đảng bộ tỉnh Phú Thọ"
    else:  # before 1 July 2025 the district is what there is
        assert root.name == "Đảng bộ tỉnh Hòa Bình"
        district = await _unit(db, "Đảng bộ huyện Cao Phong")
        assert district.active and district.parent_id == root.id
        assert (await users.by_login(db, "binh")).unit_id == district.id


# --- recording a congress -----------------------------------------------------------------------------------------


async def test_daihoi_previews_confirms_and_moves_the_end_of_the_term(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    root = (await core.ctx.tree()).roots[0]
    preview = await _say(core, "binh", "/daihoi 2025-12-01")
    assert "Đại hội nhiệm kỳ 2025–2030 họp ngày 1/12/2025 (đã ghi: 10/10/2025)" in preview
    assert "Đảng bộ tỉnh Phú Thọ" in preview
    assert [t.congress for t in (await term_store.all_terms(demo_db))[root]][-1] == date(2025, 10, 10)  # not yet
    done = await _say(core, "binh", "xác nhận")
    assert "Đã ghi: Đại hội Đảng bộ tỉnh Phú Thọ nhiệm kỳ 2025–2030 họp ngày 1/12/2025" in done
    own = (await term_store.all_terms(demo_db))[root]
    assert [(t.start_year, t.congress, t.next_congress) for t in own] == [
        (2020, date(2020, 10, 15), date(2025, 12, 1)),
        (2025, date(2025, 12, 1), None),
    ]
    assert [r["action"] for r in await audit.for_entity(demo_db, "unit", root)][-1] == "term.congress"
    tree = await core.ctx.tree()
    view = await load_progress(demo_db, tree, root, Period.term(2020, 2025), clock.now().date())
    assert view.period.end == date(2025, 11, 30)  # "nhiệm kỳ 2020–2025" now runs up to the new congress


async def test_daihoi_for_a_named_committee_and_a_past_term(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    preview = await _say(core, "binh", "/daihoi xã Thung Nai nhiệm kỳ 2025–2030 ngày 16/8/2025")
    assert "Ghi ngày đại hội — Đảng bộ xã Thung Nai" in preview and "16/8/2025" in preview
    assert "Đã ghi" in await _say(core, "binh", "xác nhận")
    unit = await _unit(demo_db, "Đảng bộ xã Thung Nai")
    assert [t.congress for t in (await term_store.all_terms(demo_db))[unit.id]] == [date(2025, 8, 16)]


async def test_daihoi_refuses_reporters_outsiders_and_bad_dates_changing_nothing(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    before = await demo_db.fetchall("SELECT * FROM terms ORDER BY id")
    assert "dành cho cán bộ theo dõi" in await _say(core, "thu", "/daihoi 20/9/2025")
    outside = await _say(core, "quang", "/daihoi xã Thung Nai 20/9/2025")
    assert "nằm ngoài phạm vi" in outside and "Ghi ngày đại hội" not in outside
    assert "không có thật" in await _say(core, "binh", "/daihoi 31/2/2025")
    assert "Chưa thấy ngày đại hội" in await _say(core, "binh", "/daihoi nhiệm kỳ 2025–2030")
    assert "Cách ghi ngày đại hội" in await _say(core, "binh", "/daihoi")
    assert "phải họp sau" in await _say(core, "binh", "/daihoi nhiệm kỳ 2021–2026 ngày 1/1/2020")
    assert "phải họp vào khoảng năm 2025" in await _say(core, "binh", "/daihoi nhiệm kỳ 2025–2030 ngày 1/5/2028")
    assert await demo_db.fetchall("SELECT * FROM terms ORDER BY id") == before


async def test_a_congress_preview_confirmed_after_the_official_moved_is_refused(demo_db, settings, clock):
    core = Core(demo_db, settings, clock)
    hung = await users.by_login(demo_db, "hung")
    preview = await _say(core, "hung", "/daihoi 2025-08-18")
    assert "Đảng bộ xã Thung Nai" in preview
    async with demo_db.transaction():
        await users.set_unit(demo_db, hung.id, (await units.by_code(demo_db, "BP-NOI")).id)
    answer = await _say(core, "hung", "xác nhận")
    assert "Đã ghi" not in answer
    unit = await _unit(demo_db, "Đảng bộ xã Thung Nai")
    assert [t.congress for t in (await term_store.all_terms(demo_db))[unit.id]] == [date(2025, 8, 15)]


def test_cli_daihoi(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert main(["setup", "--demo"]) == 0
    capsys.readouterr()
    assert main(["daihoi", "--unit", "Đảng bộ xã Mường Thàng", "25/8/2025"]) == 0
    assert "Đã ghi: Đại hội Đảng bộ xã Mường Thàng nhiệm kỳ 2025–2030 họp ngày 25/8/2025" in capsys.readouterr().out
    assert main(["daihoi", "31/2/2025"]) == 2
    assert "không có thật" in capsys.readouterr().err


async def test_migrated_database_without_demo_records_a_congress(db, settings, clock):
    await migrate(db)
    async with db.transaction():
        root = await units.add(db, code="T", name="Đảng bộ tỉnh X", short_name="tỉnh X", kind="tinh", now=clock.now())
    ctx = Context(db, settings, clock)
    from bot.services import congress

    await congress.record(ctx, root, congress.read("15/10/2020 nhiệm kỳ 2020-2025"), None)
    await congress.record(ctx, root, congress.read("10/10/2025"), None)
    own = (await term_store.all_terms(db))[root]
    assert [(t.congress, t.next_congress) for t in own] == [
        (date(2020, 10, 15), date(2025, 10, 10)),
        (date(2025, 10, 10), None),
    ]
