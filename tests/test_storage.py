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
