"""Pure parts of the text-only channel: numbered choices, the quota rules, Zalo update translation, splitting."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.messages import Choice, InboundKind, PlainMessage, Reply
from bot.domain.quota import Level, Priority, Quota, month_key, next_month
from bot.language import intents
from bot.present.plain import numbered, pick
from handlers.zalo import ZaloSender, to_inbound, unwrap, update_key
from handlers.zalo_local import text_update
from tests.conftest import VN

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=VN)


def test_choices_are_numbered_across_replies_and_removed():
    replies = [
        Reply(text="Xem trước", choices=((Choice(label="Xác nhận", data="c|t"), Choice(label="Hủy", data="x|t")),)),
        Reply(text="Không có lựa chọn"),
        Reply(text="Trang 1", choices=((Choice(label="Xem tiếp ▶", data="q|p2"),),)),
    ]
    written, menu = numbered(replies)
    assert menu == [("Xác nhận", "c|t"), ("Hủy", "x|t"), ("Xem tiếp ▶", "q|p2")]
    assert written[0].text.endswith("Trả lời bằng số (1–2):\n1. Xác nhận\n2. Hủy")
    assert written[1].text == "Không có lựa chọn"
    assert written[2].text.endswith("Trả lời 3 để chọn:\n3. Xem tiếp ▶")
    assert all(not r.choices for r in written)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1", "a"), (" 2 ", "b"), ("2.", "b"), ("số 2", "b"), ("so 1", "a"), ("chọn 2", "b"), ("3", None), ("0", None)],
)
def test_pick(text, expected):
    item = pick(text, [("A", "a"), ("B", "b")])
    assert (item[1] if item else None) == expected


@pytest.mark.parametrize("text", ["kết nạp 2", "2 đảng viên", "²", "١", "12345", ""])
def test_pick_ignores_what_is_not_a_bare_number(text):
    assert pick(text, [("A", "a"), ("B", "b")]) is None


def test_quota_levels_and_who_may_still_send():
    assert Quota(limit=0, used=10**6).allows(Priority.DIGEST)  # no quota
    ok, near, reserve, out = (Quota(limit=100, used=u) for u in (10, 80, 90, 100))
    assert [q.level for q in (ok, near, reserve, out)] == [Level.OK, Level.NEAR, Level.RESERVE, Level.EXHAUSTED]
    assert ok.allows(Priority.DIGEST) and ok.allows(Priority.BEHIND)
    assert not near.allows(Priority.DIGEST) and not near.allows(Priority.BEHIND)
    assert near.allows(Priority.NOT_REPORTED) and near.allows(Priority.ESCALATION)
    assert not reserve.allows(Priority.NOT_REPORTED) and reserve.allows(Priority.ESCALATION)
    assert not out.allows(Priority.ESCALATION)
    assert Quota(limit=100, used=79).spend(2).level is Level.NEAR
    assert month_key(date(2026, 12, 31)) == "2026-12" and next_month(date(2026, 12, 31)) == date(2027, 1, 1)


def test_zalo_updates_become_inbounds():
    update = text_update("42", "tien do q3", "m1", name="Bình", date_ms=int(NOW.timestamp() * 1000))
    inbound = to_inbound(update, NOW)
    assert inbound is not None
    assert (inbound.channel, inbound.sender_id, inbound.chat_id, inbound.text) == ("zalo", "42", "42", "tien do q3")
    assert inbound.update_key == "zalo:m1" and inbound.at == NOW and inbound.sender_name == "Bình"
    image = {**update, "event_name": "message.image.received"}
    assert to_inbound(image, NOW).kind is InboundKind.MEDIA
    group = {**update, "message": {**update["message"], "chat": {"id": "g1", "chat_type": "GROUP"}}}
    assert to_inbound(group, NOW).is_group and to_inbound(group, NOW).chat_id == "g1"
    from_bot = {**update, "message": {**update["message"], "from": {"id": "9", "is_bot": True}}}
    assert to_inbound(from_bot, NOW) is None
    assert unwrap({"ok": True, "result": update}) == update and unwrap(update) == update
    assert unwrap({"ok": True}) is None and unwrap([1]) is None
    no_id = {"event_name": "message.text.received", "message": {"from": {"id": "1"}, "text": "x"}}
    assert update_key(no_id) == update_key(dict(no_id)) and update_key(no_id).startswith("h")


@given(st.lists(st.text(alphabet="abc đêộ 1", min_size=0, max_size=300), min_size=1, max_size=40))
def test_long_texts_split_within_2000_on_lines(lines):
    text = "\n".join(lines)
    calls = ZaloSender.pieces(PlainMessage(text=text))
    assert all(kind == "text" and 1 <= len(piece) <= 2000 for kind, piece in calls)
    if text.strip():
        assert "".join(piece for _, piece in calls).replace("\n", "") == text.replace("\n", "")


def test_a_photo_takes_its_caption_unless_too_long():
    short = ZaloSender.pieces(PlainMessage(text="Biểu đồ", photo_url="https://x/f/t/a.png"))
    assert short == [("photo", "Biểu đồ")]
    long = ZaloSender.pieces(PlainMessage(text="x" * 2500, photo_url="https://x/f/t/a.png"))
    assert long[0] == ("photo", "") and [len(p) for _, p in long[1:]] == [1900, 600]  # UTF-16 units, a margin


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("/lienket", intents.LinkIdentity),
        ("liên kết", intents.LinkIdentity),
        ("/lienket AB23CD45", intents.Start),
        ("lien ket ab23cd45", intents.Start),
        ("đăng ký AB23CD45", intents.Start),
        ("Mã mời: AB23CD45", intents.Start),
    ],
)
def test_link_and_register_phrasings(text, kind):
    intent = intents.parse(text, NOW.date())
    assert isinstance(intent, kind)
    if kind is intents.Start:
        assert intent.code == "AB23CD45"
