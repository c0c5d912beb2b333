"""Figures that must agree across answers: one meaning of a quarter, one definition of "chưa báo cáo", a status
that agrees with the count shown beside it, achieved / not achieved once the year is over."""

from __future__ import annotations

import re
from datetime import date

from bot.domain.models import Figures, Unit, UnitKind
from bot.domain.periods import Period
from bot.domain.progress import ProgressView, UnitProgress, status_of
from bot.domain.tree import UnitTree
from bot.present.replies.progress import progress_text
from bot.services.core import Core
from storage import users
from tests.test_categories import Asker


async def _asker(settings, db, clock, login: str = "binh") -> Asker:
    return Asker(Core(db, settings, clock), (await users.by_login(db, login)).id)


async def _text(ask: Asker, message: str) -> str:
    return "\n".join(r.text for r in await ask(message))


def _number(pattern: str, text: str) -> int:
    found = re.search(pattern, text)
    assert found, (pattern, text)
    return int(found.group(1))


async def test_a_quarter_means_the_quarter_alone_everywhere(settings, district_db, clock):
    ask = await _asker(settings, district_db, clock)
    progress = await _text(ask, "tiến độ kết nạp quý III năm 2021")
    quarter = _number(r"Quý III/2021: kết nạp (\d+) ĐVM", progress)
    for message in ("cơ cấu quý III/2021", "/cocau q3 2021"):
        breakdown = await _text(ask, message)
        assert "riêng trong quý III/2021 (không cộng dồn từ đầu năm)" in breakdown  # and it says so
        assert (
            _number(r"Tổng số kết nạp riêng trong quý III/2021 \(không cộng dồn từ đầu năm\): (\d+) ĐVM", breakdown)
            == quarter
        )
    compare = await _text(ask, "/sosanh q3 2021")
    assert _number(r"Kết nạp: (\d+) ĐVM", compare) == quarter
    direct = await district_db.scalar(
        "SELECT SUM(admitted) FROM submissions WHERE superseded_by IS NULL AND kind IN ('admission', 'adjustment')"
        " AND ym_from >= 202107 AND ym_to <= 202109"
    )
    assert quarter == direct
    ranking = await _text(ask, "/xephang q3 2021")  # against the year's target: cumulative, and it says so
    assert "Lũy kế từ đầu năm 2021 đến hết quý III/2021 so với chỉ tiêu năm" in ranking


async def test_not_reported_has_one_definition(settings, district_db, clock):
    ask = await _asker(settings, district_db, clock)
    for period in ("quý III", "q3 2021", "tháng 10"):
        progress = await _text(ask, f"tiến độ {period}")
        listed = await _text(ask, f"/chuabaocao {period}")
        count = _number(r"(\d+)/\d+ đơn vị chưa báo cáo", listed)
        assert _number(r"Chưa báo cáo [^(]+\((\d+) đơn vị\)", progress) == count, (progress, listed)


def _view(cumulative: int, target: int, pace: float, period: Period, as_of: date, reported: bool = True):
    root = Unit(id=1, code="R", name="Đảng bộ R", short_name="R", search_name="r", kind=UnitKind.DISTRICT)
    tree = UnitTree([root])
    status = status_of(cumulative, target, pace, reported)
    p = UnitProgress(
        unit_id=1,
        target=target,
        target_direct=True,
        in_period=Figures(admitted=cumulative),
        cumulative=Figures(admitted=cumulative),
        pace=pace,
        status=status,
        reported=reported,
        events_in_period=int(reported),
    )
    running = period.end > as_of
    return ProgressView(tree, 1, period, as_of, pace, {1: p}, frozenset({1} if reported else ()), running)


def test_the_status_agrees_with_the_count_beside_the_pace():
    # 2 of 3 at a 75 % pace: 3 expected; within the 10-point tolerance, and the answer says so.
    text = progress_text(_view(2, 3, 0.75, Period.quarter(2026, 3), date(2026, 9, 30)), date(2026, 11, 23))
    assert "Tiến độ chung cần đạt: 75% (3 ĐVM) → đúng tiến độ (còn thiếu 1 ĐVM so với tiến độ chung" in text
    # Never a bare "đúng tiến độ" under the count shown.
    for line in text.splitlines():
        if "→ đúng tiến độ" in line:
            shown = _number(r"\((\d+) ĐVM\)", line)
            assert "còn thiếu" in line or shown <= 2


