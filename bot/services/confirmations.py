"""The confirmation engine: a preview opened (`services.proposals`) is confirmed, cancelled or expires — here.

A confirmation marks the pending row used and applies its action in one transaction, so a double tap, a
redelivered update or a second bot process on the same database finds it used and changes nothing twice. The
actor is re-read inside that transaction, and every action re-checks the actor's current role and scope (a
`Refusal` cancels the preview and stores nothing).

`APPLY` is the one table from an action to the function that applies it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType

from bot.domain.messages import Reply
from bot.domain.models import User
from bot.domain.payloads import NOT_CONFIRMABLE, Action, Status, Unreadable
from bot.present import replies
from bot.present.replies import confirmations as texts
from bot.services import congress, imports, indicators_admin, reorg, reporting, targets_admin
from bot.services.context import Context
from bot.services.proposals import Applied, Apply, Deferred
from bot.services.refusal import Refusal
from storage import pending, users
from storage.pending import Pending


def _says(apply: Callable[[Context, User, Pending], Awaitable[str]]) -> Apply:
    """An action whose answer is one sentence composed while applying."""

    async def run(ctx: Context, user: User, p: Pending) -> Applied:
        return Applied(reply=Reply(text=await apply(ctx, user, p)))

    return run


APPLY: Mapping[str, Apply] = MappingProxyType(
    {
        Action.SUBMIT: reporting.store_confirmed,
        Action.CORRECT: reporting.store_confirmed,
        Action.ADJUST: reporting.store_confirmed,
        Action.TARGET: _says(targets_admin.apply),
        Action.REORG: _says(reorg.apply_confirmed),
        Action.IMPORT: _says(imports.apply_confirmed),
        Action.CONGRESS: _says(congress.apply_confirmed),
        Action.INDICATOR: _says(indicators_admin.apply),
    }
)


async def _answered_already(ctx: Context, user: User, update_key: str | None) -> Pending | None:
    """The preview this very update already confirmed or cancelled (a typed "có" delivered again): it must never
    act twice. Only the person's own preview, and only while it could still have been answered — an update key
    seen long ago (a counter that started again) must not bring back an older, finished preview."""
    if update_key is None:
        return None
    done = await pending.resolved_by(ctx.db, update_key)
    if done is None or done.user_id != user.id or done.expires_at <= ctx.now():
        return None
    return done


async def _target(ctx: Context, user: User, token: str | None) -> Pending | None:
    """The preview a button names (`token`), or the person's newest open one for a typed answer."""
    p = await (pending.by_token(ctx.db, token) if token else pending.latest_open(ctx.db, user.id))
    return p if p is not None and p.user_id == user.id else None


async def confirm(ctx: Context, user: User, token: str | None, update_key: str | None = None) -> list[Reply]:
    """Apply what the preview showed, exactly once. A typed "có" (no token) is tied to the update it came in."""
    if token is None and (done := await _answered_already(ctx, user, update_key)):
        said = texts.already_saved(done.action) if done.status is Status.CONFIRMED else texts.ALREADY_CANCELLED
        return [Reply(text=said)]
    p = await _target(ctx, user, token)
    if p is None or p.action in NOT_CONFIRMABLE:
        return [Reply(text=texts.NOTHING_PENDING)]
    try:
        async with ctx.db.transaction():
            current = await pending.by_token(ctx.db, p.token)  # re-read inside the write lock
            assert current is not None
            if current.status is Status.CONFIRMED:
                return [Reply(text=texts.already_saved_as(current.action, current.result_id))]
            if current.status is not Status.OPEN:
                return [Reply(text=texts.EXPIRED if current.status is Status.EXPIRED else texts.ALREADY_CANCELLED)]
            apply = APPLY.get(current.action)
            if current.expires_at <= ctx.now() or apply is None or isinstance(current.payload, Unreadable):
                await expire(ctx, current)
                return [Reply(text=texts.EXPIRED)]
            actor = await users.get(ctx.db, user.id)  # the actor now, not when the preview was opened
            if actor is None or not actor.active:
                raise Refusal(replies.NOT_REGISTERED)
            applied = await apply(ctx, actor, current)
            await pending.resolve(
                ctx.db, current.id, Status.CONFIRMED, ctx.now(), result_id=applied.result_id, resolved_by=update_key
            )
    except Deferred as deferred:  # a large import: written outside this transaction, marks the preview itself
        return await deferred.job(update_key)
    except Refusal as refusal:
        async with ctx.db.transaction():
            answered = None if refusal.conflict else update_key
            await pending.resolve(ctx.db, p.id, Status.CANCELLED, ctx.now(), resolved_by=answered)
        return [Reply(text=refusal.text if refusal.conflict else texts.refused(refusal.text))]
    if applied.compose is not None:
        return [await applied.compose()]
    return [applied.reply] if applied.reply is not None else []


async def cancel(
    ctx: Context, user: User, token: str | None, *, retype: bool = False, update_key: str | None = None
) -> list[Reply]:
    """Drop the preview; nothing is stored. `retype`: the person will send the content again ("Sửa")."""
    if token is None and (done := await _answered_already(ctx, user, update_key)):
        said = texts.CANCELLED if done.status is Status.CANCELLED else texts.already_saved(done.action)
        return [Reply(text=said)]
    p = await _target(ctx, user, token)
    if p is None:
        return [Reply(text=texts.NOTHING_PENDING)]
    async with ctx.db.transaction():
        cancelled = await pending.resolve(ctx.db, p.id, Status.CANCELLED, ctx.now(), resolved_by=update_key)
    if not cancelled:
        said = texts.already_saved(p.action) if p.status is Status.CONFIRMED else texts.ALREADY_CANCELLED
        return [Reply(text=said)]
    return [Reply(text=texts.RETYPE if retype else texts.CANCELLED)]


async def expire(ctx: Context, p: Pending) -> bool:
    """Mark an open preview expired (inside the caller's transaction); False when it was no longer open."""
    return await pending.resolve(ctx.db, p.id, Status.EXPIRED, ctx.now())


def kinds_without_apply() -> set[Action]:
    """Confirmable actions the table misses (a test keeps this empty)."""
    return {a for a in Action if a not in NOT_CONFIRMABLE and a not in APPLY}
