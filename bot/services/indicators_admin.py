"""A province lists, adds and renames its indicators (chỉ tiêu cơ cấu) without code: `/tieuchi` in chat (officials
of a top unit, with a preview and “Xác nhận”), `ptdv indicator` on the server. Audited.

    /tieuchi                                     — the list
    /tieuchi them Bộ đội xuất ngũ | BĐXN | xuất ngũ, bộ đội phục viên
                                                 — add: name | short form | other ways of writing it (optional)
    /tieuchi doiten nông dân | nông dân, ngư dân — rename (the old name stays an alias)
    /tieuchi batbuoc nông dân | có               — required: always a column of the Excel, annex, template

A new indicator is at once read in reports ("kết nạp 2, 1 bộ đội xuất ngũ"), answered in "cơ cấu" questions, and
a column of the Excel, the import template and the report's annex.
"""

from __future__ import annotations

from bot.domain.indicators import IndicatorDef, Indicators, fold_code
from bot.domain.messages import Inbound, Reply
from bot.domain.models import User
from bot.domain.normalize import fold
from bot.domain.payloads import IndicatorPayload
from bot.present import replies
from bot.present.replies import indicators as texts
from bot.services.context import Context
from bot.services.proposals import preview
from bot.services.refusal import Refusal
from storage import audit
from storage import indicators as indicator_store
from storage.pending import Pending

USAGE = texts.USAGE
ONLY_TOP_OFFICIALS = texts.ONLY_TOP_OFFICIALS
MAX_NAME = 60
MAX_ALIASES = 12


class IndicatorError(Exception):
    """A polite Vietnamese answer: what was wrong and how to write it; nothing changed."""


list_text = texts.list_text
describe = texts.describe


def _clean(text: str, what: str) -> str:
    text = " ".join(text.split())
    if not text:
        raise IndicatorError(texts.missing(what))
    if len(text) > MAX_NAME:
        raise IndicatorError(texts.too_long(what, MAX_NAME))
    if fold(text).strip(" -,.;") == "" or not any(ch.isalpha() for ch in text):
        raise IndicatorError(texts.no_letters(what))
    return text


def _aliases(text: str) -> tuple[str, ...]:
    found = tuple(dict.fromkeys(a for part in text.split(",") if (a := " ".join(part.split()))))
    if len(found) > MAX_ALIASES:
        raise IndicatorError(texts.too_many_aliases(MAX_ALIASES))
    for alias in found:
        _clean(alias, texts.ALIAS)
    return found


def _clash(items: Indicators, names: tuple[str, ...], own: str | None) -> None:
    for name in names:
        other = items.find(name)
        if other is not None and other.code != own:
            raise IndicatorError(texts.name_taken(name, other.name))


def draft_add(items: Indicators, args: str) -> IndicatorDef:
    """The new indicator `/tieuchi them <tên> | <viết tắt> | <cách gọi khác, …>` describes (not stored)."""
    parts = [p.strip() for p in args.split("|")]
    name = _clean(parts[0] if parts else "", texts.NAME)
    short = _clean(parts[1], texts.SHORT_NAME) if len(parts) > 1 and parts[1] else name[:1].upper() + name[1:]
    aliases = _aliases(parts[2]) if len(parts) > 2 else ()
    if len(parts) > 3:
        raise IndicatorError(USAGE)
    _clash(items, (name, *aliases), None)
    code, n, base = fold_code(name), 1, fold_code(name)
    while code in items.by_code:
        n += 1
        code = f"{base}_{n}"
    return IndicatorDef(
        code=code,
        name=name[:1].lower() + name[1:] if not name[:2].isupper() else name,
        short_name=short,
        aliases=aliases,
        group="khac",
        sort_order=max((i.sort_order for i in items), default=0) + 10,
    )


def draft_rename(items: Indicators, args: str) -> tuple[IndicatorDef, IndicatorDef]:
    old, bar, new = args.partition("|")
    if not bar or not old.strip() or not new.strip():
        raise IndicatorError(USAGE)
    target = items.find(old)
    if target is None:
        raise IndicatorError(texts.unknown(old.strip()))
    new = _clean(new, texts.NEW_NAME)
    _clash(items, (new,), target.code)
    renamed = target.model_copy(
        update={"name": new, "aliases": tuple(dict.fromkeys(a for a in (*target.aliases, target.name) if a != new))}
    )
    return target, renamed


