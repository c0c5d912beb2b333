"""What three new users of the 2025 demo met in the console (the province's Ban Tổ chức, an official of a new
đảng ủy xã, a branch secretary), each defect pinned by the conversation that showed it."""

from __future__ import annotations

import io

from bot.runtime import app


async def _console(settings, clock, lines: str, login: str | None = None) -> str:
    out = io.StringIO()
    await app.run_console(settings, login=login, inp=io.StringIO(lines), out=out, clock=clock, interactive=False)
    return out.getvalue()


async def test_help_names_only_khoi_the_asker_has(settings, demo_db, clock):
    # The province has only khối xã, phường and lực lượng vũ trang directly under it: the help used to suggest
    # "xếp hạng khối doanh nghiệp", which answered "không có đơn vị trực thuộc nào thuộc khối doanh nghiệp".
    province = await _console(settings, clock, "/help\n", login="binh")
    assert "khối doanh nghiệp" not in province
    assert "• tiến độ khối xã · xếp hạng khối lực lượng vũ trang — theo khối" in province
    commune = await _console(settings, clock, "/help\n", login="quang")
    assert "• tiến độ khối xã · xếp hạng khối doanh nghiệp — theo khối" in commune
    # Every khối the help suggests is answered for that user.
    answers = await _console(settings, clock, "xếp hạng khối lực lượng vũ trang\n", login="binh")
    assert "không có đơn vị trực thuộc nào" not in answers and "Công an tỉnh" in answers


async def test_daihoi_usage_names_a_committee_below_the_asker(settings, demo_db, clock):
    # Shown to the official of Đảng bộ xã Cao Phong, the example "/daihoi xã Cao Phong …" named his own unit as
    # "đơn vị cấp dưới".
    commune = await _console(settings, clock, "/daihoi\n", login="quang")
    assert "/daihoi xã Cao Phong" not in commune
    assert "“/daihoi Đảng bộ Cơ quan Chính quyền huyện nhiệm kỳ 2025–2030 ngày 20/8/2025”" in commune
    province = await _console(settings, clock, "/daihoi\n/daihoi nhiệm kỳ 2025-2030\n", login="binh")
    assert province.count("“/daihoi Đảng bộ xã Cao Phong nhiệm kỳ 2025–2030 ngày 20/8/2025”") == 2
    # xã Thung Nai has only chi bộ under it: no example of a committee below.
    thung_nai = await _console(settings, clock, "/daihoi\n", login="hung")
    assert "cấp dưới" not in thung_nai and "/daihoi 20/9/2025" in thung_nai
