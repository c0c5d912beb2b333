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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum, StrEnum
from typing import Literal, Protocol

from bot.domain.bots import near_cap
from bot.domain.calendar import Calendar
from bot.domain.messages import Reply
from bot.domain.periods import Period, expected_share, ym
from bot.domain.planner import Person, Plan, Send, UnitState, plan
from bot.domain.progress import STATUS_LABELS, Status, rolled_targets
from bot.domain.quota import Level, Priority, Quota, month_key, next_month
from bot.domain.tree import UnitTree
from bot.present.replies import reminders as texts
from bot.services.context import Context
from bot.services.progress import load_progress
from storage import audit, pending, reminders, rollups, submissions, targets, users

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the channel says outright the person cannot be reached (Telegram: blocked the bot)
    FAILED = "failed"  # surely not delivered (refused, or never left): tried again on a later run, after a back-off
    UNCERTAIN = "uncertain"  # no answer after the request went out (a timeout): may have arrived, never re-sent
    QUOTA = "quota"  # the channel's monthly quota is used up: held, nobody's fault, not a failed delivery


class Notifier(Protocol):
    """A channel's way of sending one message to one chat, within the channel's limits."""

    async def deliver(self, chat_id: str, reply: Reply) -> Delivery: ...

    async def quota(self) -> Quota | None:
        """The channel's monthly quota as used so far; None when the channel has none."""
        ...


@dataclass
class Outcome:
    sent: int = 0
    deferred: int = 0
    blocked: int = 0  # refused by the channel this run: marked unreachable (still registered and active)
    failed: int = 0
    uncertain: int = 0  # timed out after the request went out: may have arrived; never re-sent
    unreachable: int = 0  # skipped: marked unreachable until they write to the bot or an official clears it
    backing_off: int = 0  # skipped: a recent failed send; not retried before its back-off has passed
    missed: int = 0
    held: int = 0  # kept back to stay within a channel's monthly quota
    skipped_quiet: bool = False
    paused: bool = False
    details: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Snapshot:
    """The state the planner works from, and what the texts need besides."""

    tree: UnitTree
    calendar: Calendar
    period: Period
    states: dict[int, UnitState]
    reporters: dict[int, list[Person]]
    officials: list[Person]
    chats: list[tuple[str, str, int]]
    pace: float  # expected share at the period's end (linear)
    paces: dict[int, float]  # the same for units with their own quarterly plan


class _Route(Enum):
    HELD = "held"  # only a quota stands in the way: a later run (or next month) may still send it


_HELD = _Route.HELD


