"""Reminders, escalations and digests: gather the state, plan (pure), and deliver each send exactly once.

Every send is claimed in the reminder log before it is made and marked after, so overlapping runs, a second
process and restarts never repeat it. A crash after Telegram accepted a message but before the log says
"sent" leaves the row "sending", and a send that timed out after the request went out is logged "uncertain":
neither is ever retried — we prefer a lost reminder to a repeated one. (Per message kind: README, "Nothing
lost, nothing twice".)
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime

from bot.domain.bots import near_cap
from bot.domain.calendar import Calendar
from bot.domain.planner import Plan, Send, plan
from bot.domain.quota import Level, Priority, Quota, month_key
from bot.present.replies import reminders as texts
from bot.services.context import Context
from storage import pending, reminders, users

from . import calendar_state
from .delivery import Delivery, Notifier, Outcome, claim, send_claimed
from .rendering import Warnings, render
from .routing import Deliver, Held, Unreachable, priority, route
from .state import Snapshot, snapshot

log = logging.getLogger(__name__)


class ReminderService:
    def __init__(self, ctx: Context, notifiers: Mapping[str, Notifier], concurrency: int = 8) -> None:
        self.ctx = ctx
        self.notifiers = dict(notifiers)
        self._warnings = Warnings()
        self._semaphore = asyncio.Semaphore(concurrency)
        self._tick_lock = asyncio.Lock()

    # --- calendar ------------------------------------------------------------------------------
    async def calendar(self) -> Calendar:
        return await calendar_state.load(self.ctx.db)

    async def save_calendar(self, calendar: Calendar, by: int | None) -> None:
        await calendar_state.save(self.ctx.db, calendar, by, self.ctx.now())

    # --- state -----------------------------------------------------------------------------------
    async def snapshot(self, now: datetime) -> Snapshot:
        return await snapshot(self.ctx, await self.calendar(), now)

    async def plan(self, now: datetime | None = None) -> tuple[Snapshot, Plan]:
        now = now or self.ctx.now()
        snap = await self.snapshot(now)
        return snap, plan(now, snap.calendar, snap.tree, snap.states, snap.reporters, snap.officials, snap.chats)

    # --- a scheduled run ---------------------------------------------------------------------------
    async def tick(self, now: datetime | None = None) -> Outcome:
        """Send whatever is due and not yet sent. Safe to run as often as wanted, from several processes."""
        async with self._tick_lock:
            now = now or self.ctx.now()
            snap, the_plan = await self.plan(now)
            outcome = Outcome()
            for send in the_plan.expired:
                if await reminders.mark_missed(
                    self.ctx.db,
                    recipient=send.recipient,
                    user_id=send.user_id,
                    unit_id=send.unit_id,
                    kind=send.kind,
                    period_key=send.period_key,
                    now=now,
                ):
                    outcome.missed += 1
                    log.warning(
                        "skipped %s to %s for unit %s (%s): due %s, outside the grace window",
                        send.kind,
                        send.recipient,
                        send.unit_id,
                        send.period_key,
                        send.due_at,
                    )
            if snap.calendar.paused:
                outcome.paused = True
                return outcome
            if snap.calendar.is_quiet(now):
                outcome.skipped_quiet = bool(the_plan.due)
                return outcome
            quotas = await self._quotas()
            self._warnings.quotas = dict(quotas)  # as they stood before this run: the warnings' figures
            sends = the_plan.due + self._quota_warnings(snap, quotas, now) + await self._cap_warnings(snap, now)
            await self._deliver_all(snap, the_plan, sends, now, outcome, quotas)
            return outcome

    async def _deliver_all(
        self,
        snap: Snapshot,
        the_plan: Plan,
        sends: list[Send],
        now: datetime,
        outcome: Outcome,
        quotas: dict[str, Quota] | None = None,
    ) -> None:
        """Send in priority order; `quotas` (read now if not given) are spent as sends are routed."""
        busy = await pending.open_users(self.ctx.db)
        unreachable, backing_off = await reminders.delivery_holds(self.ctx.db, now)
        already = await reminders.logged_keys(self.ctx.db, "")
        quotas = quotas if quotas is not None else await self._quotas()
        todo: list[tuple[Send, Deliver]] = []
        ranked = sorted((self.priority(snap, s), i, s) for i, s in enumerate(sends))
        for rank, _, send in ranked:
            if send.key in already:
                continue
            if send.user_id in unreachable:
                outcome.unreachable += 1  # named in the digest; a message from them re-activates delivery
                continue
            if send.user_id in backing_off:
                outcome.backing_off += 1  # never retried faster than the back-off
                continue
            if send.user_id is not None and send.user_id in busy:
                outcome.deferred += 1  # in the middle of a confirmation: not now, a later run will send it
                continue
            match await route(self.ctx.db, self.notifiers, send, rank, quotas):
                case Deliver() as target:
                    todo.append((send, target))
                case Held():
                    outcome.held += 1  # over a quota: a later run (or next month) may still send it
                case Unreachable():
                    pass  # no chat on a channel this bot runs: named in the previews, nothing to send
        for result in await asyncio.gather(*(self._deliver(snap, the_plan, s, now, t) for s, t in todo)):
            outcome.count(result)

    async def _deliver(self, snap: Snapshot, the_plan: Plan, send: Send, now: datetime, to: Deliver) -> Delivery | None:
        async with self._semaphore:
            log_id = await claim(self.ctx.db, send, now)
            if log_id is None:
                return None  # claimed by an overlapping run
            text = await self.render(snap, the_plan, send, now)
            return await send_claimed(
                self.ctx.db, self.notifiers[to.channel], to.chat_id, send, text, log_id, self.ctx.now
            )

    # --- channels and quotas ---------------------------------------------------------------------------
    @staticmethod
    def priority(snap: Snapshot, send: Send) -> Priority:
        state = snap.states.get(send.unit_id)
        return priority(send, state is not None and state.reported)

    async def _quotas(self) -> dict[str, Quota]:
        found = {}
        for channel, notifier in self.notifiers.items():
            quota = await notifier.quota()
            if quota is not None and not quota.unlimited:
                found[channel] = quota
        return found

    async def reachable(self, user_id: int) -> bool:
        """Whether a message can reach this person: a linked chat on a channel this bot sends through (offline, as in
        `ptdv remind`, the configured channels; with none configured, any linked chat)."""
        channels = set(self.notifiers) or set(self.ctx.settings.channels)
        chats = await users.chats_of(self.ctx.db, user_id)
        return any(not channels or channel in channels for channel, _ in chats)

    def _quota_warnings(self, snap: Snapshot, quotas: Mapping[str, Quota], now: datetime) -> list[Send]:
        """Once a month per level, the top officials hear that a channel's quota is running out."""
        sends = []
        month = month_key(now.date())
        for channel, quota in quotas.items():
            if quota.level is Level.OK:
                continue
            key = f"{channel}:{month}:{quota.level.value}"
            for person in snap.officials:
                if snap.tree[person.unit_id].parent_id is None:
                    sends.append(Send("quota", f"user:{person.user_id}", person.user_id, person.unit_id, key, now))
        return sends

    async def _cap_warnings(self, snap: Snapshot, now: datetime) -> list[Send]:
        """Once a month, the top officials hear that a bot nears its plan's user cap, and which units to move."""
        sends = []
        self._warnings.caps = {}
        for share in self.ctx.settings.bot_shares:
            people = await users.people_on_channel(self.ctx.db, share.channel)
            if not near_cap(len(people), share.user_cap):
                continue
            assert share.user_cap is not None
            per_unit: dict[int, int] = defaultdict(int)
            for _, unit_id in people:  # counted by the top units under a root: the ones a bot can take over
                if unit_id in snap.tree:
                    path = [unit_id, *snap.tree.ancestors(unit_id)]
                    per_unit[path[-2] if len(path) > 1 else path[0]] += 1
            ranked = sorted(per_unit.items(), key=lambda kv: -kv[1])
            move: list[tuple[str, str, int]] = []
            left = len(people)
            for unit_id, count in ranked:
                if left < share.user_cap * 0.7 or len(move) == len(ranked) - 1:
                    break
                move.append((snap.tree[unit_id].name, snap.tree[unit_id].code, count))
                left -= count
            key = f"{share.channel}:{month_key(now.date())}:cap"
            self._warnings.caps[key] = texts.cap_warning(share.name or share.channel, len(people), share.user_cap, move)
            for person in snap.officials:
                if snap.tree[person.unit_id].parent_id is None:
                    sends.append(Send("cap", f"user:{person.user_id}", person.user_id, person.unit_id, key, now))
        return sends

    # --- texts ---------------------------------------------------------------------------------------
    async def render(self, snap: Snapshot, the_plan: Plan, send: Send, now: datetime) -> str:
        return await render(self.ctx.db, snap, the_plan, send, now, self._warnings)

    # --- controls ------------------------------------------------------------------------------------
    async def preview_rows(self, root_id: int, now: datetime) -> tuple[Snapshot, Plan, list[Send]]:
        """Who would be reminded now in `root_id`'s subtree (manual run), ignoring the due dates."""
        snap, the_plan = await self.plan(now)
        scope = set(snap.tree.subtree(root_id))
        key = f"{the_plan.period.code}:m{now:%Y%m%d}"
        sends = [
            Send("remind", f"user:{p.user_id}", p.user_id, unit_id, key, now)
            for unit_id, state in snap.states.items()
            if unit_id in scope and (not state.reported or state.behind)
            for p in snap.reporters.get(unit_id, [])
        ]
        return snap, the_plan, sends

    async def send_now(self, root_id: int, now: datetime | None = None) -> Outcome:
        now = now or self.ctx.now()
        snap, the_plan, sends = await self.preview_rows(root_id, now)
        outcome = Outcome()
        if snap.calendar.is_quiet(now):
            outcome.skipped_quiet = True
            return outcome
        await self._deliver_all(snap, the_plan, sends, now, outcome)
        return outcome
