"""Re-organisation: merges keep history and totals, old names resolve, moves roll up, nothing half-done."""

from __future__ import annotations

import pytest

from bot.domain.periods import Period
from bot.services.core import Core
from bot.services.progress import load_progress
from bot.services.reorg import ReorgError, apply_change, read_change
from storage import units
from tests.conftest import message_update
from tests.harness import TelegramHarness, button


async def totals(core: Core, code: str, year: int) -> int:
    tree = await core.ctx.tree()
    unit = await units.by_code(core.db, code)
    view = await load_progress(core.db, tree, unit.id, Period.of_year(year), core.ctx.today())
    return view.root.cumulative.admitted


async def test_merge_two_communes(settings, district_db, clock):
    core = Core(district_db, settings, clock)
    before = {code: {y: await totals(core, code, y) for y in (2021, 2025, 2026)} for code in ("CP", "THP", "HP")}
    change = await read_change(core.ctx, None, "hopnhat xã Thu Phong, xã Hợp Phong thành Đảng bộ xã Thu Hợp Phong")
    answer = await apply_change(core.ctx, change, None)
    assert "Đảng bộ xã Thu Hợp Phong" in answer
    merged = next(u for u in (await core.ctx.tree()).units.values() if u.name == "Đảng bộ xã Thu Hợp Phong")
    for year in (2021, 2025, 2026):
        assert await totals(core, "CP", year) == before["CP"][year]  # the district: unchanged
        assert await totals(core, merged.code, year) == before["THP"][year] + before["HP"][year]
    tree = await core.ctx.tree()
    assert merged.id in tree.active_children(tree.roots[0])
    assert not tree[(await units.by_code(district_db, "THP")).id].active
    assert (await core.ctx.unit_index()).resolve("xã Hợp Phong") == [merged.id]  # old names still resolve
    # Reports after the merge go to the new commune and count for the district once.
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", 301)
        preview = await bot.send(message_update(301, "xã Thu Phong kết nạp 2"))
        assert "Đảng bộ xã Thu Hợp Phong" in preview[0].text
        await bot.send(message_update(301, "có"))
        progress = await bot.send(message_update(301, "tiến độ xã Thu Phong"))
        assert "TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — Đảng bộ xã Thu Hợp Phong" in progress[0].text
    assert await totals(core, "CP", 2026) == before["CP"][2026] + 2
    assert await totals(core, merged.code, 2026) == before["THP"][2026] + before["HP"][2026] + 2
    row = await district_db.fetchone("SELECT action, before, after FROM audit WHERE action = 'unit.merge'")
    assert row and "Thu Hợp Phong" in row["after"]


async def test_rename_move_split_deactivate(settings, district_db, clock):
    core = Core(district_db, settings, clock)
    bp_before = await totals(core, "BP", 2026)
    hu = await totals(core, "HU", 2026)
    await apply_change(
        core.ctx, await read_change(core.ctx, None, "doiten xã Tây Phong thành Đảng bộ xã Tây Sơn"), None
    )
    tp = (await units.by_code(district_db, "TP")).id
    assert (await core.ctx.unit_index()).resolve("tay phong") == [tp]  # the old name is an alias
    await apply_change(core.ctx, await read_change(core.ctx, None, "chuyen HU về xã Bắc Phong"), None)
    assert await totals(core, "BP", 2026) == bp_before + hu
    with pytest.raises(ReorgError, match="chính nó"):
        await read_change(core.ctx, None, "chuyen BP về BP-NOI")
    await apply_change(
        core.ctx, await read_change(core.ctx, None, "tach XP thành Đảng bộ xã Xuân A, Đảng bộ xã Xuân B"), None
    )
    tree = await core.ctx.tree()
    names = {tree[c].name for c in tree.active_children(tree.roots[0])}
    assert {"Đảng bộ xã Xuân A", "Đảng bộ xã Xuân B"} <= names and "Đảng bộ xã Xuân Phong" not in names
    await apply_change(core.ctx, await read_change(core.ctx, None, "ngung DL"), None)
    assert not (await core.ctx.tree())[(await units.by_code(district_db, "DL")).id].active
    assert await totals(core, "CP", 2021) > 0


async def test_chat_reorg_needs_an_official_and_confirmation(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", 311)
        await bot.link("minh", 312)
        refused = await bot.send(message_update(312, "/tochuc ngung Công an huyện"))
        assert "dành cho cán bộ theo dõi" in refused[0].text
        preview = await bot.send(message_update(311, "/tochuc them Chi bộ xóm Mới thuộc xã Bắc Phong"))
        assert "Thêm đơn vị “Chi bộ xóm Mới” trực thuộc Đảng bộ xã Bắc Phong" in preview[0].text
        assert await units.by_code(district_db, "XOMMOI1") is None  # nothing before confirmation
        message, data = button(preview, "Xác nhận")
        from tests.conftest import callback_update

        done = await bot.send(callback_update(311, data, message.message_id))
        assert "Chi bộ xóm Mới" in done[0].text
        help_text = await bot.send(message_update(311, "/tochuc"))
        assert "/tochuc hopnhat" in help_text[0].text
    new = await units.by_code(district_db, "XOMMOI1")
    assert new is not None and new.kind.value == "chi_bo"


def test_cli_unit(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert main(["setup", "--demo"]) == 0
    assert main(["unit", "hopnhat", "BP-BS,", "BP-NOI", "thành", "Chi", "bộ", "xóm", "Bắc", "Sơn", "Nội", "--yes"]) == 0
    assert "Chi bộ xóm Bắc Sơn Nội" in capsys.readouterr().out
    assert main(["unit", "chuyen", "XATHUNGNAI1", "về", "BP-TH", "--yes"]) == 2  # into its own chi bộ
