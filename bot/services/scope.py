"""Finding the unit a message names, within what the asker may see."""

from __future__ import annotations

from contextvars import ContextVar

from bot.domain.models import User
from bot.domain.textfmt import as_written
from bot.present import replies
from bot.services.context import Context
from bot.services.refusal import Refusal

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
    below = next(iter(tree.active_children(user.unit_id)), user.unit_id)
    return replies.Examples(own=tree[user.unit_id].name, below=tree[below].name)


async def resolve_in_scope(ctx: Context, user: User, text: str) -> list[int]:
    """Units in the user's scope that `text` names (several when ambiguous); `Refusal` when there are none, or
    when every match is outside the scope."""
    tree = await ctx.tree()
    everywhere = (await ctx.unit_index()).resolve(text)
    if not everywhere:
        raise Refusal(replies.unit_not_found(own_words(text), await examples(ctx, user)))
    scope = await ctx.scope(user)
    inside = [u for u in everywhere if u in scope]
    if not inside:
        raise Refusal(replies.out_of_scope(tree[everywhere[0]].name))
    return inside


async def named_or_own(ctx: Context, user: User, text: str | None) -> int:
    """The one unit `text` names within the user's scope, or the user's own unit when nothing is named;
    `Refusal` when it names none there, or several."""
    if not text:
        return user.unit_id
    found = await resolve_in_scope(ctx, user, text)
    if len(found) > 1:
        tree = await ctx.tree()
        raise Refusal(replies.several_units_match([tree[u].name for u in found[:5]]))
    return found[0]
