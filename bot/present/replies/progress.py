"""Progress answers: the period, admitted, cumulative against target, pace, status, units that matter."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from bot.domain.periods import PeriodKind
from bot.domain.progress import STATUS_LABELS, ProgressView, Status, UnitProgress, project, status_of, verdict
from bot.domain.textfmt import day, num, pct

TELEGRAM_LIMIT = 4096
LIST_LIMIT = 8  # units named per list before summarising


def _unit_line(view: ProgressView, p: UnitProgress) -> str:
    name = view.tree[p.unit_id].name
    if p.target is None:
        return f"– {name}: {num(p.cumulative.admitted)} (chưa giao chỉ tiêu)"
    extra = ""
    if view.target_period_over and p.remaining:
        extra = f", thiếu {num(p.remaining)} so với chỉ tiêu"
    elif p.status is Status.BEHIND:
        extra = f", cần thêm {num(p.short_of_pace)} để đạt tiến độ"
    return f"– {name}: {num(p.cumulative.admitted)}/{num(p.target)} ({pct(p.share)}){extra}"


def _listed(view: ProgressView, title: str, items: list[UnitProgress]) -> list[str]:
    if not items:
        return []
    lines = [f"\n{title} ({num(len(items))} đơn vị):"]
    lines += [_unit_line(view, p) for p in items[:LIST_LIMIT]]
    if len(items) > LIST_LIMIT:
        lines.append(f"… và {num(len(items) - LIST_LIMIT)} đơn vị khác.")
    return lines


def _headline(view: ProgressView) -> list[str]:
    r = view.root
    period = view.period
    scope = "nhiệm kỳ" if period.kind is PeriodKind.TERM else "năm"
    lines: list[str] = []
    if period.kind in (PeriodKind.MONTH, PeriodKind.QUARTER, PeriodKind.HALF):
        label = period.label[0].upper() + period.label[1:]
        lines.append(f"• {label}: kết nạp {num(r.in_period.admitted)} ĐVM")
        lines.append(f"• Lũy kế từ đầu năm {_reach(view)}: {_against(r)}")
    elif period.kind is PeriodKind.TERM:
        lines.append(f"• Đã kết nạp trong {period.label}: {_against(r)}")
    else:
        lines.append(f"• Đã kết nạp: {_against(r)}")
    if r.target is not None and view.target_period_over:
        whole = "nhiệm kỳ" if period.kind is PeriodKind.TERM else f"năm {period.year}"
        short = f" (thiếu {num(r.remaining)} ĐVM)" if r.remaining else ""
        lines.append(f"• Kết quả {whole}: {verdict(r, True)}{short}")
    elif r.target is not None:
        lines.append(f"• Tiến độ chung cần đạt: {pct(view.pace)} ({num(r.expected or 0)} ĐVM) → {_status_words(view)}")
        if r.remaining:
            lines.append(f"• Còn phải kết nạp: {num(r.remaining)} ĐVM để đạt chỉ tiêu {scope}")
        else:
            lines.append(f"• Đã hoàn thành chỉ tiêu {scope}.")
    else:
        lines.append("• Chưa giao chỉ tiêu cho kỳ này.")
    if view.is_running and period.kind is not PeriodKind.TERM and r.target:
        proj = project(r.cumulative.admitted, r.target, view.as_of)
        lines.append(f"• Dự kiến cả năm theo nhịp hiện nay: khoảng {num(proj.year_end)} ĐVM")
        if r.remaining and proj.per_month_needed is not None:
            lines.append(
                f"• Cần bình quân {num(proj.per_month_needed, 1)} ĐVM/tháng trong {num(proj.months_left)} tháng còn lại"
            )
    return lines


def _reach(view: ProgressView) -> str:
    """How far the cumulative figure of a month, quarter or half reaches."""
    period = view.period
    if view.is_running:
        return "đến nay"
    match period.kind:
        case PeriodKind.MONTH:
            return f"đến hết tháng {period.index}"
        case PeriodKind.QUARTER:
            return f"đến hết {period.label.split('/')[0]}"
        case _:
            return "đến hết 6 tháng đầu năm" if period.index == 1 else f"đến hết năm {period.year}"


def _status_words(view: ProgressView) -> str:
    """The root's status, consistent with the count shown beside the pace: under that count but within the
    tolerance says so; a unit with no report yet is placed against the pace and the silence said after."""
    r = view.root
    status = r.status
    if status is Status.NO_REPORT:
        status = status_of(r.cumulative.admitted, r.target, r.pace, True, view.tolerance)
    words = STATUS_LABELS[status]
    if status is Status.ON_TRACK and r.short_of_pace:
        words += (
            f" (còn thiếu {num(r.short_of_pace)} ĐVM so với tiến độ chung, trong mức cho phép"
            f" {num(round(view.tolerance * 100))} điểm %)"
        )
    if r.status is Status.NO_REPORT:
        words += f"; chưa có báo cáo nào trong {view.period.label}"
    return words


def _against(p: UnitProgress) -> str:
    if p.target is None:
        return f"{num(p.cumulative.admitted)} ĐVM"
    return f"{num(p.cumulative.admitted)}/{num(p.target)} ĐVM, đạt {pct(p.share)} chỉ tiêu"


def _by_category(view: ProgressView) -> list[str]:
    groups: dict[str, list[UnitProgress]] = defaultdict(list)
    for child in view.children():
        category = view.tree[child.unit_id].category
        if category:
            groups[category].append(child)
    if len(groups) < 2:
        return []
    lines = ["\nTheo khối:"]
    labels = {**view.category_labels, **{c: c for c in groups if c not in view.category_labels}}  # as stored
    rest = view.root.cumulative.admitted  # what no khối holds: the root's own figures (a merged unit's), others
    for category, label in labels.items():
        items = groups.get(category)
        if not items:
            continue
        done = sum(p.cumulative.admitted for p in items)
        rest -= done
        target = sum(p.target or 0 for p in items)
        if target:
            lines.append(f"– {label}: {num(done)}/{num(target)} ({pct(done / target)})")
        else:
            lines.append(f"– {label}: {num(done)} ĐVM")
    if rest > 0:  # the lines add up to the total above them
        lines.append(f"– Không thuộc khối nào: {num(rest)} ĐVM")
    return lines


def progress_text(view: ProgressView, today: date, silent: list[int] | None = None) -> str:
    """The progress answer. `silent` lists the reporting units with no report in the period — the same list
    `/chuabaocao` gives (None leaves the section out)."""
    unit = view.tree[view.root_id]
    reading = f"số liệu đến {day(view.as_of)}" if view.is_running else f"đến {day(view.as_of)}"
    period_label = view.period.label
    if view.period.kind is not PeriodKind.YEAR and view.period.kind is not PeriodKind.TERM:
        period_label = f"{period_label} (năm {view.period.year})"
    lines = [
        f"TIẾN ĐỘ KẾT NẠP ĐẢNG VIÊN — {unit.name}",
        f"{period_label[0].upper()}{period_label[1:]}, {reading}",
        "",
    ]
    lines += _headline(view)
    children = view.children()
    if children:
        lines += _by_category(view) if view.period.kind in (PeriodKind.YEAR, PeriodKind.TERM) else []
        over = view.target_period_over
        behind = sorted(
            (p for p in children if (bool(p.remaining) if over else p.status is Status.BEHIND)),
            key=lambda p: (p.share or 0.0, -(p.target or 0)),
        )
        lines += _listed(view, "Không đạt chỉ tiêu" if over else "Chậm tiến độ", behind)
        if view.period.kind is not PeriodKind.TERM and silent is not None:
            lines += _silent(view, silent)
        top = sorted(
            (p for p in children if p.target and p.share is not None and p.status is Status.AHEAD),
            key=lambda p: -(p.share or 0),
        )[:3]
        if top:
            lines.append("\nDẫn đầu: " + "; ".join(f"{view.tree[p.unit_id].short_name} {pct(p.share)}" for p in top))
    text = "\n".join(lines)
    return text if len(text) <= TELEGRAM_LIMIT else text[: TELEGRAM_LIMIT - 2] + "…"


def _silent(view: ProgressView, silent: list[int]) -> list[str]:
    if not silent:
        return []
    label = view.period.label if view.period.kind is not PeriodKind.YEAR else f"năm {view.period.year}"
    names = [view.tree[u].name for u in silent]
    shown = ", ".join(names[:LIST_LIMIT])
    more = f" và {num(len(names) - LIST_LIMIT)} đơn vị khác" if len(names) > LIST_LIMIT else ""
    return [f"\nChưa báo cáo {label} ({num(len(names))} đơn vị): {shown}{more}."]
