"""The trigger-kept snapshot rollups (schema 0013) give the same “nguồn” / “rà soát” answers as the old
computation from every unit's newest snapshot — on the demo and on random trees, after corrections and merges —
and the one-scan “chưa báo cáo” set equals the per-chunk one."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.models import PIPELINE_FIELDS, SCREENING_FIELDS
from bot.domain.periods import Period
from bot.domain.tree import UnitTree
from bot.language.queries import QueryKind
from bot.services import queries, report
from bot.services.progress import load_progress
from storage import rollups, submissions, units
from storage.db import Database
from storage.migrations import migrate
from tests.conftest import TODAY

FIELDS = {"pipeline": PIPELINE_FIELDS, "screening": SCREENING_FIELDS}


async def old_totals(db: Database, tree: UnitTree, kind: str, window: tuple[int, int, int]) -> dict[int, tuple]:
    """Per unit of the tree, the old definition: each unit's newest live snapshot (`latest_snapshots`), summed over
    the unit's subtree in the tree; (units with one, figures)."""
    f, t, e = window
    snaps = await submissions.latest_snapshots(db, kind, f, t, period_end=e)
    out = {}
    for u in tree.units:
        members = [snaps[m] for m in tree.subtree(u) if m in snaps]
        if members:
            out[u] = (len(members), {c: sum(m[c] for m in members) for c in FIELDS[kind]})
    return out


async def new_totals(db: Database, tree: UnitTree, kind: str, window: tuple[int, int, int]) -> dict[int, tuple] | None:
    f, t, e = window
    return await rollups.snapshot_sums(db, kind, f, t, list(tree.units), period_end=e)


async def check_rollups_match_a_rebuild(db: Database) -> None:
    """The rows the triggers kept equal those recomputed from scratch (zero rows aside)."""
    kept = await db.fetchall("SELECT * FROM snapshot_rollups WHERE units <> 0 ORDER BY 1, 2, 3, 4")
    assert not await db.fetchall(  # a row left at zero units has every figure at zero
        "SELECT 1 FROM snapshot_rollups WHERE units = 0 AND pool + certified + planned_class + reviewed + removed"
        " + followed_up <> 0"
    )
    async with db.transaction():
        await rollups.rebuild(db)
    rebuilt = await db.fetchall("SELECT * FROM snapshot_rollups WHERE units <> 0 ORDER BY 1, 2, 3, 4")
    assert [tuple(r) for r in kept] == [tuple(r) for r in rebuilt]


