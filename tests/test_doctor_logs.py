import logging

from pydantic import SecretStr

from bot.cli import main
from bot.runtime.app import RedactToken, configure_logging
from tests.harness import TOKEN


def test_doctor_on_a_fresh_setup(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("ZALO_BOT_TOKEN", raising=False)
    assert main(["doctor"]) == 1  # no database yet
    assert "✘ Cơ sở dữ liệu: chưa có" in capsys.readouterr().out
    assert main(["setup", "--demo"]) == 0
    capsys.readouterr()
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for fragment in (
        "✔ Cấu hình",
        "✔ Token Telegram: chưa cấu hình",
        "kiểm tra toàn vẹn ok",
        "✔ Phiên bản lược đồ",
        "✔ Nhắc nhở đang bật; lần tới:",
        "✔ Sao lưu:",
    ):
        assert fragment in out, fragment


def test_doctor_reports_a_refused_token(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")  # nothing listens there
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "✘ Token Telegram:" in out and TOKEN not in out


def test_doctor_reports_an_unreachable_zalo(tmp_path, monkeypatch, capsys):
    from tests.channels import ZALO_TOKEN

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("ZALO_BOT_TOKEN", ZALO_TOKEN)
    monkeypatch.setenv("ZALO_API_BASE_URL", "http://127.0.0.1:9")  # nothing listens there
    assert main(["setup"]) == 0
    capsys.readouterr()
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    assert "✘ Zalo zalo: không chấp nhận token hoặc không kết nối được" in out and ZALO_TOKEN not in out
    assert "✔ Hạn mức Zalo zalo tháng" in out and "0/3000 tin (ok); 0/50 người dùng" in out


def test_doctor_checks_every_zalo_bot_and_shows_a_quota_refusal(tmp_path, monkeypatch, capsys):
    import asyncio
    import json
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.domain.quota import month_key
    from storage import usage
    from storage.db import Database
    from tests.channels import ZALO_TOKEN

    second = "3344556677889900:TEST-zalo-token-of-the-second-bot"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.setenv("ZALO_BOT_TOKEN", ZALO_TOKEN)
    monkeypatch.setenv("ZALO_BOTS", json.dumps([{"key": "bp", "token": second, "units": ["BP"]}]))
    monkeypatch.setenv("ZALO_API_BASE_URL", "http://127.0.0.1:9")
    assert main(["setup"]) == 0
    from bot.cli import doctor
    from bot.domain.clock import ManualClock

    clock = ManualClock(datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    month = month_key(clock.now().date())  # doctor reads the month by the injected clock

    async def refuse() -> None:
        db = await Database.open(tmp_path / "db.sqlite3")
        await usage.refuse(db, "zalo-bp", month, clock.now())
        await db.close()

    asyncio.run(refuse())
    checks, ok = asyncio.run(doctor.run(clock))
    assert not ok
    out = "\n".join(str(c) for c in checks)
    assert "✘ Zalo zalo:" in out and "✘ Zalo zalo-bp:" in out and second not in out
    assert "✘ Hạn mức Zalo zalo-bp" in out and "HẾT HẠN MỨC (429)" in out
    assert "✔ Hạn mức Zalo zalo tháng" in out


def test_json_log_lines():
    import json

    from bot.runtime.app import JsonFormatter

    record = logging.LogRecord("bot", logging.INFO, __file__, 1, "đã gửi %d tin", (3,), None)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "INFO" and entry["message"] == "đã gửi 3 tin" and entry["logger"] == "bot"


def test_logs_never_print_the_token(settings, caplog):
    record = logging.LogRecord(
        "httpx", logging.WARNING, __file__, 1, "POST https://api.telegram.org/bot%s/getMe", (TOKEN,), None
    )
    assert RedactToken([TOKEN]).filter(record)
    assert TOKEN not in record.getMessage() and "<token>" in record.getMessage()
    live = settings.model_copy(update={"telegram_bot_token": SecretStr(TOKEN)})
    configure_logging(live)
    assert all(any(isinstance(f, RedactToken) for f in h.filters) for h in logging.getLogger().handlers)
