"""Issue 19: performance paths that must keep their behaviour (figures live in bench/, not here)."""

from __future__ import annotations

import asyncio
from typing import Any

from handlers.telegram import FAN_OUT, FanOutRateLimiter


async def test_replies_bypass_the_fan_out_limiter_and_reminders_go_through_it():
    limiter = FanOutRateLimiter(overall_max_rate=1, overall_time_period=3600, max_retries=FAN_OUT)
    await limiter.initialize()
    calls: list[str] = []

    async def send(name: str) -> bool:
        calls.append(name)
        return True

    async def request(name: str, paced: bool) -> object:
        return await limiter.process_request(
            send, (name,), {}, "sendMessage", {"chat_id": 1}, FAN_OUT if paced else None
        )

    await request("reminder 1", paced=True)  # takes the one token of the hour
    # Replies are not held back by the exhausted fan-out bucket (the old global limiter would wait an hour here).
    await asyncio.wait_for(asyncio.gather(*(request(f"reply {i}", paced=False) for i in range(50))), timeout=10)
    second = asyncio.ensure_future(request("reminder 2", paced=True))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert not second.done()  # the fan-out stays paced
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)
    assert calls[0] == "reminder 1" and len(calls) == 51
    await limiter.shutdown()


async def test_targets_cache_survives_inbox_commits_and_sees_another_process_writes(district_db, settings, clock):
    from storage import inbox, targets, units
    from storage.db import Database

    root = (await units.by_code(district_db, "CP")).id
    first = await targets.values_for_year(district_db, 2026, root)
    async with district_db.transaction():  # what the inbox does around every update
        await inbox.store(district_db, "t", [("1", {"x": 1})], clock.now())
    assert await targets.values_for_year(district_db, 2026, root) is first  # a hit, not a reload

    other = await Database.open(settings.database_path)  # another process's connection
    try:
        leaf = (await units.by_code(other, "CAM")).id
        async with other.transaction():
            await targets.set_target(
                other, unit_id=leaf, scope="year", start_year=2026, end_year=2026, value=97, now=clock.now()
            )
    finally:
        await other.close()
    fresh = await targets.values_for_year(district_db, 2026, root)
    assert fresh is not first and fresh[0][leaf] == 97


async def test_snapshots_are_read_for_the_askers_subtree_only(district_db):
    from storage import submissions, units

    everyone = await submissions.latest_snapshots(district_db, "pipeline", 202601, 202612)
    commune = (await units.by_code(district_db, "BP")).id
    below = {
        r[0] for r in await district_db.fetchall("SELECT unit_id FROM unit_closure WHERE ancestor_id = ?", (commune,))
    }
    scoped = await submissions.latest_snapshots(district_db, "pipeline", 202601, 202612, root_id=commune)
    assert scoped and set(scoped) < set(everyone)
    assert scoped == {u: v for u, v in everyone.items() if u in below}


async def test_inbox_bookkeeping_is_one_write_per_batch_not_three_per_update(db, clock):
    from handlers.inbox_pump import InboxPump

    seen: list[str] = []

    async def process(key: str, payload: dict) -> None:
        seen.append(key)

    pump = InboxPump(db, "t", clock, process, key=lambda p: p["k"])
    before = db.commits
    await pump.ingest([{"k": str(i)} for i in range(5)])  # stored and claimed in one transaction
    assert await pump.drain() == 5
    assert seen == ["0", "1", "2", "3", "4"]
    assert db.commits - before == 2  # the ingest, and one mark for the batch (was 1 + 5 claims + 5 marks)
    assert await db.scalar("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL") == 0
    assert await pump.drain() == 0  # nothing is handled twice


async def test_statements_run_on_the_loop_thread_and_a_busy_database_does_not_block_the_loop(settings):
    import sqlite3
    import threading

    from storage.db import Database

    db = await Database.open(settings.database_path)
    threads: set[int] = set()
    db.connection.set_trace_callback(lambda _sql: threads.add(threading.get_ident()))
    try:
        await db.fetchall("SELECT 1")
        async with db.transaction():
            await db.execute("CREATE TABLE t(x)")
        assert threads == {threading.get_ident()}  # no hop to a worker thread per statement

        other = sqlite3.connect(settings.database_path, isolation_level=None)  # another process writing
        other.execute("BEGIN IMMEDIATE")
        ticks = 0

        async def write() -> None:
            async with db.transaction():
                await db.execute("INSERT INTO t VALUES (1)")

        writer = asyncio.create_task(write())
        while ticks < 20:  # the loop keeps running while the write waits for the lock
            await asyncio.sleep(0.01)
            ticks += 1
        assert not writer.done()
        other.execute("COMMIT")
        other.close()
        await asyncio.wait_for(writer, timeout=10)
        assert await db.scalar("SELECT COUNT(*) FROM t") == 1
    finally:
        await db.close()


