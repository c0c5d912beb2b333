"""Texts of the reporting flow: previews, confirmations, history, validation errors."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.domain.indicators import DEFAULT_SET, Indicators
from bot.domain.periods import Period, PeriodKind
from bot.domain.progress import UnitProgress, verdict
from bot.domain.records import Submission
from bot.domain.textfmt import day, moment, num, pct
from bot.domain.vocabulary import PIPELINE_LABELS, SCREENING_LABELS
from bot.language.reports import ReportProblem
from bot.present.replies.confirmations import CONFIRM_HINT

KIND_TITLES = {
    "admission": "Kết nạp",
    "adjustment": "Điều chỉnh lũy kế",
    "pipeline": "Nguồn phát triển đảng viên",
    "screening": "Rà soát, sàng lọc đảng viên",
}


def period_words(period: Period) -> str:
    """ "tháng 11, quý IV/2026" for a month; the period's own label otherwise."""
    if period.kind is PeriodKind.MONTH:
        quarter = Period.containing(period.start, PeriodKind.QUARTER)
        return f"tháng {period.index}, {quarter.label}"
    return period.label


def breakdown_values(figures: Mapping[str, Any], indicators: Indicators = DEFAULT_SET) -> dict[str, int]:
    """The breakdown of a draft ({"female": 1, "farmer": 1}) or of a stored row (columns, and the JSON of its
    `extra`), in the list's order; codes no longer in the list come last, under their code."""
    flat = dict(figures)
    extra = flat.pop("extra", None)
    if isinstance(extra, str) and extra:
        extra = json.loads(extra)
    if isinstance(extra, Mapping):
        flat |= dict(extra)
    values = {i.code: flat[i.code] for i in indicators if isinstance(flat.get(i.code), int)}
    skip = {"admitted", "id", "unit_id", "year", "ym_from", "ym_to", "supersedes", "superseded_by", "actor_user_id"}
    skip |= set(PIPELINE_LABELS) | set(SCREENING_LABELS)
    for key, value in flat.items():
        if key not in values and key not in skip and isinstance(value, int) and value and key.islower():
            values[key] = value
    return values


def figures_text(kind: str, figures: Mapping[str, Any], indicators: Indicators = DEFAULT_SET) -> str:
    if kind in ("admission", "adjustment"):
        admitted = figures.get("admitted", 0)
        sign = "+" if kind == "adjustment" and admitted > 0 else ""
        text = f"{KIND_TITLES[kind]} {sign}{num(admitted)} ĐVM"
        breakdown = breakdown_values(figures, indicators)
        parts = [f"{indicators.label(f)} {num(v)}" for f, v in breakdown.items() if v]
        return text + (f" (trong đó: {'; '.join(parts)})" if parts else "")
    labels = PIPELINE_LABELS if kind == "pipeline" else SCREENING_LABELS
    parts = [f"{label} {num(figures[f])}" for f, label in labels.items() if figures.get(f) is not None]
    return f"{KIND_TITLES[kind]}: {'; '.join(parts)}"


def record_line(
    kind: str, figures: Mapping[str, Any], period: Period, unit_name: str, indicators: Indicators = DEFAULT_SET
) -> str:
    return f"{figures_text(kind, figures, indicators)} — {period_words(period)} — {unit_name}"


def preview(line: str, expires: datetime, note: str | None = None) -> str:
    extra = f"\n\n{note}" if note else ""
    return f"Xin xác nhận báo cáo:\n{line}{extra}\n\n{CONFIRM_HINT}\nBản xem trước có hiệu lực đến {moment(expires)}."


def overlap_note(period: Period, outer: Period, old_lines: list[str], stored: int, new: int) -> str:
    """The preview's warning that this report shares months with stored reports, and what will be counted."""
    olds = "\n".join(old_lines)
    text = (
        f"⚠️ Lưu ý: đơn vị đã có báo cáo kết nạp cho thời gian trùng với {period.label}:\n{olds}\n"
        f"Các báo cáo được cộng với nhau: sau khi lưu, {outer.label} tính {num(stored + new)} ĐVM "
        f"({num(stored)} đã có + {num(new)} của báo cáo này)."
    )
    if outer == period:  # this report covers the stored ones: it may be meant as the total
        text += (
            f"\nNếu {num(new)} là tổng của cả {period.label} (đã gồm các báo cáo trên), xin chọn “Hủy” rồi gõ: "
            f"sửa: {period.label} kết nạp {num(new)}"
        )
    else:
        text += "\nNếu số này đã nằm trong báo cáo trên, xin chọn “Hủy”."
    return text


