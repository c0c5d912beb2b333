"""Answers to the other questions: breakdown, pipeline, screening, not reported, behind, ranking, comparison."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from bot.domain.derived import AdmittingShare, IdleUnit
from bot.domain.indicators import DEFAULT_SET, GROUP_LABELS, Indicators
from bot.domain.models import Figures
from bot.domain.periods import PeriodKind
from bot.domain.progress import ProgressView, UnitProgress, verdict
from bot.domain.textfmt import day, first_upper, num, pct
from bot.domain.tree import UnitTree
from bot.domain.vocabulary import PIPELINE_LABELS, SCREENING_LABELS

PAGE_SIZE = 15
T = TypeVar("T")


def _page(rows: Sequence[T], page: int, line: Callable[[int, T], str]) -> tuple[list[str], bool]:
    """One page of a numbered list, with "(trang k/n)" on every page of a list longer than one page (the last
    one too); returns (lines, has more pages)."""
    start = (page - 1) * PAGE_SIZE
    lines = [line(i, row) for i, row in enumerate(rows[start : start + PAGE_SIZE], start + 1)]
    more = start + PAGE_SIZE < len(rows)
    pages = (len(rows) - 1) // PAGE_SIZE + 1
    if pages > 1:
        lines.append(f"(trang {page}/{pages})")
    return lines, more


def _title(head: str, unit_name: str, period_label: str, reading: str) -> list[str]:
    return [f"{head} — {unit_name}", f"{period_label[0].upper()}{period_label[1:]}, {reading}", ""]


def reading_words(view: ProgressView) -> str:
    return f"số liệu đến {day(view.as_of)}" if view.is_running else f"đến {day(view.as_of)}"


def share(part: int, whole: int) -> str:
    return pct(part / whole) if whole else "—"


def within(view: ProgressView) -> str:
    """What a period's figures cover — one meaning everywhere: a month, quarter or half on its own."""
    if view.period.kind in (PeriodKind.YEAR, PeriodKind.TERM):
        return f"trong {view.period.label}"
    return f"riêng trong {view.period.label} (không cộng dồn từ đầu năm)"


def cumulative_words(view: ProgressView) -> str:
    """What the against-target figures of a list cover."""
    if view.period.kind is PeriodKind.TERM:
        return f"Số kết nạp trong {view.period.label} so với chỉ tiêu nhiệm kỳ"
    if view.period.kind is PeriodKind.YEAR:
        return f"Số kết nạp {view.period.label} so với chỉ tiêu năm"
    return f"Lũy kế từ đầu năm {view.period.year} đến hết {view.period.label} so với chỉ tiêu năm"


def breakdown_text(view: ProgressView) -> str:
    r = view.root
    f = r.in_period
    lines = _title("CƠ CẤU ĐẢNG VIÊN MỚI", view.tree[view.root_id].name, view.period.label, reading_words(view))
    lines.append(f"Tổng số kết nạp {within(view)}: {num(f.admitted)} ĐVM")
    listed = view.indicators
    group = None
    for item in listed.columns(f.breakdown()):  # the required indicators, and every other one with a value
        if item.group != group and len({i.group for i in listed}) > 1:
            group = item.group
            lines.append(f"{GROUP_LABELS.get(group, group)}:")
        value = f.get(item.code)
        within_parent = f" — trong số {listed.label(item.part_of)}" if item.part_of else ""
        lines.append(f"• {first_upper(item.name)}: {num(value)} ({share(value, f.admitted)}){within_parent}")
    unlisted = [c for c, v in f.extra.items() if v and c not in listed.by_code]
    lines += [f"• {c}: {num(f.extra[c])} ({share(f.extra[c], f.admitted)})" for c in unlisted]
    children = [p for p in view.children() if p.in_period.admitted]
    if children:
        lines.append("\nTheo đơn vị (nữ / dân tộc thiểu số / đoàn viên trên tổng số):")
        for p in sorted(children, key=lambda p: -p.in_period.admitted)[:12]:
            c = p.in_period
            lines.append(
                f"– {view.tree[p.unit_id].name}: {num(c.admitted)} — "
                f"{num(c.female)} / {num(c.ethnic_minority)} / {num(c.youth_union)}"
            )
        if len(children) > 12:
            lines.append(f"… và {num(len(children) - 12)} đơn vị khác (gõ “xuất báo cáo” để có bảng đầy đủ).")
    return "\n".join(lines)


