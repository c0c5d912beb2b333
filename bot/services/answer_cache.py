"""Answers that are costly to produce (chart pictures) kept per (question, data version), least recently used
first out, within a byte budget. A new submission, correction, import, target, unit change, term or calendar
change moves the data version (`storage.dataversion`), so a kept answer is never shown for data it was not made
from."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

from bot.domain.messages import Reply

MAX_BYTES = 32 * 1024 * 1024
MAX_ENTRIES = 256


class AnswerCache:
    def __init__(self, max_bytes: int = MAX_BYTES, max_entries: int = MAX_ENTRIES) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, tuple[Hashable, Reply, int]] = OrderedDict()
        self._bytes = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: Hashable, version: Hashable) -> Reply | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] != version:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry[1]

    def put(self, key: Hashable, version: Hashable, reply: Reply) -> None:
        size = len(reply.text) + (len(reply.attachment.content) if reply.attachment is not None else 0)
        if size > self.max_bytes:
            return
        self._drop(key)
        self._entries[key] = (version, reply, size)
        self._bytes += size
        while self._bytes > self.max_bytes or len(self._entries) > self.max_entries:
            self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[2]

    def __len__(self) -> int:
        return len(self._entries)
