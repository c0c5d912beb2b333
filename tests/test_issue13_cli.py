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


async def test_console_invite_without_a_bot_name_gives_no_telegram_link(settings, demo_db, clock):
    import io

    from bot import app

    out = io.StringIO()
    await app.run_console(
        settings, login="binh", inp=io.StringIO("/moi Chi bộ xóm Nội\n"), out=out, clock=clock, interactive=False
    )
    text = out.getvalue()
    assert "Mã mời:" in text and "/dangky " in text
    assert "t.me/" not in text
    named = settings.model_copy(update={"telegram_bot_username": "ptdv_that_bot"})
    out = io.StringIO()
    await app.run_console(
        named, login="binh", inp=io.StringIO("/moi Chi bộ xóm Nội\n"), out=out, clock=clock, interactive=False
    )
    assert "https://t.me/ptdv_that_bot?start=" in out.getvalue()


def test_doctor_without_tokens_names_both_channels(env, capsys):
    main(["doctor"])
    out = capsys.readouterr().out
    assert "✔ Token Telegram: chưa cấu hình" in out
    assert "✔ Token Zalo: chưa cấu hình" in out


def test_import_failures_exit_non_zero_in_vietnamese(env, capsys):
    assert main(["setup"]) == 0
    capsys.readouterr()
    assert main(["import", "missing.xlsx"]) != 0
    err = capsys.readouterr().err
    assert "Không đọc được missing.xlsx: không có tệp hay thư mục này" in err and "No such file" not in err
    (env / "bad.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["import", "bad.csv"]) != 0
    assert "chưa nhập gì" in capsys.readouterr().err
    assert _units(env / "ptdv.sqlite3") == 0
    # Any file the command line cannot write is one Vietnamese line and a non-zero exit, not a traceback.
    assert main(["template", "--out", str(env / "no" / "such" / "dir" / "mau.xlsx")]) != 0
    err = capsys.readouterr().err
    assert "Lỗi tệp" in err and "không có tệp hay thư mục này" in err and "Traceback" not in err