async def test_snapshot_cache_is_dropped_by_a_new_snapshot_from_another_connection(district_db, settings, clock):
    from bot.domain.periods import Period
    from storage import submissions, units
    from storage.db import Database

    first = await submissions.latest_snapshots(district_db, "pipeline", 202601, 202612)
    assert await submissions.latest_snapshots(district_db, "pipeline", 202601, 202612) is first  # cached
    other = await Database.open(settings.database_path)
    try:
        unit = (await units.by_code(other, "CAM")).id
        async with other.transaction():
            await submissions.append(
                other,
                unit_id=unit,
                kind="pipeline",
                period=Period.month(2026, 11),
                figures={"pool": 41},
                now=clock.now(),
                actor=None,
                channel="test",
            )
    finally:
        await other.close()
    fresh = await submissions.latest_snapshots(district_db, "pipeline", 202601, 202612)
    assert fresh[unit]["pool"] == 41


async def test_a_repeated_chart_is_served_from_the_cache_until_the_data_change(
    district_db, settings, clock, monkeypatch
):
    """Issue 19: charts kept per (unit, period, data version). The inbox's commits do not redraw; a new submission,
    a target, a unit change in another process, a calendar change and a new day each do."""
    from bot.domain.models import Role, User
    from bot.domain.periods import Period
    from bot.language.queries import OutputForm, Query
    from bot.services import queries
    from bot.services.context import Context
    from storage import inbox, submissions, targets, units
    from storage import reminders as reminder_store
    from storage.db import Database

    drawn: list[int] = []
    real = queries.progress_chart

    def spy(view):
        drawn.append(view.root_id)
        return real(view)

    monkeypatch.setattr(queries, "progress_chart", spy)
    ctx = Context(district_db, settings, clock)
    root = (await units.by_code(district_db, "CP")).id
    leaf = (await units.by_code(district_db, "CAM")).id
    official = User(id=1, name="Cán bộ", role=Role.OFFICIAL, unit_id=root)
    period = Period.of_year(2026)
    query = Query(form=OutputForm.CHART, period=period)

    async def ask() -> bytes:
        [reply] = await queries.answer(ctx, official, query, root, period)
        assert reply.attachment is not None and reply.attachment.kind == "photo"
        return reply.attachment.content

    first = await ask()
    assert await ask() == first and len(drawn) == 1  # the same question: no redraw
    async with district_db.transaction():  # what the inbox does around every update
        await inbox.store(district_db, "t", [("1", {"x": 1})], clock.now())
    await ask()
    assert len(drawn) == 1

    async with district_db.transaction():
        await submissions.append(
            district_db,
            unit_id=leaf,
            kind="admission",
            period=Period.month(2026, 10),
            figures={"admitted": 3},
            now=clock.now(),
            actor=None,
            channel="test",
        )
    assert await ask() != first and len(drawn) == 2  # a new submission: redrawn, with the new figure
    await ask()
    assert len(drawn) == 2

    async with district_db.transaction():
        await targets.set_target(
            district_db, unit_id=leaf, scope="year", start_year=2026, end_year=2026, value=41, now=clock.now()
        )
    await ask()
    assert len(drawn) == 3

    other = await Database.open(settings.database_path)  # a unit change made by another process
    try:
        async with other.transaction():
            await units.bump_version(other, clock.now())
    finally:
        await other.close()
    await ask()
    assert len(drawn) == 4

    async with district_db.transaction():  # the tolerance (calendar) decides statuses, hence colours
        await reminder_store.save_setting(
            district_db, reminder_store.CALENDAR_KEY, {"tolerance_points": 5}, clock.now(), None
        )
    await ask()
    assert len(drawn) == 5

    clock.advance(days=1)  # another reading date
    await ask()
    await ask()
    assert len(drawn) == 6


def test_streamed_rows_keep_text_as_text_styles_and_outline_levels():
    """The write-only writer (issue 19): formula-like and error-like text stays text, a style kind is shared by its
    cells, an empty styled cell is still written, and a row's outline level and height reach the file."""
    import io

    from openpyxl import Workbook, load_workbook
    from openpyxl.styles import Font

    from bot.present.exports.cells import Stream

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("x")
    out = Stream(ws)
    out.define("lower", font=Font(italic=True))
    out.row(["=1+1", "#N/A", 3, None], height=30)
    out.row(["  +SUM(1)", "Chi bộ", None, 0.5], "lower", outline=2)
    out.row(["@x", None], [None, "lower"])
    buffer = io.BytesIO()
    wb.save(buffer)
    sheet: Any = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [c.data_type for c in sheet[1][:3]] == ["s", "s", "n"]
    assert sheet["A1"].value == "=1+1" and sheet["A1"].quotePrefix and not sheet["B1"].quotePrefix
    assert sheet.row_dimensions[1].height == 30 and sheet.row_dimensions[2].outlineLevel == 2
    assert sheet["A2"].quotePrefix and sheet["A2"].font.i and sheet["B2"].font.i and sheet["C2"].font.i
    assert sheet["A3"].quotePrefix and not sheet["A3"].font.i and sheet["B3"].font.i


