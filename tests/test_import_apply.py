"""Applying a confirmed import off the event loop (issue 14, item 11): a worker thread with its own connection,
one transaction (all or nothing), progress and a summary through the notifier, exactly once, a time limit; and the
reading worker's memory cap actually refusing a file; a SIGKILL half-way leaves nothing written."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sys
import threading
import zipfile
from typing import Any

import pytest

from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.messages import Inbound, InboundKind, Reply
from bot.importing.reader import FileRefused
from bot.importing.worker import TOO_BIG
from bot.services import confirmations, import_apply, imports
from bot.services.core import Core
from bot.services.reminders import Delivery, ReminderService
from storage import pending, rollups, units, users
from storage.db import Database
from tests.conftest import TODAY

BRANCHES = 100


class Recorder:
    """A notifier that records what it delivers, with the test's own marks, in one ordered list."""

    def __init__(self, events: list[tuple[str, str]]) -> None:
        self.events = events

    async def deliver(self, chat_id: str, reply: Reply) -> Delivery:
        self.events.append(("sent", reply.text))
        return Delivery.SENT

    async def quota(self) -> None:
        return None


async def many_branches(db: Database, clock: ManualClock) -> None:
    """A grassroots organisation with BRANCHES chi bộ below the demo's root: room for tens of thousands of rows."""
    root = await db.scalar("SELECT id FROM units WHERE parent_id IS NULL")
    async with db.transaction():
        big = await units.add(
            db, code="BIG", name="Đảng bộ Lớn", short_name="Lớn", kind="co_so", parent_id=root, now=clock.now()
        )
        for i in range(BRANCHES):
            await units.add(
                db,
                code=f"BIG{i:03}",
                name=f"Chi bộ số {i}",
                short_name=f"CB {i}",
                kind="chi_bo",
                parent_id=big,
                now=clock.now(),
            )
        await units.bump_version(db, clock.now())


def report_csv(rows: int) -> bytes:
    """`rows` monthly reports, BRANCHES units × consecutive months from 1/1980 (all in the past)."""
    lines = ["Mã đơn vị,Kỳ,Kết nạp,Nữ"]
    for i in range(rows):
        month = i // BRANCHES
        lines.append(f"BIG{i % BRANCHES:03},T{month % 12 + 1}/{1980 + month // 12},{i % 4 + 1},{i % 2}")
    return "\n".join(lines).encode()


def inbound(sender: int, **fields: Any) -> Inbound:
    inbound.count += 1  # type: ignore[attr-defined]
    n = inbound.count  # type: ignore[attr-defined]
    return Inbound(
        channel="telegram", update_key=f"telegram:{n}", sender_id=str(sender), chat_id=str(sender), at=TODAY, **fields
    )


inbound.count = 70_000  # type: ignore[attr-defined]


async def setup(settings: Settings, db: Database, clock: ManualClock, events: list[tuple[str, str]]) -> Core:
    core = Core(db, settings, clock)
    core.reminders = ReminderService(core.ctx, {"telegram": Recorder(events)})
    for login, tid in (("binh", 801), ("ngoc", 802), ("son", 803)):
        user = await users.by_login(db, login)
        assert user is not None
        async with db.transaction():
            await users.link_identity(
                db, channel="telegram", external_id=str(tid), user_id=user.id, chat_id=str(tid), now=clock.now()
            )
    return core


async def preview(core: Core, name: str, content: bytes) -> tuple[Any, Any]:
    """Send the file as binh, wait for the preview; (binh, the open pending)."""
    started = await core.handle(inbound(801, kind=InboundKind.FILE, file_name=name, file_bytes=content))
    assert started[0].text.startswith("Đang kiểm tra tệp")
    await core.drain_background()
    binh = await users.by_login(core.db, "binh")
    assert binh is not None
    p = await pending.latest_open(core.db, binh.id)
    assert p is not None and p.action == "import", p
    return binh, p


async def imported(db: Database) -> int:
    return int(await db.scalar("SELECT COUNT(*) FROM submissions WHERE channel = 'import'"))


