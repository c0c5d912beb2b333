import sqlite3

import pytest

from bot.domain.periods import Period
from storage import submissions, units
from storage.db import Database
from storage.migrations import available, current_version, latest_version, migrate, split_statements


async def test_migrations_from_empty(settings):
    db = await Database.open(settings.database_path)
    try:
        applied = await migrate(db)
        assert applied == [m.version for m in available()]
        assert await current_version(db) == latest_version()
        assert await migrate(db) == []  # idempotent
        assert (await db.scalar("PRAGMA journal_mode")) == "wal"
        assert (await db.scalar("PRAGMA foreign_keys")) == 1
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {
            "units",
            "users",
            "identities",
            "targets",
            "submissions",
            "pending",
            "inbox",
            "audit",
        } <= tables
    finally:
        await db.close()


async def test_upgrade_from_previous_version_keeps_data(settings, clock):
    db = await Database.open(settings.database_path)
    try:
        await migrate(db, target=latest_version() - 1)
        async with db.transaction():
            unit_id = await units.add(db, code="X", name="Chi bộ X", short_name="X", kind="co_so", now=clock.now())
        await migrate(db)
        assert await current_version(db) == latest_version()
        assert (await units.get(db, unit_id)).name == "Chi bộ X"
    finally:
        await db.close()


async def test_submissions_are_append_only(db, clock):
    async with db.transaction():
        unit_id = await units.add(db, code="X", name="Chi bộ X", short_name="X", kind="co_so", now=clock.now())
        first = await submissions.append(
            db,
            unit_id=unit_id,
            kind="admission",
            period=Period.quarter(2026, 3),
            figures={"admitted": 3, "female": 1},
            now=clock.now(),
            actor=None,
            channel="test",
            raw_text="kết nạp 3",
        )
        second = await submissions.append(
            db,
            unit_id=unit_id,
            kind="admission",
            period=Period.quarter(2026, 3),
            figures={"admitted": 4},
            now=clock.now(),
            actor=None,
            channel="test",
            supersedes=first,
        )
        assert await submissions.supersede(db, first, second)
        assert not await submissions.supersede(db, first, second)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with db.transaction():
            await db.execute("UPDATE submissions SET admitted = 9 WHERE id = ?", (first,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        async with db.transaction():
            await db.execute("DELETE FROM submissions WHERE id = ?", (first,))
    sums = await submissions.admissions_by_unit(db, 202601, 202612)
    assert sums[unit_id].admitted == 4  # only the live one counts
    assert len(await submissions.history(db, [unit_id])) == 2


async def test_foreign_keys_are_enforced(db, clock):
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction():
            await units.add(db, code="Y", name="Y", short_name="Y", kind="chi_bo", parent_id=999, now=clock.now())


async def test_transaction_rolls_back_on_error(db, clock):
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await units.add(db, code="Z", name="Z", short_name="Z", kind="co_so", now=clock.now())
            raise RuntimeError("boom")
    assert await units.by_code(db, "Z") is None


def test_statement_splitter_keeps_triggers_whole():
    script = "CREATE TABLE a (x);\nCREATE TRIGGER t BEFORE DELETE ON a\nBEGIN\n SELECT 1;\n SELECT 2;\nEND;\n-- end\n"
    parts = split_statements(script)
    assert len(parts) == 2 and parts[1].endswith("END;")


async def test_progress_sums_read_only_the_covering_index(demo_db):
    plan = await demo_db.fetchall(
        "EXPLAIN QUERY PLAN SELECT unit_id, SUM(admitted), SUM(female) FROM submissions"
        " INDEXED BY ix_submissions_live WHERE superseded_by IS NULL"
        " AND ym_from >= 202601 AND ym_to <= 202612 AND kind IN ('admission', 'adjustment') GROUP BY unit_id"
    )
    assert any("COVERING INDEX ix_submissions_live" in r[3] for r in plan)


async def test_concurrent_transactions_do_not_interleave(db, clock):
    """Two tasks on one connection: the second waits for the first to commit or roll back."""
    import asyncio

    order: list[str] = []
    inside = asyncio.Event()

    async def first() -> None:
        with pytest.raises(RuntimeError):
            async with db.transaction():
                await units.add(db, code="A", name="A", short_name="A", kind="co_so", now=clock.now())
                order.append("first in")
                inside.set()
                for _ in range(5):  # give the second task every chance to barge in
                    await asyncio.sleep(0)
                raise RuntimeError("roll back")

    async def second() -> None:
        await inside.wait()  # the first transaction is open
        async with db.transaction():
            order.append("second in")
            await units.add(db, code="B", name="B", short_name="B", kind="co_so", now=clock.now())

    await asyncio.gather(first(), second())
    assert order == ["first in", "second in"]
    assert await units.by_code(db, "A") is None  # the rollback did not take the second task's work with it
    assert await units.by_code(db, "B") is not None


async def test_recent_events_snapshots_and_imports_come_back_typed(db, clock):
    """`created_since`, `live_snapshot_rows` and `live_imports` hand back records, not dict rows (issue 18 §1)."""
    from datetime import timedelta

    from bot.domain.records import Imported, Recorded, Submission
    from bot.services.reminders.rendering import week_changes

    async with db.transaction():
        unit_id = await units.add(db, code="X", name="Chi bộ X", short_name="X", kind="co_so", now=clock.now())
        first = await submissions.append(
            db,
            unit_id=unit_id,
            kind="admission",
            period=Period.month(2026, 3),
            figures={"admitted": 3},
            now=clock.now(),
            actor=None,
            channel="import",
        )
        second = await submissions.append(
            db,
            unit_id=unit_id,
            kind="admission",
            period=Period.month(2026, 3),
            figures={"admitted": 5, "farmer": 1},
            now=clock.now(),
            actor=None,
            channel="import",
            supersedes=first,
        )
        await submissions.supersede(db, first, second)
        await submissions.append(
            db,
            unit_id=unit_id,
            kind="pipeline",
            period=Period.month(2026, 3),
            figures={"pool": 12, "certified": 4},
            now=clock.now(),
            actor=None,
            channel="test",
        )
    recent = await submissions.created_since(db, clock.now() - timedelta(days=1))
    assert all(isinstance(r, Recorded) for r in recent)
    assert sorted((r.kind, r.admitted, r.replaced) for r in recent) == [
        ("admission", 3, 0),
        ("admission", 5, 3),
        ("pipeline", 0, 0),
    ]
    assert await week_changes(db, {unit_id}, clock.now()) == (3, 5)  # 3 + (5 − 3) ĐVM in the week
    [snapshot] = await submissions.live_snapshot_rows(db)
    assert isinstance(snapshot, Submission)
    assert (snapshot.kind, snapshot.figures["pool"], snapshot.figures["certified"]) == ("pipeline", 12, 4)
    imported = await submissions.live_imports(db, "admission")
    [event] = imported[unit_id, 202603, 202603]  # only the live one, keyed by (unit, ym_from, ym_to)
    assert isinstance(event, Imported) and list(imported) == [(unit_id, 202603, 202603)]
    assert (event.id, event.figures["admitted"], event.extra) == (second, 5, '{"farmer": 1}')
