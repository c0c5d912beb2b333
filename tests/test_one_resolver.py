"""Issue 18 §2: one unit resolver (`services.scope.resolve_unit`) with its policies as parameters — used by
questions, reports, targets, invites, people, re-organisation and the command line. A name written out that
matches nothing is "not found" with the nearest names: never the asker's own unit."""

from __future__ import annotations

import pytest

from bot.domain.models import Role, User
from bot.services.context import Context
from bot.services.refusal import Refusal
from bot.services.reporting import _target_unit
from bot.services.scope import NAME, NAME_REQUIRED, REPORT, UnitPolicy, refusal, resolve_unit
from tests.conftest import message_update
from tests.harness import TelegramHarness, button


async def _ctx(settings, district_db, clock) -> tuple[Context, dict[str, int]]:
    ctx = Context(district_db, settings, clock)
    tree = await ctx.tree()
    return ctx, {u.code: u.id for u in tree.units.values()}


async def test_policies(settings, district_db, clock):
    ctx, ids = await _ctx(settings, district_db, clock)
    official = User(id=1, name="o", role=Role.OFFICIAL, unit_id=ids["CP"])
    reporter = User(id=2, name="r", role=Role.REPORTER, unit_id=ids["BP-BS"])
    # nothing written: the asker's own unit only when the policy allows it
    assert (await resolve_unit(ctx, reporter, None, NAME)).unit_id == ids["BP-BS"]
    assert (await resolve_unit(ctx, reporter, None, NAME_REQUIRED)).how == "not_found"
    # a name that matches nothing: not found with the nearest names, whatever the fallback policy
    for policy in (NAME, NAME_REQUIRED):
        found = await resolve_unit(ctx, reporter, "Chi bộ Hoàng Sa", policy)
        assert found.how == "not_found" and found.unit_id is None
    found = await resolve_unit(ctx, official, "xã Bắc Phng", NAME)
    assert (found.how, found.unit_id) == ("unit", ids["BP"])
    # outside the scope: said so; the command line (no asker) sees every unit
    assert (await resolve_unit(ctx, reporter, "xã Tây Phong", NAME)).how == "out_of_scope"
    everywhere = UnitPolicy(allow_own_unit_fallback=False, within_scope=False)
    assert (await resolve_unit(ctx, None, "xã Tây Phong", everywhere)).unit_id == ids["TP"]
    # a scope root narrows the search; a stricter fuzzy threshold refuses a typo the default accepts
    assert (await resolve_unit(ctx, official, "xã Tây Phong", UnitPolicy(scope_root=ids["BP"]))).how == "out_of_scope"
    assert (await resolve_unit(ctx, official, "xã Bắc Phng", UnitPolicy(fuzzy_threshold=99.0))).how == "not_found"
    # a report: the words before "kết nạp" are looked up among the names
    found = await resolve_unit(ctx, official, "Thị trấn kết nạp 1 đồng chí tháng này", REPORT)
    assert (found.how, found.unit_id) == ("unit", ids["TTCP"])
    refused = await refusal(ctx, reporter, await resolve_unit(ctx, reporter, "Chi bộ Hoàng Sa", NAME))
    assert refused is not None and "Không tìm thấy đơn vị “Chi bộ Hoàng Sa”" in refused.text


async def test_a_reporters_unit_name_that_matches_nothing_is_not_their_own_unit(settings, district_db, clock):
    """The reporting resolver used to take a reporter's unmatched unit words for their own unit, silently."""
    ctx, ids = await _ctx(settings, district_db, clock)
    reporter = User(id=2, name="r", role=Role.REPORTER, unit_id=ids["BP-BS"])
    with pytest.raises(Refusal, match="Không tìm thấy đơn vị “Chi bộ Hoàng Sa”"):
        await _target_unit(ctx, reporter, "Chi bộ Hoàng Sa", "kết nạp 2")
    assert await _target_unit(ctx, reporter, None, "kết nạp 2") == ids["BP-BS"]


async def test_an_official_reports_for_the_unit_named_before_ket_nap(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", 9101)
        replies = await bot.send(message_update(9101, "Thị trấn kết nạp 1 đồng chí tháng này"))
        text = "\n".join(r.text for r in replies)
        assert "Đảng bộ thị trấn Cao Phong" in text, text
        button(replies, "Xác nhận")
        assert not bot.errors


async def test_free_text_reorganisation_reaches_the_previewed_flow(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", 9101)
        for text in (
            "Chi bộ Trung tâm Chính trị huyện ngừng hoạt động từ tháng này.",
            "Chuyển Chi bộ Trung tâm Chính trị huyện về trực thuộc Đảng bộ Cơ quan Chính quyền huyện.",
        ):
            replies = await bot.send(message_update(9101, text))
            shown = "\n".join(r.text for r in replies)
            assert "Trung tâm Chính trị" in shown, shown
            button(replies, "Xác nhận")
        assert not bot.errors
