"""Issue 17 §3: indicators are data — stored, rolled up, read, answered, exported and reported from the list."""

from __future__ import annotations

from bot.indicators import DEFAULT_SET
from bot.models import Figures
from bot.periods import Period
from storage import indicators as indicator_store
from storage import rollups, submissions
from tests.test_rollups import make_tree


async def test_seeded_list_matches_defaults(db):
    loaded = await indicator_store.load(db)
    assert loaded.items == DEFAULT_SET.items
    assert {"age_18_30", "worker", "farmer", "civil_servant", "armed_forces", "private_owner", "student"} <= set(
        loaded.codes
    )
    assert {"other_worker", "master", "doctorate", "readmitted", "university"} <= set(loaded.codes)
    assert loaded.by_code["university"].name == "trình độ đại học trở lên"
    assert loaded.by_code["master"].part_of == "university"


async def test_extra_values_stored_rolled_up_and_superseded(db, clock):
    ids = await make_tree(db, clock)
    month = Period.month(2026, 3)
    async with db.transaction():
        first = await submissions.append(
            db,
            unit_id=ids["A1"],
            kind="admission",
            period=month,
            figures={"admitted": 3, "female": 2, "farmer": 1, "master": 1, "readmitted": 0},
            now=clock.now(),
            actor=None,
            channel="test",
        )
        await submissions.append(
            db,
            unit_id=ids["B2"],
            kind="admission",
            period=month,
            figures={"admitted": 1, "farmer": 1},
            now=clock.now(),
            actor=None,
            channel="test",
        )
    row = await submissions.get(db, first)
    assert row is not None and row["extra"] == '{"farmer": 1, "master": 1}'
    sums = await rollups.sums(db, 202601, 202612)
    assert sums[ids["R"]][1].extra == {"farmer": 2, "master": 1}
    assert sums[ids["R"]][1].get("female") == 2 and sums[ids["A"]][1].get("farmer") == 1
    direct = await submissions.admissions_by_unit(db, 202601, 202612)
    assert direct[ids["A1"]].extra == {"farmer": 1, "master": 1}
    async with db.transaction():
        new = await submissions.append(
            db,
            unit_id=ids["A1"],
            kind="admission",
            period=month,
            figures={"admitted": 2, "farmer": 2},
            now=clock.now(),
            actor=None,
            channel="test",
            supersedes=first,
        )
        assert await submissions.supersede(db, first, new)
    sums = await rollups.sums(db, 202601, 202612)
    assert sums[ids["R"]][1].extra.get("farmer") == 3 and not sums[ids["R"]][1].extra.get("master")
    before = {u: f for u, (_, f) in sums.items()}
    async with db.transaction():
        await rollups.rebuild(db)
    after = {u: f for u, (_, f) in (await rollups.sums(db, 202601, 202612)).items()}
    assert {u: (f.admitted, {k: v for k, v in f.extra.items() if v}) for u, f in before.items()} == {
        u: (f.admitted, f.extra) for u, f in after.items()
    }


def test_figures_add_and_get():
    a = Figures(admitted=2, female=1, extra={"farmer": 1})
    b = Figures(admitted=1, extra={"farmer": 1, "master": 1})
    total = a + b
    assert (total.admitted, total.female, total.extra) == (3, 1, {"farmer": 2, "master": 1})
    assert total.get("master") == 1 and total.get("worker") == 0 and total.get("female") == 1
    assert sum([a, b], Figures()).extra == {"farmer": 2, "master": 1}
