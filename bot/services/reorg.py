"""Re-organising the tree (officials, with confirmation; also `ptdv unit …`): add, rename, move, merge, split,
deactivate. The event log is never touched: after a change the closure table and rollups are rebuilt from it,
so a merged unit's whole history counts for the unit it joined, old names still resolve (aliases, successors),
and the totals of every unit above stay exactly the same.

    /tochuc them Chi bộ xóm Mới thuộc xã Bắc Phong
    /tochuc doiten xã Tây Phong thành Đảng bộ xã Tây Phong Mới
    /tochuc chuyen Chi bộ Trung tâm Chính trị về Cơ quan Huyện ủy
    /tochuc hopnhat xã Thu Phong, xã Hợp Phong thành Đảng bộ xã Thu Hợp Phong
    /tochuc tach xã Xuân Phong thành Đảng bộ xã Xuân Phong A, Đảng bộ xã Xuân Phong B
    /tochuc ngung Chi bộ Điện lực Cao Phong
"""

from __future__ import annotations

import dataclasses
import re

from bot import replies
from bot.language.normalize import fold
from bot.messages import Inbound, Reply
from bot.models import DEFAULT_CHILD_KIND, Frozen, UnitKind, User
from bot.services.confirmable import Refused, confirmable
from bot.services.context import Context
from bot.services.reporting import preview_change
from bot.services.scope import resolve_in_scope
from bot.tree import UnitTree
from storage import audit, rollups, units, users
from storage.pending import Pending

VERBS = {
    "them": "add",
    "doiten": "rename",
    "doi ten": "rename",
    "chuyen": "move",
    "hopnhat": "merge",
    "hop nhat": "merge",
    "sapnhap": "merge",
    "sap nhap": "merge",
    "tach": "split",
    "ngung": "deactivate",
    "giaithe": "deactivate",
    "giai the": "deactivate",
}
SEPARATOR = re.compile(
    r"\s*(?:=>|->|\bthành\b|\bthanh\b|\bthuộc\b|\bthuoc\b|\bvề\b|\bve\b|\bvào\b|\bvao\b|"
    r"\bdưới\b|\bduoi\b)\s*",
    re.IGNORECASE,
)
CHILD_KIND = DEFAULT_CHILD_KIND  # under a tỉnh ủy: a đảng ủy xã; under it: đảng bộ cơ sở; then chi bộ
HELP = (
    "Cách dùng (cán bộ theo dõi):\n"
    "• /tochuc them <tên> thuộc <đơn vị cấp trên>\n• /tochuc doiten <đơn vị> thành <tên mới>\n"
    "• /tochuc chuyen <đơn vị> về <đơn vị cấp trên mới>\n"
    "• /tochuc hopnhat <đơn vị 1>, <đơn vị 2> thành <tên mới hoặc đơn vị có sẵn>\n"
    "• /tochuc tach <đơn vị> thành <tên 1>, <tên 2>\n• /tochuc ngung <đơn vị>"
)


class Change(Frozen):
    kind: str  # add | rename | move | merge | split | deactivate
    units: tuple[int, ...] = ()  # the units changed (sources of a merge)
    target: int | None = None  # new parent (add, move), unit merged into (merge)
    names: tuple[str, ...] = ()  # new name(s): add, rename, split, a merge into a new unit


def short_name(name: str) -> str:
    return re.sub(r"^(?:Đảng bộ|Chi bộ|Đảng ủy)\s+", "", name.strip(), flags=re.IGNORECASE) or name.strip()


class ReorgError(Exception):
    """What is wrong with a requested change, in Vietnamese."""


async def _one(ctx: Context, user: User | None, text: str) -> int:
    tree = await ctx.tree()
    code = await units.by_code(ctx.db, text.strip().upper())
    if code is not None:
        found: list[int] | Reply = [code.id]
    elif user is None:
        found = (await ctx.unit_index()).resolve(text)
    else:
        found = await resolve_in_scope(ctx, user, text)
    if isinstance(found, Reply):
        raise ReorgError(found.text)
    if len(found) != 1:
        names = "; ".join(tree[u].name for u in found[:5]) or "không có"
        raise ReorgError(f"“{text.strip()}” chưa rõ là đơn vị nào (khớp: {names}). Xin ghi tên đầy đủ hoặc mã.")
    if user is not None and found[0] not in await ctx.scope(user):
        raise ReorgError(replies.out_of_scope(tree[found[0]].name))
    return found[0]


