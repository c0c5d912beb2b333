"""A committee lists, renames and adds its khối (`/khoi` in chat, `ptdv khoi` on the server). Audited.

An official changes the list of their own unit. A unit without its own list uses its superior's; the first
change copies that list to the unit, so the superior's list (and every other committee's) stays as it was.
"""

from __future__ import annotations

from bot.domain.categories import KhoiDef, fold_code
from bot.domain.messages import Reply
from bot.domain.models import User
from bot.domain.normalize import fold
from bot.domain.vocabulary import khoi_label, khoi_short
from bot.present.replies import khoi as texts
from bot.services.context import Context
from storage import audit
from storage import categories as khoi_store

MAX_LABEL = 80


class KhoiError(Exception):
    """A polite Vietnamese answer: what was wrong and how to write it; nothing changed."""


def _clean(label: str) -> str:
    label = " ".join(label.split())
    if not label:
        raise KhoiError(texts.NO_NAME)
    if len(label) > MAX_LABEL:
        raise KhoiError(texts.too_long(MAX_LABEL))
    return label


async def _list_of(ctx: Context, committee_id: int) -> tuple[list[KhoiDef], bool]:
    """The khối `committee_id` sees, and whether they are its own (False: inherited from above)."""
    cats = await ctx.categories()
    tree = await ctx.tree()
    governing = cats.committee_for(tree, committee_id)
    items = cats.for_unit(tree, committee_id)
    return items, governing == committee_id


async def rename(ctx: Context, committee_id: int, old: str, new: str, actor: int | None) -> str:
    new = _clean(new)
    items, _ = await _list_of(ctx, committee_id)
    tree = await ctx.tree()
    target = (await ctx.categories()).find(tree, committee_id, old)
    if target is None:
        raise KhoiError(texts.no_such_khoi(old.strip()))
    clash = (await ctx.categories()).find(tree, committee_id, new)
    if clash is not None and clash.code != target.code:
        raise KhoiError(texts.name_taken(new, clash.label))
    before = target.model_dump()
    renamed = target.model_copy(
        update={
            "label": new,
            "short_label": khoi_short(new),
            # the old names keep working in questions and imports
            "aliases": tuple(dict.fromkeys([*target.aliases, target.label, target.short_label])),
        }
    )
    await _save(ctx, committee_id, items, renamed, actor, "khoi.rename", before)
    return texts.renamed(target.label, new)


async def add(ctx: Context, committee_id: int, label: str, actor: int | None) -> str:
    label = _clean(label)
    label = khoi_label(label)
    items, _ = await _list_of(ctx, committee_id)
    tree = await ctx.tree()
    existing = (await ctx.categories()).find(tree, committee_id, label)
    if existing is not None:
        raise KhoiError(texts.exists(existing.label))
    code, n, codes = fold_code(label), 1, {k.code for k in items}
    base = code
    while code in codes:
        n += 1
        code = f"{base}_{n}"
    khoi = KhoiDef(
        committee_id=committee_id,
        code=code,
        label=label,
        short_label=khoi_short(label),
        sort_order=max((k.sort_order for k in items), default=0) + 1,
    )
    await _save(ctx, committee_id, items, khoi, actor, "khoi.add", None)
    return texts.added(label)


async def _save(
    ctx: Context,
    committee_id: int,
    items: list[KhoiDef],
    changed: KhoiDef,
    actor: int | None,
    action: str,
    before: object,
) -> None:
    own = [k.model_copy(update={"committee_id": committee_id}) for k in items if k.code != changed.code]
    changed = changed.model_copy(update={"committee_id": committee_id})
    async with ctx.db.transaction():
        await khoi_store.save_list(ctx.db, [*own, changed], ctx.now())
        await audit.record(
            ctx.db,
            action=action,
            entity="category",
            entity_id=f"{committee_id}:{changed.code}",
            now=ctx.now(),
            actor=actor,
            before=before,
            after=changed.model_dump(),
        )
    ctx.invalidate()


async def command(ctx: Context, committee_id: int, args: str, actor: int | None) -> str:
    """`/khoi …` and `ptdv khoi …`: the reply text; raises KhoiError for bad input."""
    words = args.strip()
    verb, _, rest = words.partition(" ")
    match fold(verb):
        case "":
            tree = await ctx.tree()
            items, own = await _list_of(ctx, committee_id)
            return texts.list_text(tree[committee_id].name, items, own)
        case "doiten" | "doi ten" | "sua":
            old, bar, new = rest.partition("|")
            if not bar or not old.strip() or not new.strip():
                raise KhoiError(texts.USAGE)
            return await rename(ctx, committee_id, old, new, actor)
        case "them":
            return await add(ctx, committee_id, rest, actor)
    raise KhoiError(texts.USAGE)


async def by_chat(ctx: Context, user: User, args: str) -> list[Reply]:
    """Officials only (the route's audience, refused with `ONLY_OFFICIALS`)."""
    tree = await ctx.tree()
    if user.unit_id not in tree:
        return [Reply(text=texts.ONLY_OFFICIALS)]
    try:
        return [Reply(text=await command(ctx, user.unit_id, args, user.id))]
    except KhoiError as exc:
        return [Reply(text=str(exc))]
