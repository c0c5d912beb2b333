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

from bot.domain.messages import Inbound, Reply
from bot.domain.models import DEFAULT_CHILD_KIND, Frozen, UnitKind, User
from bot.domain.normalize import fold
from bot.domain.payloads import ReorgPayload
from bot.domain.tree import UnitTree
from bot.present import replies
from bot.present.replies import reorg as texts
from bot.services.context import Context
from bot.services.proposals import preview
from bot.services.refusal import Refusal
from bot.services.scope import UnitPolicy, refusal, resolve_unit
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
HELP = texts.HELP  # what /tochuc answers to anything it cannot read


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
    # the one resolver: a code or a name written out, within the official's scope (everywhere on the command line)
    found = await resolve_unit(
        ctx, user, text, UnitPolicy(allow_own_unit_fallback=False, within_scope=user is not None)
    )
    if (refused := await refusal(ctx, user, found)) is not None:
        raise ReorgError(refused.text)
    if found.how != "unit" or found.unit_id is None:
        names = "; ".join(tree[u].name for u in found.choices[:5]) or texts.NONE_MATCHED
        raise ReorgError(texts.unclear_unit(text.strip(), names))
    return found.unit_id


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
            raise ReorgError(texts.NOT_INTO_ITSELF)
        return Change(kind=kind, units=(unit,), target=parent)
    if kind == "split":
        names = tuple(n.strip() for n in right.split(",") if n.strip())
        if len(names) < 2:
            raise ReorgError(texts.SPLIT_INTO_TWO)
        return Change(kind=kind, units=(await _one(ctx, user, left),), names=names)
    sources = tuple([await _one(ctx, user, s) for s in left.split(",") if s.strip()])
    if len(sources) < 1 or len(set(sources)) != len(sources):
        raise ReorgError(texts.MERGE_NEEDS_UNITS)
    existing = await _existing(ctx, right)
    if existing is not None:
        if existing in sources or any(tree.is_within(existing, s) for s in sources):
            raise ReorgError(texts.MERGE_INTO_OWN)
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
            return texts.add(change.names[0], tree[change.target].name)
        case "rename":
            return texts.rename(names[0], change.names[0])
        case "move":
            assert change.target is not None  # a move always names the new parent (see `read_change`)
            return texts.move(names[0], tree[change.target].name)
        case "merge":
            into = tree[change.target].name if change.target else None
            return texts.merge(names, into, change.names[0] if change.names else "")
        case "split":
            return texts.split(names[0], change.names)
    return texts.deactivate(names[0])


async def propose(ctx: Context, user: User, inbound: Inbound, args: str) -> list[Reply]:
    """Officials (the route's audience): a preview of a change to the units."""
    try:
        change = await read_change(ctx, user, args)
    except ReorgError as exc:
        return [Reply(text=str(exc))]
    if (refusal := await allowed(ctx, user, change)) is not None:
        return [Reply(text=refusal)]
    text = describe(await ctx.tree(), change)
    return await preview(ctx, user, inbound, ReorgPayload(**change.model_dump()), text)


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
            return replies.out_of_scope(tree[unit].name if unit in tree else replies.unit_number(unit))
    if (closed := _not_active(tree, change)) is not None:  # merged away or closed (here too on confirmation)
        return closed
    if change.kind in ("split", "merge", "deactivate"):
        for unit in change.units:
            parent = tree[unit].parent_id
            if parent is None or parent not in scope:
                return texts.for_the_parent(tree[unit].name)
    return None


def _not_active(tree: UnitTree, change: Change) -> str | None:
    """Why `change` names a unit that no longer works (merged away or closed), None when it does not."""

    def successor(unit_id: int) -> str | None:
        into = tree[unit_id].merged_into
        return tree[into].name if into is not None and into in tree else None

    if change.kind in ("merge", "split", "deactivate", "move"):
        for unit in change.units:
            if not tree[unit].active:
                return texts.not_active(tree[unit].name, successor(unit), change.kind)
    if change.kind in ("merge", "move", "add") and change.target is not None and not tree[change.target].active:
        return texts.target_not_active(tree[change.target].name, successor(change.target))
    return None


async def apply_confirmed(ctx: Context, user: User, p: Pending) -> str:
    """A confirmed change (the confirmation engine's apply); `user` is the actor now: role and scope re-checked."""
    assert isinstance(p.payload, ReorgPayload)
    change = Change.model_validate(p.payload.model_dump(exclude={"action"}))
    if (refusal := await allowed(ctx, user, change)) is not None:  # the actor's role and scope now
        raise Refusal(refusal)
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
    return texts.done(change.kind, [(tree[u].name, tree[u].code) for u in created])


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
        valid_from=ctx.today(),  # it did not exist before: never "chưa báo cáo" for an earlier period
    )
