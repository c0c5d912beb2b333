"""Settings from the environment and `.env` (pydantic-settings).

Every setting is documented in `.env.example`. `load_settings()` turns any validation error into a
single-line `ConfigError`, which the command line prints instead of a traceback.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from bot.domain.bots import BotShare
from bot.domain.quota import Quota
from bot.domain.textfmt import os_reason

ZALO_API = "https://bot-api.zaloplatforms.com"
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(Exception):
    """A setting is wrong; the message is one line, fit to print to an operator."""


class ZaloBotSettings(BaseModel):
    """One more Zalo bot (ZALO_BOTS, a JSON list): its token and the units whose subtrees it serves."""

    key: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,30}$")  # names the bot: channel "zalo-<key>"
    token: SecretStr
    units: list[str] = Field(min_length=1)  # unit codes, e.g. ["BP", "TP"]
    monthly_quota: int | None = Field(default=None, ge=0)  # default ZALO_MONTHLY_QUOTA
    user_cap: int | None = Field(default=None, ge=1)  # default ZALO_USER_CAP
    webhook_url: str | None = None  # default ZALO_WEBHOOK_URL + "/<key>"
    link: str | None = None  # the bot's chat link for invites, e.g. https://zalo.me/<id>

    @field_validator("token")
    @classmethod
    def _token(cls, value: SecretStr) -> SecretStr:
        head, _, tail = value.get_secret_value().strip().partition(":")
        if not head.isdigit() or len(tail) < 16:
            raise ValueError("token không đúng dạng <số>:<chuỗi> do Zalo Bot Creator cấp")
        return value

    @field_validator("webhook_url", "link")
    @classmethod
    def _https(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("phải là địa chỉ https://")
        return value


@dataclass(frozen=True)
class ZaloBotSpec:
    """Everything `ptdv run` and `ptdv doctor` need for one Zalo bot."""

    channel: str
    token: str
    quota: Quota
    webhook_url: str | None
    share: BotShare


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True)

    telegram_bot_token: SecretStr | None = Field(default=None, description="Token from @BotFather")
    telegram_api_base_url: str | None = Field(
        default=None, description="Self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot"
    )
    telegram_api_base_file_url: str | None = None
    telegram_bot_username: str | None = Field(default=None, description="For invite links made offline")
    telegram_mode: Literal["polling", "webhook"] = "polling"
    # 409 Conflict on getUpdates (another process polls with this token) is retried this long, then the bot exits
    telegram_conflict_give_up_seconds: float = Field(default=300.0, gt=0)
    webhook_url: str | None = None  # public https URL Telegram posts to, e.g. https://ptdv.example.vn/telegram
    webhook_secret: SecretStr | None = None  # X-Telegram-Bot-Api-Secret-Token; required in webhook mode
    webhook_listen: str = "127.0.0.1"  # behind a reverse proxy
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    zalo_bot_token: SecretStr | None = Field(default=None, description="Token from Zalo Bot Creator")
    zalo_api_base_url: str | None = None  # default ZALO_API; a fake or proxy in tests
    zalo_mode: Literal["polling", "webhook"] = "polling"
    zalo_webhook_url: str | None = None  # public https URL Zalo posts to, e.g. https://ptdv.example.vn/zalo
    zalo_webhook_secret: SecretStr | None = None  # X-Bot-Api-Secret-Token; required in webhook mode
    zalo_monthly_quota: int = Field(default=3000, ge=0)  # messages a month on the plan; 0 = no quota
    zalo_quota_warn_percent: int = Field(default=80, ge=1, le=100)
    zalo_quota_reserve_percent: int = Field(default=10, ge=0, le=50)  # kept for answering people
    zalo_max_per_second: float = Field(default=5.0, gt=0)
    zalo_user_cap: int = Field(default=50, ge=1)  # users per bot on the plan (free plan: 50)
    zalo_bot_link: str | None = None  # the first bot's chat link for invites, e.g. https://zalo.me/<id>
    zalo_bots: list[ZaloBotSettings] = Field(default_factory=list)  # more Zalo bots, as JSON
    public_base_url: str | None = None  # the bot's web server as the internet sees it: file links for Zalo
    file_link_hours: int = Field(default=24, ge=1, le=24 * 30)
    database_path: Path = Path("data/ptdv.sqlite3")
    demo_database_path: Path = Path("data/demo.sqlite3")  # the console's demo district; never the bot's database
    timezone: str = "Asia/Ho_Chi_Minh"
    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"
    pending_ttl_minutes: int = Field(default=60 * 24, ge=1)
    max_admissions_per_report: int = Field(default=50, ge=1)
    closed_before_year: int | None = None
    console_files_dir: Path = Path("console-files")
    import_max_mb: int = Field(default=10, ge=1, le=100)
    # what an import file may unpack to and how much reading it may take (zip bombs, huge sheets: issue 14 #11)
    import_max_uncompressed_mb: int = Field(default=20, ge=1, le=1000)
    import_max_entries: int = Field(default=50, ge=5, le=10_000)
    import_max_rows: int = Field(default=100_000, ge=10, le=1_000_000)
    import_memory_mb: int = Field(default=1024, ge=256, le=16_384)  # address space of the process reading a file
    import_time_limit: float = Field(default=60.0, gt=0, le=3600)  # seconds before that process is stopped
    # seconds a confirmed import may take to be written (in a worker thread) before it is stopped and rolled back;
    # other writers wait for it (storage.db.BUSY_TIMEOUT_MS), so keep it well under a minute
    import_apply_time_limit: float = Field(default=60.0, gt=0, le=3600)
    backup_dir: Path = Path("data/backups")
    backup_keep: int = Field(default=14, ge=1)
    backup_time: str = Field(default="02:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")

    @field_validator("telegram_bot_token", "zalo_bot_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            raw = value.get_secret_value().strip()
            head, _, tail = raw.partition(":")
            if not head.isdigit() or len(tail) < 20:
                raise ValueError("không đúng dạng <số>:<chuỗi> do @BotFather cấp")
        return value

    @field_validator("zalo_bot_token")
    @classmethod
    def _zalo_token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            head, _, tail = value.get_secret_value().strip().partition(":")
            if not head.isdigit() or len(tail) < 16:
                raise ValueError("không đúng dạng <số>:<chuỗi> do Zalo Bot Creator cấp")
        return value

    @field_validator(
        "telegram_api_base_url", "telegram_api_base_file_url", "zalo_api_base_url", "public_base_url", mode="before"
    )
    @classmethod
    def _blank_url_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        if isinstance(value, str) and not value.startswith(("http://", "https://")):
            raise ValueError("phải bắt đầu bằng http:// hoặc https://")
        return value

    @field_validator("webhook_secret", "zalo_webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()):
            raise ValueError("cần 16–256 ký tự A-Z, a-z, 0-9, _ hoặc -")
        return value

    @model_validator(mode="after")
    def _webhook_complete(self) -> Settings:
        if self.telegram_mode == "webhook" and self.token and not (self.webhook_url and self.webhook_secret):
            raise ValueError("chế độ webhook cần WEBHOOK_URL và WEBHOOK_SECRET")
        if self.webhook_url and not self.webhook_url.startswith("https://"):
            raise ValueError("WEBHOOK_URL phải là địa chỉ https://")
        if self.zalo_mode == "webhook" and self.zalo_token and not (self.zalo_webhook_url and self.zalo_webhook_secret):
            raise ValueError("chế độ webhook của Zalo cần ZALO_WEBHOOK_URL và ZALO_WEBHOOK_SECRET")
        if self.zalo_webhook_url and not self.zalo_webhook_url.startswith("https://"):
            raise ValueError("ZALO_WEBHOOK_URL phải là địa chỉ https://")
        keys = [bot.key for bot in self.zalo_bots]
        if len(set(keys)) != len(keys):
            raise ValueError("ZALO_BOTS: mỗi bot cần một key khác nhau")
        if self.zalo_bots and not self.zalo_token:
            raise ValueError("ZALO_BOTS cần ZALO_BOT_TOKEN (bot thứ nhất, phục vụ các đơn vị còn lại)")
        return self

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"múi giờ không tồn tại: {value!r}") from exc
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _level(cls, value: Any) -> Any:
        text = str(value).upper()
        if text not in LOG_LEVELS:
            raise ValueError(f"phải là một trong {', '.join(LOG_LEVELS)}")
        return text

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def token(self) -> str | None:
        """The Telegram token."""
        return self.telegram_bot_token.get_secret_value().strip() if self.telegram_bot_token else None

    @property
    def zalo_token(self) -> str | None:
        return self.zalo_bot_token.get_secret_value().strip() if self.zalo_bot_token else None

    @property
    def zalo_quota(self) -> Quota:
        """The Zalo plan's monthly quota (nothing used yet)."""
        return Quota(
            limit=self.zalo_monthly_quota,
            warn_share=self.zalo_quota_warn_percent / 100,
            reserve_share=self.zalo_quota_reserve_percent / 100,
        )

    @property
    def zalo_specs(self) -> list[ZaloBotSpec]:
        """Every Zalo bot: the first (ZALO_BOT_TOKEN, channel "zalo", the units no other bot serves), then
        ZALO_BOTS in order."""
        if not self.zalo_token:
            return []
        specs = [
            ZaloBotSpec(
                "zalo",
                self.zalo_token,
                self.zalo_quota,
                self.zalo_webhook_url,
                BotShare(channel="zalo", kind="zalo", user_cap=self.zalo_user_cap, link=self.zalo_bot_link),
            )
        ]
        for bot in self.zalo_bots:
            channel = f"zalo-{bot.key}"
            quota = self.zalo_quota
            if bot.monthly_quota is not None:
                quota = quota.model_copy(update={"limit": bot.monthly_quota})
            hook = bot.webhook_url or (
                f"{self.zalo_webhook_url.rstrip('/')}/{bot.key}" if self.zalo_webhook_url else None
            )
            share = BotShare(
                channel=channel,
                kind="zalo",
                units=tuple(bot.units),
                user_cap=bot.user_cap or self.zalo_user_cap,
                link=bot.link,
            )
            specs.append(ZaloBotSpec(channel, bot.token.get_secret_value().strip(), quota, hook, share))
        return specs

    @property
    def bot_shares(self) -> list[BotShare]:
        """How the chat bots share the tree (today: the Zalo bots; Telegram is one bot serving everything)."""
        return [spec.share for spec in self.zalo_specs]

    @property
    def secrets(self) -> list[str]:
        """Every token, for redaction."""
        return [s for s in (self.token, *(spec.token for spec in self.zalo_specs)) if s]

    @property
    def zalo_api(self) -> str:
        return self.zalo_api_base_url or ZALO_API

    @property
    def channels(self) -> list[str]:
        """The chat channels with a token: "telegram", "zalo", both or none (then the console runs)."""
        return [name for name, token in (("telegram", self.token), ("zalo", self.zalo_token)) if token]

    @property
    def needs_web_server(self) -> bool:
        """Webhooks and file links are served by the bot's own small web server."""
        return bool(
            (self.token and self.telegram_mode == "webhook")
            or (self.zalo_token and (self.zalo_mode == "webhook" or self.public_base_url))
        )