class ReminderService:
    def __init__(self, ctx: Context, notifiers: Mapping[str, Notifier], concurrency: int = 8) -> None:
        self.ctx = ctx
        self.notifiers = dict(notifiers)
        self._quota_seen: dict[str, Quota] = {}
        self._cap_texts: dict[str, str] = {}
        self._semaphore = asyncio.Semaphore(concurrency)
        self._tick_lock = asyncio.Lock()

    # --- calendar ------------------------------------------------------------------------------
    async def calendar(self) -> Calendar:
        stored = await reminders.load_setting(self.ctx.db, reminders.CALENDAR_KEY)
        return Calendar.model_validate(stored or {})

    async def save_calendar(self, calendar: Calendar, by: int | None) -> None:
        by = by or None  # the command line (user 0) acts as nobody in particular
        before = await reminders.load_setting(self.ctx.db, reminders.CALENDAR_KEY)
        async with self.ctx.db.transaction():
            await reminders.save_setting(
                self.ctx.db, reminders.CALENDAR_KEY, calendar.model_dump(mode="json"), self.ctx.now(), by
            )
            await audit.record(
                self.ctx.db,
                action="calendar.update",
                entity="settings",
                entity_id="calendar",
                now=self.ctx.now(),
                actor=by,
                before=before,
                after=calendar.model_dump(mode="json"),
            )

    # --- state -----------------------------------------------------------------------------------
    async def snapshot(self, now: datetime) -> Snapshot:
        ctx = self.ctx
        tree = await ctx.tree()
        calendar = await self.calendar()
        today = now.date()
        period = calendar.period_of(today)
        in_period = await rollups.counts(ctx.db, period.ym_from, period.ym_to)
        year_sums = await rollups.counts(ctx.db, today.year * 100 + 1, ym(today), period_end=today.year * 100 + 12)
        direct, plans = await targets.values_for_year(ctx.db, today.year)
        pace = expected_share(period.end, None)
        tolerance = calendar.tolerance_points / 100
        paces = {unit: expected_share(period.end, unit_plan) for unit, unit_plan in plans.items()}
        states: dict[int, UnitState] = {}
        for root in tree.roots:
            rolled = rolled_targets(tree, root, direct)
            for unit_id in tree.reporting_units(root):
                target = rolled[unit_id][0]
                admitted = year_sums[unit_id][1] if unit_id in year_sums else 0
                behind = admitted / target < paces.get(unit_id, pace) - tolerance if target else False
                states[unit_id] = UnitState(unit_id, unit_id in in_period, admitted, target, behind)
        reporters: dict[int, list[Person]] = defaultdict(list)
        officials = []
        for user_id, name, unit_id, official in await users.active_people(ctx.db):
            if unit_id not in tree:
                continue
            person = Person(user_id, name, unit_id, official)
            if official:
                officials.append(person)
            else:
                reporters[unit_id].append(person)
        chats = await reminders.linked_chats(ctx.db)
        return Snapshot(tree, calendar, period, states, dict(reporters), officials, chats, pace, paces)

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
            self._quota_seen = dict(quotas)  # as they stood before this run: the warnings' figures
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
        todo = []
        ranked = sorted((self.priority(snap, s), i, s) for i, s in enumerate(sends))
        for priority, _, send in ranked:
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
            target = await self._route(send, priority, quotas)
            if target is _HELD:
                outcome.held += 1  # over a quota: a later run (or next month) may still send it
                continue
            if target is not None:
                todo.append((send, target))
        results = await asyncio.gather(*(self._deliver(snap, the_plan, s, now, t) for s, t in todo))
        for result in results:
            if result is Delivery.SENT:
                outcome.sent += 1
            elif result is Delivery.BLOCKED:
                outcome.blocked += 1
            elif result is Delivery.FAILED:
                outcome.failed += 1
            elif result is Delivery.UNCERTAIN:
                outcome.uncertain += 1
            elif result is Delivery.QUOTA:
                outcome.held += 1

    async def _deliver(
        self, snap: Snapshot, the_plan: Plan, send: Send, now: datetime, target: tuple[str, str]
    ) -> Delivery | None:
        async with self._semaphore:
            channel, chat_id = target
            log_id = await reminders.claim(
                self.ctx.db,
                recipient=send.recipient,
                user_id=send.user_id,
                unit_id=send.unit_id,
                kind=send.kind,
                period_key=send.period_key,
                now=now,
            )
            if log_id is None:
                return None  # claimed by an overlapping run
            text = await self.render(snap, the_plan, send, now)
            detail: str | None = None
            try:
                result = await self.notifiers[channel].deliver(chat_id, Reply(text=text))
            except Exception as exc:  # a bug in a notifier must not stop the fan-out
                log.exception("delivery to %s failed", send.recipient)
                result, detail = Delivery.FAILED, repr(exc)
            # Between Telegram's acceptance and this write is the one moment that cannot be made exact: if the
            # process dies here the row stays "sending" and is never retried (no repeats, at worst one loss).
            if result is Delivery.QUOTA:
                # not sent and not the person's fault: the log forgets the claim, a later run may send it
                await reminders.release(self.ctx.db, log_id)
                return result
            await reminders.finish(self.ctx.db, log_id, result.value, self.ctx.now(), detail)
            if result is Delivery.UNCERTAIN:
                # the network failed us, not the person: neither a success nor a failure of theirs
                log.warning("%s to %s may not have arrived (timed out); not sent again", send.kind, send.recipient)
            elif send.user_id is not None:
                if result is Delivery.SENT:
                    await reminders.record_success(self.ctx.db, send.user_id)
                else:  # a failure backs this person's sends off; unreachable only after repeated failures
                    refused = result is Delivery.BLOCKED
                    await reminders.record_failure(self.ctx.db, send.user_id, self.ctx.now(), refused=refused)
            return result

    # --- channels and quotas ---------------------------------------------------------------------------
    @staticmethod
    def priority(snap: Snapshot, send: Send) -> Priority:
        if send.kind in ("escalate", "quota", "cap"):
            return Priority.ESCALATION
        if send.kind == "digest":
            return Priority.DIGEST
        state = snap.states.get(send.unit_id)
        return Priority.BEHIND if state is not None and state.reported else Priority.NOT_REPORTED

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

    async def _route(
        self, send: Send, priority: Priority, quotas: dict[str, Quota]
    ) -> tuple[str, str] | Literal[_Route.HELD] | None:
        """Where a send goes: the recipient's first-registered channel that may still carry it (quotas are
        spent here, in priority order); `_HELD` when only a quota stands in the way; None when unreachable."""
        if send.recipient.startswith("chat:"):
            _, channel, chat_id = send.recipient.split(":", 2)
            options = [(channel, chat_id)]
        else:
            assert send.user_id is not None
            options = await users.chats_of(self.ctx.db, send.user_id)
        options = [(c, chat) for c, chat in options if c in self.notifiers]
        for channel, chat_id in options:
            quota = quotas.get(channel)
            if quota is None:
                return channel, chat_id
            if quota.allows(priority):
                quotas[channel] = quota.spend()
                return channel, chat_id
        return _HELD if options else None

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
        self._cap_texts = {}
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
            self._cap_texts[key] = texts.cap_warning(share.name or share.channel, len(people), share.user_cap, move)
            for person in snap.officials:
                if snap.tree[person.unit_id].parent_id is None:
                    sends.append(Send("cap", f"user:{person.user_id}", person.user_id, person.unit_id, key, now))
        return sends

    # --- texts ---------------------------------------------------------------------------------------
    async def render(self, snap: Snapshot, the_plan: Plan, send: Send, now: datetime) -> str:
        tree = snap.tree
        if send.kind == "remind":
            state = snap.states[send.unit_id]
            pace = snap.paces.get(send.unit_id, snap.pace)
            return texts.reminder(
                tree[send.unit_id].name,
                now.year,
                state.admitted,
                state.target,
                pace,
                the_plan.period,
                the_plan.deadline,
                state.reported,
            )
        if send.kind == "escalate":
            rows = [(tree[u].name, [p.name for p in snap.reporters.get(u, [])]) for u in send.units]
            return texts.escalation(tree[send.unit_id].name, the_plan.period, the_plan.deadline, rows)
        if send.kind == "cap":
            return self._cap_texts[send.period_key]
        if send.kind == "quota":
            channel = send.period_key.split(":", 1)[0]
            quota = self._quota_seen[channel]
            return texts.quota_warning(
                channel, quota.used, quota.limit, quota.level.value, now.date(), next_month(now.date())
            )
        return await self._digest(snap, the_plan, send, now)

    async def _digest(self, snap: Snapshot, the_plan: Plan, send: Send, now: datetime) -> str:
        tree = snap.tree
        root = send.unit_id
        view = await load_progress(self.ctx.db, tree, root, Period.of_year(now.year), now.date())
        scope = set(tree.subtree(root))
        leaves = [u for u in tree.reporting_units(root)]
        behind = [
            tree[p.unit_id].name
            for p in sorted(view.children(), key=lambda p: p.share or 0)
            if p.status is Status.BEHIND
        ]
        silent = [tree[u].name for u in leaves if u in snap.states and not snap.states[u].reported]
        no_reporter = [tree[u].name for u in the_plan.no_reporter if u in scope]
        blocked = [
            f"{name} ({tree[unit].name})"
            for _, name, unit, _ in await reminders.unreachable_users(self.ctx.db)
            if unit in scope
        ]
        week_reports, week_admitted = await self._week_changes(scope, now)
        r = view.root
        return texts.digest(
            tree[root].name,
            send.period_key,
            now.year,
            r.cumulative.admitted,
            r.target,
            view.pace,
            STATUS_LABELS[r.status],
            week_reports,
            week_admitted,
            behind,
            silent,
            the_plan.period.label,
            no_reporter,
            blocked,
        )

    async def _week_changes(self, scope: set[int], now: datetime) -> tuple[int, int]:
        reports = admitted = 0
        for row in await submissions.created_since(self.ctx.db, now - timedelta(days=7)):
            if row["unit_id"] not in scope:
                continue
            reports += 1
            if row["kind"] in ("admission", "adjustment"):
                admitted += row["admitted"] - row["replaced"]
        return reports, admitted

    # --- controls ------------------------------------------------------------------------------------
    async def preview_rows(self, root_id: int, now: datetime) -> tuple[Snapshot, Plan, list[Send]]:
        """Who would be reminded now in `root_id`'s subtree (manual run), ignoring the due dates."""
        snap, the_plan = await self.plan(now)
        scope = set(snap.tree.subtree(root_id))
        key = f"{the_plan.period.kind.value[0].upper()}{the_plan.period.year}-{the_plan.period.index}:m{now:%Y%m%d}"
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
