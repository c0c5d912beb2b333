"""The domain's words round-trip: what the bot writes for a unit kind or a khối reads back to the same thing."""

from __future__ import annotations

import pytest

from bot.domain.categories import Categories, defaults_for
from bot.domain.models import Category, Unit, UnitKind
from bot.domain.normalize import fold
from bot.domain.tree import UnitTree
from bot.domain.vocabulary import KIND_LABELS, KIND_READINGS, KIND_WORDS, khoi_label, khoi_short
from bot.importing.reader import KINDS


@pytest.mark.parametrize("kind", list(UnitKind))
def test_every_kind_has_a_label_and_its_written_word_reads_back(kind: UnitKind) -> None:
    assert KIND_LABELS[kind] and KIND_WORDS[kind]
    assert KIND_READINGS[fold(KIND_WORDS[kind])] is kind  # the import template's Cấp column
    assert KIND_READINGS[fold(KIND_LABELS[kind])] is kind
    assert KIND_READINGS[fold(kind.value)] is kind  # the stored code
    assert KINDS is KIND_READINGS  # the importer reads with this very map


def test_khoi_label_and_short_label_round_trip() -> None:
    assert khoi_label("y tế") == "Khối y tế"
    assert khoi_label("khối y tế") == "khối y tế"  # already a label: kept as written
    assert khoi_short("Khối xã, phường") == "xã, phường"
    assert khoi_short("xã, phường") == "xã, phường"
    for name in ("y tế", "Khối doanh nghiệp", "  cơ quan  "):
        assert khoi_short(khoi_label(name.strip())) == khoi_short(name.strip())


def test_every_default_khoi_is_found_by_its_label_short_label_and_aliases() -> None:
    root = Unit(id=1, code="T", name="Tỉnh", short_name="Tỉnh", search_name="tinh", kind=UnitKind.PROVINCE)
    tree = UnitTree([root])
    cats = Categories(defaults_for(1))
    for k in defaults_for(1):
        for written in (k.label, khoi_label(k.short_label), *k.aliases):
            found = cats.find(tree, 1, written)
            assert found is not None and found.code == k.code, written
    assert {k.code for k in defaults_for(1)} == {c.value for c in Category}