@pytest.fixture
def hook():
    yield
    import_apply.step_hook = None


async def test_others_are_answered_while_a_large_import_is_written(settings, demo_db, clock, hook):
    await many_branches(demo_db, clock)
    events: list[tuple[str, str]] = []
    core = await setup(settings, demo_db, clock, events)
    binh, p = await preview(core, "lon.csv", report_csv(50_000))
    assert "50.000 dòng số liệu" in events[-1][1]
    held = {"plan": threading.Event(), "write": threading.Event()}
    release = {"plan": threading.Event(), "write": threading.Event()}

    def pause(phase: str, done: int, total: int, cancel: threading.Event) -> None:  # in the worker thread
        if (phase == "plan" or done >= 25_000) and not held[phase].is_set():
            held[phase].set()
            release[phase].wait(30)

    import_apply.step_hook = pause
    confirmed = await confirmations.confirm(core.ctx, binh, p.token, "telegram:confirm-1")
    assert confirmed[0].text.startswith("Đã nhận xác nhận. Đang ghi “lon.csv” (50.000 dòng)")
    # 1. While the rows are checked and worked out (no write lock yet): a reporter reports and confirms, and a
    # second press on the same preview does not start a second apply.
    assert await asyncio.to_thread(held["plan"].wait, 30), "the worker never started"
    previewed = await core.handle(inbound(803, text="kết nạp 1"))
    assert previewed[0].choices, previewed[0].text  # the reporter's own preview, with its buttons
    saved = await core.handle(inbound(803, text="có"))
    events.append(("answered", saved[0].text))
    assert "Đã lưu" in saved[0].text, saved[0].text
    again = await confirmations.confirm(core.ctx, binh, p.token, "telegram:confirm-2")
    assert again[0].text == import_apply.BUSY.format(name="lon.csv")
    release["plan"].set()
    # 2. Half-way through the write, inside the worker's open transaction: the loop is free; another official's
    # question is answered from the last committed state.
    assert await asyncio.to_thread(held["write"].wait, 30), "the worker never got half-way"
    asked = await core.handle(inbound(802, text="tiến độ"))
    events.append(("answered", asked[0].text))
    assert asked[0].text.startswith("TIẾN ĐỘ KẾT NẠP")
    assert (await pending.by_token(demo_db, p.token)).status == "open"  # nothing committed yet
    assert await imported(demo_db) == 0
    release["write"].set()
    await core.drain_background()
    texts = [text for kind, text in events if kind == "sent"]
    final = texts[-1]
    assert final == "Đã nhập “lon.csv”: số liệu: thêm 50.000, sửa 0.", final
    progress = [t for t in texts if t.startswith("Đang ghi “lon.csv”:")]
    assert progress[0] == "Đang ghi “lon.csv”: 10.000 / 50.000 dòng…", progress
    assert progress[-1] == "Đang ghi “lon.csv”: 40.000 / 50.000 dòng…", progress
    for answer in (saved[0].text, asked[0].text):  # both answered before the import ended
        assert events.index(("answered", answer)) < events.index(("sent", final))
    assert await imported(demo_db) == 50_000
    assert (await pending.by_token(demo_db, p.token)).status == "confirmed"
    # Redelivered afterwards: already saved, nothing twice.
    late = await confirmations.confirm(core.ctx, binh, p.token, "telegram:confirm-1")
    assert "đã được lưu trước đó" in late[0].text
    assert await imported(demo_db) == 50_000
    # The rollups added up once at the end equal a full recomputation.
    before = [tuple(r) for r in await demo_db.fetchall("SELECT * FROM rollups ORDER BY 1, 2, 3")]
    async with demo_db.transaction():
        await rollups.rebuild(demo_db)
    assert [tuple(r) for r in await demo_db.fetchall("SELECT * FROM rollups ORDER BY 1, 2, 3")] == before


