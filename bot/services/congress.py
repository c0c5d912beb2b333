"""Recording a committee's congress (đại hội): the day a term began, so that the term before it ends there
and "nhiệm kỳ 2020–2025" counts 2025 up to that congress (`/daihoi`, `ptdv daihoi`).

    /daihoi 20/9/2025                          the asker's own committee, term 2025–2030
    /daihoi xã Cao Phong 2025-08-20            a committee in the asker's subtree
    /daihoi nhiệm kỳ 2020–2025 ngày 15/10/2020 a past congress

Officials only, within their subtree, with a preview and a confirmation like every other change; audited.
"""

from __future__ import annotations

import re
from datetime import date

from bot.domain.messages import Inbound, Reply
from bot.domain.models import Frozen, User
from bot.domain.normalize import fold
from bot.domain.payloads import CongressPayload
from bot.present import replies
from bot.present.replies import congress as texts
from bot.services.context import Context
from bot.services.proposals import preview
from bot.services.refusal import Refusal
from bot.services.scope import examples, named_or_own
from storage import audit
from storage import terms as term_store
from storage.pending import Pending

TERM_YEARS = 5
_DMY = re.compile(r"\b(\d{1,2})\s*[/.]\s*(\d{1,2})\s*[/.]\s*(\d{4})\b")
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_TERM = re.compile(r"\b(\d{4})\s*(?:-|–|—|đến|den)\s*(\d{4})\b", re.IGNORECASE)
_FILLER = re.compile(
    r"\b(?:đại hội|dai hoi|nhiệm kỳ|nhiem ky|ngày|ngay|họp|hop|của|cua|vào|vao|khai mạc|khai mac)\b", re.IGNORECASE
)


class CongressDraft(Frozen):
    unit_text: str | None = None
    start_year: int
    end_year: int
    congress: date


class CongressError(Exception):
    """What is wrong with the request, in Vietnamese."""


def read(text: str, committee_below: str | None = None) -> CongressDraft:
    """The congress a message names: its date (required), its term (default: the five years from that date's
    year) and the committee (optional; the rest of the words)."""
    rest = text.strip()
    found = _ISO.search(rest)
    if found:
        y, m, d = (int(g) for g in found.groups())
    else:
        found = _DMY.search(rest)
        if not found:
            raise CongressError(texts.no_date(committee_below))
        d, m, y = (int(g) for g in found.groups())
    try:
        day = date(y, m, d)
    except ValueError:
        raise CongressError(texts.no_such_day(found.group(0))) from None
    rest = rest[: found.start()] + " " + rest[found.end() :]
    term = _TERM.search(rest)
    if term:
        start, end = int(term.group(1)), int(term.group(2))
        rest = rest[: term.start()] + " " + rest[term.end() :]
        if not 1 <= end - start <= 10:
            raise CongressError(texts.bad_term(start, end))
        if abs(day.year - start) > 1:
            raise CongressError(texts.term_year_mismatch(start, end, day))
    else:
        start, end = day.year, day.year + TERM_YEARS
    unit = " ".join(_FILLER.sub(" ", rest).replace(",", " ").split())
    return CongressDraft(unit_text=fold(unit) or None, start_year=start, end_year=end, congress=day)


async def check(ctx: Context, unit_id: int, draft: CongressDraft) -> tuple[date | None, str]:
    """The next congress already recorded after this one (kept), and the sentence describing the change;
    CongressError when the dates contradict the committee's other terms."""
    own = (await term_store.all_terms(ctx.db)).get(unit_id, [])
    before = [t for t in own if t.start_year < draft.start_year]
    after = [t for t in own if t.start_year > draft.start_year]
    if before and before[-1].congress >= draft.congress:
        raise CongressError(texts.after_previous(before[-1].start_year, before[-1].end_year, before[-1].congress))
    next_congress = after[0].congress if after else None
    if next_congress is not None and next_congress <= draft.congress:
        raise CongressError(texts.before_next(after[0].start_year, after[0].end_year, next_congress))
    current = next((t for t in own if t.start_year == draft.start_year), None)
    lines = [texts.opened(draft.start_year, draft.end_year, draft.congress, current.congress if current else None)]
    if before:
        lines.append(texts.previous_term_runs(before[-1].start_year, before[-1].end_year, before[-1].congress))
    lines.append(texts.term_runs_from(draft.start_year, draft.end_year, draft.congress))
    return next_congress, "\n".join(lines)


async def propose(ctx: Context, user: User, inbound: Inbound, args: str) -> list[Reply]:
    """Officials only (the route's audience)."""
    below = (await examples(ctx, user)).committee_below
    if not args.strip():
        return [Reply(text=texts.usage(below))]
    try:
        draft = read(args, below)
        unit_id = await named_or_own(ctx, user, draft.unit_text)
        _, text = await check(ctx, unit_id, draft)
    except CongressError as exc:
        raise Refusal(str(exc)) from None
    name = (await ctx.tree())[unit_id].name
    payload = CongressPayload(unit_id=unit_id, **draft.model_dump())
    return await preview(ctx, user, inbound, payload, texts.preview(name, text))


async def apply_confirmed(ctx: Context, user: User, p: Pending) -> str:
    data = p.payload
    assert isinstance(data, CongressPayload)
    if not user.is_official:
        raise Refusal(replies.OFFICIALS_ONLY)
    tree = await ctx.tree()
    if data.unit_id not in tree or data.unit_id not in await ctx.scope(user):  # the actor's scope now
        raise Refusal(replies.out_of_scope(tree[data.unit_id].name if data.unit_id in tree else f"#{data.unit_id}"))
    draft = CongressDraft(
        unit_text=data.unit_text, start_year=data.start_year, end_year=data.end_year, congress=data.congress
    )
    try:
        return await record(ctx, data.unit_id, draft, user.id)
    except CongressError as exc:
        raise Refusal(str(exc)) from None


async def record(ctx: Context, unit_id: int, draft: CongressDraft, actor: int | None) -> str:
    """Store the congress (in the caller's transaction, or one opened here) and audit it."""
    next_congress, _ = await check(ctx, unit_id, draft)
    own = (await term_store.all_terms(ctx.db)).get(unit_id, [])
    before = next((t for t in own if t.start_year == draft.start_year), None)
    async with ctx.db.transaction():
        await term_store.record(ctx.db, unit_id, draft.start_year, draft.end_year, draft.congress, next_congress)
        await audit.record(
            ctx.db,
            action="term.congress",
            entity="unit",
            entity_id=unit_id,
            now=ctx.now(),
            actor=actor,
            before=before.model_dump(mode="json") if before else None,
            after=draft.model_dump(mode="json"),
        )
    name = (await ctx.tree())[unit_id].name
    return texts.recorded(name, draft.start_year, draft.end_year, draft.congress)
