"""A committee lists, renames and adds its khối (`/khoi` in chat, `ptdv khoi` on the server). Audited.

An official changes the list of their own unit. A unit without its own list uses its superior's; the first
change copies that list to the unit, so the superior's list (and every other committee's) stays as it was.
"""

from __future__ import annotations

from bot.categories import KhoiDef, fold_code
from bot.language.normalize import fold
from bot.messages import Reply
from bot.models import User
from bot.services.context import Context
from storage import audit
from storage import categories as khoi_store

USAGE = (
    "Cách dùng:\n"
    "/khoi — xem các khối của đơn vị\n"
    "/khoi doiten <tên cũ> | <tên mới> — ví dụ: /khoi doiten Khối cơ quan | Khối cơ quan Đảng, chính quyền\n"
    "/khoi them <tên khối> — ví dụ: /khoi them Khối y tế"
)
ONLY_OFFICIALS = "Chỉ cán bộ theo dõi mới xem và sửa danh sách khối."
MAX_LABEL = 80


class KhoiError(Exception):
    """A polite Vietnamese answer: what was wrong and how to write it; nothing changed."""


def _short(label: str) -> str:
    words = label.strip()
    return words[5:].strip() if fold(words).startswith("khoi ") else words


def _clean(label: str) -> str:
    label = " ".join(label.split())
    if not label:
        raise KhoiError("Chưa có tên khối. " + USAGE)
    if len(label) > MAX_LABEL:
        raise KhoiError(f"Tên khối dài quá {MAX_LABEL} ký tự.")
    return label


async def _list_of(ctx: Context, committee_id: int) -> tuple[list[KhoiDef], bool]:
    """The khối `committee_id` sees, and whether they are its own (False: inherited from above)."""
    cats = await ctx.categories()
    tree = await ctx.tree()
    governing = cats.committee_for(tree, committee_id)
    items = cats.for_unit(tree, committee_id)
    return items, governing == committee_id


def list_text(unit_name: str, items: list[KhoiDef], own: bool) -> str:
    lines = [f"Các khối của {unit_name}{'' if own else ' (theo danh sách của cấp trên)'}:"]
    for i, k in enumerate(items, 1):
        aliases = f" — còn gọi: {', '.join(k.aliases)}" if k.aliases else ""
        lines.append(f"{i}. {k.label}{aliases}")
    return "\n".join(lines)


async def rename(ctx: Context, committee_id: int, old: str, new: str, actor: int | None) -> str:
    new = _clean(new)
    items, _ = await _list_of(ctx, committee_id)
    tree = await ctx.tree()
    target = (await ctx.categories()).find(tree, committee_id, old)
    if target is None:
        raise KhoiError(f"Không có khối “{old.strip()}”. Gõ /khoi để xem tên các khối.")
    clash = (await ctx.categories()).find(tree, committee_id, new)
    if clash is not None and clash.code != target.code:
        raise KhoiError(f"Tên “{new}” đã là của {clash.label}.")
    before = target.model_dump()
    renamed = target.model_copy(
        update={
            "label": new,
            "short_label": _short(new),
            # the old names keep working in questions and imports
            "aliases": tuple(dict.fromkeys([*target.aliases, target.label, target.short_label])),
        }
    )
    await _save(ctx, committee_id, items, renamed, actor, "khoi.rename", before)
    return f"Đã đổi tên “{target.label}” thành “{new}”. Tên cũ vẫn dùng được khi hỏi và khi nhập dữ liệu."


async def add(ctx: Context, committee_id: int, label: str, actor: int | None) -> str:
    label = _clean(label)
    if not fold(label).startswith("khoi "):
        label = f"Khối {label}"
    items, _ = await _list_of(ctx, committee_id)
    tree = await ctx.tree()
    existing = (await ctx.categories()).find(tree, committee_id, label)
    if existing is not None:
        raise KhoiError(f"Đã có {existing.label}.")
    code, n, codes = fold_code(label), 1, {k.code for k in items}
    base = code
    while code in codes:
        n += 1
        code = f"{base}_{n}"
    khoi = KhoiDef(
        committee_id=committee_id,
        code=code,
        label=label,
        short_label=_short(label),
        sort_order=max((k.sort_order for k in items), default=0) + 1,
    )
    await _save(ctx, committee_id, items, khoi, actor, "khoi.add", None)
    return f"Đã thêm {label}. Ghi khối này trong cột Khối của tệp nhập, hoặc hỏi “tiến độ {label.lower()}”."


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
            return list_text(tree[committee_id].name, items, own)
        case "doiten" | "doi ten" | "sua":
            old, bar, new = rest.partition("|")
            if not bar or not old.strip() or not new.strip():
                raise KhoiError(USAGE)
            return await rename(ctx, committee_id, old, new, actor)
        case "them":
            return await add(ctx, committee_id, rest, actor)
    raise KhoiError(USAGE)


async def by_chat(ctx: Context, user: User, args: str) -> list[Reply]:
    """Officials only (the route's audience, refused with `ONLY_OFFICIALS`)."""
    tree = await ctx.tree()
    if user.unit_id not in tree:
        return [Reply(text=ONLY_OFFICIALS)]
    try:
        return [Reply(text=await command(ctx, user.unit_id, args, user.id))]
    except KhoiError as exc:
        return [Reply(text=str(exc))]
