"""A report of the running quarter or year is counted from the moment it is confirmed: by the progress answer,
/cocau and /chuabaocao alike (issue 13); a report sharing months with stored ones says, before it is
confirmed, how they add up."""

from __future__ import annotations

import itertools
import re

from bot.domain.messages import Inbound, InboundKind, Reply
from bot.services.core import Core
from storage import users

_keys = itertools.count(1)


class Person:
    def __init__(self, core: Core, user_id: int) -> None:
        self.core, self.user_id = core, user_id

    async def replies(self, text: str, data: str | None = None) -> list[Reply]:
        n = next(_keys)
        inbound = Inbound(
            channel="console",
            update_key=f"console:running{n}",
            sender_id=str(self.user_id),
            chat_id=str(self.user_id),
            at=self.core.clock.now(),
            kind=InboundKind.CHOICE if data else InboundKind.TEXT,
            text=text,
            data=data,
            message_id=f"running{n}",
        )
        return await self.core.handle(inbound)

    async def __call__(self, text: str) -> str:
        return "\n".join(r.text for r in await self.replies(text))


async def _people(settings, db, clock, *logins: str) -> list[Person]:
    core = Core(db, settings, clock)
    return [Person(core, (await users.by_login(db, login)).id) for login in logins]


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return int(found.group(1))


async def _all_not_reported(ask: Person, period: str) -> str:
    """Every page of /chuabaocao, following its "Xem tiếp" button."""
    replies = await ask.replies(f"/chuabaocao {period}")
    pages = [replies[0].text]
    while replies[0].choices:
        replies = await ask.replies("", data=replies[0].choices[0][0].data)
        pages.append(replies[0].text)
    return "\n".join(pages)


async def test_a_report_of_the_running_quarter_is_seen_at_once(settings, demo_db, clock):
    binh, son = await _people(settings, demo_db, clock, "binh", "son")
    before = await binh("tiến độ quý 4")
    assert "Chi bộ xóm Nội" in await _all_not_reported(binh, "quý 4")
    quarter_before = _number(r"Quý IV/2026: kết nạp (\d+) ĐVM", before)
    year_before = _number(r"Lũy kế từ đầu năm đến nay: (\d+)/", before)
    cocau_text = await binh("/cocau quý 4")
    cocau_before = _number(r"Tổng số kết nạp riêng trong quý IV/2026[^:]*: (\d+) ĐVM", cocau_text)
    women_before = _number(r"• Nữ: (\d+)", cocau_text)

    preview = await son("quý này kết nạp 2 đảng viên, trong đó 1 nữ")
    assert "Kết nạp 2 ĐVM" in preview and "quý IV/2026 — Chi bộ xóm Nội" in preview
    saved = await son("có")
    assert saved.startswith("Đã lưu")

    after = await binh("tiến độ quý 4")
    assert _number(r"Quý IV/2026: kết nạp (\d+) ĐVM", after) == quarter_before + 2
    assert _number(r"Lũy kế từ đầu năm đến nay: (\d+)/", after) == year_before + 2
    cocau = await binh("/cocau quý 4")
    assert _number(r"Tổng số kết nạp riêng trong quý IV/2026[^:]*: (\d+) ĐVM", cocau) == cocau_before + 2
    assert _number(r"• Nữ: (\d+)", cocau) == women_before + 1  # the breakdown is counted too
    assert "Chi bộ xóm Nội" not in await _all_not_reported(binh, "quý 4")
    assert "Chi bộ xóm Nội" not in after.split("Chưa báo cáo")[1]


async def test_a_report_of_the_running_year_counts_for_the_year(settings, demo_db, clock):
    binh, son = await _people(settings, demo_db, clock, "binh", "son")
    year_before = _number(r"Đã kết nạp: (\d+)/", await binh("tiến độ năm nay"))
    await son("năm nay kết nạp 1 đảng viên")
    saved = await son("có")
    assert saved.startswith("Đã lưu")
    assert _number(r"Đã kết nạp: (\d+)/", await binh("tiến độ năm nay")) == year_before + 1
    assert "Chi bộ xóm Nội" not in await _all_not_reported(binh, "năm nay")


async def test_a_quarter_report_over_monthly_reports_says_how_they_add_up(settings, demo_db, clock):
    (son,) = await _people(settings, demo_db, clock, "son")
    await son("kết nạp 1 đảng viên tháng 10")
    assert (await son("có")).startswith("Đã lưu")
    preview = await son("quý này kết nạp 3 đảng viên")
    assert "trùng với quý IV/2026" in preview
    assert "Kết nạp 1 ĐVM — tháng 10, quý IV/2026" in preview
    assert "quý IV/2026 tính 4 ĐVM (1 đã có + 3 của báo cáo này)" in preview
    assert "sửa: quý IV/2026 kết nạp 3" in preview
    # the month inside a stored quarter report says so too
    assert (await son("có")).startswith("Đã lưu")
    month = await son("kết nạp 1 đảng viên")
    assert "trùng với tháng 11" in month and "Kết nạp 3 ĐVM — quý IV/2026" in month
    assert "quý IV/2026 tính 5 ĐVM" in month