# pydantic's (English) validation messages, by error type, in Vietnamese; {…} are filled from the error's ctx.
_PYDANTIC = {
    "missing": "thiếu giá trị",
    "int_parsing": "cần một số nguyên",
    "int_from_float": "cần một số nguyên",
    "int_type": "cần một số nguyên",
    "float_parsing": "cần một số",
    "float_type": "cần một số",
    "bool_parsing": "cần true hoặc false",
    "bool_type": "cần true hoặc false",
    "string_type": "cần một chuỗi ký tự",
    "list_type": "cần một danh sách",
    "dict_type": "cần một đối tượng JSON",
    "model_type": "cần một đối tượng JSON",
    "model_attributes_type": "cần một đối tượng JSON",
    "json_invalid": "không phải JSON hợp lệ",
    "json_type": "không phải JSON hợp lệ",
    "literal_error": "phải là một trong: {expected}",
    "enum": "phải là một trong: {expected}",
    "greater_than": "phải lớn hơn {gt}",
    "greater_than_equal": "phải từ {ge} trở lên",
    "less_than": "phải nhỏ hơn {lt}",
    "less_than_equal": "phải từ {le} trở xuống",
    "string_pattern_mismatch": "không đúng dạng",
    "string_too_short": "cần ít nhất {min_length} ký tự",
    "string_too_long": "nhiều nhất {max_length} ký tự",
    "too_short": "cần ít nhất {min_length} phần tử",
    "too_long": "nhiều nhất {max_length} phần tử",
    "extra_forbidden": "không có thiết lập này",
    "url_parsing": "không phải địa chỉ URL hợp lệ",
    "url_scheme": "địa chỉ phải bắt đầu bằng {expected_schemes}",
    "path_type": "cần một đường dẫn",
    "timezone": "không phải múi giờ hợp lệ",
}