async def test_a_slow_file_is_announced_made_off_the_loop_and_others_are_answered_meanwhile(
    settings, demo_db, clock, monkeypatch
):
    """Issue 19: a file that takes longer than PREPARE_AFTER — here a workbook held back until the test lets it go —
    first gets "Đang chuẩn bị tệp…", then the file; another official's question is answered while it is being
    written, which it is in a worker thread, from a read-only connection of its own (not the loop's)."""
    import threading

    from bot.services import files, queries
    from bot.services.reminders import ReminderService
    from handlers.telegram import TelegramNotifier
    from tests.conftest import message_update
    from tests.harness import TelegramHarness

    gate = threading.Event()
    seen: dict[str, object] = {}
    real_workbook, real_sums = queries.progress_workbook, queries.column_sums

    def held_back(view, columns, at):
        seen["worker thread"] = threading.current_thread() is not threading.main_thread()
        assert gate.wait(timeout=30)
        return real_workbook(view, columns, at)

    async def sums(ctx, view):
        seen["own connection"] = ctx.db is not demo_db
        seen["query_only"] = ctx.db.connection.execute("PRAGMA query_only").fetchone()[0]
        return await real_sums(ctx, view)

    monkeypatch.setattr(queries, "progress_workbook", held_back)
    monkeypatch.setattr(queries, "column_sums", sums)
    monkeypatch.setattr(files, "PREPARE_AFTER", 0.05)
    async with TelegramHarness(settings, demo_db, clock) as h:
        await h.link("binh", 601)
        await h.link("ngoc", 602)
        h.core.reminders = ReminderService(h.core.ctx, {"telegram": TelegramNotifier(h.app.bot, backoff=0.01)})
        started = await h.send(message_update(601, "xuất báo cáo năm nay"))
        assert [m.text for m in started] == [files.PREPARING]
        asked = await h.send(message_update(602, "tiến độ"))  # while the workbook is still being written
        assert asked and asked[0].text.startswith("TIẾN ĐỘ KẾT NẠP")
        assert not gate.is_set() and h.core._background
        gate.set()
        await h.core.drain_background()
        result = [m for m in h.server.sent if m.chat_id == "601"][-1]
        assert result.method == "sendDocument"
        assert h.server.sent.index(asked[0]) < h.server.sent.index(result)
        assert not h.errors
    assert seen == {"worker thread": True, "own connection": True, "query_only": 1}


def test_lanes_keep_a_chat_and_a_person_in_order():
    from handlers.inbox_pump import Row, _lanes, telegram_lanes
    from tests.conftest import callback_update, message_update

    a1, b1, a2 = message_update(1, "a1"), message_update(2, "b1"), message_update(1, "a2")
    press = callback_update(2, "x")  # a button on a message in chat 2
    group = message_update(1, "in a group")
    group["message"]["chat"] = {"id": -5, "type": "group"}  # person 1 in a group: joins person 1's lane
    other = message_update(3, "c1")
    rows: list[Row] = [(str(i), p, None, None) for i, p in enumerate([a1, b1, a2, press, group, other])]
    lanes = [[int(r[0]) for r in lane] for lane in _lanes(rows, telegram_lanes)]
    assert sorted(lanes) == [[0, 2, 4], [1, 3], [5]]
    assert _lanes(rows, None) == [rows]


async def test_chats_are_processed_side_by_side_each_in_its_order(db, clock):
    """Issue 19: chat 1's first update waits (a slow answer) until chat 2's update is done — which only happens if
    the chats are processed concurrently; chat 1's second update still comes after its first. All are marked once."""
    from handlers.inbox_pump import InboxPump

    seen: list[str] = []
    chat_two_done = asyncio.Event()

    async def process(key: str, payload: dict) -> None:
        if key == "a1":
            await asyncio.wait_for(chat_two_done.wait(), timeout=10)
        seen.append(key)
        if key == "b1":
            chat_two_done.set()

    pump = InboxPump(db, "t", clock, process, key=lambda p: p["k"], lanes=lambda p: [p["chat"]])
    await pump.ingest([{"k": "a1", "chat": "1"}, {"k": "a2", "chat": "1"}, {"k": "b1", "chat": "2"}])
    assert await pump.drain() == 3
    assert seen == ["b1", "a1", "a2"]
    assert await db.scalar("SELECT COUNT(*) FROM inbox WHERE processed_at IS NULL") == 0
    assert await pump.drain() == 0