async def test_a_failure_midway_writes_nothing_and_the_importer_can_retry(settings, demo_db, clock, hook):
    await many_branches(demo_db, clock)
    events: list[tuple[str, str]] = []
    core = await setup(settings, demo_db, clock, events)
    binh, p = await preview(core, "lon.csv", report_csv(3_000))
    counts = await demo_db.fetchone("SELECT (SELECT COUNT(*) FROM submissions), (SELECT COUNT(*) FROM rollups)")
    trigger = await demo_db.scalar("SELECT sql FROM sqlite_master WHERE name = 'submissions_rollup_insert'")

    def fail(phase: str, done: int, total: int, cancel: threading.Event) -> None:
        if done >= 2_000:
            raise OSError("disk full (injected)")

    import_apply.step_hook = fail
    await confirmations.confirm(core.ctx, binh, p.token, "telegram:f1")
    await core.drain_background()
    assert events[-1] == ("sent", import_apply.FAILED.format(name="lon.csv"))
    after = await demo_db.fetchone("SELECT (SELECT COUNT(*) FROM submissions), (SELECT COUNT(*) FROM rollups)")
    assert tuple(after) == tuple(counts)  # all or nothing: not one of the 2,000 rows written stayed
    assert await demo_db.scalar("SELECT sql FROM sqlite_master WHERE name = 'submissions_rollup_insert'") == trigger
    assert (await pending.by_token(demo_db, p.token)).status == "open"  # the importer can press again
    import_apply.step_hook = None
    await confirmations.confirm(core.ctx, binh, p.token, "telegram:f2")
    await core.drain_background()
    assert events[-1][1].startswith("Đã nhập “lon.csv”: số liệu: thêm 3.000"), events[-1]
    assert await imported(demo_db) == 3_000


async def test_the_time_limit_stops_the_apply_and_rolls_back(settings, demo_db, clock, hook):
    await many_branches(demo_db, clock)
    events: list[tuple[str, str]] = []
    quick = settings.model_copy(update={"import_apply_time_limit": 0.05})
    core = await setup(quick, demo_db, clock, events)
    binh, p = await preview(core, "lon.csv", report_csv(3_000))

    def slow(phase: str, done: int, total: int, cancel: threading.Event) -> None:
        if done >= 1_000:
            assert cancel.wait(30), "the time limit never stopped the worker"  # held until the limit passes

    import_apply.step_hook = slow
    await confirmations.confirm(core.ctx, binh, p.token, "telegram:t1")
    await core.drain_background()
    assert events[-1] == ("sent", import_apply.TOO_SLOW.format(name="lon.csv", seconds="0,05"))
    assert await imported(demo_db) == 0
    assert (await pending.by_token(demo_db, p.token)).status == "open"


