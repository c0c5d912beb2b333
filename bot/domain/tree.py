"""The unit tree in memory: parents, children, subtrees. Pure; built from storage rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from bot.domain.models import Unit


class UnitTree:
    def __init__(self, units: Iterable[Unit]) -> None:
        self.units: dict[int, Unit] = {u.id: u for u in units}
        self._children: dict[int | None, list[int]] = {}
        for unit in sorted(self.units.values(), key=lambda u: (u.sort_order, u.name)):
            parent = unit.parent_id if unit.parent_id in self.units else None
            self._children.setdefault(parent, []).append(unit.id)
        self._subtree_cache: dict[int, tuple[int, ...]] = {}
        self._reporting_cache: dict[int, tuple[int, ...]] = {}
        self._category_cache: dict[tuple[int, str], tuple[int, ...]] = {}

    def __len__(self) -> int:
        return len(self.units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.units

    def __getitem__(self, unit_id: int) -> Unit:
        return self.units[unit_id]

    @property
    def roots(self) -> list[int]:
        return list(self._children.get(None, []))

    def children(self, unit_id: int) -> list[int]:
        return self._children.get(unit_id, [])

    def active_children(self, unit_id: int) -> list[int]:
        return [c for c in self.children(unit_id) if self.units[c].active]

    def subtree(self, unit_id: int) -> tuple[int, ...]:
        """`unit_id` and all its descendants, parents before children."""
        cached = self._subtree_cache.get(unit_id)
        if cached is None:
            out, stack = [], [unit_id]
            while stack:
                current = stack.pop()
                out.append(current)
                stack.extend(reversed(self.children(current)))
            cached = self._subtree_cache[unit_id] = tuple(out)
        return cached

    def ancestors(self, unit_id: int) -> Iterator[int]:
        parent = self.units[unit_id].parent_id
        while parent is not None and parent in self.units:
            yield parent
            parent = self.units[parent].parent_id

    def is_within(self, unit_id: int, root_id: int) -> bool:
        return unit_id == root_id or root_id in self.ancestors(unit_id)

    def depth(self, unit_id: int) -> int:
        return sum(1 for _ in self.ancestors(unit_id))

    def reporting_units(self, root_id: int, existing_by: date | None = None) -> list[int]:
        """Active units in the subtree that report for themselves (those with no active children); with
        `existing_by`, only those that existed by that day (a unit a re-organisation created later had nothing
        to report for an earlier period)."""
        cached = self._reporting_cache.get(root_id)
        if cached is None:  # the tree does not change once built (a new version is a new tree)
            cached = tuple(u for u in self.subtree(root_id) if self.units[u].active and not self.active_children(u))
            self._reporting_cache[root_id] = cached
        if existing_by is not None:
            return [u for u in cached if self.existed_by(u, existing_by)]
        return list(cached)

    def existed_by(self, unit_id: int, day: date) -> bool:
        """The unit had come into being by `day` (units recorded without a date always had)."""
        since = self.units[unit_id].valid_from
        return since is None or since <= day

    def top_of_category(self, root_id: int, category: str) -> list[int]:
        """The top-most units of a category (khối) anywhere below `root_id`, inactive (merged-away) ones too: a
        unit under one that already has the category is counted through it, never twice."""
        cached = self._category_cache.get((root_id, category))
        if cached is None:
            out, stack = [], list(reversed(self.children(root_id)))
            while stack:
                current = stack.pop()
                if self.units[current].category == category:
                    out.append(current)
                else:
                    stack.extend(reversed(self.children(current)))
            cached = self._category_cache[(root_id, category)] = tuple(out)
        return list(cached)