async def read_change(ctx: Context, user: User | None, text: str) -> Change:
    """`text` is what follows /tochuc (or the command line's words); names keep their diacritics."""
    text = text.strip()
    folded = fold(text)
    verb = next((v for v in sorted(VERBS, key=len, reverse=True) if folded.startswith(v + " ")), None)
    if verb is None:
        raise ReorgError(HELP)
    rest = text.split(None, len(verb.split()))[-1]
    kind = VERBS[verb]
    parts = SEPARATOR.split(rest, maxsplit=1)
    left, right = parts[0].strip(), (parts[1].strip() if len(parts) > 1 else "")
    tree = await ctx.tree()
    if kind == "deactivate":
        return Change(kind=kind, units=(await _one(ctx, user, left),))
    if not right:
        raise ReorgError(HELP)
    if kind == "add":
        return Change(kind=kind, target=await _one(ctx, user, right), names=(left,))
    if kind == "rename":
        return Change(kind=kind, units=(await _one(ctx, user, left),), names=(right,))
    if kind == "move":
        unit, parent = await _one(ctx, user, left), await _one(ctx, user, right)
        if tree.is_within(parent, unit):
            raise ReorgError("Không thể chuyển một đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.")
        return Change(kind=kind, units=(unit,), target=parent)
    if kind == "split":
        names = tuple(n.strip() for n in right.split(",") if n.strip())
        if len(names) < 2:
            raise ReorgError("Tách thành ít nhất hai đơn vị, cách nhau bằng dấu phẩy.")
        return Change(kind=kind, units=(await _one(ctx, user, left),), names=names)
    sources = tuple([await _one(ctx, user, s) for s in left.split(",") if s.strip()])
    if len(sources) < 1 or len(set(sources)) != len(sources):
        raise ReorgError("Cần ít nhất một đơn vị để hợp nhất, không lặp lại.")
    existing = await _existing(ctx, right)
    if existing is not None:
        if existing in sources or any(tree.is_within(existing, s) for s in sources):
            raise ReorgError("Đơn vị nhận không được là một trong các đơn vị bị hợp nhất hay cấp dưới của chúng.")
        return Change(kind=kind, units=sources, target=existing)
    return Change(kind=kind, units=sources, names=(right,))


async def _existing(ctx: Context, text: str) -> int | None:
    """An existing unit only by its code or its exact full name (a new name may look like an old one)."""
    by_code = await units.by_code(ctx.db, text.strip().upper())
    if by_code is not None:
        return by_code.id
    tree = await ctx.tree()
    exact = [u.id for u in tree.units.values() if u.search_name == fold(text) and u.active]
    return exact[0] if len(exact) == 1 else None


def describe(tree: UnitTree, change: Change) -> str:
    names = [tree[u].name for u in change.units]
    match change.kind:
        case "add":
            assert change.target is not None  # an addition always names its parent (see `read_change`)
            return f"Thêm đơn vị “{change.names[0]}” trực thuộc {tree[change.target].name}."
        case "rename":
            return f"Đổi tên {names[0]} thành “{change.names[0]}” (tên cũ vẫn tra cứu được)."
        case "move":
            assert change.target is not None  # a move always names the new parent (see `read_change`)
            return f"Chuyển {names[0]} về trực thuộc {tree[change.target].name}."
        case "merge":
            into = tree[change.target].name if change.target else f"đơn vị mới “{change.names[0]}”"
            return (
                f"Hợp nhất {', '.join(names)} vào {into}. Toàn bộ lịch sử báo cáo của các đơn vị cũ được tính "
                "cho đơn vị nhận; số liệu các cấp trên không đổi."
            )
        case "split":
            return (
                f"Tách {names[0]} thành: {', '.join(change.names)}. Lịch sử báo cáo giữ ở đơn vị cũ "
                "(ngừng hoạt động); các đơn vị mới bắt đầu từ nay."
            )
    return f"Ngừng hoạt động {names[0]} (lịch sử báo cáo được giữ nguyên)."


async def propose(ctx: Context, user: User, inbound: Inbound, args: str) -> list[Reply]:
    if not user.is_official:
        return [Reply(text=replies.OFFICIALS_ONLY)]
    try:
        change = await read_change(ctx, user, args)
    except ReorgError as exc:
        return [Reply(text=str(exc))]
    if (refusal := await allowed(ctx, user, change)) is not None:
        return [Reply(text=refusal)]
    text = describe(await ctx.tree(), change)
    return await preview_change(ctx, user, inbound, "reorg", change.model_dump(mode="json"), text)


