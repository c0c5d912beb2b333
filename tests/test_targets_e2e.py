"""Targets by chat: preview, confirmation, audit, quarterly plans, sum warnings, scope."""

from __future__ import annotations

from datetime import date

import pytest

from bot.language.targets import TargetDraft, TargetProblem, read_target
from storage import targets, units
from tests.conftest import callback_update, message_update
from tests.harness import TelegramHarness, button

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "scope", "start", "value", "unit", "plan"),
    [
        ("giao chỉ tiêu năm 2027 cho Chi bộ Bắc Phong là 3", "year", 2027, 3, "chi bo bac phong", None),
        ("chỉ tiêu nhiệm kỳ 2025-2030 của đảng bộ là 750", "term", 2025, 750, None, None),
        ("chi tieu nam 2027 cong an huyen 6", "year", 2027, 6, "cong an huyen", None),
        ("/chitieu 2027 xã Tây Phong 4 theo quý 1 1 1 1", "year", 2027, 4, "xa tay phong", (0.25,) * 4),
        ("chỉ tiêu năm nay của đảng bộ = 71, theo quý 20 30 30 20", "year", 2026, 71, None, (0.2, 0.3, 0.3, 0.2)),
    ],
)
def test_read_target(text, scope, start, value, unit, plan):
    draft = read_target(text, TODAY)
    assert isinstance(draft, TargetDraft), draft
    assert (draft.scope, draft.start_year, draft.value, draft.unit_text, draft.quarter_plan) == (
        scope,
        start,
        value,
        unit,
        plan,
    )


@pytest.mark.parametrize(
    "text",
    [
        "chỉ tiêu cho xã Bắc Phong là 3",
        "chỉ tiêu năm 2027 cho xã Bắc Phong",
        "chỉ tiêu năm 2027 là 4 theo quý 1 1 1 5",
        "chỉ tiêu quý 3 là 4",
    ],
)
def test_bad_targets(text):
    assert isinstance(read_target(text, TODAY), TargetProblem)


async def test_set_targets_by_chat(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as bot:
        await bot.link("binh", 501)
        await bot.link("minh", 502)
        await bot.link("hung", 503)
        preview = await bot.send(message_update(501, "giao chỉ tiêu năm 2027 cho Chi bộ xóm Nội là 3"))
        assert "Giao chỉ tiêu năm 2027 — Chi bộ xóm Nội: 3 ĐVM (hiện tại: 2)" in preview[0].text
        message, data = button(preview, "Xác nhận")
        done = await bot.send(callback_update(501, data, message.message_id))
        again = await bot.send(callback_update(501, data, message.message_id))
        assert "Đã giao chỉ tiêu năm 2027 cho Chi bộ xóm Nội: 3 ĐVM" in done[0].text
        assert "đã được lưu trước đó" in again[0].text
        noi = (await units.by_code(district_db, "BP-NOI")).id
        assert (await targets.for_year(district_db, 2027))[noi].value == 3
        plan = await bot.send(message_update(501, "/chitieu 2026 xã Tây Phong 4 theo quý 10 20 30 40"))
        assert "cộng lại 73, khác chỉ tiêu của Đảng bộ huyện Cao Phong (71)" in plan[0].text  # warned, not blocked
        await bot.send(callback_update(501, button(plan, "Xác nhận")[1]))
        tp = (await units.by_code(district_db, "TP")).id
        assert (await targets.for_year(district_db, 2026))[tp].quarter_plan == (0.1, 0.2, 0.3, 0.4)
        assert (await targets.for_year(district_db, 2026))[tp].value == 4
        term = await bot.send(message_update(501, "chỉ tiêu nhiệm kỳ 2025-2030 của đảng bộ là 380"))
        await bot.send(message_update(501, "có"))
        progress = await bot.send(message_update(501, "tiến độ nhiệm kỳ"))
        assert "/380 ĐVM" in progress[0].text and "360" in term[0].text
        refused = await bot.send(message_update(502, "chỉ tiêu năm 2027 là 9"))
        assert "dành cho cán bộ theo dõi" in refused[0].text
        outside = await bot.send(message_update(503, "giao chỉ tiêu năm 2027 cho Công an huyện là 9"))
        assert "ngoài phạm vi" in outside[0].text
        question = await bot.send(message_update(501, "chỉ tiêu năm nay là bao nhiêu?"))
        assert "TIẾN ĐỘ" in question[0].text
        assert not bot.errors
    rows = await district_db.fetchall(
        "SELECT action, actor_user_id, before, after FROM audit WHERE action = 'target.set'"
    )
    assert len(rows) == 3 and all(r["actor_user_id"] and r["after"] for r in rows)
    assert '"value": 2' in rows[0]["before"]
