"""What three new users of the 2025 demo met in the console (the province's Ban Tổ chức, an official of a new
đảng ủy xã, a branch secretary), each defect pinned by the conversation that showed it."""

from __future__ import annotations

import io
import re
import sqlite3

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


def _khoi_counts(answer: str) -> list[tuple[int, int | None]]:
    """(count, same period a year earlier) of each line under "Theo khối:"."""
    block = answer.split("Theo khối:\n", 1)[1].split("\n\n", 1)[0]
    rows = []
    for line in block.splitlines():
        if not line.startswith("– ") or line.startswith("– Năm"):
            break
        found = re.search(r": (\d+)(?:/\d+ \(.*?\)| ĐVM)?(?: \(cùng kỳ: (\d+)\))?", line)
        assert found, line
        rows.append((int(found.group(1)), int(found.group(2)) if found.group(2) else None))
    return rows


async def test_khoi_lines_add_up_to_the_total_of_a_merged_xa(settings, demo_db, clock):
    # Đảng bộ xã Cao Phong holds the history of the communes merged into it (figures of its own, in no khối):
    # "Theo khối" listed 4 + 17 + 12 + 8 = 41 under "Đã kết nạp: 49/41" for 2025, and 178 of 237 for the term.
    out = await _console(settings, clock, "tiến độ năm 2025\n", login="quang")
    total = int(re.search(r"Đã kết nạp: (\d+)/", out).group(1))
    assert sum(n for n, _ in _khoi_counts(out)) == total
    assert "– Không thuộc khối nào: 8 ĐVM" in out
    term = await _console(settings, clock, "tiến độ nhiệm kỳ 2020-2025\n", login="quang")
    total = int(re.search(r"trong nhiệm kỳ 2020–2025: (\d+) ĐVM", term).group(1))
    assert sum(n for n, _ in _khoi_counts(term)) == total
    compare = await _console(settings, clock, "so với cùng kỳ năm 2025\n", login="quang")
    now, before = (int(g) for g in re.search(r"Kết nạp: (\d+) ĐVM \(cùng kỳ: (\d+)\)", compare).groups())
    rows = _khoi_counts(compare)
    assert (sum(a for a, _ in rows), sum(b or 0 for _, b in rows)) == (now, before)
    # Where the khối do add up, nothing is added.
    province = await _console(settings, clock, "tiến độ năm 2025\nso với cùng kỳ năm 2025\n", login="binh")
    assert "Không thuộc khối nào" not in province


def test_setup_demo_on_the_day_given_says_what_it_built(tmp_path, monkeypatch, capsys):
    # `setup --demo` had no --today: a console replayed "--today 2026-10-15" on a demo set up on the real day
    # saw reports dated after "today" (#913 of 28/10/2026 in /lichsu), and was told it held "huyện Cao Phong".
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "demo.sqlite3"))
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert main(["setup", "--demo", "--today", "2026-10-15"]) == 0
    said = capsys.readouterr().out
    assert "Đảng bộ tỉnh Phú Thọ với các đảng bộ xã Cao Phong, Thung Nai, Mường Thàng" in said
    assert "báo cáo mẫu đến trước ngày 15/10/2026" in said
    with sqlite3.connect(tmp_path / "demo.sqlite3") as con:
        (latest,) = con.execute("SELECT MAX(created_at) FROM submissions").fetchone()
    assert latest < "2026-10-15"


async def test_ua_of_surprise_does_not_confirm_a_report(settings, demo_db, clock):
    # "ủa" ("huh?") folds to "ua", which was read as "ừ" with a telex mark left in, and stored the report.
    out = await _console(settings, clock, "tháng này kết nạp 2 đồng chí, 1 nữ\nủa\nua\n", login="thu")
    assert "Xin xác nhận báo cáo" in out and "Đã lưu" not in out
    out = await _console(settings, clock, "ừa\n", login="thu")  # the southern "ừa" is a yes
    assert "Đã lưu (mã báo cáo" in out


def test_only_telex_marks_are_dropped_from_a_yes_or_no():
    from datetime import date

    from bot.language.intents import Cancel, Confirm, Unknown, parse

    today = date(2026, 10, 15)
    for text in ("okk", "luuw", "cos", "vangf", "ừa", "dạ ừa em"):
        assert isinstance(parse(text, today, pending=True), Confirm), text
    assert isinstance(parse("thoii", today, pending=True), Cancel)
    for text in ("ủa", "ua", "ủa em"):
        assert isinstance(parse(text, today, pending=True), Unknown), text


async def test_a_correction_while_a_new_report_waits_corrects_that_preview(settings, demo_db, clock):
    # A reporter's "sửa lại 2 nữ" after the preview of "kết nạp 2, 1 nữ" was taken as a correction of the
    # reports already stored (or "nothing to correct"), and "có" then saved the uncorrected preview.
    out = await _console(settings, clock, "tháng này kết nạp 2 đồng chí, 1 nữ\nsửa lại 2 nữ\ncó\n", login="thu")
    assert "SỬA (thay thế)" not in out and "Không có báo cáo" not in out
    saved = out.split("Đã lưu (mã báo cáo", 1)[1]
    assert "Kết nạp 2 ĐVM (trong đó: nữ 2) — tháng 11, quý IV/2026 — Chi bộ Trường THPT Cao Phong" in saved
    # An official's correction of a preview for a unit below him is not refused as a report for his own xã.
    lines = "Chi bộ Trường THPT Cao Phong tháng này kết nạp 2 đồng chí 1 nữ\nsửa lại là 3, 2 nữ\ncó\n"
    out = await _console(settings, clock, lines, login="quang")
    assert "Báo cáo chưa được lưu" not in out
    assert (
        "Kết nạp 3 ĐVM (trong đó: nữ 2) — tháng 11, quý IV/2026 — Chi bộ Trường THPT Cao Phong"
        in out.split("Đã lưu (mã báo cáo", 1)[1]
    )
    # Nothing stored before was replaced.
    replaced = await demo_db.scalar(
        "SELECT COUNT(*) FROM submissions WHERE superseded_by IS NOT NULL AND created_at >= '2026-11-01'"
    )
    assert replaced == 0


async def test_out_of_scope_answer_is_about_the_name_asked(settings, demo_db, clock):
    # A xã official asking about "huyện Cao Phong" (whose history now counts for the province) was told only that
    # "Đảng bộ tỉnh Phú Thọ" is outside his scope — a unit he never named.
    out = await _console(settings, clock, "tiến độ huyện Cao Phong\ntiến độ xã Thung Nai\n", login="quang")
    assert "“huyện Cao Phong” (Đảng bộ tỉnh Phú Thọ) nằm ngoài phạm vi được giao" in out
    assert "; Đảng bộ xã Thung Nai nằm ngoài phạm vi được giao" in out
