"""Reporting: draft → validated preview (pending) → confirmation → an immutable event.

Nothing is stored until the sender confirms. A confirmation marks the pending row used and appends the
event in one transaction, so a double tap, a redelivered update or a second bot process on the same
database finds it used and stores nothing twice. "Đã lưu" is only said after the commit.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Literal

from bot import callbacks, replies
from bot.language import intents
from bot.language.reports import (
    EXAMPLE_ADMISSION,
    EXAMPLE_CORRECTION,
    EXAMPLE_CUMULATIVE,
    EXAMPLE_PIPELINE,
    Draft,
)
from bot.messages import Choice, Inbound, Reply
from bot.models import User
from bot.periods import Period, PeriodKind
from bot.replies import reporting as texts
from bot.services.confirmable import ACTIONS, Refused
from bot.services.context import Context
from bot.services.progress import load_progress
from bot.services.scope import NAME, REPORT, named_or_own, own_words, refusal, resolve_unit
from bot.textfmt import num
from storage import audit, pending, submissions, users
from storage.pending import Pending

log = logging.getLogger(__name__)

PIPELINE_CEILING_FACTOR = 20  # a unit's pool may be much larger than one report's admissions (Context.asker too)


class Superseded(Exception):
    """The record a correction replaces was replaced by someone else in the meantime."""


def _period_dict(period: Period) -> dict[str, Any]:
    return period.model_dump(mode="json")


def _period_of(data: dict[str, Any]) -> Period:
    return Period.model_validate(data)


def choices_for(token: str, editable: bool = True) -> tuple[tuple[Choice, ...], ...]:
    """Confirm / retype / cancel; without "Sửa" when the content cannot be retyped in chat (a file)."""

    def button(label: str, action: Literal["c", "e", "x"]) -> Choice:
        return Choice(label=label, data=callbacks.pack(callbacks.Preview(action=action, token=token)))

    edit = (button("✏️ Sửa", "e"),) if editable else ()
    return ((button("✅ Xác nhận", "c"), *edit, button("✖️ Hủy", "x")),)


# --- unit and validation -----------------------------------------------------------------------
MAX_UNIT_CHOICES = 8  # buttons offered when the unit is ambiguous or reports through the units below it


async def _target_unit(
    ctx: Context, user: User, unit_text: str | None, example: str, text: str = ""
) -> int | Reply | tuple[str, list[int]]:
    """The unit a report is for: named in `text` (recognised against the units in the sender's scope) or the
    sender's own; a question and the units to choose from when the name is ambiguous or the unit reports
    through the units below it."""
    tree = await ctx.tree()
    # The one resolver (services.scope): units recognised in the message; a name written out alone must name a
    # unit — words that match nothing are never taken for the sender's own unit.
    found = await resolve_unit(ctx, user, text or unit_text, REPORT if text else NAME)
    if (refused := await refusal(ctx, user, found)) is not None:
        return refused
    if found.how == "ask":
        return replies.which_unit(own_words(found.phrase)), list(found.choices)
    unit_id = found.unit_id if found.unit_id is not None else user.unit_id
    if tree.active_children(unit_id):
        # A unit with units below it reports through them: ask which one (buttons) when they are few.
        below = tree.reporting_units(unit_id)
        if 0 < len(below) <= MAX_UNIT_CHOICES:
            return replies.report_for_which_unit(tree[unit_id].name), below
        children = ", ".join(tree[c].name for c in tree.active_children(unit_id)[:3])
        return Reply(
            text=texts.rejected(
                f"{tree[unit_id].name} có các đơn vị trực thuộc ({children}…); số liệu được cộng từ báo cáo "
                "của từng đơn vị. Xin ghi rõ đơn vị báo cáo.",
                f"{tree[tree.active_children(unit_id)[0]].name} {example}",
            )
        )
    return unit_id


def report_problem(ctx: Context, kind: str, figures: dict[str, int], period: Period) -> str | None:
    """What is wrong with a report of `figures` for `period` (None if nothing): a period not yet begun, a closed
    year, a figure above the per-report ceiling. The one check for chat and for imports (`services.imports`)."""
    if period.start > ctx.today():
        return f"Kỳ {period.label} chưa đến, chưa thể báo cáo."
    closed = ctx.settings.closed_before_year
    if closed is not None and period.year < closed:
        return f"Năm {period.year} đã khóa sổ, không nhận báo cáo hay sửa số liệu."
    ceiling = ctx.settings.max_admissions_per_report
    if kind in ("pipeline", "screening"):
        ceiling *= PIPELINE_CEILING_FACTOR
    biggest = max(figures.values(), default=0)
    if biggest > ceiling:
        return (
            f"Số {num(biggest)} có vẻ quá lớn cho một đơn vị (tối đa {num(ceiling)} trong một lần báo cáo). "
            "Xin kiểm tra lại; nếu số liệu đúng, xin liên hệ Ban Tổ chức."
        )
    return None


def _validate(ctx: Context, draft: Draft, period: Period) -> Reply | None:
    example = {"pipeline": EXAMPLE_PIPELINE, "screening": EXAMPLE_PIPELINE}.get(draft.kind, EXAMPLE_ADMISSION)
    problem = report_problem(ctx, draft.kind, dict(draft.figures), period)
    return None if problem is None else Reply(text=texts.rejected(problem, example))


# --- drafting ----------------------------------------------------------------------------------
async def submit(ctx: Context, user: User, inbound: Inbound, draft: Draft, unit_id: int | None = None) -> list[Reply]:
    """Validate a draft and answer with a preview to confirm (or with what is wrong)."""
    fixing: dict[str, Any] | None = None  # the stored record the "Sửa" button asked to replace
    fix = await _open_fix(ctx, user, inbound)
    if fix is not None and draft.kind != "cumulative":
        fixing = await submissions.get(ctx.db, fix.payload["submission_id"])
        if fixing is not None and fixing["superseded_by"] is None:
            draft = draft.model_copy(update={"correction": True, "period": draft.period or _record_period(fixing)})
            unit_id = unit_id or fixing["unit_id"]
        else:
            fixing = None
    if unit_id is None:
        example = {"pipeline": EXAMPLE_PIPELINE, "cumulative": EXAMPLE_CUMULATIVE}.get(draft.kind, "kết nạp 2")
        target = await _target_unit(ctx, user, draft.unit_text, example, draft.text)
        if isinstance(target, Reply):
            return [target]
        if isinstance(target, tuple):
            return await _ask_unit(ctx, user, inbound, draft, *target)
        unit_id = target
    period = draft.period or Period.containing(ctx.today(), PeriodKind.MONTH)
    problem = _validate(ctx, draft, period)
    if problem is not None:
        return [problem]
    tree = await ctx.tree()
    unit_name = tree[unit_id].name
    expires = ctx.now() + timedelta(minutes=ctx.settings.pending_ttl_minutes)
    payload: dict[str, Any] = {
        "unit_id": unit_id,
        "kind": draft.kind,
        "period": _period_dict(period),
        "figures": draft.figures,
        "raw_text": inbound.text,
        "channel": inbound.channel,
        "source_update": inbound.update_key,
    }
    if draft.kind == "cumulative":
        stored = await _stored_year_total(ctx, unit_id, period.year)
        if stored == draft.figures["admitted"]:
            return [Reply(text=texts.cumulative_matches(unit_name, period.year, stored))]
        month = Period.containing(ctx.today(), PeriodKind.MONTH)
        if month.year != period.year:
            month = Period.month(period.year, 12)
        payload |= {"kind": "adjustment", "period": _period_dict(month), "stated": draft.figures["admitted"]}
        p = await _open(ctx, user, inbound, "adjust", payload, expires)
        text = texts.cumulative_preview(
            unit_name, period.year, draft.figures["admitted"], stored, month, p.expires_at.astimezone(ctx.clock.tz)
        )
        return [Reply(text=text, choices=choices_for(p.token))]
    line = texts.record_line(draft.kind, draft.figures, period, unit_name)
    if draft.correction:
        if fixing is not None:
            olds = [fixing]
        else:
            olds = await submissions.live_within(ctx.db, unit_id, draft.kind, period.ym_from, period.ym_to)
        if not olds:
            return [
                Reply(
                    text=texts.rejected(
                        f"Chưa có báo cáo {texts.period_words(period)} của {unit_name} để sửa. "
                        "Nếu đây là báo cáo mới, xin gõ không có chữ “sửa”.",
                        EXAMPLE_CORRECTION,
                    )
                )
            ]
        payload["supersede_ids"] = [o["id"] for o in olds]
        p = await _open(ctx, user, inbound, "correct", payload, expires)
        old_lines = [f"#{o['id']} {texts.record_line(o['kind'], o, _record_period(o), unit_name)}" for o in olds]
        changes = texts.figure_changes(draft.kind, olds, draft.figures)
        return [
            Reply(
                text=texts.correction_preview(old_lines, line, p.expires_at.astimezone(ctx.clock.tz), changes),
                choices=choices_for(p.token),
            )
        ]
    note = await _overlap_note(ctx, unit_id, unit_name, draft, period)
    p = await _open(ctx, user, inbound, "submit", payload, expires)
    text = texts.preview(line, p.expires_at.astimezone(ctx.clock.tz), note)
    if draft.unread:
        text = "\n".join(
            [
                text,
                *(f"Chưa hiểu phần: “{own_words(part)}” — chưa được ghi" for part in draft.unread),
                "Phần chưa hiểu sẽ không được lưu; nếu cần, xin bấm Sửa và ghi lại rõ hơn.",
            ]
        )
    return [Reply(text=text, choices=choices_for(p.token))]


async def _overlap_note(ctx: Context, unit_id: int, unit_name: str, draft: Draft, period: Period) -> str | None:
    """What the preview of an admission report must say when the unit already has live admission reports for
    a different period sharing months with this one (monthly reports inside a quarter report, the quarter
    around a month, …). Reports add up: each is a number of admissions, so the larger period counts both."""
    if draft.kind != "admission":
        return None
    olds = [
        o
        for o in await submissions.live_overlapping(ctx.db, unit_id, "admission", period.ym_from, period.ym_to)
        if (o["ym_from"], o["ym_to"]) != (period.ym_from, period.ym_to)
    ]
    if not olds:
        return None
    outer = max([period, *map(_record_period, olds)], key=lambda q: (q.ym_to - q.ym_from, q.ym_from))
    sums = await submissions.admissions_by_unit(ctx.db, outer.ym_from, outer.ym_to, [unit_id])
    stored = sums[unit_id].admitted if unit_id in sums else 0
    new = draft.figures.get("admitted", 0)
    lines = [f"– #{o['id']} {texts.record_line(o['kind'], o, _record_period(o), unit_name)}" for o in olds]
    return texts.overlap_note(period, outer, lines, stored, new)


async def preview_change(
    ctx: Context,
    user: User,
    inbound: Inbound,
    action: str,
    payload: dict[str, Any],
    text: str,
    *,
    hint: str = texts.CONFIRM_HINT,
    editable: bool = True,
) -> list[Reply]:
    """Open a pending preview for a confirmable action (see `confirmable`) and show it with the buttons."""
    expires = ctx.now() + timedelta(minutes=ctx.settings.pending_ttl_minutes)
    p = await _open(ctx, user, inbound, action, payload, expires)
    return [Reply(text=f"{text}\n\n{hint}", choices=choices_for(p.token, editable))]


async def _open(
    ctx: Context, user: User, inbound: Inbound, action: str, payload: dict[str, Any], expires: Any
) -> Pending:
    async with ctx.db.transaction():
        return await pending.create(
            ctx.db,
            user_id=user.id,
            channel=inbound.channel,
            chat_id=inbound.chat_id,
            action=action,
            payload=payload,
            now=ctx.now(),
            expires_at=expires,
            source_update=inbound.update_key,
            source_message=inbound.message_id,
        )


async def _ask_unit(
    ctx: Context, user: User, inbound: Inbound, draft: Draft, question: str, units: list[int]
) -> list[Reply]:
    tree = await ctx.tree()
    expires = ctx.now() + timedelta(minutes=ctx.settings.pending_ttl_minutes)
    p = await _open(ctx, user, inbound, "choose_unit", {"draft": draft.model_dump(mode="json")}, expires)
    rows = tuple(
        (Choice(label=tree[u].name, data=callbacks.pack(callbacks.ChooseUnit(token=p.token, unit_id=u))),)
        for u in units[:MAX_UNIT_CHOICES]
    )
    return [Reply(text=question, choices=rows)]


async def choose_unit(ctx: Context, user: User, inbound: Inbound, token: str, unit_id: int) -> list[Reply]:
    p = await pending.by_token(ctx.db, token)
    if p is None or p.user_id != user.id or p.action != "choose_unit" or p.status != "open":
        return [Reply(text=texts.ALREADY_CANCELLED)]
    tree = await ctx.tree()
    if unit_id not in await ctx.scope(user):
        return [Reply(text=replies.out_of_scope(tree[unit_id].name if unit_id in tree else f"#{unit_id}"))]
    if tree.active_children(unit_id):  # callback data is untrusted: only a unit that reports for itself
        return [Reply(text=texts.ALREADY_CANCELLED)]
    async with ctx.db.transaction():
        await pending.resolve(ctx.db, p.id, "replaced", ctx.now())
    draft = Draft.model_validate(p.payload["draft"])
    return await submit(ctx, user, inbound, draft, unit_id=unit_id)


def _record_period(record: dict[str, Any]) -> Period:
    start_month = record["ym_from"] % 100
    match record["period_kind"]:
        case "month":
            return Period.month(record["year"], start_month)
        case "quarter":
            return Period.quarter(record["year"], (start_month - 1) // 3 + 1)
        case "half":
            return Period.half(record["year"], 1 if start_month <= 6 else 2)
    return Period.of_year(record["year"])


async def _stored_year_total(ctx: Context, unit_id: int, year: int) -> int:
    sums = await submissions.admissions_by_unit(ctx.db, year * 100 + 1, year * 100 + 12, [unit_id])
    return sums[unit_id].admitted if unit_id in sums else 0


async def _answered_already(ctx: Context, user: User, update_key: str | None) -> Pending | None:
    """The preview this very update already confirmed or cancelled (a typed "có" delivered again): it must never
    act twice. Only the person's own preview, and only while it could still have been answered — an update key
    seen long ago (a counter that started again) must not bring back an older, finished preview."""
    if update_key is None:
        return None
    done = await pending.resolved_by(ctx.db, update_key)
    if done is None or done.user_id != user.id or done.expires_at <= ctx.now():
        return None
    return done


# --- confirmation ----------------------------------------------------------------------------
async def confirm(ctx: Context, user: User, token: str | None, update_key: str | None = None) -> list[Reply]:
    """Store what the preview showed, exactly once. A typed "có" (no token) is tied to the update it came in."""
    if token is None and (done := await _answered_already(ctx, user, update_key)):
        return [Reply(text=texts.already_saved(done.action) if done.status == "confirmed" else texts.ALREADY_CANCELLED)]
    p = await (pending.by_token(ctx.db, token) if token else pending.latest_open(ctx.db, user.id))
    if p is None or p.user_id != user.id or p.action in ("choose_unit", "await_fix"):
        return [Reply(text=texts.NOTHING_PENDING)]
    try:
        async with ctx.db.transaction():
            current = await pending.by_token(ctx.db, p.token)  # re-read inside the write lock
            assert current is not None
            if current.status == "confirmed":
                number = f" Mã báo cáo #{current.result_id}." if current.result_id else ""
                return [Reply(text=f"{texts.already_saved(current.action)}{number}")]
            if current.status != "open":
                return [Reply(text=texts.EXPIRED if current.status == "expired" else texts.ALREADY_CANCELLED)]
            if current.expires_at <= ctx.now():
                await pending.resolve(ctx.db, current.id, "expired", ctx.now())
                return [Reply(text=texts.EXPIRED)]
            actor = await users.get(ctx.db, user.id)  # the actor now, not when the preview was opened
            if actor is None or not actor.active:
                raise Refused(replies.NOT_REGISTERED)
            user = actor
            if current.action in ACTIONS:  # targets, re-organisation, imports
                answer = await ACTIONS[current.action](ctx, user, current)
                await pending.resolve(ctx.db, current.id, "confirmed", ctx.now(), resolved_by=update_key)
                return [Reply(text=answer)]
            stored = await _store(ctx, user, current)
            if stored is None:  # a cumulative statement that others' reports made true meanwhile
                await pending.resolve(ctx.db, current.id, "confirmed", ctx.now(), resolved_by=update_key)
                data = current.payload
                name = (await ctx.tree())[data["unit_id"]].name
                return [Reply(text=texts.cumulative_matches(name, data["period"]["year"], data["stated"]))]
            await pending.resolve(ctx.db, current.id, "confirmed", ctx.now(), result_id=stored, resolved_by=update_key)
    except Superseded:
        async with ctx.db.transaction():
            await pending.resolve(ctx.db, p.id, "cancelled", ctx.now())
        return [Reply(text=texts.SUPERSEDED_MEANWHILE)]
    except Refused as refused:
        async with ctx.db.transaction():
            await pending.resolve(ctx.db, p.id, "cancelled", ctx.now(), resolved_by=update_key)
        return [Reply(text=f"{refused.text}\nChưa lưu gì.")]
    return [await _saved_reply(ctx, p, stored)]


async def _store(ctx: Context, user: User, p: Pending) -> int | None:
    """Append the event(s) of a confirmed preview; inside the caller's transaction."""
    data = p.payload
    if data["unit_id"] not in await ctx.scope(user):  # moved or demoted since the preview
        raise Refused(replies.out_of_scope((await ctx.tree())[data["unit_id"]].name))
    period = _period_of(data["period"])
    figures = dict(data["figures"])
    if p.action == "adjust":
        stored_total = await _stored_year_total(ctx, data["unit_id"], period.year)
        diff = data["stated"] - stored_total  # recomputed: the stated total is the truth
        if diff == 0:
            return None
        figures = {"admitted": diff}
    new_id = await submissions.append(
        ctx.db,
        unit_id=data["unit_id"],
        kind=data["kind"],
        period=period,
        figures=figures,
        now=ctx.now(),
        actor=user.id,
        channel=data["channel"],
        source_update=data["source_update"],
        raw_text=data["raw_text"],
        supersedes=(data.get("supersede_ids") or [None])[0],
    )
    before = None
    if p.action == "correct":
        before = []
        for old_id in data["supersede_ids"]:
            before.append(await submissions.get(ctx.db, old_id))
            if not await submissions.supersede(ctx.db, old_id, new_id):
                raise Superseded(old_id)
    action = {"submit": "submission.create", "correct": "submission.correct", "adjust": "submission.adjust"}
    await audit.record(
        ctx.db,
        action=action[p.action],
        entity="submission",
        entity_id=new_id,
        now=ctx.now(),
        actor=user.id,
        before=before,
        after=await submissions.get(ctx.db, new_id),
    )
    return new_id


async def _saved_reply(ctx: Context, p: Pending, submission_id: int) -> Reply:
    data = p.payload
    period = _period_of(data["period"])
    tree = await ctx.tree()
    record = await submissions.get(ctx.db, submission_id)
    assert record is not None
    line = texts.record_line(record["kind"], record, period, tree[data["unit_id"]].name)
    view = await load_progress(ctx.db, tree, data["unit_id"], Period.of_year(period.year), ctx.today(), depth=0)
    text = texts.saved(line, submission_id, view.root, period.year, view.target_period_over)
    return Reply(
        text=text,
        choices=(
            (Choice(label="✏️ Sửa báo cáo này", data=callbacks.pack(callbacks.FixRecord(submission_id=submission_id))),),
        ),
    )


async def cancel(
    ctx: Context, user: User, token: str | None, *, retype: bool = False, update_key: str | None = None
) -> list[Reply]:
    if token is None and (done := await _answered_already(ctx, user, update_key)):
        return [Reply(text=texts.CANCELLED if done.status == "cancelled" else texts.already_saved(done.action))]
    p = await (pending.by_token(ctx.db, token) if token else pending.latest_open(ctx.db, user.id))
    if p is None or p.user_id != user.id:
        return [Reply(text=texts.NOTHING_PENDING)]
    async with ctx.db.transaction():
        cancelled = await pending.resolve(ctx.db, p.id, "cancelled", ctx.now(), resolved_by=update_key)
    if not cancelled:
        return [Reply(text=texts.already_saved(p.action) if p.status == "confirmed" else texts.ALREADY_CANCELLED)]
    return [Reply(text=texts.RETYPE if retype else texts.CANCELLED)]


# --- corrections started from a stored record ----------------------------------------------------
FIX_MINUTES = 15  # edit mode ("✏️ Sửa báo cáo này") lasts this long, and only for the very next message


async def _open_fix(ctx: Context, user: User, inbound: Inbound) -> Pending | None:
    """The edit mode this message answers: opened by the last message in this same chat, not expired. Edit
    mode is used up either way."""
    p = await pending.latest_open(ctx.db, user.id)
    if not await pending.has_open(ctx.db, user.id, "await_fix"):
        return None
    async with ctx.db.transaction():
        await pending.close_open(ctx.db, user.id, "await_fix", ctx.now())
    if p is None or p.action != "await_fix" or p.expires_at <= ctx.now():
        return None
    if (p.channel, p.chat_id) != (inbound.channel, inbound.chat_id):
        return None
    return p


async def end_fix(ctx: Context, user: User) -> None:
    """Any message other than the correction itself ends edit mode (a query, a command, another button)."""
    if await pending.has_open(ctx.db, user.id, "await_fix"):
        async with ctx.db.transaction():
            await pending.close_open(ctx.db, user.id, "await_fix", ctx.now())


async def start_fix(ctx: Context, user: User, inbound: Inbound, submission_id: int) -> list[Reply]:
    record = await submissions.get(ctx.db, submission_id)
    if record is None or record["unit_id"] not in await ctx.scope(user):
        return [Reply(text=texts.NOTHING_PENDING)]
    if record["superseded_by"]:
        return [Reply(text=f"Báo cáo #{submission_id} đã được thay bằng #{record['superseded_by']}. Xem /lichsu.")]
    tree = await ctx.tree()
    period = _record_period(record)
    expires = ctx.now() + timedelta(minutes=FIX_MINUTES)
    async with ctx.db.transaction():  # one edit mode at a time
        await pending.close_open(ctx.db, user.id, "await_fix", ctx.now())
    await _open(ctx, user, inbound, "await_fix", {"submission_id": submission_id}, expires)
    line = texts.record_line(record["kind"], record, period, tree[record["unit_id"]].name)
    example = f"{texts.period_words(period).split(',')[0]} kết nạp {max(0, record['admitted'])}"
    return [Reply(text=texts.fix_prompt(line, example))]


# --- edits and history ---------------------------------------------------------------------------
async def edited(ctx: Context, user: User, inbound: Inbound) -> list[Reply]:
    """An edited message: refresh its still-pending preview; say so when it was already stored."""
    if inbound.message_id is None:
        return []
    p = await pending.open_for_message(ctx.db, user.id, inbound.message_id)
    if p is None:
        return []
    if p.status == "confirmed":
        return [Reply(text=texts.EDIT_AFTER_SAVE)]
    if p.status != "open":
        return []
    intent = intents.parse(inbound.text, ctx.today())
    if isinstance(intent, intents.BadReport):
        return [Reply(text=texts.problem(intent.problem))]
    if not isinstance(intent, intents.Submit):
        return []
    async with ctx.db.transaction():
        await pending.resolve(ctx.db, p.id, "replaced", ctx.now())
    answer = await submit(ctx, user, inbound, intent.draft)
    return [Reply(text=texts.PREVIEW_UPDATED), *answer]


async def history(ctx: Context, user: User, unit_text: str | None) -> list[Reply]:
    tree = await ctx.tree()
    unit_id = await named_or_own(ctx, user, unit_text)
    if isinstance(unit_id, Reply):
        return [unit_id]
    rows = await submissions.history(ctx.db, list(tree.subtree(unit_id)), limit=12)
    return [Reply(text=texts.history(tree[unit_id].name, rows, ctx.clock.tz))]
