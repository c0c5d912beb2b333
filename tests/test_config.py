import pytest

from bot.cli import main
from bot.config import ConfigError, load_settings


def test_defaults(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "DATABASE_PATH", "TIMEZONE", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.token is None
    assert str(settings.database_path) == "data/ptdv.sqlite3"
    assert settings.timezone == "Asia/Ho_Chi_Minh"


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_API_BASE_URL": "ftp://x"}, "TELEGRAM_API_BASE_URL"),
        ({"PENDING_TTL_MINUTES": "-5"}, "PENDING_TTL_MINUTES"),
    ],
)
def test_bad_setting_is_one_clear_line(monkeypatch, tmp_path, env, fragment):
    monkeypatch.chdir(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert fragment in message and "\n" not in message


def test_unwritable_database_path_stops_the_program_with_one_line(monkeypatch, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(blocker / "sub" / "db.sqlite3"))
    assert main(["setup"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("Cấu hình sai: DATABASE_PATH") and "\n" not in err and "Traceback" not in err


def test_env_file_is_read(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    (tmp_path / ".env").write_text("LOG_LEVEL=debug\nCLOSED_BEFORE_YEAR=\n")
    settings = load_settings()
    assert settings.log_level == "DEBUG" and settings.closed_before_year is None
