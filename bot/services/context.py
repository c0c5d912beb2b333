"""What every use case needs: storage, settings, the clock, and the cached unit tree and name index."""

from __future__ import annotations

from datetime import date, datetime

from bot.config import Settings
from bot.domain.categories import Categories
from bot.domain.clock import Clock
from bot.domain.indicators import Indicators
from bot.domain.models import User
from bot.domain.tree import UnitTree
from bot.language.gazetteer import Gazetteer, UnitEntry
from bot.language.understand import Asker
from bot.language.units import UnitIndex
from bot.services.answer_cache import AnswerCache
from bot.services.background import Background
from storage import categories as khoi_store
from storage import indicators as indicator_store
from storage import units
from storage.db import Database


class Context:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.db = db
        self.settings = settings
        self.clock = clock
        self.bot_username: str | None = None  # set by the Telegram adapter once it knows itself
        self._tree: UnitTree | None = None
        self._index: UnitIndex | None = None
        self._gazetteer: Gazetteer | None = None
        self._tree_version = -1
        self._categories: Categories | None = None
        self.background: Background | None = None  # long jobs answered later (set by Core when channels can send)
        self.answers = AnswerCache()  # chart pictures per (question, data version)
        self.silent: dict[object, tuple[object, list[int]]] = {}  # "chưa báo cáo" sets per data version

    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.now().date()

    async def tree(self) -> UnitTree:
        """The unit tree, reloaded when any process changed it (units_version)."""
        version = await units.version(self.db)
        if self._tree is None or version != self._tree_version:
            self._tree = UnitTree(await units.all_units(self.db))
            self._index = None
            self._categories = None
            self._gazetteer = None
            self._tree_version = version
        return self._tree

    async def gazetteer(self) -> Gazetteer:
        """The unit-mention index over names, short names and aliases; built once per tree version."""
        tree = await self.tree()
        if self._gazetteer is None:
            aliases: dict[int, list[str]] = {}
            for u, alias in await units.aliases(self.db):
                aliases.setdefault(u, []).append(alias)
            self._gazetteer = Gazetteer(
                UnitEntry(
                    id=u.id,
                    names=(u.name, u.short_name, *aliases.get(u.id, ())),
                    parent_id=u.parent_id,
                    category=u.category,
                )
                for u in tree.units.values()
            )
        return self._gazetteer

    async def asker(self, user: User) -> Asker:
        """The asker as the language layer sees them: own unit, scope, top of the tree, successors of merged units."""
        tree = await self.tree()
        root = ([user.unit_id, *tree.ancestors(user.unit_id)] if user.unit_id in tree else tree.roots)[-1]
        successor = {u: self.successor(tree, u) for u, unit in tree.units.items() if unit.merged_into is not None}
        return Asker(
            own=user.unit_id,
            scope=frozenset(await self.scope(user)),
            root=root,
            official=user.is_official,
            children=tree.active_children,
            successor=successor,
            categories=tuple((code, tuple(names)) for code, names in await self.category_words(user.unit_id)),
            ceilings=(self.settings.max_admissions_per_report, self.settings.max_admissions_per_report * 20),
            indicators=await self.indicators(),
        )

    async def indicators(self) -> Indicators:
        """The indicators (chỉ tiêu cơ cấu) reports state and answers and files count: data, reloaded whenever
        the database changed."""
        return await indicator_store.load(self.db)

    async def unit_index(self) -> UnitIndex:
        if self._index is None:
            tree = await self.tree()
            names: list[tuple[int, str]] = []
            for unit in tree.units.values():
                target = self.successor(tree, unit.id)  # a merged unit's names lead to the unit it joined
                names += [(target, unit.name), (target, unit.short_name), (target, unit.code)]
            names += [(self.successor(tree, u), alias) for u, alias in await units.aliases(self.db) if u in tree]
            self._index = UnitIndex(names)
        return self._index

    async def ready(self) -> None:
        """Load the tree and build both name indexes (the unit index and the gazetteer) now — at start, before the
        first question rather than in it; each is built once per tree version."""
        await self.tree()
        await self.unit_index()
        await self.gazetteer()

    async def categories(self) -> Categories:
        """Every committee's khối (labels, short labels, aliases), reloaded with the tree (units_version)."""
        await self.tree()
        if self._categories is None:
            self._categories = await khoi_store.load(self.db)
        return self._categories

    async def category_words(self, unit_id: int | None) -> list[tuple[str, list[str]]]:
        """For the language layer, next to the unit index: (code, folded names) of the khối of the committee
        that governs `unit_id`."""
        tree = await self.tree()
        return (await self.categories()).words(tree, unit_id)

    async def category_labels(self, unit_id: int | None) -> dict[str, str]:
        tree = await self.tree()
        return (await self.categories()).labels(tree, unit_id)

    @staticmethod
    def successor(tree: UnitTree, unit_id: int) -> int:
        seen: set[int] = set()
        while (nxt := tree[unit_id].merged_into) is not None and nxt in tree and unit_id not in seen:
            seen.add(unit_id)
            unit_id = nxt
        return unit_id

    def reading(self, db: Database) -> Context:
        """This context on another connection (a reader off the loop), sharing the tree, index and khối loaded here
        (they are not changed once built; a newer version is a new object)."""
        other = Context(db, self.settings, self.clock)
        other.bot_username = self.bot_username
        other._tree, other._tree_version, other._index = self._tree, self._tree_version, self._index
        other._gazetteer, other._categories = self._gazetteer, self._categories
        return other

    def invalidate(self) -> None:
        """Forget the cached tree and index (after any change to units)."""
        self._tree = None
        self._index = None
        self._categories = None
        self._gazetteer = None

    async def scope(self, user: User) -> set[int]:
        """Units the user may see and write for: their unit and the units below it (a reporter of a unit with
        units below reports for them)."""
        tree = await self.tree()
        if user.unit_id in tree:
            return set(tree.subtree(user.unit_id))
        return {user.unit_id}

    def invite_link(self, code: str) -> str | None:
        return f"https://t.me/{self.bot_username}?start={code}" if self.bot_username else None