def pipeline_text(
    unit_name: str,
    period_label: str,
    totals: dict[str, int],
    admitted: int,
    units: int,
    reporting: int,
    top: Sequence[tuple[str, dict[str, int]]],
) -> str:
    lines = _title(
        "NGUỒN PHÁT TRIỂN ĐẢNG VIÊN", unit_name, period_label, f"{num(units)}/{num(reporting)} đơn vị có số liệu"
    )
    pool, certified = totals.get("pool", 0), totals.get("certified", 0)
    lines.append(f"• {first_upper(PIPELINE_LABELS['pool'])}: {num(pool)} người")
    lines.append(f"• {first_upper(PIPELINE_LABELS['certified'])}: {num(certified)} ({share(certified, pool)} nguồn)")
    lines.append(f"• {first_upper(PIPELINE_LABELS['planned_class'])}: {num(totals.get('planned_class', 0))}")
    lines.append(f"• Đã kết nạp: {num(admitted)} ĐVM ({share(admitted, pool)} nguồn)")
    if top:
        lines.append("\nNguồn lớn nhất:")
        lines += [f"– {name}: {num(v.get('pool', 0))} nguồn, {num(v.get('certified', 0))} đã học" for name, v in top]
    if not pool:
        lines.append(
            "\nChưa có đơn vị nào báo cáo nguồn. Mẫu báo cáo: “nguồn 15, đã học lớp nhận thức 8, dự kiến cử đi học 5”."
        )
    return "\n".join(lines)


def screening_text(
    unit_name: str, period_label: str, totals: dict[str, int], units: int, rows: Sequence[tuple[str, dict[str, int]]]
) -> str:
    lines = _title("RÀ SOÁT, SÀNG LỌC ĐẢNG VIÊN", unit_name, period_label, f"{num(units)} đơn vị có số liệu")
    for field, label in SCREENING_LABELS.items():
        lines.append(f"• {first_upper(label)}: {num(totals.get(field, 0))}")
    if rows:
        lines.append("\nTheo đơn vị:")
        lines += [
            f"– {name}: rà soát {num(v.get('reviewed', 0))}, đưa ra khỏi Đảng {num(v.get('removed', 0))}"
            for name, v in rows[:12]
        ]
    if not units:
        lines.append("\nChưa có số liệu. Mẫu báo cáo: “rà soát 5, đưa ra khỏi Đảng 2”.")
    return "\n".join(lines)


def not_reported_text(
    unit_name: str, period_label: str, rows: Sequence[tuple[str, list[str]]], total_units: int, page: int
) -> tuple[str, bool]:
    """Units silent in the period, with their reporters; returns (text, has more pages)."""
    lines = [f"ĐƠN VỊ CHƯA BÁO CÁO {period_label.upper()} — {unit_name}", ""]
    if not rows:
        lines.append(f"Tất cả {num(total_units)} đơn vị đã báo cáo {period_label}.")
        return "\n".join(lines), False
    lines.append(f"{num(len(rows))}/{num(total_units)} đơn vị chưa báo cáo:")
    page_lines, more = _page(
        rows, page, lambda i, r: f"{i}. {r[0]} — {', '.join(r[1]) if r[1] else 'chưa có người báo cáo đăng ký'}"
    )
    return "\n".join(lines + page_lines), more


