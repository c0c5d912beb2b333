"""The trigger-kept rollups always equal the sums of live events, whatever happens to the events."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.periods import Period
from storage import rollups, submissions, units
from storage.db import Database
from storage.migrations import latest_version, migrate


async def direct(db: Database, unit_codes: list[str], ym_from: int, ym_to: int) -> tuple[int, int]:
    marks = ",".join("?" * len(unit_codes))
    row = await db.fetchone(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN s.kind IN ('admission','adjustment') THEN s.admitted END), 0)"
        f" FROM submissions s JOIN units u ON u.id = s.unit_id WHERE u.code IN ({marks})"
        " AND s.superseded_by IS NULL AND s.ym_from >= ? AND s.ym_to <= ?",
        [*unit_codes, ym_from, ym_to],
    )
    assert row is not None
    return row[0], row[1]


async def make_tree(db: Database, clock) -> dict[str, int]:
    ids: dict[str, int] = {}
    async with db.transaction():
        ids["R"] = await units.add(db, code="R", name="Gốc", short_name="Gốc", kind="huyen", now=clock.now())
        for a in "AB":
            ids[a] = await units.add(
                db, code=a, name=a, short_name=a, kind="co_so", parent_id=ids["R"], now=clock.now()
            )
            for b in "12":
                code = a + b
                ids[code] = await units.add(
                    db, code=code, name=code, short_name=code, kind="chi_bo", parent_id=ids[a], now=clock.now()
                )
    return ids


operations = st.lists(
    st.tuples(
        st.sampled_from(["A1", "A2", "B1", "B2", "A"]),
        st.sampled_from(["admission", "pipeline", "adjustment"]),
        st.integers(1, 12),
        st.booleans(),
        st.integers(-3, 6),
        st.integers(0, 10_000),
    ),
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(operations)
def test_rollups_equal_live_sums(tmp_path_factory, ops):
    import asyncio

    from tests.conftest import TODAY

    class Clock:
        def now(self):
            return TODAY

    async def run() -> None:
        db = await Database.open(tmp_path_factory.mktemp("r") / "r.sqlite3")
        try:
            await migrate(db)
            ids = await make_tree(db, Clock())
            rng = random.Random(len(ops))
            live: list[int] = []
            async with db.transaction():
                for code, kind, month, quarterly, admitted, _ in ops:
                    period = Period.quarter(2026, (month - 1) // 3 + 1) if quarterly else Period.month(2026, month)
                    new = await submissions.append(
                        db,
                        unit_id=ids[code],
                        kind=kind,
                        period=period,
                        figures={"admitted": admitted},
                        now=TODAY,
                        actor=None,
                        channel="t",
                    )
                    if live and rng.random() < 0.3:
                        old = live.pop(rng.randrange(len(live)))
                        await submissions.supersede(db, old, new)
                    live.append(new)
            groups = {
                "R": ["R", "A", "B", "A1", "A2", "B1", "B2"],
                "A": ["A", "A1", "A2"],
                "B": ["B", "B1", "B2"],
                "A1": ["A1"],
            }
            for ym_from, ym_to in ((202601, 202612), (202607, 202609), (202605, 202605)):
                got = await rollups.sums(db, ym_from, ym_to, list(ids.values()))
                for code, members in groups.items():
                    events, figures = got.get(ids[code], (0, None))
                    assert (events, figures.admitted if figures else 0) == await direct(db, members, ym_from, ym_to)
        finally:
            await db.close()

    asyncio.run(run())


async def test_upgrade_backfills_rollups(settings, clock):
    db = await Database.open(settings.database_path)
    try:
        await migrate(db, target=2)
        async with db.transaction():
            root = await units.add(db, code="R", name="R", short_name="R", kind="huyen", now=clock.now())
            leaf = await units.add(
                db, code="L", name="L", short_name="L", kind="chi_bo", parent_id=root, now=clock.now()
            )
            for month in (1, 2, 3):
                await submissions.append(
                    db,
                    unit_id=leaf,
                    kind="admission",
                    period=Period.month(2026, month),
                    figures={"admitted": month},
                    now=clock.now(),
                    actor=None,
                    channel="t",
                )
        await migrate(db)
        assert await db.scalar("SELECT MAX(version) FROM schema_migrations") == latest_version()
        got = await rollups.sums(db, 202601, 202612, [root, leaf])
        assert got[root][1].admitted == got[leaf][1].admitted == 6
        assert got[root][0] == 3
    finally:
        await db.close()


async def test_a_report_of_the_running_quarter_or_year_counts_at_once(db, clock):
    """Read in November, a report of quarter IV or of the whole year counts for the quarter and the year as
    soon as it is stored; neither is part of any single month; a closed range still counts only what lies in it."""
    ids = await make_tree(db, clock)
    async with db.transaction():
        for period, count in ((Period.quarter(2026, 4), 3), (Period.of_year(2026), 1), (Period.month(2026, 10), 2)):
            await submissions.append(
                db,
                unit_id=ids["A1"],
                kind="admission",
                period=period,
                figures={"admitted": count},
                now=clock.now(),
                actor=None,
                channel="t",
            )

    async def admitted(ym_from: int, ym_to: int, end: int | None) -> int:
        got = await rollups.sums(db, ym_from, ym_to, [ids["R"]], period_end=end)
        return got[ids["R"]][1].admitted if ids["R"] in got else 0

    assert await admitted(202610, 202611, 202612) == 5  # quý IV read in November: the quarter report and October
    assert await admitted(202601, 202611, 202612) == 6  # the year so far: all three
    assert await admitted(202611, 202611, 202611) == 0  # November alone: neither the quarter nor the year
    assert await admitted(202610, 202610, 202610) == 2  # October alone: the month report only
    assert await admitted(202610, 202611, None) == 2  # no period end given: a closed range, as before
    assert await admitted(202607, 202609, 202609) == 0  # quarter III: nothing
    everyone = [ids[c] for c in ("A1", "A2", "B1")]
    assert await rollups.silent_units(db, everyone, 202610, 202611, period_end=202612) == {ids["A2"], ids["B1"]}
    assert ids["A1"] in await rollups.silent_units(db, everyone, 202611, 202611, period_end=202611)
    planned = await rollups.counts(db, 202601, 202611, period_end=202612)
    assert planned[ids["A1"]] == (3, 6)
