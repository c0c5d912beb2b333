"""The reminder preview counts only the people a reminder can reach and names the others (issue 14, item 14)."""

from __future__ import annotations

import re
from datetime import datetime

from tests.conftest import VN, callback_update, message_update
from tests.harness import TelegramHarness, button
from tests.test_scheduler_controls import attach


async def test_preview_counts_only_reachable_people_and_names_the_rest(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as h:
        await h.link("binh", 81)
        await h.link("lan", 83)
        attach(h)
        clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=VN))
        preview = await h.send(message_update(81, "/nhacnho xem"))
        text = preview[0].text
        count = int(re.search(r"(\d+) người sẽ nhận tin", text).group(1))
        listed = re.findall(r"^– (.+) \((.+)\): ", text, flags=re.M)
        assert count == len(listed) == 1 and listed[0][0] == "Bùi Thị Lan"  # the only one linked to a chat
        unreachable = re.search(r"Không nhắc được (\d+) người[^:]*: (.+)\.$", text, flags=re.M)
        assert unreachable is not None and int(unreachable.group(1)) > 0
        assert "Bùi Thị Lan" not in unreachable.group(2)
        message, data = button(preview, f"Gửi ngay cho {count} người")
        done = await h.send(callback_update(81, data, message.message_id))
        assert any(m.chat_id == "81" and f"Đã gửi {count} tin nhắc" in m.text for m in done)
