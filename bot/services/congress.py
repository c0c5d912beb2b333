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

from bot import replies
from bot.language.normalize import fold
from bot.messages import Inbound, Reply
from bot.models import Frozen, User
from bot.services.confirmable import Refused, confirmable
from bot.services.context import Context
from bot.services.reporting import preview_change
from bot.services.scope import named_or_own
from storage import audit
from storage import terms as term_store
from storage.pending import Pending

TERM_YEARS = 5
HELP = (
    "Cách ghi ngày đại hội (cán bộ theo dõi): /daihoi <ngày> — ví dụ “/daihoi 20/9/2025” ghi Đại hội nhiệm kỳ "
    "2025–2030 của đơn vị mình họp ngày 20/9/2025 (nhiệm kỳ 2020–2025 tính đến hết ngày hôm trước).\n"
    "Có thể ghi tên đơn vị cấp dưới và nhiệm kỳ: “/daihoi xã Cao Phong nhiệm kỳ 2025–2030 ngày 20/8/2025”."
)
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


def read(text: str) -> CongressDraft:
    """The congress a message names: its date (required), its term (default: the five years from that date's
    year) and the committee (optional; the rest of the words)."""
    rest = text.strip()
    found = _ISO.search(rest)
    if found:
        y, m, d = (int(g) for g in found.groups())
    else:
        found = _DMY.search(rest)
        if not found:
            raise CongressError(f"Chưa thấy ngày đại hội.\n{HELP}")
        d, m, y = (int(g) for g in found.groups())
    try:
        day = date(y, m, d)
    except ValueError:
        raise CongressError(
            f"Ngày “{found.group(0)}” không có thật. Xin ghi ngày/tháng/năm, ví dụ 20/9/2025."
        ) from None
    rest = rest[: found.start()] + " " + rest[found.end() :]
    term = _TERM.search(rest)
    if term:
        start, end = int(term.group(1)), int(term.group(2))
        rest = rest[: term.start()] + " " + rest[term.end() :]
        if not 1 <= end - start <= 10:
            raise CongressError(f"Nhiệm kỳ {start}–{end} không hợp lệ. Ví dụ: nhiệm kỳ 2025–2030.")
        if abs(day.year - start) > 1:
            raise CongressError(
                f"Đại hội mở đầu nhiệm kỳ {start}–{end} phải họp vào khoảng năm {start}, không phải "
                f"{day.day}/{day.month}/{day.year}."
            )
    else:
        start, end = day.year, day.year + TERM_YEARS
    unit = " ".join(_FILLER.sub(" ", rest).replace(",", " ").split())
    return CongressDraft(unit_text=fold(unit) or None, start_year=start, end_year=end, congress=day)


def _dmy(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


async def check(ctx: Context, unit_id: int, draft: CongressDraft) -> tuple[date | None, str]:
    """The next congress already recorded after this one (kept), and the sentence describing the change;
    CongressError when the dates contradict the committee's other terms."""
    own = (await term_store.all_terms(ctx.db)).get(unit_id, [])
    before = [t for t in own if t.start_year < draft.start_year]
    after = [t for t in own if t.start_year > draft.start_year]
    if before and before[-1].congress >= draft.congress:
        raise CongressError(
            f"Đại hội nhiệm kỳ {before[-1].start_year}–{before[-1].end_year} đã ghi ngày {_dmy(before[-1].congress)}; "
            f"đại hội nhiệm kỳ sau phải họp sau ngày đó."
        )
    next_congress = after[0].congress if after else None
    if next_congress is not None and next_congress <= draft.congress:
        raise CongressError(
            f"Đại hội nhiệm kỳ {after[0].start_year}–{after[0].end_year} đã ghi ngày {_dmy(next_congress)}; "
            f"đại hội nhiệm kỳ trước phải họp trước ngày đó."
        )
    current = next((t for t in own if t.start_year == draft.start_year), None)
    was = f" (đã ghi: {_dmy(current.congress)})" if current is not None else " (chưa ghi)"
    lines = [f"Đại hội nhiệm kỳ {draft.start_year}–{draft.end_year} họp ngày {_dmy(draft.congress)}{was}."]
    if before:
        lines.append(
            f"Nhiệm kỳ {before[-1].start_year}–{before[-1].end_year} tính từ {_dmy(before[-1].congress)} "
            f"đến hết ngày trước đại hội này."
        )
    lines.append(f"Nhiệm kỳ {draft.start_year}–{draft.end_year} tính từ {_dmy(draft.congress)}.")
    return next_congress, "\n".join(lines)


async def propose(ctx: Context, user: User, inbound: Inbound, args: str) -> list[Reply]:
    if not user.is_official:
        return [Reply(text=replies.OFFICIALS_ONLY)]
    if not args.strip():
        return [Reply(text=HELP)]
    try:
        draft = read(args)
    except CongressError as exc:
        return [Reply(text=str(exc))]
    unit_id = await named_or_own(ctx, user, draft.unit_text)
    if isinstance(unit_id, Reply):
        return [unit_id]
    try:
        _, text = await check(ctx, unit_id, draft)
    except CongressError as exc:
        return [Reply(text=str(exc))]
    name = (await ctx.tree())[unit_id].name
    payload = draft.model_dump(mode="json") | {"unit_id": unit_id}
    return await preview_change(ctx, user, inbound, "congress", payload, f"Ghi ngày đại hội — {name}:\n{text}")


@confirmable("congress")
async def apply_confirmed(ctx: Context, user: User, p: Pending) -> str:
    data = p.payload
    unit_id = int(data["unit_id"])
    if not user.is_official:
        raise Refused(replies.OFFICIALS_ONLY)
    tree = await ctx.tree()
    if unit_id not in tree or unit_id not in await ctx.scope(user):  # the actor's scope now
        raise Refused(replies.out_of_scope(tree[unit_id].name if unit_id in tree else f"đơn vị #{unit_id}"))
    draft = CongressDraft.model_validate({k: v for k, v in data.items() if k != "unit_id"})
    try:
        return await record(ctx, unit_id, draft, user.id)
    except CongressError as exc:
        raise Refused(str(exc)) from None


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
    return f"Đã ghi: Đại hội {name} nhiệm kỳ {draft.start_year}–{draft.end_year} họp ngày {_dmy(draft.congress)}."
