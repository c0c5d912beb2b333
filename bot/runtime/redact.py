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


# Common network failures, whose text (from the resolver, the OS or httpx) is English, in Vietnamese.
_NETWORK = (
    (
        re.compile(
            r"name or service not known|name resolution|nodename nor servname|no address associated"
            r"|getaddrinfo|name does not resolve|\[errno -[23]\]",
            re.IGNORECASE,
        ),
        "không phân giải được tên máy chủ (kiểm tra mạng, DNS hoặc địa chỉ máy chủ)",
    ),
    (re.compile(r"connection refused|errno 111\b", re.IGNORECASE), "máy chủ từ chối kết nối"),
    (re.compile(r"network is unreachable|no route to host", re.IGNORECASE), "không có đường mạng tới máy chủ"),
    (re.compile(r"timed? ?out|timeout", re.IGNORECASE), "quá thời gian chờ máy chủ trả lời"),
    (
        re.compile(r"connection reset|connection aborted|disconnected|remoteprotocolerror", re.IGNORECASE),
        "kết nối bị ngắt giữa chừng",
    ),
)


def network_reason(exc: BaseException) -> str | None:
    """A common network failure (its cause included) said in Vietnamese, or None when it is not one."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TimeoutError) and not str(current):
            return _NETWORK[3][1]
        text = f"{type(current).__name__}: {current}"
        for pattern, vietnamese in _NETWORK:
            if pattern.search(text):
                return vietnamese
        current = current.__cause__ or current.__context__
    return None


def failure_reason(exc: BaseException, limit: int = 200) -> str:
    """Why a call failed, for printing: a network failure in Vietnamese, anything else as `exception_line`."""
    return network_reason(exc) or exception_line(exc, limit)


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
