"""Setting targets by chat (officials, within their subtree), with a preview, confirmation and audit; a
warning — not a refusal — when the children's targets do not add up to the parent's."""

from __future__ import annotations

from bot.domain.messages import Inbound, Reply
from bot.domain.models import User
from bot.domain.payloads import TargetPayload
from bot.domain.progress import rolled_targets
from bot.domain.tree import UnitTree
from bot.language.targets import EXAMPLE, UNIT_MARK, TargetDraft
from bot.present import replies
from bot.present.replies import targets as texts
from bot.services.context import Context
from bot.services.proposals import preview
from bot.services.refusal import Refusal
from bot.services.scope import examples, named_or_own
from storage import audit, targets
from storage.pending import Pending


async def propose(ctx: Context, user: User, inbound: Inbound, draft: TargetDraft) -> list[Reply]:
    """Officials (the route's audience): a preview of the target, with warnings when the sums differ."""
    tree = await ctx.tree()
    try:
        unit_id = await named_or_own(ctx, user, draft.unit_text)
    except Refusal as refusal:
        example = EXAMPLE.replace(UNIT_MARK, (await examples(ctx, user)).below)
        raise Refusal(texts.with_example(refusal.text, example)) from None
    label = texts.label(draft.scope, draft.start_year, draft.end_year)
    direct, _ = (
        await targets.values_for_year(ctx.db, draft.start_year)
        if draft.scope == "year"
        else (await targets.values_for_term(ctx.db, draft.start_year), {})
    )
    lines = [texts.preview(label, tree[unit_id].name, draft.value, direct.get(unit_id))]
    if draft.quarter_plan:
        lines.append(texts.quarter_plan(draft.quarter_plan))
    lines += _sum_warnings(tree, unit_id, draft.value, direct, await ctx.scope(user))
    payload = TargetPayload(**draft.model_dump(), unit_id=unit_id)
    return await preview(ctx, user, inbound, payload, "\n".join(lines))


def _sum_warnings(tree: UnitTree, unit_id: int, value: int, direct: dict[int, int], scope: set[int]) -> list[str]:
    """Compare with what the children add up to and — only for an actor who may see the parent — with the
    parent's target, after the change. Nothing outside `scope` is read into the text."""
    warnings = []
    after = {**direct, unit_id: value}
    root = [unit_id, *tree.ancestors(unit_id)][-1]
    rolled = rolled_targets(tree, root, {u: v for u, v in after.items() if u in tree})
    children = tree.active_children(unit_id)
    given = [t for c in children if (t := rolled[c][0]) is not None]
    if children and given and sum(given) != value:
        warnings.append(texts.children_differ(sum(given), value))
    parent = tree[unit_id].parent_id
    if parent is not None and parent in scope and parent in direct:
        siblings = sum(rolled[c][0] or 0 for c in tree.active_children(parent))
        if siblings != direct[parent]:
            warnings.append(texts.siblings_differ(siblings, tree[parent].name, direct[parent]))
    return warnings


async def apply(ctx: Context, user: User, p: Pending) -> str:
    """A confirmed target (the confirmation engine's apply); `user` is the actor now: role and scope re-checked."""
    data = p.payload
    assert isinstance(data, TargetPayload)
    unit_id = data.unit_id
    if not user.is_official:
        raise Refusal(replies.OFFICIALS_ONLY)
    if unit_id not in await ctx.scope(user):
        raise Refusal(replies.out_of_scope((await ctx.tree())[unit_id].name))
    before_rows = await targets.get(ctx.db, unit_id, data.scope, data.start_year)
    plan = data.model_dump(mode="json")["quarter_plan"]
    await targets.set_target(
        ctx.db,
        unit_id=unit_id,
        scope=data.scope,
        start_year=data.start_year,
        end_year=data.end_year,
        value=data.value,
        now=ctx.now(),
        set_by=user.id,
        quarter_plan=list(data.quarter_plan) if data.quarter_plan else None,
    )
    await audit.record(
        ctx.db,
        action="target.set",
        entity="target",
        entity_id=f"{unit_id}:{data.scope}:{data.start_year}",
        now=ctx.now(),
        actor=user.id,
        before=dict(before_rows) if before_rows else None,
        after={"value": data.value, "quarter_plan": plan},
    )
    name = (await ctx.tree())[unit_id].name
    return texts.done(texts.label(data.scope, data.start_year, data.end_year), name, data.value)
