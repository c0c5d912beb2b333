"""Forgiving unit-name resolution: missing diacritics, typos, "xã"/"chi bộ" prefixes, old names (aliases).

`UnitIndex.resolve` returns every unit that fits equally well: one is an answer, several are a question
to put back to the user (with buttons), none is "không tìm thấy".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz import fuzz, process

from bot.domain.normalize import fold

_PREFIX = re.compile(
    r"^(?:(?:dang bo|chi bo|dang uy|to chuc co so dang|tcsd|db|cb|co quan|don vi|xa|phuong|thi tran|tt|huyen|"
    r"quan|thanh pho|tp|thi xa|tinh|cac|cua|o|tai)\s+)+"
)
FUZZY_CUTOFF = 82.0
TIE_MARGIN = 4.0


def core_name(folded: str) -> str:
    """Drop the organisational prefixes: "dang bo xa bac phong" -> "bac phong"."""
    return _PREFIX.sub("", folded).strip()


class UnitIndex:
    def __init__(self, names: Iterable[tuple[int, str]]) -> None:
        """`names`: (unit_id, name) pairs; a unit may appear several times (aliases, old names)."""
        self._full: dict[str, set[int]] = {}
        self._core: dict[str, set[int]] = {}
        for unit_id, name in names:
            folded = fold(name)
            self._full.setdefault(folded, set()).add(unit_id)
            self._core.setdefault(core_name(folded) or folded, set()).add(unit_id)
        self._core_keys = list(self._core)

    def resolve(self, text: str, within: set[int] | None = None, threshold: float = FUZZY_CUTOFF) -> list[int]:
        folded = fold(text)
        if not folded:
            return []

        def allowed(ids: set[int]) -> list[int]:
            return sorted(ids if within is None else ids & within)

        exact = allowed(self._full.get(folded, set()))
        if exact:
            return exact
        query = core_name(folded) or folded
        exact = allowed(self._core.get(query, set()))
        if len(exact) == 1:
            return exact
        # Prefer units whose full name carries the prefix the user wrote ("xã Bắc Phong" vs "Chi bộ Bắc Phong").
        if len(exact) > 1:
            narrowed = [u for u in exact if any(folded in k and u in ids for k, ids in self._full.items())]
            return narrowed or exact
        hits = process.extract(query, self._core_keys, scorer=fuzz.WRatio, score_cutoff=threshold, limit=12)
        if not hits:
            return []
        best = hits[0][1]
        found: set[int] = set()
        for key, score, _ in hits:
            if score >= best - TIE_MARGIN:
                found |= self._core[key]
        return allowed(found)
