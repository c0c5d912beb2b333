"""The channel-neutral entry point: an `Inbound` in, a list of `Reply` out.

Every channel (Telegram, Zalo, console) calls `Core.handle`; nothing here knows which one it is.
"""

from __future__ import annotations

import logging
from datetime import date

from bot import replies
from bot.clock import Clock
from bot.config import Settings
from bot.language import intents
from bot.language.units import UnitIndex
from bot.messages import Choice, Inbound, InboundKind, Reply
from bot.models import User
from bot.periods import Period
from bot.services.progress import default_period, load_progress
from bot.tree import UnitTree
from storage import units, users
from storage.db import Database

log = logging.getLogger(__name__)


class Core:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self._tree: UnitTree | None = None
        self._index: UnitIndex | None = None

    # --- shared state ----------------------------------------------------------------------
    async def tree(self) -> UnitTree:
        if self._tree is None:
            self._tree = UnitTree(await units.all_units(self.db))
        return self._tree

    async def unit_index(self) -> UnitIndex:
        if self._index is None:
            tree = await self.tree()
            names: list[tuple[int, str]] = []
            for unit in tree.units.values():
                names += [(unit.id, unit.name), (unit.id, unit.short_name), (unit.id, unit.code)]
            names += await units.aliases(self.db)
            self._index = UnitIndex(names)
        return self._index

    def invalidate(self) -> None:
        """Call after the unit tree changes."""
        self._tree = None
        self._index = None

    def today(self) -> date:
        return self.clock.now().date()

    # --- entry point -------------------------------------------------------------------------
    async def handle(self, inbound: Inbound) -> list[Reply]:
        user = await users.by_identity(self.db, inbound.channel, inbound.sender_id)
        if user is not None and not user.active:
            user = None
        if inbound.kind is InboundKind.MEDIA:
            return [Reply(text=replies.EMPTY)]
        if inbound.kind is InboundKind.CHOICE:
            return await self._on_choice(user, inbound.data or "")
        intent = intents.parse(inbound.text, self.today())
        return await self._on_intent(user, intent)

    async def _on_intent(self, user: User | None, intent: intents.Intent) -> list[Reply]:
        match intent:
            case intents.Start():
                return [Reply(text=replies.greeting(user, await self._unit_name(user)))]
            case intents.Help():
                return [Reply(text=replies.help_text(user))]
            case intents.ProgressQuery():
                if user is None:
                    return [Reply(text=replies.NOT_REGISTERED)]
                return await self._progress(user, intent.period, intent.unit_text)
            case intents.Unknown(reason="empty"):
                return [Reply(text=replies.EMPTY)]
            case intents.Unknown(reason="too_long"):
                return [Reply(text=replies.TOO_LONG)]
            case intents.Unknown():
                return [Reply(text=replies.not_understood(intent.problem))]
        return [Reply(text=replies.not_understood())]

    async def _unit_name(self, user: User | None) -> str | None:
        if user is None:
            return None
        tree = await self.tree()
        return tree[user.unit_id].name if user.unit_id in tree else None

    # --- progress ----------------------------------------------------------------------------
    async def _progress(self, user: User, period: Period | None, unit_text: str | None) -> list[Reply]:
        tree = await self.tree()
        period = period or default_period(self.today())
        target_id = user.unit_id
        if unit_text:
            found = await self._resolve_unit(user, unit_text)
            if isinstance(found, Reply):
                return [found]
            if len(found) > 1:
                rows = [(Choice(label=tree[u].name, data=f"p|{u}|{period_code(period)}"),) for u in found[:8]]
                return [Reply(text=replies.which_unit(unit_text), choices=tuple(rows))]
            target_id = found[0]
        view = await load_progress(self.db, tree, target_id, period, self.today())
        return [Reply(text=replies.progress_text(view, self.today()))]

    async def _resolve_unit(self, user: User, text: str) -> list[int] | Reply:
        """Units in the user's scope that `text` names; a Reply when none or out of scope."""
        tree = await self.tree()
        index = await self.unit_index()
        everywhere = index.resolve(text)
        if not everywhere:
            return Reply(text=replies.unit_not_found(text))
        scope = set(tree.subtree(user.unit_id)) if user.is_official else {user.unit_id}
        inside = [u for u in everywhere if u in scope]
        if not inside:
            return Reply(text=replies.out_of_scope(tree[everywhere[0]].name))
        return inside

    async def _on_choice(self, user: User | None, data: str) -> list[Reply]:
        if user is None:
            return [Reply(text=replies.NOT_REGISTERED)]
        parts = data.split("|")
        if len(parts) == 3 and parts[0] == "p" and parts[1].isdigit():
            tree = await self.tree()
            unit_id = int(parts[1])
            period = period_from_code(parts[2])
            if unit_id not in tree or period is None:
                return [Reply(text=replies.not_understood())]
            scope_ok = tree.is_within(unit_id, user.unit_id) if user.is_official else unit_id == user.unit_id
            if not scope_ok:
                return [Reply(text=replies.out_of_scope(tree[unit_id].name))]
            view = await load_progress(self.db, tree, unit_id, period, self.today())
            return [Reply(text=replies.progress_text(view, self.today()))]
        return [Reply(text=replies.not_understood())]


def period_code(period: Period) -> str:
    """Short text form for callback data: Y2026, Q2026-3, M2026-9, H2026-1, T2020-2025."""
    kind = period.kind.value[0].upper()
    if period.kind.value == "year":
        return f"Y{period.year}"
    if period.kind.value == "term":
        return f"T{period.year}-{period.end_year}"
    return f"{kind}{period.year}-{period.index}"


def period_from_code(code: str) -> Period | None:
    try:
        head, body = code[0], code[1:]
        if head == "Y":
            return Period.of_year(int(body))
        first, second = (int(x) for x in body.split("-"))
        return {
            "T": lambda: Period.term(first, second),
            "Q": lambda: Period.quarter(first, second),
            "M": lambda: Period.month(first, second),
            "H": lambda: Period.half(first, second),
        }[head]()
    except (ValueError, KeyError, IndexError):
        return None
