"""Every line of the Queries table through the real Application and a fake Bot API, with the chart (a real
PNG, checked for size and content) and the Excel file (read back with openpyxl: totals equal the database)."""

from __future__ import annotations

import io
import re
import struct
from collections.abc import Iterable

import pytest
from openpyxl import load_workbook

from tests.conftest import callback_update, message_update
from tests.harness import TelegramHarness, button

BINH, MINH, HUNG = 9101, 9102, 9103


def numbers(cells: Iterable[object]) -> list[int]:
    """Spreadsheet values that must all be whole numbers."""
    values = list(cells)
    assert all(isinstance(v, int) for v in values), values
    return [v for v in values if isinstance(v, int)]


@pytest.fixture
async def bot(settings, district_db, clock):
    async with TelegramHarness(settings, district_db, clock) as harness:
        await harness.link("binh", BINH)
        await harness.link("minh", MINH)
        await harness.link("hung", HUNG)
        yield harness
        assert not harness.errors, harness.errors


async def ask(bot, text: str, who: int = BINH) -> str:
    replies = await bot.send(message_update(who, text))
    assert replies, text
    assert all(len(r.text) <= 4096 for r in replies)
    return "\n".join(r.text for r in replies)


async def year_total(db, year: int, ym_to: int | None = None, codes: tuple[str, ...] | None = None) -> int:
    sql = (
        "SELECT COALESCE(SUM(s.admitted), 0) FROM submissions s JOIN units u ON u.id = s.unit_id"
        " WHERE s.superseded_by IS NULL AND s.kind IN ('admission', 'adjustment') AND s.ym_from >= ?"
        " AND s.ym_from <= ? AND s.ym_to <= ?"
    )
    # the year read as of ym_to: reports of periods within the year begun by then (a running quarter counts)
    params: list = [year * 100 + 1, ym_to or year * 100 + 12, year * 100 + 12]
    if codes:
        sql += f" AND u.code IN ({','.join('?' * len(codes))})"
        params += codes
    return int(await db.scalar(sql, params))


@pytest.mark.parametrize("text", ["tiến độ kết nạp quý III", "tien do ket nap quy 3", "/tiendo q3", "Tiến độ Q.III"])
async def test_quarter_progress(bot, text):
    answer = await ask(bot, text)
    q3 = await year_total(bot.db, 2026, 202609)
    in_q3 = q3 - await year_total(bot.db, 2026, 202606)
    assert "Quý III/2026" in answer
    assert f"kết nạp {in_q3} ĐVM" in answer
    assert f"{q3}/71 ĐVM" in answer and "Tiến độ chung cần đạt: 75%" in answer


async def test_year_2021_matches_the_article_and_lists_categories(bot):
    answer = await ask(bot, "tiến độ năm 2021")
    total = await year_total(bot.db, 2021)
    assert f"{total}/71 ĐVM" in answer and "Theo khối:" in answer
    for label in (  # today's khối labels (data: the categories table)
        "Khối xã, phường",
        "Khối lực lượng vũ trang",
        "Khối cơ quan",
        "Khối đơn vị sự nghiệp",
        "Khối doanh nghiệp",
    ):
        assert label in answer
    q3_2021 = await ask(bot, "/tiendo q3 2021")
    assert "69/71 ĐVM, đạt 97,2% chỉ tiêu" in q3_2021 and "vượt tiến độ" in q3_2021


async def test_first_half_against_half_the_target(bot):
    answer = await ask(bot, "tiến độ 6 tháng đầu năm")
    assert "6 tháng đầu năm 2026" in answer and "Tiến độ chung cần đạt: 50%" in answer
    assert f"{await year_total(bot.db, 2026, 202606)}/71 ĐVM" in answer


@pytest.mark.parametrize("text", ["tiến độ nhiệm kỳ", "tiến độ nhiệm kỳ 2020-2025"])
async def test_term_progress_with_yearly_breakdown(bot, text):
    answer = await ask(bot, text)
    assert "Theo năm:" in answer
    if "2020" in text:
        # congress to congress (default 1 July): July 2020 to June 2025, so 2025 counts up to the congress
        total = await year_total(bot.db, 2025, 202506) - await year_total(bot.db, 2020, 202006)
        total += sum([await year_total(bot.db, y) for y in range(2020, 2025)])
        assert f"{total}/350 ĐVM" in answer
        assert "Năm 2020 (tháng 7–12)" in answer and "Năm 2025 (tháng 1–6)" in answer
    else:
        assert "/360 ĐVM" in answer and "nhiệm kỳ 2025–2030" in answer


