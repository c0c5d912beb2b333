"""Finding the unit a message names, within what the asker may see."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Literal

from bot.domain.messages import Reply
from bot.domain.models import UnitKind, User
from bot.domain.normalize import fold
from bot.domain.textfmt import as_written
from bot.domain.tree import UnitTree
from bot.language.gazetteer import Pick
from bot.language.understand import pick_for, pick_for_report
from bot.language.units import FUZZY_CUTOFF
from bot.present import replies
from bot.services.context import Context
from bot.services.refusal import Refusal
from storage import units

# The text of the message being answered (per task), so that replies quote the person's own words, not the
# folded form the parser works on.
_message: ContextVar[str] = ContextVar("message_text", default="")


def hearing(text: str) -> None:
    """Remember the message now being answered (`Core.handle`)."""
    _message.set(text or "")


def own_words(folded: str) -> str:
    """`folded` (from the parser) as the person wrote it in the message being answered."""
    return as_written(_message.get(), folded)


async def examples(ctx: Context, user: User | None) -> replies.Examples:
    """Names for the examples in help and error texts: the asker's unit and one below it (from the tree)."""
    tree = await ctx.tree()
    if user is None or user.unit_id not in tree:
        return replies.Examples()
    children = tree.active_children(user.unit_id)
    below = next(iter(children), user.unit_id)
    labels = (await ctx.categories()).for_unit(tree, user.unit_id)
    present = {tree[c].category for c in children}
    khoi = tuple(replies.khoi_example(k.label, k.aliases, k.short_label) for k in labels if k.code in present)
    committees = (c for c in children if tree[c].kind not in (UnitKind.BRANCH, UnitKind.GRASSROOTS_BRANCH))
    committee = next(committees, None)
    return replies.Examples(
        own=tree[user.unit_id].name,
        below=tree[below].name,
        khoi=khoi[:1] + khoi[-1:] if len(khoi) > 1 else khoi,
        committee_below=tree[committee].name if committee is not None else None,
    )


@dataclass(frozen=True)
class UnitPolicy:
    """How one use case turns words into a unit — the one resolver's parameters (issue 18 §2).

    whole_name: the text is meant as a unit's name (a command's or an admin's argument: "xã Bắc Phong", a code);
        otherwise it is a message in which unit mentions are recognised against the gazetteer (the parser's words
        around them are ignored, a clear name that matches nothing is "not found").
    allow_own_unit_fallback: no text at all means the asker's own unit. Words that match nothing NEVER do: they
        are "not found" (the reporter's own unit is not a guess for a name written out).
    within_scope: only units in the asker's scope answer; a match outside it is "out of scope". False (with no
        asker: the command line): every unit.
    scope_root: look only below this unit (e.g. the unit a re-organisation is about); None: the asker's scope.
    fuzzy_threshold: the least rapidfuzz score a typed name needs (whole names; the gazetteer corrects words).
    question: the message is a question (a bare place word — "tiến độ xã" — names the asker's own đảng bộ).
    report: the message is a report (`understand.pick_for_report`, the same reading the corpus measures).
    """

    whole_name: bool = True
    allow_own_unit_fallback: bool = True
    within_scope: bool = True
    scope_root: int | None = None
    fuzzy_threshold: float = FUZZY_CUTOFF
    question: bool = False
    report: bool = False  # a report: when no unit is recognised, the words before "kết nạp" are looked up


NAME = UnitPolicy()  # an argument that names a unit, or nothing for one's own
NAME_REQUIRED = UnitPolicy(allow_own_unit_fallback=False)
REPORT = UnitPolicy(whole_name=False, report=True)


@dataclass
class Resolution:
    """how: "unit" (one unit: `unit_id`), "ask" (several: `choices`), "not_found" (`phrase` as written, `nearest`
    names in scope), "out_of_scope" (`unit_id`: the unit matched outside the scope), "category" (a khối:
    `category`, `unit_id` its holder)."""

    how: Literal["unit", "ask", "not_found", "out_of_scope", "category"]
    unit_id: int | None = None
    choices: list[int] = field(default_factory=list)
    phrase: str = ""
    category: str | None = None
    nearest: list[int] = field(default_factory=list)


async def resolve_unit(ctx: Context, user: User | None, text: str | None, policy: UnitPolicy = NAME) -> Resolution:
    """THE unit resolver: every use case (questions, reports, targets, invites, people, re-organisation, the
    command line) turns words into a unit here, with its policy."""
    tree = await ctx.tree()
    if user is not None and policy.within_scope:
        scope: set[int] = set(await ctx.scope(user))
    else:
        scope = set(tree.units)
    if policy.scope_root is not None and policy.scope_root in tree:
        scope &= set(tree.subtree(policy.scope_root))
    words = (text or "").strip()
    if not words:
        if policy.allow_own_unit_fallback and user is not None and user.unit_id in tree:
            return Resolution(how="unit", unit_id=user.unit_id)
        return Resolution(how="not_found")
    if not policy.whole_name and user is not None:
        gazetteer, asker = await ctx.gazetteer(), await ctx.asker(user)
        if policy.report:
            pick = pick_for_report(gazetteer, words, asker)
        else:
            pick = pick_for(gazetteer, words, asker, question=policy.question)
        return await from_pick(ctx, user, pick, allow_own_unit_fallback=policy.allow_own_unit_fallback)
    code = await units.by_code(ctx.db, words.upper()) if " " not in words else None
    if code is not None and code.id in tree:
        found = [code.id]
    else:
        found = (await ctx.unit_index()).resolve(words, threshold=policy.fuzzy_threshold)
    if not found:
        nearest = (await ctx.gazetteer()).nearest(words, scope) if scope else []
        return Resolution(how="not_found", phrase=words, nearest=nearest)
    inside = [u for u in found if u in scope]
    if not inside:
        return Resolution(how="out_of_scope", unit_id=found[0], phrase=words)
    if len(inside) > 1:
        return Resolution(how="ask", choices=inside, phrase=words)
    return Resolution(how="unit", unit_id=inside[0], phrase=words)