def draft_required(items: Indicators, args: str) -> tuple[IndicatorDef, IndicatorDef]:
    name, _, flag = args.partition("|")
    target = items.find(name)
    if target is None:
        raise IndicatorError(texts.unknown(name.strip()))
    answer = fold(flag).strip() or "co"
    if answer not in ("co", "khong", "ko"):
        raise IndicatorError(USAGE)
    return target, target.model_copy(update={"required": answer == "co"})


async def command(ctx: Context, args: str) -> tuple[str, IndicatorDef, IndicatorDef | None] | str:
    """Read `/tieuchi …`: the list's text, or (kind, new row, old row) of a change to confirm."""
    verb, _, rest = args.strip().partition(" ")
    items = await ctx.indicators()
    match fold(verb):
        case "" | "xem" | "danh sach":
            return list_text(items)
        case "them" | "moi" | "add":
            return "add", draft_add(items, rest), None
        case "doiten" | "doi ten" | "sua" | "rename":
            before, after = draft_rename(items, rest)
            return "rename", after, before
        case "batbuoc" | "bat buoc" | "required":
            before, after = draft_required(items, rest)
            return "required", after, before
    raise IndicatorError(USAGE)


async def _may(ctx: Context, user: User) -> bool:
    tree = await ctx.tree()
    return user.is_official and user.unit_id in tree and tree[user.unit_id].parent_id is None


async def by_chat(ctx: Context, user: User, inbound: Inbound, args: str) -> list[Reply]:
    try:
        read = await command(ctx, args)
    except IndicatorError as exc:
        return [Reply(text=str(exc))]
    if isinstance(read, str):
        return [Reply(text=read)]
    if not await _may(ctx, user):
        return [Reply(text=ONLY_TOP_OFFICIALS)]
    kind, item, before = read
    payload = IndicatorPayload(kind=kind, item=item)
    return await preview(ctx, user, inbound, payload, describe(kind, item, before))


async def save(ctx: Context, kind: str, item: IndicatorDef, actor: int | None) -> str:
    """Write one change (inside the caller's transaction), audited; the reply text."""
    items = await ctx.indicators()
    before = items.by_code.get(item.code)
    if kind == "add" and before is not None:
        raise IndicatorError(texts.exists(before.name))
    if kind != "add" and before is None:
        raise IndicatorError(texts.GONE)
    _clash(items, (item.name, *item.aliases) if kind == "add" else (item.name,), None if kind == "add" else item.code)
    await indicator_store.put(ctx.db, item, ctx.now())
    await audit.record(
        ctx.db,
        action=f"indicator.{kind}",
        entity="indicator",
        entity_id=item.code,
        now=ctx.now(),
        actor=actor,
        before=before.model_dump(mode="json") if before else None,
        after=item.model_dump(mode="json"),
    )
    return texts.saved(kind, item)


async def apply(ctx: Context, user: User, p: Pending) -> str:
    if not await _may(ctx, user):  # demoted or moved since the preview
        raise Refusal(ONLY_TOP_OFFICIALS if user.is_official else replies.OFFICIALS_ONLY)
    data = p.payload
    assert isinstance(data, IndicatorPayload)
    try:
        return await save(ctx, data.kind, data.item, user.id)
    except IndicatorError as exc:
        raise Refusal(str(exc)) from exc


async def by_cli(ctx: Context, args: str) -> str:
    """`ptdv indicator [list | add … | rename …]`: the same as /tieuchi, applied at once (the server's operator)."""
    words = args.strip()
    verb, _, rest = words.partition(" ")
    verb = {"list": "", "add": "them", "rename": "doiten", "required": "batbuoc"}.get(verb, verb)
    read = await command(ctx, f"{verb} {rest}".strip())
    if isinstance(read, str):
        return read
    kind, item, _ = read
    async with ctx.db.transaction():
        return await save(ctx, kind, item, None)