async def test_a_statement_of_another_task_waits_for_an_open_transaction(db):
    """Chats processed side by side share the connection: a read by one never sees another's uncommitted write."""
    inside = asyncio.Event()
    release = asyncio.Event()

    async def writer() -> None:
        try:
            async with db.transaction():
                await db.execute("INSERT INTO settings(key, value, updated_at) VALUES ('x', '1', '')")
                inside.set()
                await release.wait()  # a real pause inside the transaction
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    task = asyncio.create_task(writer())
    await inside.wait()
    reader = asyncio.create_task(db.scalar("SELECT COUNT(*) FROM settings WHERE key = 'x'"))
    await asyncio.sleep(0)
    assert not reader.done()  # waiting for the transaction, not reading inside it
    release.set()
    assert await reader == 0  # the write was rolled back; the reader never saw it
    await task


async def test_units_are_slotted_records_and_the_name_indexes_are_ready_at_start(demo_db, settings, clock):
    """Issue 19: the tree holds slotted records, not pydantic models; `ready()` (called by `ptdv run` at start)
    builds the tree and both name indexes, which the first question then uses as they are."""
    from bot.domain.models import Role, Unit, User
    from bot.language.queries import Query
    from bot.services import queries
    from bot.services.context import Context

    ctx = Context(demo_db, settings, clock)
    await ctx.ready()
    tree, index, gazetteer = await ctx.tree(), await ctx.unit_index(), await ctx.gazetteer()
    unit = tree[tree.roots[0]]
    assert isinstance(unit, Unit) and not hasattr(unit, "__dict__")
    official = User(id=1, name="Cán bộ", role=Role.OFFICIAL, unit_id=tree.roots[0])
    await queries.ask(ctx, official, Query(text="tiến độ xã Bắc Phong"))
    assert await ctx.tree() is tree and await ctx.unit_index() is index and await ctx.gazetteer() is gazetteer


async def test_the_silent_set_is_kept_until_a_report_arrives(demo_db, settings, clock):
    """Issue 19: "chưa báo cáo" (also in every progress answer) is kept per data version; a new report drops it."""
    from bot.domain.periods import Period
    from bot.services import queries
    from bot.services.context import Context
    from bot.services.progress import load_progress
    from storage import inbox, submissions, units

    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    view = await load_progress(demo_db, tree, tree.roots[0], Period.quarter(2026, 4), clock.now().date())
    first = await queries.silent_units(ctx, view)
    assert first
    async with demo_db.transaction():  # the inbox's bookkeeping
        await inbox.store(demo_db, "t", [("1", {"x": 1})], clock.now())
    assert await queries.silent_units(ctx, view) is first  # kept
    async with demo_db.transaction():
        await submissions.append(
            demo_db,
            unit_id=first[0],
            kind="admission",
            period=Period.month(2026, 11),
            figures={"admitted": 1},
            now=clock.now(),
            actor=None,
            channel="test",
        )
    again = await queries.silent_units(ctx, view)
    assert first[0] not in again and set(again) == set(first) - {first[0]}
    assert (await units.get(demo_db, first[0])) is not None


async def test_the_pipeline_answer_is_kept_until_a_snapshot_arrives(demo_db, settings, clock, monkeypatch):
    """Issue 19: "nguồn" totals every snapshot below the root in Python; a repeated question reuses the answer until
    the data version moves (a new snapshot here)."""
    from bot.domain.models import Role, User
    from bot.domain.periods import Period
    from bot.language.queries import Query, QueryKind
    from bot.services import queries
    from bot.services.context import Context
    from storage import submissions

    made: list[int] = []
    real = queries._snapshots

    async def counting(ctx, view, kind):
        made.append(view.root_id)
        return await real(ctx, view, kind)

    monkeypatch.setattr(queries, "_snapshots", counting)
    ctx = Context(demo_db, settings, clock)
    tree = await ctx.tree()
    root = tree.roots[0]
    official = User(id=1, name="Cán bộ", role=Role.OFFICIAL, unit_id=root)
    period = Period.of_year(2026)
    query = Query(kind=QueryKind.PIPELINE, period=period)
    first = await queries.answer(ctx, official, query, root, period)
    assert await queries.answer(ctx, official, query, root, period) == first and len(made) == 1
    leaf = tree.reporting_units(root)[0]
    async with demo_db.transaction():
        await submissions.append(
            demo_db,
            unit_id=leaf,
            kind="pipeline",
            period=Period.quarter(2026, 4),
            figures={"pool": 500},
            now=clock.now(),
            actor=None,
            channel="test",
        )
    await queries.answer(ctx, official, query, root, period)
    assert len(made) == 2
