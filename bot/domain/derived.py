"""Derived indicators (issue 17 §3), computed from the stored admissions — never reported. Pure.

* the share of grassroots Party organisations (tổ chức cơ sở đảng) that admitted at least one member in the year;
* the branches (chi bộ) that have admitted no one for N years in a row ("nhiều năm liền không kết nạp được").

A grassroots organisation is a đảng bộ cơ sở or a chi bộ cơ sở — and, in data before the kinds of 2025 were
recorded, a chi bộ directly under a committee above the grassroots level (a huyện ủy, a đảng ủy xã, …), which is a
chi bộ cơ sở whatever kind it was stored with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from bot.domain.models import UNDER_PROVINCE, UnitKind
from bot.domain.tree import UnitTree

GRASSROOTS_KINDS = frozenset({UnitKind.GRASSROOTS, UnitKind.GRASSROOTS_BRANCH})
ABOVE_GRASSROOTS = UNDER_PROVINCE | {UnitKind.PROVINCE, UnitKind.CITY}
DEFAULT_IDLE_YEARS = 3


def is_grassroots(tree: UnitTree, unit_id: int) -> bool:
    unit = tree[unit_id]
    if unit.kind in GRASSROOTS_KINDS:
        return True
    parent = unit.parent_id
    return (
        unit.kind is UnitKind.BRANCH
        and parent is not None
        and parent in tree
        and tree[parent].kind in (ABOVE_GRASSROOTS)
    )


def grassroots_units(tree: UnitTree, root_id: int) -> list[int]:
    """The active grassroots organisations in `root_id`'s subtree (the root itself when it is one)."""
    return [u for u in tree.subtree(root_id) if tree[u].active and is_grassroots(tree, u)]


def branches(tree: UnitTree, root_id: int) -> list[int]:
    """The units of the subtree where members are admitted: its active units with no active unit below (the
    chi bộ, and a đảng bộ whose chi bộ are not recorded)."""
    return tree.reporting_units(root_id)


@dataclass(frozen=True)
class AdmittingShare:
    admitting: int
    total: int
    not_admitting: tuple[int, ...]  # unit ids, in tree order

    @property
    def share(self) -> float | None:
        return self.admitting / self.total if self.total else None


def admitting_share(units: Iterable[int], admitted: Mapping[int, int]) -> AdmittingShare:
    """Of `units`, how many admitted at least one member (`admitted`: rolled-up admissions in the year)."""
    ids = list(units)
    idle = tuple(u for u in ids if admitted.get(u, 0) <= 0)
    return AdmittingShare(admitting=len(ids) - len(idle), total=len(ids), not_admitting=idle)


@dataclass(frozen=True)
class IdleUnit:
    unit_id: int
    last_year: int | None  # the last year it admitted anyone; None: never, as far as the bot knows


def idle_units(
    units: Iterable[int], by_year: Mapping[int, Mapping[int, int]], last_year: int, years: int
) -> list[IdleUnit]:
    """Of `units`, those that admitted no one in any of the `years` years ending with `last_year`.
    `by_year[unit][year]` = admissions (rolled up) in that year; the result's `last_year` comes from it."""
    window = range(last_year - years + 1, last_year + 1)
    out = []
    for unit_id in units:
        counts = by_year.get(unit_id, {})
        if any(counts.get(y, 0) > 0 for y in window):
            continue
        before = [y for y, n in counts.items() if n > 0 and y < window.start]
        out.append(IdleUnit(unit_id=unit_id, last_year=max(before) if before else None))
    return out
