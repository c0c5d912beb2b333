"""Delivering one send exactly once: the channel's answer (`Delivery`), a run's tally (`Outcome`), and the claim →
send → mark sequence against the reminder log."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.domain.messages import Reply
from bot.domain.planner import Send
from bot.domain.quota import Quota
from storage import reminders
from storage.db import Database

log = logging.getLogger(__name__)


class Delivery(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # the channel says outright the person cannot be reached (Telegram: blocked the bot)
    FAILED = "failed"  # surely not delivered (refused, or never left): tried again on a later run, after a back-off
    UNCERTAIN = "uncertain"  # no answer after the request went out (a timeout): may have arrived, never re-sent
    QUOTA = "quota"  # the channel's monthly quota is used up: held, nobody's fault, not a failed delivery


class Notifier(Protocol):
    """A channel's way of sending one message to one chat, within the channel's limits."""

    async def deliver(self, chat_id: str, reply: Reply) -> Delivery: ...

    async def quota(self) -> Quota | None:
        """The channel's monthly quota as used so far; None when the channel has none."""
        ...


@dataclass
class Outcome:
    sent: int = 0
    deferred: int = 0
    blocked: int = 0  # refused by the channel this run: marked unreachable (still registered and active)
    failed: int = 0
    uncertain: int = 0  # timed out after the request went out: may have arrived; never re-sent
    unreachable: int = 0  # skipped: marked unreachable until they write to the bot or an official clears it
    backing_off: int = 0  # skipped: a recent failed send; not retried before its back-off has passed
    missed: int = 0
    held: int = 0  # kept back to stay within a channel's monthly quota
    skipped_quiet: bool = False
    paused: bool = False
    details: list[str] = field(default_factory=list)  # why a run did nothing ("already run")

    def count(self, result: Delivery | None) -> None:
        """Tally one delivery's result (None: claimed by an overlapping run, not counted)."""
        match result:
            case Delivery.SENT:
                self.sent += 1
            case Delivery.BLOCKED:
                self.blocked += 1
            case Delivery.FAILED:
                self.failed += 1
            case Delivery.UNCERTAIN:
                self.uncertain += 1
            case Delivery.QUOTA:
                self.held += 1


async def claim(db: Database, send: Send, now: datetime) -> int | None:
    """Claim a send in the reminder log; None when an overlapping run already did."""
    return await reminders.claim(
        db,
        recipient=send.recipient,
        user_id=send.user_id,
        unit_id=send.unit_id,
        kind=send.kind,
        period_key=send.period_key,
        now=now,
    )


async def send_claimed(
    db: Database, notifier: Notifier, chat_id: str, send: Send, text: str, log_id: int, now: Callable[[], datetime]
) -> Delivery:
    """Send a claimed send's text and record the result in the log and on the person (`now`: the injected clock)."""
    detail: str | None = None
    try:
        result = await notifier.deliver(chat_id, Reply(text=text))
    except Exception as exc:  # a bug in a notifier must not stop the fan-out
        log.exception("delivery to %s failed", send.recipient)
        result, detail = Delivery.FAILED, repr(exc)
    # Between Telegram's acceptance and this write is the one moment that cannot be made exact: if the
    # process dies here the row stays "sending" and is never retried (no repeats, at worst one loss).
    if result is Delivery.QUOTA:
        # not sent and not the person's fault: the log forgets the claim, a later run may send it
        await reminders.release(db, log_id)
        return result
    await reminders.finish(db, log_id, result.value, now(), detail)
    if result is Delivery.UNCERTAIN:
        # the network failed us, not the person: neither a success nor a failure of theirs
        log.warning("%s to %s may not have arrived (timed out); not sent again", send.kind, send.recipient)
    elif send.user_id is not None:
        if result is Delivery.SENT:
            await reminders.record_success(db, send.user_id)
        else:  # a failure backs this person's sends off; unreachable only after repeated failures
            refused = result is Delivery.BLOCKED
            await reminders.record_failure(db, send.user_id, now(), refused=refused)
    return result
