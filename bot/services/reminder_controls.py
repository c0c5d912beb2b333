"""`/nhacnho` for officials: the calendar and next runs, a preview of who would be reminded now (sent on
confirmation), pause and resume, and calendar edits. `/lienketnhom` links a group chat to the digest."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from pydantic import ValidationError

from bot.domain.calendar import Calendar
from bot.domain.messages import Choice, Inbound, Reply
from bot.domain.models import User
from bot.domain.normalize import fold
from bot.present import callbacks, replies
from bot.present.replies import reminders as texts
from bot.services.context import Context
from bot.services.reminders import ReminderService
from storage import reminders as store


def next_runs(calendar: Calendar, now: datetime) -> list[tuple[str, datetime]]:
    """The next reminder days, escalation and digest, from the calendar."""
    tz = now.tzinfo
    out: list[tuple[str, datetime]] = []
    today = now.date()
    for offset in range(0, 400, 20):
        period = calendar.period_of(today + timedelta(days=offset))
        for days, day in calendar.reminder_days(period):
            at = calendar.at(day, calendar.reminder_time, tz)
            if at > now and all(a != at for _, a in out):
                out.append((texts.run_reminder(period, days), at))
        at = calendar.at(calendar.escalation_day(period), calendar.reminder_time, tz)
        if at > now and all(a != at for _, a in out):
            out.append((texts.run_escalation(period), at))
        if len(out) >= 3:
            break
    digest = calendar.at(calendar.digest_day(today), calendar.digest_time, tz)
    if digest <= now:
        digest = calendar.at(calendar.digest_day(today + timedelta(days=7)), calendar.digest_time, tz)
    out.append((texts.RUN_DIGEST, digest))
    return sorted(out, key=lambda x: x[1])[:4]


async def control(ctx: Context, service: ReminderService | None, user: User, args: str) -> list[Reply]:
    """Officials only (the route's audience; the command line passes its administrator)."""
    if service is None:
        return [Reply(text=texts.NOT_RUNNING)]
    words = fold(args)
    calendar = await service.calendar()
    now = ctx.now()
    if words in ("", "lich", "xem lich"):
        period = calendar.period_of(now.date())
        return [Reply(text=texts.calendar_text(calendar, period, calendar.deadline(period), next_runs(calendar, now)))]
    if words in ("xem", "xem truoc", "preview"):
        return [await preview(ctx, service, user, now)]
    tree = await ctx.tree()
    if user.unit_id not in tree.roots:
        return [Reply(text=texts.ROOT_ONLY)]
    try:
        updated = _edit(calendar, words)
    except CalendarProblem as problem:
        return [Reply(text=texts.calendar_not_changed(problem.text))]
    except ValidationError as exc:  # never the validator's English: the field's own explanation
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else ""
        return [Reply(text=texts.calendar_not_changed(texts.FIELD_PROBLEMS.get(field, texts.INVALID_VALUE)))]
    if updated is None:
        return [Reply(text=texts.HELP)]
    await service.save_calendar(updated, user.id)
    period = updated.period_of(now.date())
    return [
        Reply(
            text=texts.CALENDAR_UPDATED
            + texts.calendar_text(updated, period, updated.deadline(period), next_runs(updated, now))
        )
    ]


class CalendarProblem(Exception):
    """A calendar edit that cannot be made, with its Vietnamese explanation and an example."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def _edit(calendar: Calendar, words: str) -> Calendar | None:
    numbers = [int(n) for n in re.findall(r"\b\d+\b", words)]
    update: dict[str, object] | None = None
    if words in ("tamdung", "tam dung", "dung", "pause"):
        update = {"paused": True}
    elif words in ("tieptuc", "tiep tuc", "resume", "chay"):
        update = {"paused": False}
    elif words in ("thang", "hang thang"):
        update = {"frequency": "monthly"}
    elif words in ("quy", "hang quy"):
        update = {"frequency": "quarterly"}
    elif words.startswith("han") and len(numbers) == 1:
        update = {"deadline_day": numbers[0]}
    elif words.startswith("truoc") and numbers:
        update = {"remind_days_before": tuple(numbers)}
    elif words.startswith(("dungsai", "dung sai")) and len(numbers) == 1:
        update = {"tolerance_points": numbers[0]}
    elif words.startswith("gio") and (m := re.search(r"(\d{1,2})[:h ](\d{2})", words)):
        if int(m[1]) > 23 or int(m[2]) > 59:
            raise CalendarProblem(texts.no_such_time(m[1], m[2]))
        update = {"reminder_time": time(int(m[1]), int(m[2]))}
    elif words.startswith(("nghi", "bonghi", "bo nghi")) and (m := re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", words)):
        try:
            day = date(int(m[3]), int(m[2]), int(m[1]))
        except ValueError:
            raise CalendarProblem(texts.no_such_day(m[0])) from None
        holidays = set(calendar.holidays)
        if words.startswith("nghi"):
            holidays.add(day)
        else:
            holidays.discard(day)
        update = {"holidays": tuple(sorted(holidays))}
    if update is None:
        return None
    return Calendar.model_validate({**calendar.model_dump(), **update})


async def preview(ctx: Context, service: ReminderService, user: User, now: datetime) -> Reply:
    snap, the_plan, sends = await service.preview_rows(user.unit_id, now)
    tree = snap.tree
    rows, unreachable = [], []
    for send in sends:
        state = snap.states[send.unit_id]
        person = next(p.name for p in snap.reporters[send.unit_id] if p.user_id == send.user_id)
        if send.user_id is not None and not await service.reachable(send.user_id):
            unreachable.append(f"{person} ({tree[send.unit_id].name})")  # counted apart: no message can reach them
            continue
        why = texts.WHY_NOT_REPORTED if not state.reported else texts.WHY_BEHIND
        rows.append((person, tree[send.unit_id].name, why))
    scope = set(tree.subtree(user.unit_id))
    no_reporter = [tree[u].name for u in the_plan.no_reporter if u in scope]
    text = texts.preview(the_plan.period, rows, no_reporter, snap.calendar.is_quiet(now), unreachable)
    if not rows:
        return Reply(text=text)
    return Reply(
        text=text,
        choices=(
            (
                Choice(
                    label=texts.send_now_button(len(rows)),
                    data=callbacks.pack(callbacks.SendNow(root_id=user.unit_id)),
                ),
            ),
        ),
    )


async def send_now(ctx: Context, service: ReminderService | None, user: User, root_id: int) -> list[Reply]:
    """Officials only (the route's audience)."""
    if service is None:
        return [Reply(text=replies.OFFICIALS_ONLY)]
    if root_id not in await ctx.scope(user):
        return [Reply(text=replies.out_of_scope(replies.unit_number(root_id)))]
    outcome = await service.send_now(root_id)
    if outcome.skipped_quiet:
        return [Reply(text=texts.QUIET_NOW)]
    return [
        Reply(
            text=texts.sent_summary(
                outcome.sent,
                outcome.deferred,
                outcome.blocked + outcome.unreachable,
                outcome.failed + outcome.backing_off,
                outcome.held,
                outcome.uncertain,
            )
        )
    ]


def group_digests(channel: str) -> bool:
    """Can this channel carry the weekly digest into a group chat? Not Zalo (groups in beta, bots may not be
    addable at all): there the digest goes to each official privately, as it always does."""
    return not channel.startswith("zalo")


async def link_group(ctx: Context, user: User, inbound: Inbound) -> list[Reply]:
    """Officials only (the route's audience, in a private chat or a group)."""
    if not group_digests(inbound.channel):
        return [Reply(text=texts.NO_GROUP_DIGEST)]
    if not inbound.is_group:
        return [Reply(text=texts.LINK_IN_GROUP)]
    await store.link_chat(ctx.db, inbound.channel, inbound.chat_id, user.unit_id, user.id, ctx.now())
    name = (await ctx.tree())[user.unit_id].name
    return [Reply(text=texts.group_linked(name))]