def validation_message(error: Any) -> str:
    """One pydantic error in Vietnamese: our own validators already speak it; pydantic's types are translated;
    an unknown type is kept as pydantic says it."""
    kind = str(error.get("type", ""))
    if kind in ("value_error", "assertion_error"):
        return str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    template = _PYDANTIC.get(kind)
    if template is None:
        return str(error["msg"])
    context = {k: str(v).replace("' or '", "', '") for k, v in (error.get("ctx") or {}).items()}
    try:
        return template.format(**context)
    except (KeyError, IndexError):
        return template.split(":")[0].split(" {")[0]


def load_settings(**overrides: Any) -> Settings:
    """Read settings; raise `ConfigError` with one clear line when something is wrong."""
    try:
        settings = Settings(**overrides)
    except SettingsError as exc:  # a value that is not JSON where JSON is expected (ZALO_BOTS)
        field = re.search(r'field "(\w+)"', str(exc))
        raise ConfigError(f"Cấu hình sai: {field[1].upper() if field else '?'} — không phải JSON hợp lệ") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]) or "TELEGRAM_MODE"
        msg = validation_message(first)
        raise ConfigError(f"Cấu hình sai: {name.upper()} — {msg}") from None
    check_database_path(settings.database_path)
    return settings


def check_database_path(path: Path) -> None:
    """The database's folder must exist (or be creatable) and be writable."""
    folder = path.parent if str(path.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"Cấu hình sai: DATABASE_PATH — không tạo được thư mục {folder}: {os_reason(exc)}") from None
    if path.exists() and path.is_dir():
        raise ConfigError(f"Cấu hình sai: DATABASE_PATH — {path} là một thư mục, cần đường dẫn tệp")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise ConfigError(f"Cấu hình sai: DATABASE_PATH — không có quyền ghi vào {path}")