async def test_without_a_notifier_the_confirmation_waits_for_the_result(settings, demo_db, clock):
    core = Core(demo_db, settings, clock)
    binh = await users.by_login(demo_db, "binh")
    assert binh is not None
    csv = "Mã đơn vị,Loại,Năm,Chỉ tiêu\nCAH,năm,2031,8\n".encode()
    answer = await imports.propose(
        core.ctx, binh, inbound(801, kind=InboundKind.FILE, file_name="c.csv", file_bytes=csv)
    )
    assert "1 chỉ tiêu" in answer[0].text
    p = await pending.latest_open(demo_db, binh.id)
    assert p is not None
    done = await confirmations.confirm(core.ctx, binh, p.token, "telegram:w1")
    assert done[0].text == "Đã nhập “c.csv”: chỉ tiêu: thêm 1, sửa 0."
    assert (await pending.by_token(demo_db, p.token)).status == "confirmed"


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        line = next(x for x in status if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def raw_xlsx(rows: int, columns: int) -> bytes:
    """A minimal .xlsx with one sheet "Số liệu" of `rows` × `columns` numbers, written as XML directly (openpyxl
    would take many seconds to write it)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    head = "".join(f'<c t="inlineStr"><is><t>{t}</t></is></c>' for t in ("Mã đơn vị", "Kỳ", "Kết nạp"))
    body = "".join(
        '<row><c t="inlineStr"><is><t>CAH</t></is></c><c t="inlineStr"><is><t>T1/2021</t></is></c>'
        + "".join(f"<c><v>{i}</v></c>" for _ in range(columns))
        + "</row>"
        for i in range(rows)
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} xmlns:r="{rel}"><sheets><sheet name="Số liệu" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr(
            "xl/worksheets/sheet1.xml", f"<worksheet {ns}><sheetData><row>{head}</row>{body}</sheetData></worksheet>"
        )
    return out.getvalue()


async def test_the_reading_worker_memory_cap_refuses_a_file_too_big_to_parse(settings):
    capped = settings.model_copy(
        update={
            "import_memory_mb": 256,
            "import_max_uncompressed_mb": 1000,
            "import_max_rows": 1_000_000,
            "import_time_limit": 600,  # the memory cap must be what stops it, also on a loaded machine
        }
    )
    small = await imports.read(capped, "nho.xlsx", raw_xlsx(50, 1))  # the cap leaves room for an ordinary file
    assert len(small.reports) == 50
    content = raw_xlsx(20_000, 20)  # 1 MB on the wire, ~400,000 cells: several times the cap once parsed
    before = rss_mb()
    with pytest.raises(FileRefused) as refused:
        await imports.read(capped, "lon.xlsx", content)
    assert str(refused.value) == TOO_BIG
    assert rss_mb() - before < 50  # the parent never held the parsed cells


CHILD = """
import asyncio, sys, threading
from pathlib import Path
from bot.domain.clock import ManualClock
from bot.config import Settings
from bot.services import import_apply
from bot.services.context import Context
from storage import pending
from storage.db import Database
from tests.conftest import TODAY

path, token, marker = sys.argv[1], sys.argv[2], Path(sys.argv[3])


def hold(phase, done, total, cancel):
    if phase == "write" and done >= 1_000:
        marker.write_text("inside")  # half-written, inside the transaction: the test kills us here
        threading.Event().wait()


async def main():
    db = await Database.open(path)
    ctx = Context(db, Settings(_env_file=None, database_path=Path(path)), ManualClock(TODAY))
    import_apply.step_hook = hold
    await import_apply.start(ctx, await pending.by_token(db, token))("telegram:crash-1")


asyncio.run(main())
"""


async def test_a_crash_mid_apply_leaves_nothing_and_the_importer_can_retry(settings, demo_db, clock, tmp_path):
    await many_branches(demo_db, clock)
    core = Core(demo_db, settings, clock)  # no notifier: the preview comes back at once
    binh = await users.by_login(demo_db, "binh")
    assert binh is not None
    sent = inbound(801, kind=InboundKind.FILE, file_name="lon.csv", file_bytes=report_csv(3_000))
    await imports.propose(core.ctx, binh, sent)
    p = await pending.latest_open(demo_db, binh.id)
    assert p is not None
    rollups_before = [tuple(r) for r in await demo_db.fetchall("SELECT * FROM rollups ORDER BY 1, 2, 3")]
    marker = tmp_path / "inside"
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CHILD, str(settings.database_path), p.token, str(marker), env=dict(os.environ)
    )
    deadline = asyncio.get_running_loop().time() + 60
    while not marker.exists():  # waiting for the child to be half-way through its transaction
        assert child.returncode is None and asyncio.get_running_loop().time() < deadline, "the child never got there"
        await asyncio.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    assert await child.wait() == -signal.SIGKILL
    # Nothing half-written: no imported event, the rollup trigger (dropped inside the transaction) is back, the
    # rollups as before, the preview still open.
    assert await imported(demo_db) == 0
    assert await demo_db.scalar("SELECT 1 FROM sqlite_master WHERE name = 'submissions_rollup_insert'") == 1
    assert [tuple(r) for r in await demo_db.fetchall("SELECT * FROM rollups ORDER BY 1, 2, 3")] == rollups_before
    assert (await pending.by_token(demo_db, p.token)).status == "open"
    done = await confirmations.confirm(core.ctx, binh, p.token, "telegram:crash-2")  # the importer presses again
    assert done[0].text == "Đã nhập “lon.csv”: số liệu: thêm 3.000, sửa 0.", done[0].text
    assert await imported(demo_db) == 3_000
