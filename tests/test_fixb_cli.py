"""QA trial of issue 13, the command line in Vietnamese: roles in `ptdv users` and `ptdv invite --role`,
`ptdv restore` of a wrong file, metavars, network errors in `ptdv doctor`, pydantic's messages."""

from __future__ import annotations

import argparse
import socket

import httpx
import pytest

from bot.cli import main
from bot.cli import ptdv as cli
from bot.config import ConfigError, load_settings
from bot.runtime.redact import failure_reason, register


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TELEGRAM_BOT_USERNAME", "DEMO_DATABASE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "ptdv.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "ptdv.sqlite3"))
    return tmp_path


def test_users_and_invite_roles_are_vietnamese(env, capsys):
    assert main(["setup", "--demo"]) == 0
    capsys.readouterr()
    assert main(["users"]) == 0
    out = capsys.readouterr().out
    assert "cán bộ theo dõi" in out and "người báo cáo" in out
    assert "official" not in out and "reporter" not in out
    for role in ("theo-doi", "theo dõi", "official"):
        assert main(["invite", "CAH", "--role", role]) == 0
        assert "cán bộ theo dõi" in capsys.readouterr().out
    for role in ("bao-cao", "báo cáo", "reporter"):
        assert main(["invite", "CAH", "--role", role]) == 0
        assert "người báo cáo" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["invite", "--help"])
    out = capsys.readouterr().out
    assert "theo-doi" in out and "bao-cao" in out and "official" not in out and "reporter" not in out


def test_restore_of_a_file_that_is_not_a_database_says_so_in_vietnamese(env, capsys):
    (env / "g.xlsx").write_bytes(b"PK\x03\x04 not a database at all" * 100)
    assert main(["restore", str(env / "g.xlsx")]) == 2
    err = capsys.readouterr().err
    assert "không phải cơ sở dữ liệu SQLite" in err and "file is not a database" not in err, err


def _subparsers(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            yield from action.choices.items()


def test_every_option_with_a_value_has_a_vietnamese_metavar(capsys):
    parser = cli.build_parser()
    for name, sub in _subparsers(parser):
        for action in sub._actions:
            if action.option_strings and action.nargs != 0 and action.choices is None:
                assert action.metavar, (name, action.option_strings)
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    assert "--out-dir THƯ_MỤC" in out and "OUT_DIR" not in out and "--unit ĐƠN_VỊ" in out


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (
            httpx.ConnectError("[Errno -2] Name or service not known"),
            "không phân giải được tên máy chủ",
        ),
        (socket.gaierror(-3, "Temporary failure in name resolution"), "không phân giải được tên máy chủ"),
        (ConnectionRefusedError(111, "Connection refused"), "máy chủ từ chối kết nối"),
        (httpx.ConnectTimeout("timed out"), "quá thời gian chờ"),
        (TimeoutError(), "quá thời gian chờ"),
    ],
)
def test_network_failures_are_said_in_vietnamese(exc, expected):
    reason = failure_reason(exc)
    assert reason.startswith(expected) and not any(w in reason for w in ("Error", "Errno", "Name", "out")), reason


async def test_doctor_translates_a_resolver_error_and_keeps_tokens_hidden(monkeypatch, tmp_path):
    from telegram.error import NetworkError

    from bot.cli import doctor
    from tests.harness import TOKEN

    class Down:
        def __init__(self, *args, **kwargs) -> None:
            pass

        async def __aenter__(self):
            raise NetworkError(f"httpx.ConnectError: [Errno -2] Name or service not known /bot{TOKEN}/getMe")

        async def __aexit__(self, *exc: object) -> None:
            pass

    monkeypatch.setattr("telegram.Bot", Down)
    settings = load_settings(_env_file=None, telegram_bot_token=TOKEN, database_path=tmp_path / "x.sqlite3")
    register(settings.secrets)
    check = await doctor.token_check(settings)
    line = str(check)
    assert "không phân giải được tên máy chủ" in line and "Name or service" not in line and TOKEN not in line


@pytest.mark.parametrize(
    ("env_vars", "expected"),
    [
        ({"WEBHOOK_PORT": "abc"}, "WEBHOOK_PORT — cần một số nguyên"),
        ({"WEBHOOK_PORT": "70000"}, "WEBHOOK_PORT — phải từ 65535 trở xuống"),
        ({"ZALO_MONTHLY_QUOTA": "-1"}, "ZALO_MONTHLY_QUOTA — phải từ 0 trở lên"),
        ({"TELEGRAM_MODE": "push"}, "TELEGRAM_MODE — phải là một trong: 'polling', 'webhook'"),
        ({"BACKUP_TIME": "25:00"}, "BACKUP_TIME — không đúng dạng"),
        ({"ZALO_BOTS": "[{"}, "ZALO_BOTS — không phải JSON hợp lệ"),
    ],
)
def test_config_validation_messages_are_vietnamese(monkeypatch, tmp_path, env_vars, expected):
    monkeypatch.chdir(tmp_path)
    for key, value in env_vars.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert expected in message, message
    english = ("Input should", "valid integer", "less than", "greater than", "match pattern", "Invalid JSON")
    assert not any(word in message for word in english), message
