"""The console chat: the real Application over the local transport, scripted by piped input."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys

from bot.domain.periods import Period
from bot.domain.tree import UnitTree
from bot.runtime import app, demo
from bot.services.progress import load_progress
from storage import units, users


async def _console(settings, clock, lines: str, login: str | None = None) -> str:
    out = io.StringIO()
    await app.run_console(settings, login=login, inp=io.StringIO(lines), out=out, clock=clock, interactive=False)
    return out.getvalue()


async def test_progress_in_console_matches_the_database(settings, demo_db, clock):
    tree = UnitTree(await units.all_units(demo_db))
    own = (await users.by_login(demo_db, demo.CONSOLE_LOGIN)).unit_id  # the console's default official: a xã
    view = await load_progress(demo_db, tree, own, Period.of_year(2026), clock.now().date())
    expected = f"{view.root.cumulative.admitted}/{view.root.target} ĐVM"
    # The same figure straight from SQL, independent of the progress code:
    direct = await demo_db.scalar(
        "SELECT SUM(admitted) FROM submissions WHERE superseded_by IS NULL AND kind = 'admission'"
        " AND ym_from >= 202601 AND ym_to <= 202611 AND unit_id IN"
        " (SELECT unit_id FROM unit_closure WHERE ancestor_id = ?)",
        (own,),
    )
    assert view.root.cumulative.admitted == direct
    output = await _console(settings, clock, "tiến độ\n/tiendo\n")
    assert output.count(expected) == 2
    assert "TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — Đảng bộ xã Cao Phong" in output


async def test_buttons_are_numbered_and_pressed_by_number(settings, demo_db, clock):
    output = await _console(settings, clock, "/as binh\ntiến độ cao phong\n2\n")
    assert "[1] Đảng bộ tỉnh Phú Thọ" in output  # the district's history leads to the province
    assert "[2] Đảng bộ xã Cao Phong" in output
    assert "TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — Đảng bộ xã Cao Phong" in output


async def test_switching_identity_and_scope(settings, demo_db, clock):
    output = await _console(settings, clock, "/as thu\ntiến độ\ntiến độ xã Bắc Phong\n/as nguoimoi\ntiến độ\n")
    assert "Đang dùng tài khoản: Hà Thị Thu" in output
    assert "Chi bộ Trường THPT Cao Phong" in output
    assert "nằm ngoài phạm vi" in output
    assert "chưa đăng ký" in output


def test_make_run_path_without_token_opens_the_console(tmp_path):
    env = {"DATABASE_PATH": str(tmp_path / "db.sqlite3"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    env["PYTHONPATH"] = os.environ.get("PYTHONPATH", "")  # the code under test, also in the subprocess
    setup = subprocess.run(
        [sys.executable, "-m", "bot", "setup"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert setup.returncode == 0, setup.stderr
    assert "chưa có đơn vị nào" in setup.stdout and "ptdv setup --demo" in setup.stdout
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:  # the configured database never gets the demo
        assert conn.execute("SELECT COUNT(*) FROM units").fetchone()[0] == 0
    run = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        input="tiến độ\n",
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — Đảng bộ xã Cao Phong" in run.stdout  # the default official's xã
    assert "Traceback" not in run.stderr
    # …on its own demo database file.
    with sqlite3.connect(tmp_path / "data" / "demo.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM units").fetchone()[0] > 20
    with sqlite3.connect(tmp_path / "db.sqlite3") as conn:
        assert conn.execute("SELECT COUNT(*) FROM units").fetchone()[0] == 0


async def test_reporting_flow_in_console(settings, demo_db, clock):
    before = await demo_db.scalar("SELECT COUNT(*) FROM submissions")
    output = await _console(
        settings,
        clock,
        "kết nạp 2 đảng viên\n1\nnguồn 15, đã học lớp nhận thức 8\nhủy\nkết nạp -2\n",
        login="thu",
    )
    assert "[1] ✅ Xác nhận   [2] ✏️ Sửa   [3] ✖️ Hủy" in output
    assert "Đã lưu (mã báo cáo #" in output
    assert "Đã hủy, không lưu gì." in output
    assert "không thể âm" in output
    assert await demo_db.scalar("SELECT COUNT(*) FROM submissions") == before + 1


async def test_files_of_a_later_session_never_overwrite_earlier_ones(settings, demo_db, clock):
    first = await _console(settings, clock, "biểu đồ tiến độ năm 2026\n")
    second = await _console(settings, clock, "biểu đồ tiến độ năm 2025\n")  # message numbers restart from 1
    saved = list(settings.console_files_dir.iterdir())
    assert len(saved) == 2, saved
    one = next(p for p in saved if str(p) in first)
    two = next(p for p in saved if str(p) in second)
    assert one != two and one.read_bytes() != two.read_bytes()
