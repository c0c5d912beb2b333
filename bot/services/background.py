"""Long jobs that answer later: the protocol `Core` fulfils for the use cases (channel-neutral)."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, Protocol

from bot.domain.messages import Reply


class Background(Protocol):
    """Runs a job after the current update has been answered and lets it send messages of its own to a chat
    through the channel's notifier (the way reminders are sent)."""

    def start(self, job: Coroutine[Any, Any, None]) -> None: ...

    def can_send(self, channel: str) -> bool: ...

    async def send(self, channel: str, chat_id: str, reply: Reply) -> None: ...