async def from_pick(ctx: Context, user: User, pick: Pick, *, allow_own_unit_fallback: bool = True) -> Resolution:
    """A gazetteer reading (`Gazetteer.pick`) as a resolution; "default" (the message named nothing) is the
    asker's own unit only when the policy allows it."""
    tree = await ctx.tree()
    match pick.how:
        case "ask":
            return Resolution(how="ask", choices=list(pick.choices), phrase=pick.phrase)
        case "out_of_scope":
            return Resolution(how="out_of_scope", unit_id=pick.unit_id, phrase=pick.phrase)
        case "not_found":
            scope = await ctx.scope(user)
            nearest = (await ctx.gazetteer()).nearest(pick.phrase, scope)
            return Resolution(how="not_found", phrase=pick.phrase, nearest=nearest)
        case "category":
            return Resolution(how="category", unit_id=pick.unit_id, category=pick.category, phrase=pick.phrase)
        case "default" if not allow_own_unit_fallback:
            return Resolution(how="not_found", phrase=pick.phrase)
    unit_id = pick.unit_id if pick.unit_id is not None and pick.unit_id in tree else user.unit_id
    return Resolution(how="unit", unit_id=unit_id, phrase=pick.phrase)


async def refuse(ctx: Context, user: User | None, found: Resolution) -> None:
    """`Refusal` for a name that matches nothing (with the nearest names) or a unit outside the scope."""
    if (refused := await refusal(ctx, user, found)) is not None:
        raise Refusal(refused.text)


async def refusal(ctx: Context, user: User | None, found: Resolution) -> Reply | None:
    """The one answer for a name that matches nothing (with the nearest names) or a unit outside the scope."""
    tree = await ctx.tree()
    if found.how == "out_of_scope":  # never falls through to the asker's own unit
        unit = found.unit_id
        if unit is None or unit not in tree:
            return Reply(text=replies.out_of_scope(found.phrase))
        return Reply(text=replies.out_of_scope(tree[unit].name, own_words(found.phrase)))
    if found.how == "not_found":
        if not found.phrase:
            return Reply(text=replies.unit_not_found("", await examples(ctx, user)))
        nearest = ", ".join(tree[u].name for u in found.nearest if u in tree)
        text = replies.unit_not_found(own_words(found.phrase), await examples(ctx, user))
        return Reply(text=text + replies.nearest_names(nearest))
    return None


async def resolve_in_scope(ctx: Context, user: User, text: str) -> list[int]:
    """Units in the user's scope that `text` names (several when ambiguous); `Refusal` when there are none, or
    when every match is outside the scope."""
    found = await resolve_unit(ctx, user, text, NAME_REQUIRED)
    await refuse(ctx, user, found)
    return found.choices if found.how == "ask" else [found.unit_id] if found.unit_id is not None else []


async def named_or_own(ctx: Context, user: User, text: str | None) -> int:
    """The one unit `text` names within the user's scope, or the user's own unit when nothing is named;
    `Refusal` when it names none there, or several."""
    found = await resolve_unit(ctx, user, text, NAME)
    await refuse(ctx, user, found)
    if found.how == "ask":
        tree = await ctx.tree()
        raise Refusal(replies.several_units_match([tree[u].name for u in found.choices[:5]]))
    assert found.unit_id is not None
    return found.unit_id


def choice_labels(tree: UnitTree, choices: list[int], phrase: str) -> list[str]:
    """The labels of the units offered for `phrase`: a unit the phrase matched only through a unit merged into it
    (the province that carries the old district's history) says so — “Đảng bộ tỉnh Phú Thọ (huyện Cao Phong cũ)”
    — so that it is not mistaken for today's unit of that name."""
    key = fold(phrase).strip()
    merged = [u for u in tree.units.values() if u.merged_into is not None] if key else []
    out = []
    for unit_id in choices:
        unit = tree[unit_id]
        label = unit.name
        if key and key not in fold(unit.name) and key not in fold(unit.short_name):
            former = next(
                (
                    m
                    for m in merged
                    if m.id != unit_id
                    and Context.successor(tree, m.id) == unit_id
                    and (key in fold(m.name) or key in fold(m.short_name))
                ),
                None,
            )
            if former is not None:
                label = replies.with_former_name(unit.name, former.name)
        out.append(label)
    return out
