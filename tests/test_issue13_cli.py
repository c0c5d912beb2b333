"""Issue 13 §5: the command line and set-up — the demo only where asked for, Vietnamese help and errors,
non-zero exits on failure, a readable reminder preview, invite links only with a bot name, doctor on both
channels."""

from __future__ import annotations

import sqlite3

import pytest

from bot.cli import main
from tests.harness import TOKEN


def _units(path) -> int:  # type: ignore[no-untyped-def]
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM units").fetchone()[0]


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TELEGRAM_BOT_USERNAME", "DEMO_DATABASE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "ptdv.sqlite3"))
    return tmp_path


def test_setup_never_loads_the_demo_into_the_configured_database(env, monkeypatch, capsys):
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert main(["setup"]) == 0
    assert "chưa có đơn vị nào" in capsys.readouterr().out
    assert _units(env / "ptdv.sqlite3") == 0
    # Asked for, the demo goes to its own file…
    assert main(["setup", "--demo"]) == 0
    assert _units(env / "data" / "demo.sqlite3") > 20 and _units(env / "ptdv.sqlite3") == 0
    # …and never into the database a token is configured for, even when pointed at it.
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(env / "ptdv.sqlite3"))
    assert main(["setup", "--demo"]) == 2
    assert "đã cấu hình token" in capsys.readouterr().err
    assert _units(env / "ptdv.sqlite3") == 0


def test_setup_without_a_token_does_not_load_the_demo_either(env, capsys):
    assert main(["setup"]) == 0
    assert _units(env / "ptdv.sqlite3") == 0
    assert "ptdv setup --demo" in capsys.readouterr().out