def figure_changes(
    kind: str, olds: list[dict[str, Any]], new: dict[str, Any], indicators: Indicators = DEFAULT_SET
) -> list[tuple[str, int | None, int | None]]:
    """(label, what is stored, what replaces it) for each figure either side has."""
    if kind in ("admission", "adjustment"):
        olds = [{"admitted": o.get("admitted"), **breakdown_values(o, indicators)} for o in olds]
        codes = [*indicators.codes, *(c for c in breakdown_values(new, indicators) if c not in indicators.by_code)]
        fields = {"admitted": "Kết nạp (ĐVM)"} | {f: f"trong đó {indicators.label(f)}" for f in codes}
    else:
        labels = PIPELINE_LABELS if kind == "pipeline" else SCREENING_LABELS
        fields = {f: label[:1].upper() + label[1:] for f, label in labels.items()}
    rows = []
    for field, label in fields.items():
        stored = [v for o in olds if (v := o.get(field)) is not None]
        before = sum(stored) if stored else None
        after = new.get(field)
        if after is None and kind in ("admission", "adjustment") and field != "admitted" and before:
            after = 0
        if field == "admitted" or before or after:
            rows.append((label, before, after))
    return rows


def _change_line(label: str, before: int | None, after: int | None) -> str:
    old = "–" if before is None else num(before)
    new = "–" if after is None else num(after)
    if before is not None and after is not None and before != after:
        note = f" (tăng {num(after - before)})" if after > before else f" (giảm {num(before - after)})"
    elif before == after:
        note = " (không đổi)"
    else:
        note = ""
    return f"– {label}: {old} → {new}{note}"


def correction_preview(
    old_lines: list[str],
    new_line: str,
    expires: datetime,
    changes: list[tuple[str, int | None, int | None]] | None = None,
) -> str:
    """A replacement, always with the stored and the new values side by side."""
    olds = "\n".join(f"– {line}" for line in old_lines)
    table = "\n".join(_change_line(*row) for row in changes or [])
    compare = f"Số liệu (đang có → sửa thành):\n{table}\n\n" if table else ""
    return (
        f"Xin xác nhận SỬA (thay thế) báo cáo đã lưu — không phải báo cáo mới.\n{compare}"
        f"Đang có:\n{olds}\nThay bằng:\n– {new_line}\n\n"
        f"Báo cáo cũ được giữ lại trong lịch sử (không xóa).\n{CONFIRM_HINT}\n"
        f"Bản xem trước có hiệu lực đến {moment(expires)}."
    )


def cumulative_preview(unit_name: str, year: int, stated: int, stored: int, period: Period, expires: datetime) -> str:
    diff = stated - stored
    return (
        f"Lũy kế kết nạp năm {year} của {unit_name}:\n"
        f"– Đồng chí báo: {num(stated)} ĐVM\n– Hệ thống đang có: {num(stored)} ĐVM\n"
        f"Sẽ ghi điều chỉnh {'+' if diff > 0 else ''}{num(diff)} ĐVM vào {period_words(period)}.\n\n"
        f"{CONFIRM_HINT}\nBản xem trước có hiệu lực đến {moment(expires)}."
    )


def cumulative_matches(unit_name: str, year: int, stored: int) -> str:
    return f"Số liệu đã khớp: lũy kế năm {year} của {unit_name} là {num(stored)} ĐVM. Không cần điều chỉnh."


def saved(
    line: str, submission_id: int, progress: UnitProgress | None, year: int, target_period_over: bool = False
) -> str:
    text = f"Đã lưu (mã báo cáo #{submission_id}):\n{line}"
    if progress is not None:
        text += "\n\n" + progress_brief(progress, year, target_period_over)
    return text


def progress_brief(p: UnitProgress, year: int, target_period_over: bool = False) -> str:
    if p.target is None:
        return f"Năm {year}: đã kết nạp {num(p.cumulative.admitted)} ĐVM (chưa giao chỉ tiêu)."
    head = f"Năm {year}: đã kết nạp {num(p.cumulative.admitted)}/{num(p.target)} ĐVM, đạt {pct(p.share)} chỉ tiêu"
    if target_period_over:  # the year is over: achieved or not, no pace and nothing "still to admit"
        short = f" (thiếu {num(p.remaining)} ĐVM)" if p.remaining else ""
        return f"{head} — năm {year} đã kết thúc: {verdict(p, True)} năm{short}."
    text = f"{head} (tiến độ chung {pct(p.pace)}) — {verdict(p, False)}."
    if p.remaining:
        text += f" Còn phải kết nạp {num(p.remaining)} ĐVM."
    else:
        text += " Đã hoàn thành chỉ tiêu năm."
    return text