def behind_text(view: ProgressView, rows: Sequence[UnitProgress], page: int) -> tuple[str, bool]:
    """Units behind the pace — or, once the year (term) is over, units that did not reach their target."""
    over = view.target_period_over
    head = "ĐƠN VỊ KHÔNG ĐẠT CHỈ TIÊU" if over else "ĐƠN VỊ CHẬM TIẾN ĐỘ"
    lines = _title(head, view.tree[view.root_id].name, view.period.label, reading_words(view))
    lines.insert(2, cumulative_words(view) + ("" if over else f"; tiến độ chung cần đạt: {pct(view.pace)}"))
    if over:
        if not rows:
            lines.append("Tất cả các đơn vị được giao chỉ tiêu đều đã đạt chỉ tiêu.")
            return "\n".join(lines), False
        lines.append(f"{num(len(rows))} đơn vị không đạt chỉ tiêu (thấp nhất trước):")
        page_lines, more = _page(
            rows,
            page,
            lambda i, p: (
                f"{i}. {view.tree[p.unit_id].name}: {num(p.cumulative.admitted)}/{num(p.target or 0)} "
                f"({pct(p.share)}) — thiếu {num(p.remaining or 0)} so với chỉ tiêu"
            ),
        )
        return "\n".join(lines + page_lines), more
    if not rows:
        lines.append("Không có đơn vị nào chậm tiến độ.")
        return "\n".join(lines), False
    lines.append(f"{num(len(rows))} đơn vị chậm tiến độ (chậm nhất trước):")
    page_lines, more = _page(
        rows,
        page,
        lambda i, p: (
            f"{i}. {view.tree[p.unit_id].name}: {num(p.cumulative.admitted)}/{num(p.target or 0)} "
            f"({pct(p.share)}) — cần thêm {num(p.short_of_pace)} để kịp tiến độ, "
            f"{num(p.remaining or 0)} để đạt chỉ tiêu"
        ),
    )
    return "\n".join(lines + page_lines), more


def ranking_text(view: ProgressView, rows: Sequence[UnitProgress], page: int) -> tuple[str, bool]:
    lines = _title("XẾP HẠNG TIẾN ĐỘ KẾT NẠP", view.tree[view.root_id].name, view.period.label, reading_words(view))
    lines.insert(2, cumulative_words(view))
    if not rows:
        lines.append("Chưa có đơn vị nào được giao chỉ tiêu.")
        return "\n".join(lines), False
    page_lines, more = _page(
        rows,
        page,
        lambda i, p: (
            f"{i}. {view.tree[p.unit_id].name}: {num(p.cumulative.admitted)}/{num(p.target or 0)}"
            f" ({pct(p.share)}) — {verdict(p, view.target_period_over)}"
        ),
    )
    return "\n".join(lines + page_lines), more


def _delta(now: int, before: int) -> str:
    diff = now - before
    if diff == 0:
        return "bằng cùng kỳ"
    word = "tăng" if diff > 0 else "giảm"
    rel = f" ({'+' if diff > 0 else '−'}{pct(abs(diff) / before)})" if before else ""
    return f"{word} {num(abs(diff))}{rel}"


def compare_text(
    unit_name: str,
    label_now: str,
    label_before: str,
    now: Figures,
    before: Figures,
    target_now: int | None,
    target_before: int | None,
    groups: Sequence[tuple[str, int, int]],
    indicators: Indicators = DEFAULT_SET,
) -> str:
    lines = [f"SO SÁNH CÙNG KỲ — {unit_name}", f"{label_now[0].upper()}{label_now[1:]} so với {label_before}", ""]
    change = _delta(now.admitted, before.admitted)
    lines.append(f"• Kết nạp: {num(now.admitted)} ĐVM (cùng kỳ: {num(before.admitted)}) → {change}")
    if target_now:
        extra = f" (cùng kỳ: {share(before.admitted, target_before)})" if target_before else ""
        lines.append(f"• Đạt {share(now.admitted, target_now)} chỉ tiêu năm{extra}")
    for item in indicators.columns(now.breakdown() | before.breakdown()):
        a, b = now.get(item.code), before.get(item.code)
        lines.append(f"• {first_upper(item.name)}: {num(a)} (cùng kỳ: {num(b)})")
    if groups:
        lines.append("\nTheo khối:")
        lines += [f"– {name}: {num(a)} (cùng kỳ: {num(b)}) → {_delta(a, b)}" for name, a, b in groups]
        rest_now = now.admitted - sum(a for _, a, _ in groups)  # the unit's own figures (a merged unit's), …
        rest_before = before.admitted - sum(b for _, _, b in groups)
        if rest_now > 0 or rest_before > 0:  # so that the lines add up to the totals above them
            lines.append(
                f"– Không thuộc khối nào: {num(rest_now)} (cùng kỳ: {num(rest_before)})"
                f" → {_delta(rest_now, rest_before)}"
            )
    return "\n".join(lines)


