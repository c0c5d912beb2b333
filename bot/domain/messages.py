"""What crosses the channel boundary: an `Inbound` in, a list of `Reply` out. Channel-neutral."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from bot.domain.models import Frozen


class InboundKind(StrEnum):
    TEXT = "text"  # a typed message (commands included)
    EDITED = "edited"  # an edit of an earlier message
    CHOICE = "choice"  # a pressed button (callback) carrying `data`
    MEDIA = "media"  # a sticker, photo, voice... with no text
    FILE = "file"  # a document the user sent (spreadsheets for import)


class Inbound(Frozen):
    channel: str
    update_key: str  # unique per channel update, e.g. "telegram:123456"
    sender_id: str
    chat_id: str
    at: datetime
    kind: InboundKind = InboundKind.TEXT
    text: str = ""
    data: str | None = None  # choice payload
    message_id: str | None = None
    sender_name: str = ""
    username: str | None = None
    is_group: bool = False
    # In a group: whether the message is meant for the bot (a command for it, an @mention, a reply to it).
    # None: the adapter cannot tell; then only commands ("/...") count as meant for the bot.
    addressed: bool | None = None
    file_name: str | None = None
    media: str | None = None  # with MEDIA: "image", "sticker", "unsupported" (content withheld by the channel)...
    file_bytes: bytes | None = Field(default=None, repr=False)


class Choice(Frozen):
    label: str
    data: str  # <= 64 bytes (Telegram callback_data)


class Attachment(Frozen):
    kind: str  # "photo" | "document"
    filename: str
    content: bytes = Field(repr=False)


class Reply(Frozen):
    text: str
    choices: tuple[tuple[Choice, ...], ...] = ()
    attachment: Attachment | None = None
    chat_id: str | None = None  # None: answer in the chat the inbound came from


class PlainMessage(Frozen):
    """One message on a channel with text only (and pictures by URL): what `Reply` becomes on Zalo."""

    text: str
    chat_id: str | None = None  # None: the chat the inbound came from
    photo_url: str | None = None
