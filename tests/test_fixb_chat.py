"""QA trial of issue 13, in chat: replies quote the person's own words (not the folded form), a bare /moi
explains itself, numbered menus hint at every bad number, typed confirmations refer to the latest preview."""

from __future__ import annotations

import pytest

from bot.domain.textfmt import as_written
from tests.conftest import message_update
from tests.harness import TelegramHarness

LAN, BINH, THU = 7101, 7103, 7104


@pytest.fixture
async def bot(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as harness:
        await harness.link("lan", LAN)
        await harness.link("binh", BINH)
        await harness.link("thu", THU)
        yield harness
        assert not harness.errors, harness.errors


def test_as_written_finds_the_words_the_person_typed():
    assert as_written("/moi xã Không Tồn Tại", "xa khong ton tai") == "xã Không Tồn Tại"
    assert as_written("tiến độ Xóm Ảo, quý 3", "xom ao") == "Xóm Ảo"
    assert as_written("abc", "khong co") == "khong co"


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("/moi xã Không Tồn Tại", "“xã Không Tồn Tại”"),
        ("/lichsu Chi bộ Không Có Thật", "“Chi bộ Không Có Thật”"),
        ("tiến độ xã Không Tồn Tại", "Không Tồn Tại"),
        ("/khoa Người Lạ", "“Người Lạ”"),
    ],
)
async def test_refusals_quote_the_users_own_words(bot, text, quoted):
    answer = (await bot.send(message_update(BINH, text)))[0].text
    assert quoted in answer, answer
    assert "khong ton tai" not in answer and "khong co that" not in answer and "nguoi la" not in answer, answer


async def test_a_bare_invite_explains_itself_and_issues_nothing(bot):
    before = await bot.db.scalar("SELECT COUNT(*) FROM invites")
    for text in ("/moi", "/moi zalo", "/moi theo dõi"):
        answer = (await bot.send(message_update(BINH, text)))[0].text
        assert "Chưa tạo mã mời nào" in answer and "Mã mời:" not in answer, answer
        assert "/moi Chi bộ" in answer or "/moi Đảng bộ" in answer or "/moi Xã" in answer or "/moi xã" in answer
        assert "#1" not in answer
    assert await bot.db.scalar("SELECT COUNT(*) FROM invites") == before
    named = (await bot.send(message_update(BINH, "/moi Chi bộ xóm Nội")))[0].text
    assert "Mã mời" in named


async def test_the_unregistered_people_hint_never_suggests_the_asker(bot):
    from bot.services import people
    from storage import users

    everyone = await users.all_users(bot.db)
    waiting = await users.without_identity(bot.db, [u.id for u in everyone if u.active])
    assert waiting, "the demo has people with no chat account but the console"
    asker = min(waiting)
    unit_id = next(u.unit_id for u in everyone if u.id == asker)
    assert await users.get(bot.db, asker) is not None
    hint = await people.unregistered_hint(bot.core.ctx, unit_id, "/moi {who}", asker=asker)
    assert f"#{asker} " not in hint and f"/moi #{asker})" not in hint, hint


@pytest.mark.parametrize("typed", ["-1", "1.5", "1,5", "số -2", "123"])
async def test_zalo_any_number_off_the_menu_gets_the_range_hint(settings, demo_db, clock, typed):
    from tests.channels import ZaloHarness

    thu_z = "1100000000000000007"
    async with ZaloHarness(settings, demo_db, clock) as zb:
        await zb.link("thu", thu_z)
        preview = await zb.send(zb.update(thu_z, "kết nạp 2 đảng viên"))
        assert "Trả lời bằng số (1–3):" in preview[0].text
        wrong = await zb.send(zb.update(thu_z, typed))
        assert len(wrong) == 1 and "từ 1 đến 3" in wrong[0].text and "chưa hiểu" not in wrong[0].text.lower()
        saved = await zb.send(zb.update(thu_z, "1"))  # the list still stands
        assert saved[0].text.startswith("Đã lưu")
        assert not await zb.errors()


def test_number_like_is_only_for_numbers_that_cannot_be_choices():
    from bot.present import plain

    assert plain.number_like("-1") == "-1" and plain.number_like("1.5") == "1.5"
    assert plain.number_like("2") is None and plain.number_like("kết nạp 2") is None


async def test_a_typed_confirmation_refers_only_to_the_latest_open_preview(bot):
    from bot.services import confirmations
    from storage import users

    binh = await users.by_identity(bot.db, "telegram", str(BINH))
    assert binh is not None
    preview = await bot.send(message_update(BINH, "/tochuc doiten Chi bộ xóm Nội thành Chi bộ xóm Nội Mới"))
    assert "Xác nhận" in str(preview[0].button_labels), preview[0].text
    saved = await bot.send(message_update(BINH, "có", update_id=88001))
    assert "Đã" in saved[0].text, saved[0].text
    # The same "có" delivered twice names what it saved: a change of organisation, not a "báo cáo".
    again = await confirmations.confirm(bot.core.ctx, binh, None, "telegram:88001")
    assert again[0].text.startswith("Thay đổi tổ chức này đã được lưu trước đó"), again[0].text
    # Long after (the rename's preview would have expired), a later preview is refused; a typed "1"/"có" — even
    # one whose update key was seen before — is not taken for the old rename: nothing waits for confirmation.
    bot.clock.advance(days=2)
    await bot.send(message_update(BINH, "/tochuc doiten Chi bộ xóm Nội Mới thành Chi bộ xóm Nội Cũ"))
    cancelled = await bot.send(message_update(BINH, "không"))
    assert "hủy" in cancelled[0].text.lower(), cancelled[0].text
    stale = await confirmations.confirm(bot.core.ctx, binh, None, "telegram:88001")
    assert "Không có gì đang chờ xác nhận" in stale[0].text, stale[0].text
    for typed in ("có", "1"):
        answer = (await bot.send(message_update(BINH, typed)))[0].text
        assert "đã được lưu trước đó" not in answer and "Báo cáo" not in answer, answer
    assert "Không có gì đang chờ xác nhận" in (await bot.send(message_update(BINH, "có")))[0].text
