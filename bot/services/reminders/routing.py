"""Where a send goes: the recipient's first-registered channel that may still carry it, quotas spent in priority
order. The answer is typed: `Deliver` (channel and chat), `Held` (only a quota stands in the way) or `Unreachable`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.domain.planner import Send
from bot.domain.quota import Priority, Quota
from storage import users
from storage.db import Database


@dataclass(frozen=True)
class Deliver:
    channel: str
    chat_id: str


@dataclass(frozen=True)
class Held:
    """Only a channel's quota stands in the way: a later run (or next month) may still send it."""


@dataclass(frozen=True)
class Unreachable:
    """No linked chat on a channel this bot sends through."""


Route = Deliver | Held | Unreachable


def priority(send: Send, reported: bool | None) -> Priority:
    """A send's rank against the channels' quotas; `reported`: whether the send's unit reported (None: unknown)."""
    if send.kind in ("escalate", "quota", "cap"):
        return Priority.ESCALATION
    if send.kind == "digest":
        return Priority.DIGEST
    return Priority.BEHIND if reported else Priority.NOT_REPORTED


async def route(
    db: Database, channels: Mapping[str, object], send: Send, rank: Priority, quotas: dict[str, Quota]
) -> Route:
    """The first of the recipient's chats on one of `channels` whose quota (spent here) still allows `rank`."""
    if send.recipient.startswith("chat:"):
        _, channel, chat_id = send.recipient.split(":", 2)
        options = [(channel, chat_id)]
    else:
        assert send.user_id is not None
        options = await users.chats_of(db, send.user_id)
    options = [(c, chat) for c, chat in options if c in channels]
    for channel, chat_id in options:
        quota = quotas.get(channel)
        if quota is None:
            return Deliver(channel, chat_id)
        if quota.allows(rank):
            quotas[channel] = quota.spend()
            return Deliver(channel, chat_id)
    return Held() if options else Unreachable()
