"""Answering questions about progress, within the asker's scope."""

from __future__ import annotations

from bot import replies
from bot.messages import Choice, Reply
from bot.models import User
from bot.periods import Period
from bot.services.context import Context
from bot.services.progress import default_period, load_progress


def period_code(period: Period) -> str:
    """Short text form for callback data: Y2026, Q2026-3, M2026-9, H2026-1, T2020-2025."""
    if period.kind.value == "year":
        return f"Y{period.year}"
    if period.kind.value == "term":
        return f"T{period.year}-{period.end_year}"
    return f"{period.kind.value[0].upper()}{period.year}-{period.index}"


def period_from_code(code: str) -> Period | None:
    try:
        head, body = code[0], code[1:]
        if head == "Y":
            return Period.of_year(int(body))
        first, second = (int(x) for x in body.split("-"))
        builders = {"T": Period.term, "Q": Period.quarter, "M": Period.month, "H": Period.half}
        return builders[head](first, second)
    except (ValueError, KeyError, IndexError):
        return None


async def resolve_in_scope(ctx: Context, user: User, text: str) -> list[int] | Reply:
    """Units in the user's scope that `text` names; a Reply when none, or when all are out of scope."""
    tree = await ctx.tree()
    everywhere = (await ctx.unit_index()).resolve(text)
    if not everywhere:
        return Reply(text=replies.unit_not_found(text))
    scope = await ctx.scope(user)
    inside = [u for u in everywhere if u in scope]
    if not inside:
        return Reply(text=replies.out_of_scope(tree[everywhere[0]].name))
    return inside


async def progress(ctx: Context, user: User, period: Period | None, unit_text: str | None) -> list[Reply]:
    tree = await ctx.tree()
    period = period or default_period(ctx.today())
    target_id = user.unit_id
    if unit_text:
        found = await resolve_in_scope(ctx, user, unit_text)
        if isinstance(found, Reply):
            return [found]
        if len(found) > 1:
            rows = tuple((Choice(label=tree[u].name, data=f"p|{u}|{period_code(period)}"),) for u in found[:8])
            return [Reply(text=replies.which_unit(unit_text), choices=rows)]
        target_id = found[0]
    view = await load_progress(ctx.db, tree, target_id, period, ctx.today())
    return [Reply(text=replies.progress_text(view, ctx.today()))]


async def progress_of_unit(ctx: Context, user: User, unit_id: int, code: str) -> list[Reply]:
    tree = await ctx.tree()
    period = period_from_code(code)
    if unit_id not in tree or period is None:
        return [Reply(text=replies.not_understood())]
    if unit_id not in await ctx.scope(user):
        return [Reply(text=replies.out_of_scope(tree[unit_id].name))]
    view = await load_progress(ctx.db, tree, unit_id, period, ctx.today())
    return [Reply(text=replies.progress_text(view, ctx.today()))]