async def allowed(ctx: Context, user: User, change: Change) -> str | None:
    """Why `user` may not make `change` now (None: they may). Every unit named must be in their scope; splitting,
    merging and deactivating a unit are for officials of its parent or above (so never one's own unit, nor a
    top-level unit), which also keeps every new unit inside the actor's scope."""
    if not user.is_official:
        return replies.OFFICIALS_ONLY
    tree = await ctx.tree()
    scope = await ctx.scope(user)
    named = [*change.units, *([change.target] if change.target is not None else [])]
    for unit in named:
        if unit not in tree or unit not in scope:
            return replies.out_of_scope(tree[unit].name if unit in tree else f"đơn vị #{unit}")
    if change.kind in ("split", "merge", "deactivate"):
        for unit in change.units:
            parent = tree[unit].parent_id
            if parent is None or parent not in scope:
                return (
                    f"Tách, hợp nhất hay ngừng hoạt động {tree[unit].name} là việc của cán bộ theo dõi cấp trên "
                    "của đơn vị này. Xin đề nghị cấp trên thực hiện."
                )
    return None


@confirmable("reorg")
async def apply_confirmed(ctx: Context, user: User, p: Pending) -> str:
    change = Change.model_validate(p.payload)
    if (refusal := await allowed(ctx, user, change)) is not None:  # the actor's role and scope now
        raise Refused(refusal)
    return await apply_change(ctx, change, user.id)


async def apply_change(ctx: Context, change: Change, actor: int | None) -> str:
    """Apply inside the caller's transaction (joined, or opened here); rebuild rollups when the tree moved."""
    tree = await ctx.tree()
    now = ctx.now()
    async with ctx.db.transaction():
        before = {u: dataclasses.asdict(tree[u]) for u in change.units}
        created: list[int] = []
        match change.kind:
            case "add":
                created.append(await _add(ctx, change.names[0], change.target))
            case "rename":
                await units.rename(ctx.db, change.units[0], change.names[0], short_name(change.names[0]))
            case "move":
                await units.set_parent(ctx.db, change.units[0], change.target)
            case "merge":
                into = change.target
                if into is None:
                    first = tree[change.units[0]]
                    into = await _add(ctx, change.names[0], first.parent_id, category=first.category)
                    created.append(into)
                for source in change.units:
                    await units.set_parent(ctx.db, source, into)
                    await units.deactivate(ctx.db, source, now, merged_into=into)
                    await users.move_all(ctx.db, source, into)
            case "split":
                parent = tree[change.units[0]].parent_id
                for name in change.names:
                    created.append(await _add(ctx, name, parent, category=tree[change.units[0]].category))
                await units.deactivate(ctx.db, change.units[0], now)
            case "deactivate":
                await units.deactivate(ctx.db, change.units[0], now)
        if change.kind in ("move", "merge"):
            await rollups.rebuild(ctx.db)
        await units.bump_version(ctx.db, now)
        await audit.record(
            ctx.db,
            action=f"unit.{change.kind}",
            entity="unit",
            entity_id=",".join(str(u) for u in (*change.units, *created)),
            now=now,
            actor=actor,
            before=before,
            after=change.model_dump(mode="json") | {"created": created},
        )
    ctx.invalidate()
    tree = await ctx.tree()
    made = f" Đơn vị mới: {', '.join(f'{tree[u].name} (mã {tree[u].code})' for u in created)}." if created else ""
    return f"Đã thực hiện: {describe_done(change)}.{made}"


def describe_done(change: Change) -> str:
    return {
        "add": "thêm đơn vị",
        "rename": "đổi tên",
        "move": "chuyển đơn vị",
        "merge": "hợp nhất",
        "split": "tách đơn vị",
        "deactivate": "ngừng hoạt động đơn vị",
    }[change.kind]


async def _add(ctx: Context, name: str, parent_id: int | None, category: str | None = None) -> int:
    tree = await ctx.tree()
    parent = tree[parent_id] if parent_id is not None else None
    kind = CHILD_KIND[parent.kind] if parent is not None else UnitKind.DISTRICT
    code = await units.next_code(ctx.db, short_name(name))
    return await units.add(
        ctx.db,
        code=code,
        name=name.strip(),
        short_name=short_name(name),
        kind=kind.value,
        category=category or (parent.category if parent else None),
        parent_id=parent_id,
        sort_order=len(tree.children(parent_id)) if parent_id else 0,
        now=ctx.now(),
    )