def problem(p: ReportProblem) -> str:
    return f"Báo cáo chưa được lưu. {p.message}\nXin gửi lại theo mẫu, ví dụ: “{p.example}”."


def rejected(message: str, example: str) -> str:
    return f"Báo cáo chưa được lưu. {message}\nVí dụ cách viết: “{example}”."


EXAMPLE_SHORT = "kết nạp 2"  # what follows a unit's name in the example of a report for a unit below


def period_not_begun(period: Period) -> str:
    return f"Kỳ {period.label} chưa đến, chưa thể báo cáo."


def year_closed(year: int) -> str:
    return f"Năm {year} đã khóa sổ, không nhận báo cáo hay sửa số liệu."


def too_big(biggest: int, ceiling: int) -> str:
    """A figure above the per-report ceiling."""
    return (
        f"Số {num(biggest)} có vẻ quá lớn cho một đơn vị (tối đa {num(ceiling)} trong một lần báo cáo). "
        "Xin kiểm tra lại; nếu số liệu đúng, xin liên hệ Ban Tổ chức."
    )


def reports_through_units_below(unit_name: str, children: list[str]) -> str:
    """A report for a unit whose figures are the sum of its units' reports (the first few named)."""
    return (
        f"{unit_name} có các đơn vị trực thuộc ({', '.join(children)}…); số liệu được cộng từ báo cáo "
        "của từng đơn vị. Xin ghi rõ đơn vị báo cáo."
    )


def nothing_to_correct(period: Period, unit_name: str) -> str:
    return (
        f"Chưa có báo cáo {period_words(period)} của {unit_name} để sửa. "
        "Nếu đây là báo cáo mới, xin gõ không có chữ “sửa”."
    )


def with_unread(preview_text: str, parts: list[str]) -> str:
    """A preview followed by the parts of the message that were not understood (shown, never stored)."""
    return "\n".join(
        [
            preview_text,
            *(f"Chưa hiểu phần: “{part}” — chưa được ghi" for part in parts),
            "Phần chưa hiểu sẽ không được lưu; nếu cần, xin bấm Sửa và ghi lại rõ hơn.",
        ]
    )


BUTTON_FIX_RECORD = "✏️ Sửa báo cáo này"


def replaced_already(submission_id: int, by: int) -> str:
    return f"Báo cáo #{submission_id} đã được thay bằng #{by}. Xem /lichsu."


def fix_example(period: Period, admitted: int) -> str:
    """What to type to correct a stored record of `period` (its admissions as the starting figure)."""
    return f"{period_words(period).split(',')[0]} kết nạp {max(0, admitted)}"


SUPERSEDED_MEANWHILE = "Báo cáo cũ vừa được người khác sửa; chưa lưu gì. Xin xem /lichsu rồi gửi lại."
EDIT_AFTER_SAVE = (
    "Tin nhắn đã sửa, nhưng báo cáo đã được lưu trước đó. Để sửa số liệu, xin gõ: “sửa: <kỳ> kết nạp <số đúng>”."
)
PREVIEW_UPDATED = "Đã cập nhật theo tin nhắn vừa sửa."
FIX_HELP = (
    "Để sửa một báo cáo đã lưu, gõ “sửa:” rồi nội dung đúng, ví dụ:\n"
    "• sửa: quý III kết nạp 4 chứ không phải 3\n• sửa: tháng 9 kết nạp 2, trong đó 1 nữ\n"
    "Báo cáo cũ được giữ lại trong lịch sử. Xem các báo cáo gần đây: /lichsu"
)


def fix_prompt(line: str, example: str) -> str:
    return f"Đang sửa báo cáo:\n{line}\n\nXin gửi nội dung đúng, ví dụ: “{example}”."


def history(unit_name: str, rows: list[Submission], tz: Any, indicators: Indicators = DEFAULT_SET) -> str:
    if not rows:
        return f"{unit_name} chưa có báo cáo nào."
    lines = [f"Các báo cáo gần đây — {unit_name}:"]
    for r in rows:
        figures = {k: v for k, v in r.figures.items() if v is not None} | {"extra": r.extra}
        when = datetime.fromisoformat(r.created_at).astimezone(tz)
        state = f" [đã thay bằng #{r.superseded_by}]" if r.superseded_by else ""
        sender = r.actor_name or "hệ thống"
        lines.append(
            f"#{r.id} {day(when)}: {figures_text(r.kind, figures, indicators)} — {period_words(r.period)}"
            f" — {r.unit_name} — {sender}{state}"
        )
    return "\n".join(lines)
