"""Reporting: a draft → a validated preview (pending) → on confirmation, an immutable event.

Drafting and storing reports only. Nothing is stored until the sender confirms; answering a preview (confirm,
cancel, expiry, exactly once) is the engine's (`services.confirmations`), which calls `store_confirmed` inside
its transaction. "Đã lưu" is only said after the commit.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from bot.domain.messages import Choice, Inbound, Reply
from bot.domain.models import User
from bot.domain.payloads import (
    Action,
    AdjustPayload,
    AwaitFixPayload,
    ChooseUnitPayload,
    CorrectPayload,
    Report,
    Status,
    SubmitPayload,
)
from bot.domain.periods import Period, PeriodKind
from bot.domain.records import Submission
from bot.language import intents
from bot.language.reports import (
    EXAMPLE_ADMISSION,
    EXAMPLE_CORRECTION,
    EXAMPLE_CUMULATIVE,
    EXAMPLE_PIPELINE,
    Draft,
)
from bot.present import callbacks, replies
from bot.present.replies import confirmations as confirm_texts
from bot.present.replies import reporting as texts
from bot.services.context import Context
from bot.services.progress import load_progress
from bot.services.proposals import Applied, choices_for, open_pending
from bot.services.refusal import Refusal
from bot.services.scope import NAME, REPORT, named_or_own, own_words, refuse, resolve_unit
from storage import audit, pending, submissions
from storage.pending import Pending

log = logging.getLogger(__name__)

PIPELINE_CEILING_FACTOR = 20  # a unit's pool may be much larger than one report's admissions (Context.asker too)


class Superseded(Refusal):
    """The record a correction replaces was replaced by someone else in the meantime."""

    def __init__(self, old_id: int) -> None:
        super().__init__(texts.SUPERSEDED_MEANWHILE, conflict=True)
        self.old_id = old_id


# --- unit and validation -----------------------------------------------------------------------
MAX_UNIT_CHOICES = 8  # buttons offered when the unit is ambiguous or reports through the units below it


async def _target_unit(
    ctx: Context, user: User, unit_text: str | None, example: str, text: str = ""
) -> int | tuple[str, list[int]]:
    """The unit a report is for: named in `text` (recognised against the units in the sender's scope) or the
    sender's own; a question and the units to choose from when the name is ambiguous or the unit reports
    through the units below it. `Refusal` when the name is outside the scope or matches nothing."""
    tree = await ctx.tree()
    # The one resolver (services.scope): units recognised in the message; a name written out alone must name a
    # unit — words that match nothing are never taken for the sender's own unit.
    found = await resolve_unit(ctx, user, text or unit_text, REPORT if text else NAME)
    await refuse(ctx, user, found)
    if found.how == "ask":
        return replies.which_unit(own_words(found.phrase)), list(found.choices)
    unit_id = found.unit_id if found.unit_id is not None else user.unit_id
    if tree.active_children(unit_id):
        # A unit with units below it reports through them: ask which one (buttons) when they are few.
        below = tree.reporting_units(unit_id)
        if 0 < len(below) <= MAX_UNIT_CHOICES:
            return replies.report_for_which_unit(tree[unit_id].name), below
        children = [tree[c].name for c in tree.active_children(unit_id)[:3]]
        raise Refusal(
            texts.rejected(
                texts.reports_through_units_below(tree[unit_id].name, children),
                f"{tree[tree.active_children(unit_id)[0]].name} {example}",
            )
        )
    return unit_id


def report_problem(ctx: Context, kind: str, figures: dict[str, int], period: Period) -> str | None:
    """What is wrong with a report of `figures` for `period` (None if nothing): a period not yet begun, a closed
    year, a figure above the per-report ceiling. The one check for chat and for imports (`services.imports`)."""
    if period.start > ctx.today():
        return texts.period_not_begun(period)
    closed = ctx.settings.closed_before_year
    if closed is not None and period.year < closed:
        return texts.year_closed(period.year)
    ceiling = ctx.settings.max_admissions_per_report
    if kind in ("pipeline", "screening"):
        ceiling *= PIPELINE_CEILING_FACTOR
    biggest = max(figures.values(), default=0)
    if biggest > ceiling:
        return texts.too_big(biggest, ceiling)
    return None


def _validate(ctx: Context, draft: Draft, period: Period) -> None:
    """`Refusal` saying what is wrong with the draft and how to write it."""
    example = {"pipeline": EXAMPLE_PIPELINE, "screening": EXAMPLE_PIPELINE}.get(draft.kind, EXAMPLE_ADMISSION)
    problem = report_problem(ctx, draft.kind, dict(draft.figures), period)
    if problem is not None:
        raise Refusal(texts.rejected(problem, example))


# --- drafting ----------------------------------------------------------------------------------
async def submit(ctx: Context, user: User, inbound: Inbound, draft: Draft, unit_id: int | None = None) -> list[Reply]:
    """Validate a draft and answer with a preview to confirm (or with what is wrong)."""
    fixing: Submission | None = None  # the stored record the "Sửa" button asked to replace
    fix = await _open_fix(ctx, user, inbound)
    if fix is not None and draft.kind != "cumulative":
        fixing = await submissions.get(ctx.db, fix.submission_id)
        if fixing is not None and fixing.superseded_by is None:
            draft = draft.model_copy(update={"correction": True, "period": draft.period or fixing.period})
            unit_id = unit_id or fixing.unit_id
        else:
            fixing = None
    if draft.correction and fixing is None and unit_id is None and draft.unit_text is None:
        # "sửa lại 2 nữ" while a new report's preview waits corrects that preview (same unit and period), not
        # the reports already stored (which it used to replace, dropping the waiting one).
        waiting = await pending.latest_open(ctx.db, user.id)
        if (
            waiting is not None
            and waiting.expires_at > ctx.now()
            and isinstance(waiting.payload, SubmitPayload)
            and waiting.payload.kind == draft.kind
        ):
            draft = draft.model_copy(update={"correction": False, "period": draft.period or waiting.payload.period})
            unit_id = waiting.payload.unit_id
    if unit_id is None:
        example = {"pipeline": EXAMPLE_PIPELINE, "cumulative": EXAMPLE_CUMULATIVE}.get(draft.kind, texts.EXAMPLE_SHORT)
        target = await _target_unit(ctx, user, draft.unit_text, example, draft.text)
        if isinstance(target, tuple):
            return await _ask_unit(ctx, user, inbound, draft, *target)
        unit_id = target
    period = draft.period or Period.containing(ctx.today(), PeriodKind.MONTH)
    _validate(ctx, draft, period)
    tree = await ctx.tree()
    unit_name = tree[unit_id].name
    fields: dict[str, Any] = {  # what every report payload holds (a cumulative one becomes an adjustment)
        "unit_id": unit_id,
        "kind": draft.kind,
        "period": period,
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
        adjust = AdjustPayload(**fields | {"kind": "adjustment", "period": month, "stated": draft.figures["admitted"]})
        p = await open_pending(ctx, user, inbound, adjust)
        text = texts.cumulative_preview(
            unit_name, period.year, draft.figures["admitted"], stored, month, p.expires_at.astimezone(ctx.clock.tz)
        )
        return [Reply(text=text, choices=choices_for(p.token))]
    listed = await ctx.indicators()
    line = texts.record_line(draft.kind, draft.figures, period, unit_name, listed)
    if draft.correction:
        if fixing is not None:
            olds = [fixing]
        else:
            olds = await submissions.live_within(ctx.db, unit_id, draft.kind, period.ym_from, period.ym_to)
        if not olds:
            return [Reply(text=texts.rejected(texts.nothing_to_correct(period, unit_name), EXAMPLE_CORRECTION))]
        correct = CorrectPayload(**fields, supersede_ids=[o.id for o in olds])
        p = await open_pending(ctx, user, inbound, correct)
        old_lines = [f"#{o.id} {texts.record_line(o.kind, o.stated, o.period, unit_name, listed)}" for o in olds]
        changes = texts.figure_changes(draft.kind, [o.stated for o in olds], draft.figures, listed)
        return [
            Reply(
                text=texts.correction_preview(old_lines, line, p.expires_at.astimezone(ctx.clock.tz), changes),
                choices=choices_for(p.token),
            )
        ]
    note = await _overlap_note(ctx, unit_id, unit_name, draft, period)
    p = await open_pending(ctx, user, inbound, SubmitPayload(**fields))
    text = texts.preview(line, p.expires_at.astimezone(ctx.clock.tz), note)
    if draft.unread:
        text = texts.with_unread(text, [own_words(part) for part in draft.unread])
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
        if (o.ym_from, o.ym_to) != (period.ym_from, period.ym_to)
    ]
    if not olds:
        return None
    outer = max([period, *(o.period for o in olds)], key=lambda q: (q.ym_to - q.ym_from, q.ym_from))
    sums = await submissions.admissions_by_unit(ctx.db, outer.ym_from, outer.ym_to, [unit_id])
    stored = sums[unit_id].admitted if unit_id in sums else 0
    new = draft.figures.get("admitted", 0)
    lines = [f"– #{o.id} {texts.record_line(o.kind, o.figures, o.period, unit_name)}" for o in olds]
    return texts.overlap_note(period, outer, lines, stored, new)


async def _ask_unit(
    ctx: Context, user: User, inbound: Inbound, draft: Draft, question: str, units: list[int]
) -> list[Reply]:
    tree = await ctx.tree()
    p = await open_pending(ctx, user, inbound, ChooseUnitPayload(draft=draft))
    rows = tuple(
        (Choice(label=tree[u].name, data=callbacks.pack(callbacks.ChooseUnit(token=p.token, unit_id=u))),)
        for u in units[:MAX_UNIT_CHOICES]
    )
    return [Reply(text=question, choices=rows)]


async def choose_unit(ctx: Context, user: User, inbound: Inbound, token: str, unit_id: int) -> list[Reply]:
    p = await pending.by_token(ctx.db, token)
    if p is None or p.user_id != user.id or not isinstance(p.payload, ChooseUnitPayload) or p.status is not Status.OPEN:
        return [Reply(text=confirm_texts.ALREADY_CANCELLED)]
    tree = await ctx.tree()
    if unit_id not in await ctx.scope(user):
        return [Reply(text=replies.out_of_scope(tree[unit_id].name if unit_id in tree else f"#{unit_id}"))]
    if tree.active_children(unit_id):  # callback data is untrusted: only a unit that reports for itself
        return [Reply(text=confirm_texts.ALREADY_CANCELLED)]
    async with ctx.db.transaction():
        await pending.resolve(ctx.db, p.id, Status.REPLACED, ctx.now())
    return await submit(ctx, user, inbound, p.payload.draft, unit_id=unit_id)


async def _stored_year_total(ctx: Context, unit_id: int, year: int) -> int:
    sums = await submissions.admissions_by_unit(ctx.db, year * 100 + 1, year * 100 + 12, [unit_id])
    return sums[unit_id].admitted if unit_id in sums else 0


# --- storing a confirmed report (the engine's apply for submit, correct and adjust) ------------------------
async def store_confirmed(ctx: Context, user: User, p: Pending) -> Applied:
    """Append what the preview showed, inside the engine's transaction; `user` is the actor now."""
    data = p.payload
    assert isinstance(data, SubmitPayload | CorrectPayload | AdjustPayload)
    stored = await _store(ctx, user, data)
    if stored is None:  # a cumulative statement that others' reports made true meanwhile
        assert isinstance(data, AdjustPayload)
        name = (await ctx.tree())[data.unit_id].name
        return Applied(reply=Reply(text=texts.cumulative_matches(name, data.period.year, data.stated)))

    async def saved() -> Reply:
        return await _saved_reply(ctx, data, stored)

    return Applied(result_id=stored, compose=saved)


async def _store(ctx: Context, user: User, data: Report) -> int | None:
    """Append the event(s) of a confirmed preview; inside the caller's transaction."""
    if data.unit_id not in await ctx.scope(user):  # moved or demoted since the preview
        raise Refusal(replies.out_of_scope((await ctx.tree())[data.unit_id].name))
    period = data.period
    figures = dict(data.figures)
    if isinstance(data, AdjustPayload):
        stored_total = await _stored_year_total(ctx, data.unit_id, period.year)
        diff = data.stated - stored_total  # recomputed: the stated total is the truth
        if diff == 0:
            return None
        figures = {"admitted": diff}
    new_id = await submissions.append(
        ctx.db,
        unit_id=data.unit_id,
        kind=data.kind,
        period=period,
        figures=figures,
        now=ctx.now(),
        actor=user.id,
        channel=data.channel,
        source_update=data.source_update,
        raw_text=data.raw_text,
        supersedes=data.supersede_ids[0] if isinstance(data, CorrectPayload) and data.supersede_ids else None,
    )
    before = None
    if isinstance(data, CorrectPayload):
        before = []
        for old_id in data.supersede_ids:
            old = await submissions.get(ctx.db, old_id)
            before.append(old.as_row() if old is not None else None)
            if not await submissions.supersede(ctx.db, old_id, new_id):
                raise Superseded(old_id)
    action = {
        Action.SUBMIT: "submission.create",
        Action.CORRECT: "submission.correct",
        Action.ADJUST: "submission.adjust",
    }
    await audit.record(
        ctx.db,
        action=action[data.action],
        entity="submission",
        entity_id=new_id,
        now=ctx.now(),
        actor=user.id,
        before=before,
        after=stored.as_row() if (stored := await submissions.get(ctx.db, new_id)) is not None else None,
    )
    return new_id


async def _saved_reply(ctx: Context, data: Report, submission_id: int) -> Reply:
    period = data.period
    tree = await ctx.tree()
    record = await submissions.get(ctx.db, submission_id)
    assert record is not None
    line = texts.record_line(record.kind, record.stated, period, tree[data.unit_id].name, await ctx.indicators())
    view = await load_progress(ctx.db, tree, data.unit_id, Period.of_year(period.year), ctx.today(), depth=0)
    text = texts.saved(line, submission_id, view.root, period.year, view.target_period_over)
    fix = callbacks.pack(callbacks.FixRecord(submission_id=submission_id))
    return Reply(text=text, choices=((Choice(label=texts.BUTTON_FIX_RECORD, data=fix),),))


# --- corrections started from a stored record ----------------------------------------------------
FIX_MINUTES = 15  # edit mode ("✏️ Sửa báo cáo này") lasts this long, and only for the very next message


async def _open_fix(ctx: Context, user: User, inbound: Inbound) -> AwaitFixPayload | None:
    """The edit mode this message answers: opened by the last message in this same chat, not expired. Edit
    mode is used up either way."""
    p = await pending.latest_open(ctx.db, user.id)
    if not await pending.has_open(ctx.db, user.id, Action.AWAIT_FIX):
        return None
    async with ctx.db.transaction():
        await pending.close_open(ctx.db, user.id, Action.AWAIT_FIX, ctx.now())
    if p is None or not isinstance(p.payload, AwaitFixPayload) or p.expires_at <= ctx.now():
        return None
    if (p.channel, p.chat_id) != (inbound.channel, inbound.chat_id):
        return None
    return p.payload


async def end_fix(ctx: Context, user: User) -> None:
    """Any message other than the correction itself ends edit mode (a query, a command, another button)."""
    if await pending.has_open(ctx.db, user.id, Action.AWAIT_FIX):
        async with ctx.db.transaction():
            await pending.close_open(ctx.db, user.id, Action.AWAIT_FIX, ctx.now())


async def start_fix(ctx: Context, user: User, inbound: Inbound, submission_id: int) -> list[Reply]:
    record = await submissions.get(ctx.db, submission_id)
    if record is None or record.unit_id not in await ctx.scope(user):
        return [Reply(text=confirm_texts.NOTHING_PENDING)]
    if record.superseded_by:
        return [Reply(text=texts.replaced_already(submission_id, record.superseded_by))]
    tree = await ctx.tree()
    period = record.period
    expires = ctx.now() + timedelta(minutes=FIX_MINUTES)
    async with ctx.db.transaction():  # one edit mode at a time
        await pending.close_open(ctx.db, user.id, Action.AWAIT_FIX, ctx.now())
    await open_pending(ctx, user, inbound, AwaitFixPayload(submission_id=submission_id), expires)
    line = texts.record_line(record.kind, record.figures, period, tree[record.unit_id].name)
    example = texts.fix_example(period, record.admitted)
    return [Reply(text=texts.fix_prompt(line, example))]


# --- edits and history ---------------------------------------------------------------------------
async def edited(ctx: Context, user: User, inbound: Inbound) -> list[Reply]:
    """An edited message: refresh its still-pending preview; say so when it was already stored."""
    if inbound.message_id is None:
        return []
    p = await pending.open_for_message(ctx.db, user.id, inbound.message_id)
    if p is None:
        return []
    if p.status is Status.CONFIRMED:
        return [Reply(text=texts.EDIT_AFTER_SAVE)]
    if p.status is not Status.OPEN:
        return []
    intent = intents.parse(inbound.text, ctx.today())
    if isinstance(intent, intents.BadReport):
        return [Reply(text=texts.problem(intent.problem))]
    if not isinstance(intent, intents.Submit):
        return []
    async with ctx.db.transaction():
        await pending.resolve(ctx.db, p.id, Status.REPLACED, ctx.now())
    try:
        answer = await submit(ctx, user, inbound, intent.draft)
    except Refusal as refusal:
        answer = [Reply(text=refusal.text)]
    return [Reply(text=texts.PREVIEW_UPDATED), *answer]


async def history(ctx: Context, user: User, unit_text: str | None) -> list[Reply]:
    tree = await ctx.tree()
    unit_id = await named_or_own(ctx, user, unit_text)
    rows = await submissions.history(ctx.db, list(tree.subtree(unit_id)), limit=12)
    return [Reply(text=texts.history(tree[unit_id].name, rows, ctx.clock.tz, await ctx.indicators()))]