@pytest.mark.parametrize("text", ["tiến độ xã Bắc Phong", "tien do bac phong"])
async def test_one_unit(bot, text):
    answer = await ask(bot, text)
    assert "TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — Đảng bộ xã Bắc Phong" in answer
    total = await year_total(bot.db, 2026, codes=("BP-BS", "BP-NOI", "BP-TH"))
    assert f"{total}/4 ĐVM" in answer


@pytest.mark.parametrize(
    ("text", "unit"),
    [
        ("xóm Bắc Sơn năm nay", "Chi bộ xóm Bắc Sơn"),
        ("/tiendo tiểu học", "Chi bộ Trường Tiểu học Bắc Phong"),
        ("td mttq", "Chi bộ Cơ quan Mặt trận Tổ quốc và các đoàn thể huyện"),
    ],
)
async def test_a_fragment_or_a_part_of_a_name_reaches_the_unit(bot, text, unit):
    """Issue 15: the bot reads as the corpus measures (understand.refine, pick_for_query)."""
    answer = await ask(bot, text)
    assert f"TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — {unit}" in answer


async def test_chat_is_not_answered_with_figures(bot):
    answer = await ask(bot, "mấy giờ họp ạ")
    assert "TIẾN ĐỘ" not in answer


async def test_ambiguous_unit_offers_buttons(bot):
    replies = await bot.send(message_update(BINH, "tiến độ Cao Phong"))
    message, data = button(replies, "thị trấn Cao Phong")
    chosen = await bot.send(callback_update(BINH, data, message.message_id))
    assert "Đảng bộ thị trấn Cao Phong" in chosen[0].text


@pytest.mark.parametrize("text", ["tiến độ của chi bộ mình", "tiến độ"])
async def test_reporter_sees_own_unit(bot, text):
    answer = await ask(bot, text, who=MINH)
    assert ("Đảng bộ Công an huyện" in answer and "Còn phải kết nạp" in answer) or "hoàn thành" in answer
    assert "Chậm tiến độ (" not in answer  # no list of other units


async def test_not_reported_this_quarter_with_secretaries_and_pages(bot):
    first = await bot.send(message_update(BINH, "đơn vị nào chưa báo cáo quý này?"))
    assert "CHƯA BÁO CÁO QUÝ IV/2026" in first[0].text
    assert "Chi bộ Cơ quan Huyện ủy — Nguyễn Văn Khánh" in first[0].text
    assert "chưa có người báo cáo đăng ký" in first[0].text
    message, data = button(first, "Xem tiếp")
    second = await bot.send(callback_update(BINH, data, message.message_id))
    assert "(trang 2/2)" in second[0].text and "16." in second[0].text  # the last page says so too


@pytest.mark.parametrize("text", ["đơn vị chậm tiến độ", "những chi bộ nào đang chậm?"])
async def test_behind_pace_worst_first(bot, text):
    answer = await ask(bot, text)
    assert "ĐƠN VỊ CHẬM TIẾN ĐỘ" in answer and "cần thêm" in answer
    lines = [ln for ln in answer.splitlines() if re.match(r"\d+\. ", ln)]
    assert lines
    shares = [float(ln.split("(")[1].split("%")[0].replace(",", ".")) for ln in lines]
    assert shares == sorted(shares)


async def test_breakdown_counts_and_shares(bot):
    answer = await ask(bot, "cơ cấu đảng viên mới năm nay")
    total = await year_total(bot.db, 2026)
    female = await bot.db.scalar("SELECT SUM(female) FROM submissions WHERE superseded_by IS NULL AND year = 2026")
    assert f"Tổng số kết nạp trong năm 2026: {total} ĐVM" in answer
    assert f"• Nữ: {female} (" in answer and "%)" in answer
    for label in (
        "Dân tộc thiểu số",
        "Tôn giáo",
        "Đoàn viên thanh niên",
        "Học sinh, sinh viên",
        "Doanh nghiệp ngoài nhà nước",
        "Trình độ đại học trở lên",
    ):
        assert label in answer


async def test_pipeline(bot):
    answer = await ask(bot, "nguồn phát triển đảng năm 2021")
    assert "317 người" in answer and "186" in answer and "69" in answer  # the article's figures
    assert "Đã kết nạp" in answer