def _period(spec: tuple[str, int]) -> Period:
    kind, n = spec
    return Period.quarter(2026, (n - 1) // 3 + 1) if kind == "q" else Period.month(2026, n)


WINDOWS = [
    (202605, 202605, 202605),
    (202604, 202606, 202606),
    (202604, 202605, 202606),
    (202601, 202612, 202612),
    (202601, 202608, 202612),
    (202607, 202609, 202609),
]

ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("snap"),
            st.integers(0, 11),
            st.sampled_from(["pipeline", "screening"]),
            st.tuples(st.sampled_from(["m", "q"]), st.integers(4, 9)),
            st.lists(st.one_of(st.none(), st.integers(0, 30)), min_size=3, max_size=3),
        ),
        st.tuples(
            st.just("correct"),
            st.integers(0, 10_000),
            st.integers(0, 30),
            st.one_of(st.none(), st.tuples(st.sampled_from(["m", "q"]), st.integers(4, 9))),
        ),
        st.tuples(st.just("merge"), st.integers(1, 11), st.integers(0, 11)),
        st.tuples(st.just("move"), st.integers(1, 11), st.integers(0, 11)),
    ),
    max_size=30,
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(parents=st.lists(st.integers(0, 10), min_size=11, max_size=11), script=ops)
def test_snapshot_rollups_equal_the_newest_snapshots_summed(tmp_path_factory, parents, script):
    """A random tree of 12 units; snapshots of months and quarters (NULL figures too), corrections (a new event
    superseding a live one), merges and moves (the reorg's own steps, then `rollups.rebuild`)."""

    async def run() -> None:
        db = await Database.open(tmp_path_factory.mktemp("s") / "s.sqlite3")
        try:
            await migrate(db)
            ids: list[int] = []
            async with db.transaction():
                for i in range(12):
                    parent = None if i == 0 else ids[parents[i - 1] % i]
                    ids.append(
                        await units.add(
                            db,
                            code=f"U{i}",
                            name=f"U{i}",
                            short_name=f"U{i}",
                            kind="chi_bo",
                            parent_id=parent,
                            now=TODAY,
                        )
                    )
            live: list[int] = []
            exact_seen = 0
            for op in script:
                tree = UnitTree(await units.all_units(db))
                async with db.transaction():
                    if op[0] == "snap":
                        _, u, kind, spec, values = op
                        live.append(
                            await submissions.append(
                                db,
                                unit_id=ids[u],
                                kind=kind,
                                period=_period(spec),
                                figures=dict(zip(FIELDS[kind], values, strict=True)),
                                now=TODAY,
                                actor=None,
                                channel="t",
                            )
                        )
                    elif op[0] == "correct" and live:
                        old = await submissions.get(db, live.pop(op[1] % len(live)))
                        assert old is not None
                        # the same period, or another (a quarter's report replacing its months, …)
                        same = (
                            Period.quarter(2026, (old.ym_from % 100 - 1) // 3 + 1)
                            if old.ym_to != old.ym_from
                            else Period.month(2026, old.ym_from % 100)
                        )
                        period = same if op[3] is None else _period(op[3])
                        fields = FIELDS[old.kind]
                        new = await submissions.append(
                            db,
                            unit_id=old.unit_id,
                            kind=old.kind,
                            period=period,
                            figures={fields[0]: op[2]},
                            now=TODAY,
                            actor=None,
                            channel="t",
                            supersedes=old.id,
                        )
                        assert await submissions.supersede(db, old.id, new)
                        live.append(new)
                    elif op[0] in ("merge", "move"):
                        source, into = ids[op[1]], ids[op[2]]
                        if into not in tree.subtree(source):  # no cycles, as the reorg refuses them
                            await units.set_parent(db, source, into)
                            if op[0] == "merge":
                                await units.deactivate(db, source, TODAY, merged_into=into)
                            await rollups.rebuild(db)
            tree = UnitTree(await units.all_units(db))
            for kind in FIELDS:
                for window in WINDOWS:
                    rolled = await new_totals(db, tree, kind, window)
                    if window[0] == window[1] == window[2]:
                        assert rolled is not None  # one month: one period, always read from the rollup
                    if rolled is not None:
                        exact_seen += 1
                        assert rolled == await old_totals(db, tree, kind, window)
                        for u in tree.units:  # a unit's own head, as `queries._snapshots` adds it
                            count, own = await rollups.snapshot_own(db, kind, u, *window[:2], period_end=window[2])
                            snaps = await submissions.latest_snapshots(db, kind, *window[:2], period_end=window[2])
                            assert count == (u in snaps)
                            assert own == (snaps[u] if u in snaps else dict.fromkeys(FIELDS[kind], 0))
            assert exact_seen
            await check_rollups_match_a_rebuild(db)
            # the one-scan silent set equals the chunked one
            leaves = tree.reporting_units(ids[0])
            for f, t, e in WINDOWS:
                chunked = await rollups.silent_units(db, leaves, f, t, period_end=e)
                original = rollups.SCAN_ABOVE
                rollups.SCAN_ABOVE = 0
                try:
                    assert await rollups.silent_units(db, leaves, f, t, period_end=e) == chunked
                finally:
                    rollups.SCAN_ABOVE = original
        finally:
            await db.close()

    asyncio.run(run())


async def _answers(db: Database, tree: UnitTree, roots: list[int], periods: list[Period], today) -> list[str]:
    ctx = SimpleNamespace(db=db)
    out = []
    for root in roots:
        for period in periods:
            view = await load_progress(db, tree, root, period, today)
            for kind in (QueryKind.PIPELINE, QueryKind.SCREENING):
                out.append(await queries._snapshots(ctx, view, kind))  # type: ignore[arg-type]
                out.append(repr(await report._snapshots(ctx, view)))  # type: ignore[arg-type]
                for category in sorted({c for u in tree.children(root) if (c := tree[u].category) is not None}):
                    scoped = queries.only_category(view, category)
                    out.append(await queries._snapshots(ctx, scoped, kind))  # type: ignore[arg-type]
    return out


async def test_demo_answers_are_unchanged_including_after_a_correction(demo_db, clock, monkeypatch):
    """Every “nguồn” and “rà soát” answer of the demo, at every unit with units below it, for months, quarters and
    the year, with and without khối: the rollup path writes the same text as the old computation."""
    db = demo_db
    today = clock.now().date()
    tree = UnitTree(await units.all_units(db))
    roots = [u for u in tree.units if tree.children(u)]
    periods = [
        Period.of_year(today.year),
        Period.quarter(today.year, (today.month - 1) // 3 + 1),
        Period.month(today.year, today.month),
        Period.of_year(today.year - 1),
        Period.term(2020, 2025),
    ]
    assert await db.scalar("SELECT COUNT(*) FROM snapshot_heads") > 0
    # a correction of a snapshot, and a snapshot of another period for one leaf (the old path must then be used)
    live = await db.fetchone(
        "SELECT id, unit_id, year, ym_from FROM submissions WHERE kind = 'pipeline' AND superseded_by IS NULL"
        " ORDER BY id DESC LIMIT 1"
    )
    async with db.transaction():
        old = await submissions.get(db, live["id"])
        assert old is not None
        new = await submissions.append(
            db,
            unit_id=old.unit_id,
            kind="pipeline",
            period=Period.quarter(old.year, (old.ym_from % 100 - 1) // 3 + 1)
            if old.ym_to != old.ym_from
            else Period.month(old.year, old.ym_from % 100),
            figures={"pool": 99, "certified": 1},
            now=clock.now(),
            actor=None,
            channel="t",
            supersedes=old.id,
        )
        await submissions.supersede(db, old.id, new)
    used: list[bool] = []
    real = rollups.snapshot_sums

    async def spy(*args, **kwargs):
        got = await real(*args, **kwargs)
        used.append(got is not None)
        return got

    monkeypatch.setattr(rollups, "snapshot_sums", spy)
    rolled = await _answers(db, tree, roots, periods, today)
    assert any(used)
    monkeypatch.setattr(rollups, "snapshot_sums", _none)
    assert rolled == await _answers(db, tree, roots, periods, today)


async def _none(*args, **kwargs):
    return None


async def test_a_unit_with_snapshots_of_two_counted_periods_is_computed_as_before(db):
    """A month and its quarter both counted by the quarter's reading: only the newest counts, which a sum per
    period cannot tell — `snapshot_sums` says so (None) and the caller computes from the snapshots."""
    async with db.transaction():
        root = await units.add(db, code="R", name="R", short_name="R", kind="huyen", now=TODAY)
        leaf = await units.add(db, code="L", name="L", short_name="L", kind="chi_bo", parent_id=root, now=TODAY)
        for spec, pool in ((("m", 4), 5), (("q", 4), 7)):
            await submissions.append(
                db,
                unit_id=leaf,
                kind="pipeline",
                period=_period(spec),
                figures={"pool": pool},
                now=TODAY,
                actor=None,
                channel="t",
            )
    assert await rollups.snapshot_sums(db, "pipeline", 202604, 202606, [root], period_end=202606) is None
    assert await rollups.snapshot_sums(db, "pipeline", 202604, 202604, [root], period_end=202604) == {
        root: (1, {"pool": 5, "certified": 0, "planned_class": 0})
    }
