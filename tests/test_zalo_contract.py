"""The fake Zalo Bot API against the documentation, case by case, through our own client (issue 16 item 7).

Each row: what the docs (bot.zaloplatforms.com/docs, mirrored in lamdt1/ckvn-bot docs/zalo-bot-doc.md) or the
maintained client openclaw/openclaw extensions/zalo/src/api.ts say, and what the fake must answer. Where the docs
are silent, the row says so and the fake's choice is ours. Also the translation of every documented event kind."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.domain.messages import InboundKind
from handlers import zalo
from handlers.zalo_local import (
    LocalZaloApi,
    group_update,
    image_update,
    sticker_update,
    text_update,
    unsupported_update,
)
from tests.conftest import VN

# (source, setup, method, params, HTTP status, body's ok, error_code, description contains)
CASES = [
    ("docs: getUpdates returns ONE update, not a list", "one", "getUpdates", {"timeout": "1"}, 200, True, None, ""),
    ("openclaw (measured): idle poll = HTTP 200 ok:false 408", "", "getUpdates", {}, 200, False, 408, "timeout"),
    ("docs error table: 400 unknown method", "", "getChatMembers", {}, 400, False, 400, ""),
    (
        "docs error table: 403 'Internal server error'",
        "403",
        "sendMessage",
        {"chat_id": "1", "text": "x"},
        403,
        False,
        403,
        "Internal server error",
    ),
    (
        "docs error table: 429 'Quota exceeded'",
        "429",
        "sendMessage",
        {"chat_id": "1", "text": "x"},
        429,
        False,
        429,
        "Quota exceeded",
    ),
    (
        "docs: text 1–2,000 (openclaw counts UTF-16: an emoji is 2)",
        "",
        "sendMessage",
        {"chat_id": "1", "text": "📎" * 1001},
        400,
        False,
        400,
        "",
    ),
    (
        "docs: sendMessage answers {message_id, date}",
        "",
        "sendMessage",
        {"chat_id": "1", "text": "x"},
        200,
        True,
        None,
        "",
    ),
    (
        "docs: sendPhoto takes a URL Zalo fetches; silent on which hosts (ours: public https only)",
        "",
        "sendPhoto",
        {"chat_id": "1", "photo": "http://127.0.0.1/x.png"},
        400,
        False,
        400,
        "photo URL is invalid",
    ),
    (
        "docs: setWebhook secret_token 8–256 characters",
        "",
        "setWebhook",
        {"url": "https://x.vn/h", "secret_token": "short"},
        400,
        False,
        400,
        "",
    ),
    ("docs: webhook and getUpdates exclude each other (wording ours)", "hook", "getUpdates", {}, 400, False, 400, ""),
    (
        "docs plans (one source): monthly quota → 429; silent on what counts (ours: each send)",
        "quota",
        "sendMessage",
        {"chat_id": "1", "text": "x"},
        429,
        False,
        429,
        "Quota exceeded",
    ),
]


@pytest.mark.parametrize(("source", "setup", "method", "params", "status", "ok", "code", "words"), CASES)
def test_the_fake_answers_as_documented(source, setup, method, params, status, ok, code, words):
    api = LocalZaloApi(monthly_quota=0 if setup == "quota" else None)
    if setup == "one":
        api.push(text_update("1", "a", "m1"))
        api.push(text_update("1", "b", "m2"))
    if setup in ("403", "429"):
        api.fail(method, int(setup))
    if setup == "hook":
        api.call("setWebhook", {"url": "https://x.vn/h", "secret_token": "secret-of-16-chars"})
    got_status, body = api.call(method, params)
    assert (got_status, body["ok"]) == (status, ok), source
    if code is not None:
        assert body["error_code"] == code and words in body["description"], source
    if setup == "one":
        assert body["result"]["message"]["text"] == "a" and len(api.updates) == 1, source  # one, then the next


def test_the_per_bot_user_cap_keeps_a_51st_person_away():
    """docs plans (one source): 50 users per bot. Silent on what the 51st sees: in the fake, nothing arrives."""
    api = LocalZaloApi(user_cap=50)
    for i in range(51):
        api.push(text_update(str(i), "xin chào", f"m{i}"))
    handed = [api.call("getUpdates", {})[1] for _ in range(51)]
    assert sum(b["ok"] for b in handed) == 50 and api.users == {str(i) for i in range(50)}


async def test_our_client_reads_the_documented_answers():
    from handlers.zalo_api import ZaloClient, ZaloForbidden, ZaloQuotaExceeded

    api = LocalZaloApi()
    client = ZaloClient("1:abcdefghijklmnopqrstu", "https://bot-api.zaloplatforms.com", transport=api.transport())
    try:
        assert await client.get_updates(1) is None  # HTTP 200 ok:false 408 = nothing came
        api.fail("sendMessage", 403)
        with pytest.raises(ZaloForbidden):
            await client.send_message("1", "x")
        api.fail("sendMessage", 429)
        with pytest.raises(ZaloQuotaExceeded):
            await client.send_message("1", "x")
    finally:
        await client.aclose()


NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN)


@pytest.mark.parametrize(
    ("update", "kind", "media", "text"),
    [
        (text_update("7", "tiến độ", "m1"), InboundKind.TEXT, None, "tiến độ"),
        (image_update("7", "m2", caption="báo cáo"), InboundKind.MEDIA, "image", ""),
        (sticker_update("7", "m3"), InboundKind.MEDIA, "sticker", ""),
        (unsupported_update("7", "m4"), InboundKind.MEDIA, "unsupported", ""),
        (
            {"event_name": "message.video.received", "message": {"from": {"id": "7"}}},
            InboundKind.MEDIA,
            "unsupported",
            "",
        ),
        (group_update("7", "g1", "@bot.ptdv tiến độ quý III", "m5"), InboundKind.TEXT, None, "tiến độ quý III"),
    ],
)
def test_every_event_kind_is_translated(update, kind, media, text):
    inbound = zalo.to_inbound(update, NOW)
    assert (inbound.kind, inbound.media, inbound.text) == (kind, media, text)


def test_webhook_bodies_wrapped_and_bare_are_the_same_update():
    update = text_update("7", "tiến độ", "m1")
    assert zalo.unwrap({"ok": True, "result": update}) == zalo.unwrap(update) == update


@pytest.mark.parametrize(
    ("url", "photos"),
    [
        ("https://ptdv.example.vn", True),
        ("http://ptdv.example.vn", False),
        ("https://127.0.0.1:8443", False),
        ("https://192.168.1.10", False),
        ("https://ptdv.local", False),
        (None, False),
    ],
)
def test_photos_only_through_a_public_https_address(url, photos):
    assert zalo.public_https(url) is photos


def test_lengths_are_measured_in_utf16_with_a_margin():
    from bot.domain.messages import PlainMessage
    from handlers.zalo_api import SEND_LIMIT, utf16_len

    pieces = zalo.ZaloSender.pieces(PlainMessage(text=("⚠️📎 dòng có biểu tượng\n" * 200)))
    assert len(pieces) > 1 and all(utf16_len(t) <= SEND_LIMIT < 2000 for _, t in pieces)
