"""Khối (categories of units) as data: each committee has its own list, which it renames and extends.

A unit stores the code of its khối; the label comes from the nearest committee at or above the unit that has
a list (a committee without one uses its superior's). Pure: rows in, lookups out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.domain.models import Category, Frozen
from bot.domain.normalize import fold
from bot.domain.tree import UnitTree


class KhoiDef(Frozen):
    committee_id: int
    code: str
    label: str  # "Khối xã, phường"
    short_label: str  # "xã, phường"
    aliases: tuple[str, ...] = ()
    sort_order: int = 0

    def names(self) -> list[str]:
        """Every way of writing it, folded, longest first: the label, the aliases, and "khối" + the short label
        (a bare short label such as "cơ quan" is too common a word to name a khối on its own)."""
        out = {fold(n) for n in (self.label, *self.aliases) if n.strip()}
        short = re.sub(r"^khoi\s+", "", fold(self.short_label))
        out |= {f"khoi {short}"} if short else set()
        return sorted((n for n in out if n), key=len, reverse=True)


# The list a new committee starts with, in today's words (the 2021 labels stay as aliases).
DEFAULTS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    (
        Category.COMMUNE,
        "Khối xã, phường",
        "xã, phường",
        (
            "Đảng bộ xã, thị trấn",
            "xã, thị trấn",
            "xã, phường, đặc khu",
            "các xã",
            "cấp xã",
            "các đảng bộ xã",
            "xã và thị trấn",
            "các xã, thị trấn",
            "khối xã",
        ),
    ),
    (Category.ADMIN, "Khối cơ quan", "cơ quan", ("Cơ quan hành chính", "hành chính", "khối hành chính")),
    (Category.SERVICE, "Khối đơn vị sự nghiệp", "sự nghiệp", ("Đơn vị sự nghiệp", "sự nghiệp")),
    (Category.SCHOOL, "Khối trường học", "trường học", ("các trường học",)),
    (
        Category.ENTERPRISE,
        "Khối doanh nghiệp",
        "doanh nghiệp",
        ("Doanh nghiệp", "các doanh nghiệp", "chi bộ doanh nghiệp"),
    ),
    (Category.ARMED, "Khối lực lượng vũ trang", "lực lượng vũ trang", ("Lực lượng vũ trang", "llvt")),
)


def defaults_for(committee_id: int) -> list[KhoiDef]:
    return [
        KhoiDef(committee_id=committee_id, code=code, label=label, short_label=short, aliases=aliases, sort_order=i)
        for i, (code, label, short, aliases) in enumerate(DEFAULTS, 1)
    ]


class Categories:
    """Every committee's khối, and the lookups the replies, exports, importer and language layer need."""

    def __init__(self, rows: Iterable[KhoiDef]) -> None:
        self.by_committee: dict[int, list[KhoiDef]] = {}
        for row in rows:
            self.by_committee.setdefault(row.committee_id, []).append(row)
        for items in self.by_committee.values():
            items.sort(key=lambda k: (k.sort_order, k.code))

    def committee_for(self, tree: UnitTree | None, unit_id: int | None) -> int | None:
        """The nearest unit at or above `unit_id` that has its own list."""
        seen: set[int] = set()
        while unit_id is not None and unit_id not in seen:
            if unit_id in self.by_committee:
                return unit_id
            seen.add(unit_id)
            if tree is None or unit_id not in tree:
                return None
            unit_id = tree[unit_id].parent_id
        return None

    def for_unit(self, tree: UnitTree | None, unit_id: int | None) -> list[KhoiDef]:
        committee = self.committee_for(tree, unit_id)
        if committee is None:  # no list anywhere above: the defaults' words (nothing stored to show otherwise)
            return defaults_for(0)
        return list(self.by_committee[committee])

    def labels(self, tree: UnitTree | None, unit_id: int | None) -> dict[str, str]:
        """code → label in the committee's order, for the view rooted at `unit_id`."""
        return {k.code: k.label for k in self.for_unit(tree, unit_id)}

    def find(self, tree: UnitTree | None, unit_id: int | None, text: str) -> KhoiDef | None:
        """The khối named by `text` (label, short label, alias or code, with or without diacritics)."""
        key = re.sub(r"^khoi\s+", "", fold(text).strip())
        for k in self.for_unit(tree, unit_id):
            bare = {re.sub(r"^khoi\s+", "", n) for n in (*k.names(), fold(k.short_label))}
            if key in bare or key == fold(k.code) or key.replace(" ", "_") == k.code:
                return k
        return None

    def words(self, tree: UnitTree | None, unit_id: int | None) -> list[tuple[str, list[str]]]:
        """(code, folded names) for the language layer, for the committee that governs `unit_id`."""
        return [(k.code, k.names()) for k in self.for_unit(tree, unit_id)]


def fold_code(label: str) -> str:
    """A code for a new khối from its label: "Khối y tế" → "y_te"."""
    bare = re.sub(r"^khoi\s+", "", fold(label).strip())
    return re.sub(r"[^a-z0-9]+", "_", bare).strip("_") or "khoi"