async def test_comparison_with_the_same_period_last_year(bot):
    answer = await ask(bot, "so với cùng kỳ năm trước")
    now = await year_total(bot.db, 2026, 202611)
    before = await year_total(bot.db, 2025, 202511)
    assert f"Kết nạp: {now} ĐVM (cùng kỳ: {before})" in answer
    assert "Theo khối:" in answer


async def test_chart_is_a_real_png(bot):
    replies = await bot.send(message_update(BINH, "biểu đồ tiến độ quý III"))
    assert replies[0].method == "sendPhoto"
    png = replies[0].file_bytes
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 800 and height >= 900  # one bar per unit of 27: tall, readable on a phone
    assert len(png) > 20_000
    from matplotlib import image

    pixels = image.imread(io.BytesIO(png), format="png")[:, :, :3]

    def has(color: str) -> bool:
        rgb = [int(color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        return bool((abs(pixels - rgb).sum(axis=2) < 0.03).any())

    assert has("#c62828")  # the pace line
    assert has("#2e7d32") and has("#ef6c00")  # units ahead and behind
    assert "quý III/2026" in replies[0].text


@pytest.mark.parametrize("text", ["xuất báo cáo năm 2021", "/xuat 2021"])
async def test_excel_totals_equal_the_database(bot, text):
    replies = await bot.send(message_update(BINH, text))
    assert replies[0].method == "sendDocument" and replies[0].file_name.endswith(".xlsx")
    ws = load_workbook(io.BytesIO(replies[0].file_bytes)).active
    assert ws is not None
    assert "ĐẢNG BỘ HUYỆN CAO PHONG" in ws["A1"].value and "năm 2021" in ws["A2"].value
    assert "xuất lúc" in ws["A2"].value
    assert ws.freeze_panes == "C6"  # below the title block (3 rows), a blank row and the header row
    headers = [c.value for c in ws[5]]
    assert headers[:10] == [
        "STT",
        "Đơn vị",
        "Chỉ tiêu năm",
        "Quý I",
        "Quý II",
        "Quý III",
        "Quý IV",
        "Lũy kế",
        "% chỉ tiêu",
        "Tình trạng",
    ]
    rows = list(ws.iter_rows(min_row=6, values_only=True))
    total = rows[-1]
    assert total[1] == "TỔNG CỘNG"
    assert total[7] == await year_total(bot.db, 2021)
    assert sum(numbers(total[3:7])) == total[7]
    for q in range(1, 5):
        quarter = await year_total(bot.db, 2021, 202100 + 3 * q) - await year_total(bot.db, 2021, 202100 + 3 * q - 3)
        assert total[2 + q] == quarter
    numbered = [r for r in rows if isinstance(r[0], int)]
    assert len(numbered) == 27
    assert sum(numbers(r[7] for r in numbered)) == total[7] and sum(numbers(r[2] for r in numbered)) == 71
    female = await bot.db.scalar("SELECT SUM(female) FROM submissions WHERE superseded_by IS NULL AND year = 2021")
    assert total[10] == female


async def test_reporter_of_another_unit_is_refused(bot):
    answer = await ask(bot, "tiến độ xã Bắc Phong", who=MINH)
    assert "ngoài phạm vi" in answer


async def test_official_of_a_commune_sees_its_subtree_only(bot):
    inside = await ask(bot, "tiến độ chi bộ xóm Nội", who=HUNG)
    outside = await ask(bot, "tiến độ Công an huyện", who=HUNG)
    assert "Chi bộ xóm Nội" in inside
    assert "ngoài phạm vi" in outside


async def test_unknown_question_gets_examples(bot):
    answer = await ask(bot, "thời tiết hôm nay")
    assert "Xin lỗi" in answer and "tiến độ kết nạp quý III" in answer and "/help" in answer


def test_cli_export(tmp_path, monkeypatch, capsys):
    from bot.cli import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    monkeypatch.setenv("DEMO_DATABASE_PATH", str(tmp_path / "db.sqlite3"))
    assert main(["setup", "--demo"]) == 0
    assert main(["export", "2021", "--out", str(tmp_path / "cp.xlsx")]) == 0
    ws = load_workbook(tmp_path / "cp.xlsx").active
    total = list(ws.iter_rows(min_row=5, values_only=True))[-1]
    assert total[1] == "TỔNG CỘNG" and total[2] == 71
    assert main(["export", "quý 5"]) == 2
