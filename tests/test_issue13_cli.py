"""Issue 13 §5: the command line and set-up — the demo only where asked for, Vietnamese help and errors,
non-zero exits on failure, a readable reminder preview, invite links only with a bot name, doctor on both
channels."""

from __future__ import annotations

import sqlite3

import pytest

from bot.cli import main
from tests.harness import TOKEN


def _units(path) -> int:
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


async def test_console_invite_without_a_bot_name_gives_no_telegram_link(settings, district_db, clock):
    import io

    from bot.runtime import app

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


ENGLISH = ("usage:", "options:", "positional arguments", "show this help", "error:", "required", "invalid")


@pytest.mark.parametrize("command", [[], ["invite"], ["remind"], ["console"], ["export"], ["setup"], ["unit"]])
def test_help_is_vietnamese(command, capsys):
    with pytest.raises(SystemExit) as done:
        main([*command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("cách dùng: ptdv") and "tùy chọn:" in out and "hiện trợ giúp này rồi thoát" in out
    assert not any(word in out for word in ENGLISH), out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "ptdv: lỗi: thiếu tham số bắt buộc: LỆNH"),
        (["import"], "ptdv import: lỗi: thiếu tham số bắt buộc: TỆP"),
        (["invite", "--days", "abc"], "tham số --days: giá trị 'abc' không hợp lệ (cần một số nguyên)"),
        (["invite", "--role", "boss"], "tham số --role: không có lựa chọn 'boss'"),
        (["backup", "thừa"], "ptdv: lỗi: tham số không nhận ra: thừa"),
        (["xuat"], "tham số LỆNH: không có lựa chọn 'xuat'"),
        (["console", "--demo", "--real"], "tham số --real: không dùng cùng với --demo"),
    ],
)
def test_usage_errors_are_vietnamese_and_exit_non_zero(argv, expected, capsys):
    with pytest.raises(SystemExit) as done:
        main(argv)
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("cách dùng: ptdv") and expected in err, err
    assert not any(word in err for word in ENGLISH), err


def test_remind_preview_shows_who_gets_what_with_the_exact_text(env, monkeypatch, capsys):
    import asyncio

    from bot.runtime import demo
    from storage.db import Database
    from storage.migrations import migrate
    from tests.conftest import TODAY

    async def load_demo() -> None:  # the demo's history as of the tests' fixed day, whatever the wall clock says
        db = await Database.open(env / "ptdv.sqlite3")
        await migrate(db)
        await demo.load(db, TODAY, reorganise=False)
        await db.close()

    asyncio.run(load_demo())
    capsys.readouterr()
    assert main(["remind", "--at", "2026-12-15 08:30"]) == 0  # previewing needs no flag…
    out = capsys.readouterr().out
    assert main(["remind", "--dry-run", "--at", "2026-12-15 08:30"]) == 0  # …and the flag is still accepted
    assert capsys.readouterr().out == out
    assert "user:" not in out and "Q2026-4" not in out and "remind →" not in out
    assert "Đến hạn gửi: 5 tin." in out
    assert "1. Gửi Quách Văn Tuấn — Chi bộ xóm Bắc Sơn — nhắc báo cáo:" in out
    assert "   │ Chi bộ xóm Bắc Sơn: năm 2026 mới kết nạp 0/1 ĐVM" in out
    assert "Hạn báo cáo quý IV: 20/12. Trả lời “kết nạp N” để báo cáo." in out
    assert main(["remind", "--at", "2026-12-21 08:30"]) == 0
    out = capsys.readouterr().out
    assert "Gửi Nguyễn Thanh Bình — Đảng bộ huyện Cao Phong — báo đơn vị chưa báo cáo:" in out
    assert "bản tin tuần:" in out and "W2026" not in out
