"""One channel shape: what `ptdv run` and `ptdv console` start, whatever the channel, and the two loops every
channel shares — the retry of one API call and the long poll into the inbox.

A `Channel` (Telegram, each Zalo bot, the console) is started, run until `stop`, closed; it offers a `Notifier`
for reminders and, in webhook mode, routes for the bot's web server (`handlers.webhook`). What differs between
the channels is passed in as small policies: which error of a call is worth another try (`Again`), and for a
long poll how one call is made, confirmed and judged (`PollSource`).

Not shared, on purpose: PTB's `AIORateLimiter` still retries a reminder's 429 inside the Telegram request
(`FanOutRateLimiter`), because only there does a 429 pause every other paced request; `with_retries` wraps
it like any request. The inbox pump's own waits (`InboxPump.ingest_durably`, `process_forever`) wait out a busy
database until `stop`, which is not the retry of a call that may have reached a chat. The console receives no
updates from a network: it feeds its pump line by line.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from aiohttp import web

from bot.services.reminders import Notifier
from handlers.inbox_pump import MAX_BACKOFF, InboxPump, Stopped, sleep_or_stop, unless_stopped

log = logging.getLogger(__name__)

T = TypeVar("T")


class Channel(Protocol):
    """One chat channel as the composition root sees it."""

    @property
    def name(self) -> str:
        """The channel's name: its identities, inbox and notifier key ("telegram", "zalo", "zalo-<key>", "console")."""
        ...

    @property
    def notifier(self) -> Notifier: ...

    def routes(self) -> Sequence[web.RouteDef]:
        """What the bot's web server must serve for this channel (its webhook); empty when it polls."""
        ...

    async def start(self) -> None:
        """Connect, and finish what a previous run stored but did not process. Before the web server starts."""
        ...

    async def run(self, stop: asyncio.Event) -> None:
        """Receive and process until `stop` is set (after the web server started: a webhook is registered here).
        Raises `PollerFatal` when the channel cannot go on — the process then exits non-zero."""
        ...

    async def aclose(self) -> None:
        """Release what `start` opened (also after a failed start)."""
        ...


@dataclass(frozen=True)
class Again:
    """An error worth another try: after `after` seconds, or (None) after the caller's next back-off."""

    after: float | None = None


Verdict = Callable[[Exception], "Again | None"]  # None: not worth another try — the error propagates


async def with_retries(
    call: Callable[[], Awaitable[T]],
    verdict: Verdict,
    *,
    attempts: int,
    backoff: float,
    before: Callable[[], Awaitable[None]] | None = None,
) -> T:
    """`call`, tried up to `attempts` times while `verdict` says another try is safe; the last error propagates.
    `verdict` may raise instead (e.g. a send that may have arrived is never repeated: `SendUncertain`). Back-off
    doubles from `backoff` (`backoff * 2**attempt`); `before` runs before each try (pacing, a quota check)."""
    for attempt in range(attempts):
        if before is not None:
            await before()
        try:
            return await call()
        except Exception as exc:
            again = verdict(exc)
            if again is None or attempt == attempts - 1:
                raise
            delay = again.after if again.after is not None else backoff * 2**attempt
            log.info("call failed (%s); retry %d in %.1f s", exc, attempt + 1, delay)
            await asyncio.sleep(delay)
    raise ValueError("attempts must be at least 1")


class Backoff:
    """Waits that double from `first` up to `most`, back to `first` after a success."""

    def __init__(self, first: float = 1.0, most: float = MAX_BACKOFF) -> None:
        self.first = first
        self.most = most
        self.current = first

    def next(self) -> float:
        wait, self.current = self.current, min(self.current * 2, self.most)
        return wait

    def reset(self) -> None:
        self.current = self.first


class PollSource(Protocol):
    """What differs between long polls: Telegram hands over batches and is told by an offset which were stored;
    Zalo hands over one update per call and takes no confirmation (an update handed out is gone)."""

    name: str

    async def fetch(self) -> list[dict[str, Any]]:
        """One long-poll call: the raw updates it handed over (none when it timed out idle)."""
        ...

    def confirm(self, updates: list[dict[str, Any]]) -> None:
        """`updates` are in the inbox: the next call may confirm them."""
        ...

    def verdict(self, exc: Exception) -> Again | None:
        """Whether a failed call is tried again (and when); raises `PollerFatal` when it cannot go on (a refused
        token); None for an error nobody foresaw, which propagates."""
        ...

    def recovered(self) -> None:
        """A call went through (after errors, perhaps): reset what the errors set."""
        ...


async def long_poll(source: PollSource, pump: InboxPump, stop: asyncio.Event) -> None:
    """Long-poll `source` into `pump`'s inbox, processing next to it, until `stop`: each batch is stored before
    the next call (which confirms it). Errors back off (1 s doubling to a minute) unless the source names a wait;
    a fatal one (`PollerFatal`), or a database that refuses writes, ends both loops and propagates."""
    await pump.run_with_processor(stop, _poll(source, pump, stop))


async def _poll(source: PollSource, pump: InboxPump, stop: asyncio.Event) -> None:
    waits = Backoff()
    while not stop.is_set():
        try:
            updates = await unless_stopped(stop, source.fetch())
        except Stopped:
            return  # not confirmed: Telegram hands it over again; Zalo has not handed anything over
        except Exception as exc:
            again = source.verdict(exc)
            if again is None:
                raise
            delay = again.after if again.after is not None else waits.next()
            log.warning("%s getUpdates failed (%s); retrying in %.0f s", source.name, exc, delay)
            await sleep_or_stop(stop, delay)
            continue
        waits.reset()
        source.recovered()
        if updates:
            if not await pump.ingest_durably(updates, stop):
                log.warning("%s: stopping before %d update(s) were stored; not confirmed", source.name, len(updates))
                return
            source.confirm(updates)
