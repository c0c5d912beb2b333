"""The reminders package's small rooms on their own: typed routing and the digest record's text."""

from __future__ import annotations

from datetime import datetime

from bot.domain.planner import Send
from bot.domain.quota import Priority, Quota
from bot.present.replies import reminders as texts
from bot.services.reminders import Deliver, Held, Unreachable
from bot.services.reminders.routing import priority, route

NOW = datetime(2026, 3, 10, 9, 0)


def _group(channel: str = "telegram") -> Send:
    return Send("digest", f"chat:{channel}:-100", None, 1, "W2026-11", NOW)


async def test_route_is_typed(db) -> None:
    quotas: dict[str, Quota] = {}
    assert await route(db, {"telegram": object()}, _group(), Priority.DIGEST, quotas) == Deliver("telegram", "-100")
    # a chat on a channel this bot does not run: unreachable, not a sentinel string or None
    assert await route(db, {"zalo": object()}, _group(), Priority.DIGEST, quotas) == Unreachable()


async def test_route_holds_over_quota_and_spends_in_order(db) -> None:
    quotas = {"zalo": Quota(limit=10, used=9)}
    # the last message of the month is kept for escalations: a digest is held, an escalation goes and spends it
    assert await route(db, {"zalo": object()}, _group("zalo"), Priority.DIGEST, quotas) == Held()
    escalation = Send("escalate", "chat:zalo:-100", None, 1, "Q2026-1", NOW)
    assert await route(db, {"zalo": object()}, escalation, Priority.ESCALATION, quotas) == Deliver("zalo", "-100")
    assert quotas["zalo"].used == 10


def test_priority_by_kind_and_state() -> None:
    remind = Send("remind", "user:1", 1, 1, "Q2026-1:d5", NOW)
    assert priority(remind, reported=False) is Priority.NOT_REPORTED
    assert priority(remind, reported=True) is Priority.BEHIND
    assert priority(_group(), reported=None) is Priority.DIGEST


def test_digest_record_renders() -> None:
    text = texts.digest(
        texts.Digest(
            unit_name="Đảng bộ xã A",
            week="W2026-11",
            year=2026,
            admitted=3,
            target=12,
            pace=0.25,
            status="chậm",
            week_reports=2,
            week_admitted=1,
            behind=["Chi bộ 1"],
            silent=[],
            period_label="quý I/2026",
            no_reporter=[],
            blocked=[],
        )
    )
    assert text.startswith("BẢN TIN TUẦN 11/2026 — Đảng bộ xã A")
    assert "3/12 ĐVM (25%)" in text and "+1 ĐVM" in text and "Chậm tiến độ (1): Chi bộ 1." in text
    assert "Chưa báo cáo" not in text
