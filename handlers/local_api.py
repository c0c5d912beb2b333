"""A local stand-in for Telegram's Bot API servers.

`LocalBotApi` answers the Bot API methods the bot uses and records what it sent; `LocalRequest` plugs
it into PTB as a `BaseRequest`, so the real `Application` and handlers run with no network. The console
chat uses it, and the tests wrap the same object in an HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import itertools
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_USER = {"id": 7000000001, "is_bot": True, "first_name": "PTĐV Bot", "username": "ptdv_bot"}


@dataclass
class Sent:
    """One message the bot sent."""

    method: str
    chat_id: str
    message_id: int
    text: str = ""
    buttons: list[list[dict[str, Any]]] = field(default_factory=list)
    file_name: str | None = None
    file_bytes: bytes | None = None

    @property
    def button_data(self) -> list[str]:
        return [b.get("callback_data", "") for row in self.buttons for b in row]

    @property
    def button_labels(self) -> list[str]:
        return [b.get("text", "") for row in self.buttons for b in row]


class LocalBotApi:
    def __init__(self) -> None:
        self.sent: list[Sent] = []
        self.commands: list[dict[str, Any]] = []
        self.answered_callbacks: list[str] = []
        self.calls: list[str] = []
        self.files: dict[str, bytes] = {}  # file_id -> content, for getFile and downloads
        self._ids = itertools.count(1)

    def _message(self, chat_id: Any, **extra: Any) -> dict[str, Any]:
        chat = int(chat_id) if re.fullmatch(r"-?[0-9]+", str(chat_id)) else chat_id
        return {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": {"id": chat, "type": "private" if isinstance(chat, int) and chat > 0 else "group"},
            "from": BOT_USER,
            **extra,
        }

    def call(
        self, method: str, params: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body)."""
        self.calls.append(method)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return 200, {"ok": True, "result": True}
        try:
            return 200, {"ok": True, "result": handler(params, files)}
        except KeyError as exc:
            return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc} is required"}

    # --- methods ------------------------------------------------------------------------------
    def _m_getMe(self, params: dict, files: dict) -> dict:
        return {
            **BOT_USER,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _m_getFile(self, params: dict, files: dict) -> dict:
        file_id = str(params["file_id"])
        content = self.files.get(file_id, b"")
        return {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_size": len(content),
            "file_path": f"documents/{file_id}",
        }

    def download(self, url: str) -> bytes:
        return self.files.get(url.rsplit("/", 1)[-1], b"")

    def _m_setMyCommands(self, params: dict, files: dict) -> bool:
        self.commands = _jsonish(params.get("commands", []))
        return True

    def _m_getMyCommands(self, params: dict, files: dict) -> list:
        return self.commands

    def _m_answerCallbackQuery(self, params: dict, files: dict) -> bool:
        self.answered_callbacks.append(str(params["callback_query_id"]))
        return True

    def _m_sendMessage(self, params: dict, files: dict) -> dict:
        text = params["text"]
        markup = _jsonish(params.get("reply_markup")) or {}
        message = self._message(params["chat_id"], text=text)
        if markup:
            message["reply_markup"] = markup
        self._record("sendMessage", params["chat_id"], message["message_id"], text=text, markup=markup)
        return message

    def _send_file(self, method: str, field_name: str, params: dict, files: dict) -> dict:
        name, content = files.get(field_name, (f"{field_name}.bin", b""))
        caption = params.get("caption") or ""
        if field_name == "photo":
            media: Any = [
                {
                    "file_id": f"photo{len(self.sent)}",
                    "file_unique_id": f"u{len(self.sent)}",
                    "width": 1,
                    "height": 1,
                }
            ]
        else:
            media = {
                "file_id": f"doc{len(self.sent)}",
                "file_unique_id": f"u{len(self.sent)}",
                "file_name": name,
            }
        message = self._message(params["chat_id"], caption=caption, **{field_name: media})
        markup = _jsonish(params.get("reply_markup")) or {}
        self._record(
            method,
            params["chat_id"],
            message["message_id"],
            text=caption,
            markup=markup,
            file_name=name,
            file_bytes=content,
        )
        return message

    def _m_sendPhoto(self, params: dict, files: dict) -> dict:
        return self._send_file("sendPhoto", "photo", params, files)

    def _m_sendDocument(self, params: dict, files: dict) -> dict:
        return self._send_file("sendDocument", "document", params, files)

    def _m_editMessageText(self, params: dict, files: dict) -> dict:
        markup = _jsonish(params.get("reply_markup")) or {}
        message = self._message(params["chat_id"], text=params["text"])
        message["message_id"] = int(params["message_id"])
        self._record(
            "editMessageText",
            params["chat_id"],
            int(params["message_id"]),
            text=params["text"],
            markup=markup,
        )
        return message

    def _record(
        self,
        method: str,
        chat_id: Any,
        message_id: int,
        *,
        text: str,
        markup: dict,
        file_name: str | None = None,
        file_bytes: bytes | None = None,
    ) -> None:
        self.sent.append(
            Sent(
                method=method,
                chat_id=str(chat_id),
                message_id=message_id,
                text=text,
                buttons=markup.get("inline_keyboard", []),
                file_name=file_name,
                file_bytes=file_bytes,
            )
        )

    def to(self, chat_id: Any) -> list[Sent]:
        return [s for s in self.sent if s.chat_id == str(chat_id)]


def _jsonish(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) and value[:1] in "[{" else value


def request_files(request_data: RequestData | None) -> dict[str, tuple[str, bytes]]:
    files: dict[str, tuple[str, bytes]] = {}
    if request_data is None or not request_data.contains_files:
        return files
    for part, value in request_data.multipart_data.items():
        name, content = value[0], value[1]
        if hasattr(content, "read"):
            content = content.read()
        files[part] = (name or part, bytes(content))
    return files


class LocalRequest(BaseRequest):
    """PTB transport that answers from a `LocalBotApi` in the same process."""

    def __init__(self, api: LocalBotApi) -> None:
        self.api = api

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        if "/documents/" in url:  # a file download (File.download_*)
            return 200, self.api.download(url)
        params = dict(request_data.parameters) if request_data else {}
        files = request_files(request_data)
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
                files[key] = files[value[9:]]
        status, body = self.api.call(url.rsplit("/", 1)[-1], params, files)
        return status, json.dumps(body, ensure_ascii=False).encode()