def test_a_unit_without_reports_is_placed_against_the_pace():
    text = progress_text(
        _view(0, 1, 0.916, Period.of_year(2026), date(2026, 11, 30), reported=False), date(2026, 11, 30)
    )
    assert "→ chưa báo cáo" not in text
    assert "→ chậm tiến độ; chưa có báo cáo nào trong năm 2026" in text


def test_after_the_year_achieved_or_not():
    over = Period.of_year(2025)
    met = progress_text(_view(4, 4, 1.0, over, date(2025, 12, 31)), date(2026, 11, 23))
    assert "Kết quả năm 2025: đạt chỉ tiêu" in met and "vượt tiến độ" not in met
    missed = progress_text(_view(3, 4, 1.0, over, date(2025, 12, 31)), date(2026, 11, 23))
    assert "Kết quả năm 2025: không đạt chỉ tiêu (thiếu 1 ĐVM)" in missed
    assert "tiến độ" not in missed.split("\n", 1)[1].replace("TIẾN ĐỘ", "")


async def test_a_finished_year_in_every_answer(settings, district_db, clock):
    ask = await _asker(settings, district_db, clock)
    for message in ("tiến độ năm 2021", "/chamtiendo 2021", "/xephang 2021", "tiến độ 6 tháng cuối năm 2025"):
        answer = await _text(ask, message)
        assert "vượt tiến độ" not in answer and "để đạt tiến độ" not in answer, (message, answer)
        assert "đúng tiến độ" not in answer and "chậm tiến độ" not in answer, (message, answer)
    assert "ĐƠN VỊ KHÔNG ĐẠT CHỈ TIÊU" in await _text(ask, "/chamtiendo 2021")
    assert "— đạt chỉ tiêu" in await _text(ask, "/xephang 2021")


async def test_cumulative_wording_for_a_half(settings, district_db, clock):
    ask = await _asker(settings, district_db, clock)
    second = await _text(ask, "tiến độ 6 tháng cuối năm 2025")
    assert "Lũy kế từ đầu năm đến hết năm 2025:" in second and "đến hết 6 tháng cuối" not in second
    first = await _text(ask, "tiến độ 6 tháng đầu năm 2025")
    assert "Lũy kế từ đầu năm đến hết 6 tháng đầu năm:" in first
    month = await _text(ask, "tiến độ tháng 9 năm 2025")
    assert "Lũy kế từ đầu năm đến hết tháng 9:" in month


async def test_no_status_reads_chua_bao_cao_beside_the_pace(settings, district_db, clock):
    ask = await _asker(settings, district_db, clock)
    answer = await _text(ask, "tiến độ Chi bộ Điện lực Cao Phong")
    assert "→ chưa báo cáo" not in answer
    assert "chưa có báo cáo nào trong năm 2026" in answer


async def test_behind_follows_the_tolerance_officials_set(settings, district_db, clock):
    from bot.services.reminders import ReminderService

    ask = await _asker(settings, district_db, clock)
    service = ReminderService(ask.core.ctx, {})
    calendar = await service.calendar()
    await service.save_calendar(calendar.model_copy(update={"tolerance_points": 30}), None)
    # 5/8 = 62,5 % against 89,7 %: within 30 points, as the reminders would judge it too.
    answer = await _text(ask, "tiến độ khối doanh nghiệp")
    assert "→ đúng tiến độ (còn thiếu 3 ĐVM so với tiến độ chung, trong mức cho phép 30 điểm %)" in answer


async def test_a_report_for_a_finished_year_says_achieved_or_not(settings, district_db, clock):
    ask = await _asker(settings, district_db, clock)
    await ask("xã Tây Phong kết nạp 1 đảng viên tháng 12 năm 2025")
    saved = await _text(ask, "có")
    assert "Năm 2025: đã kết nạp 2/2 ĐVM, đạt 100% chỉ tiêu — năm 2025 đã kết thúc: đạt chỉ tiêu năm." in saved
    assert "tiến độ" not in saved and "Còn phải" not in saved