def khoi_words(label: str) -> str:
    """ "Khối doanh nghiệp" → "khối doanh nghiệp"; "Doanh nghiệp" → "khối Doanh nghiệp"."""
    return "khối " + label[5:].lstrip() if label.lower().startswith("khối") else f"khối {label}"


def no_category(unit_name: str, category_label: str) -> str:
    return (
        f"Trong {unit_name} không có đơn vị trực thuộc nào thuộc {khoi_words(category_label)}. "
        f"Xin hỏi theo tên đơn vị, ví dụ: “tiến độ {unit_name}”."
    )


MAX_LISTED = 30


def admitting_text(tree: UnitTree, unit_id: int, period_label: str, share: AdmittingShare) -> str:
    """Derived: the grassroots organisations of the subtree that admitted anyone in the period."""
    name = tree[unit_id].name
    if not share.total:
        return f"{name} không có tổ chức cơ sở đảng nào trong danh sách đơn vị."
    lines = [
        f"TỔ CHỨC CƠ SỞ ĐẢNG KẾT NẠP ĐƯỢC ĐẢNG VIÊN — {name} — {period_label}",
        f"{num(share.admitting)}/{num(share.total)} tổ chức cơ sở đảng kết nạp được ít nhất 1 đảng viên "
        f"({pct(share.share)}).",
    ]
    if share.not_admitting:
        lines.append(f"Chưa kết nạp được ({num(len(share.not_admitting))}):")
        lines += [f"– {tree[u].name}" for u in share.not_admitting[:MAX_LISTED]]
        if len(share.not_admitting) > MAX_LISTED:
            lines.append(f"… và {num(len(share.not_admitting) - MAX_LISTED)} đơn vị khác.")
    return "\n".join(lines)


def idle_text(tree: UnitTree, unit_id: int, years: int, window: str, idle: Sequence[IdleUnit]) -> str:
    """Derived: the units that admitted no one for `years` years running ("nhiều năm liền không kết nạp được")."""
    name = tree[unit_id].name
    head = f"ĐƠN VỊ {num(years)} NĂM LIỀN KHÔNG KẾT NẠP ĐƯỢC ĐẢNG VIÊN — {name} ({window})"
    if not idle:
        return f"{head}\nKhông có đơn vị nào: mỗi đơn vị đều kết nạp được đảng viên trong {num(years)} năm qua."
    lines = [head, f"{num(len(idle))} đơn vị:"]
    for item in idle[:MAX_LISTED]:
        last = f"lần cuối kết nạp năm {item.last_year}" if item.last_year else "chưa có số liệu kết nạp"
        lines.append(f"– {tree[item.unit_id].name} ({last})")
    if len(idle) > MAX_LISTED:
        lines.append(f"… và {num(len(idle) - MAX_LISTED)} đơn vị khác.")
    lines.append("Hỏi “3 năm liền”, “5 năm liền”… để đổi số năm.")
    return "\n".join(lines)


MORE = "Xem tiếp ▶"


def not_started(period_label: str) -> str:
    return f"Kỳ {period_label} chưa bắt đầu, chưa có số liệu."


def period_so_far(period_label: str, reading: date | None) -> str:
    """The period's label, with the day the figures reach when the period is still running."""
    return period_label if reading is None else f"{period_label} (đến {reading:%d/%m})"


def same_period(period_label: str) -> str:
    return f"cùng kỳ {period_label}"


def term_years(sums: Iterable[tuple[int, int, int, int]]) -> str:
    """Admissions per year of a term: (year, first month, last month, total) each."""
    lines = ["", "Theo năm:"]
    for year, first, last, total in sums:
        months = "" if (first, last) == (1, 12) else f" (tháng {first}–{last})"
        lines.append(f"– Năm {year}{months}: {num(total)} ĐVM")
    return "\n".join(lines)


def breakdown_caption(unit_name: str, period_label: str) -> str:
    return f"Biểu đồ cơ cấu đảng viên mới — {unit_name} — {period_label}"


def chart_caption(unit_name: str, period_label: str) -> str:
    return f"Biểu đồ tiến độ kết nạp — {unit_name} — {period_label}"


def workbook_caption(unit_name: str, period_label: str) -> str:
    return f"Báo cáo tiến độ kết nạp — {unit_name} — {period_label} (tệp Excel)"
