"""One redaction helper for every output: log records (messages and tracebacks), CLI error lines and doctor.

Secrets (the bot tokens) are registered once when the settings are read; `redact` replaces them — also
URL-encoded — and anything shaped like a Telegram token or a Bot API path (`/bot<token>/…`) with `<token>`.
`without_urls` also drops whole URLs, for text that comes from a server (Zalo's error descriptions may echo
the request URL, which carries the token).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from urllib.parse import quote

MASK = "<token>"
_TELEGRAM_TOKEN = re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{20,}")
_BOT_PATH = re.compile(r"/bot(?!<token>)[^/\s\"'<>]+")
_URL = re.compile(r"\b(?:https?|wss?)://[^\s\"'<>]+", re.IGNORECASE)
_secrets: set[str] = set()


def register(secrets: Iterable[str | None]) -> None:
    """Remember secrets to hide from now on (the process's tokens)."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            _secrets.update({secret, quote(secret, safe="")})


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    known = sorted({*_secrets, *(s for s in secrets if s)}, key=len, reverse=True)
    for secret in known:
        text = text.replace(secret, MASK)
    text = _TELEGRAM_TOKEN.sub(MASK, text)
    return _BOT_PATH.sub("/bot" + MASK, text)


def without_urls(text: str) -> str:
    return redact(_URL.sub("<url>", text))


def exception_line(exc: BaseException, limit: int = 200) -> str:
    """`Type: message` on one line, redacted, for printing."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return redact(f"{type(exc).__name__}: {text}"[:limit])


class RedactFilter(logging.Filter):
    """Redact every log record on a handler: its message, its arguments and its traceback text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        register(self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message, self.secrets)
        if clean != message:
            record.msg, record.args = clean, ()
        if record.exc_info and record.exc_info[0] is not None:
            text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True
