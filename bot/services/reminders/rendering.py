"""The text of each send: the facts gathered here, the sentences in `bot.present.replies.reminders`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.periods import Period
from bot.domain.planner import Plan, Send
from bot.domain.progress import STATUS_LABELS, Status
from bot.domain.quota import Quota, next_month
from bot.present.replies import reminders as texts
from bot.services.progress import load_progress
from storage import reminders, submissions
from storage.db import Database

from .state import Snapshot


@dataclass
class Warnings:
    """What a run's quota and cap warnings say: the quotas as they stood before the run, the cap texts by key."""

    quotas: dict[str, Quota] = field(default_factory=dict)
    caps: dict[str, str] = field(default_factory=dict)


async def render(db: Database, snap: Snapshot, the_plan: Plan, send: Send, now: datetime, warnings: Warnings) -> str:
    tree = snap.tree
    if send.kind == "remind":
        state = snap.states[send.unit_id]
        return texts.reminder(
            texts.Standing(
                unit_name=tree[send.unit_id].name,
                year=now.year,
                admitted=state.admitted,
                target=state.target,
                pace=snap.paces.get(send.unit_id, snap.pace),
                reported=state.reported,
            ),
            the_plan.period,
            the_plan.deadline,
        )
    if send.kind == "escalate":
        rows = [(tree[u].name, [p.name for p in snap.reporters.get(u, [])]) for u in send.units]
        return texts.escalation(tree[send.unit_id].name, the_plan.period, the_plan.deadline, rows)
    if send.kind == "cap":
        return warnings.caps[send.period_key]
    if send.kind == "quota":
        channel = send.period_key.split(":", 1)[0]
        quota = warnings.quotas[channel]
        return texts.quota_warning(
            channel, quota.used, quota.limit, quota.level.value, now.date(), next_month(now.date())
        )
    return texts.digest(await digest(db, snap, the_plan, send, now))


async def digest(db: Database, snap: Snapshot, the_plan: Plan, send: Send, now: datetime) -> texts.Digest:
    """The weekly digest's facts for the subtree under `send.unit_id`."""
    tree = snap.tree
    root = send.unit_id
    view = await load_progress(db, tree, root, Period.of_year(now.year), now.date())
    scope = set(tree.subtree(root))
    behind = [
        tree[p.unit_id].name for p in sorted(view.children(), key=lambda p: p.share or 0) if p.status is Status.BEHIND
    ]
    silent = [tree[u].name for u in tree.reporting_units(root) if u in snap.states and not snap.states[u].reported]
    no_reporter = [tree[u].name for u in the_plan.no_reporter if u in scope]
    blocked = [
        f"{name} ({tree[unit].name})" for _, name, unit, _ in await reminders.unreachable_users(db) if unit in scope
    ]
    week_reports, week_admitted = await week_changes(db, scope, now)
    r = view.root
    return texts.Digest(
        unit_name=tree[root].name,
        week=send.period_key,
        year=now.year,
        admitted=r.cumulative.admitted,
        target=r.target,
        pace=view.pace,
        status=STATUS_LABELS[r.status],
        week_reports=week_reports,
        week_admitted=week_admitted,
        behind=behind,
        silent=silent,
        period_label=the_plan.period.label,
        no_reporter=no_reporter,
        blocked=blocked,
    )


async def week_changes(db: Database, scope: set[int], now: datetime) -> tuple[int, int]:
    """Reports recorded in the last seven days within `scope`, and the ĐVM they added (net of what they replaced)."""
    reports = admitted = 0
    for row in await submissions.created_since(db, now - timedelta(days=7)):
        if row.unit_id not in scope:
            continue
        reports += 1
        if row.kind in ("admission", "adjustment"):
            admitted += row.admitted - row.replaced
    return reports, admitted
