"""Opening a confirmation: a pending preview (a typed payload from `bot.domain.payloads`) and its buttons.

The use cases that propose a change (reports, targets, re-organisation, imports) open it here; answering it
(confirm, cancel, expire) is `services.confirmations`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.domain.messages import Choice, Inbound, Reply
from bot.domain.models import User
from bot.domain.payloads import Payload
from bot.present import callbacks
from bot.present.replies import confirmations as texts
from bot.services.context import Context
from storage import pending
from storage.pending import Pending


def expiry(ctx: Context) -> datetime:
    """When a preview opened now stops being confirmable."""
    return ctx.now() + timedelta(minutes=ctx.settings.pending_ttl_minutes)


def choices_for(token: str, editable: bool = True) -> tuple[tuple[Choice, ...], ...]:
    """Confirm / retype / cancel; without "Sửa" when the content cannot be retyped in chat (a file)."""

    def button(label: str, action: Literal["c", "e", "x"]) -> Choice:
        return Choice(label=label, data=callbacks.pack(callbacks.Preview(action=action, token=token)))

    edit = (button(texts.BUTTON_EDIT, "e"),) if editable else ()
    return ((button(texts.BUTTON_CONFIRM, "c"), *edit, button(texts.BUTTON_CANCEL, "x")),)


async def open_pending(
    ctx: Context, user: User, inbound: Inbound, payload: Payload, expires: datetime | None = None
) -> Pending:
    """Store the preview (replacing the person's other open ones); idempotent by the inbound's update."""
    async with ctx.db.transaction():
        return await pending.create(
            ctx.db,
            user_id=user.id,
            channel=inbound.channel,
            chat_id=inbound.chat_id,
            payload=payload,
            now=ctx.now(),
            expires_at=expires if expires is not None else expiry(ctx),
            source_update=inbound.update_key,
            source_message=inbound.message_id,
        )


async def preview(
    ctx: Context,
    user: User,
    inbound: Inbound,
    payload: Payload,
    text: str,
    *,
    hint: str = texts.CONFIRM_HINT,
    editable: bool = True,
) -> list[Reply]:
    """Open a preview for a confirmable change and show it with the buttons."""
    p = await open_pending(ctx, user, inbound, payload)
    return [Reply(text=f"{text}\n\n{hint}", choices=choices_for(p.token, editable))]


@dataclass(frozen=True)
class Applied:
    """What applying a confirmed preview did: the record it stored (kept on the pending row) and the answer,
    either fixed or composed after the commit from what was stored ("Đã lưu" only after the commit)."""

    result_id: int | None = None
    reply: Reply | None = None
    compose: Callable[[], Awaitable[Reply]] | None = None


# Applies a confirmed preview inside the engine's transaction; `User` is the actor as they are now (re-read), and
# the function re-checks their role and scope, raising `Refusal` when these no longer allow the change.
Apply = Callable[[Context, User, Pending], Awaitable[Applied]]


class Deferred(Exception):
    """Raised by an apply whose work is too long for the confirming transaction (a large import): nothing is
    written there and the preview stays open; the engine then awaits `job(update_key)` outside the transaction,
    and the job marks the preview used in the same transaction that writes its changes (exactly once)."""

    def __init__(self, job: Callable[[str | None], Awaitable[list[Reply]]]) -> None:
        super().__init__("deferred")
        self.job = job
