"""What setting a target by chat says: the preview, the warnings when the sums differ, the confirmation."""

from __future__ import annotations

from bot.domain.textfmt import num, pct


def label(scope: str, start: int, end: int) -> str:
    return f"năm {start}" if scope == "year" else f"nhiệm kỳ {start}–{end}"


def with_example(refusal: str, example: str) -> str:
    return f"{refusal}\nVí dụ: “{example}”."


def preview(label: str, unit_name: str, value: int, current: int | None) -> str:
    now = f" (hiện tại: {num(current)})" if current is not None else " (chưa có)"
    return f"Giao chỉ tiêu {label} — {unit_name}: {num(value)} ĐVM{now}"


def quarter_plan(plan: tuple[float, ...]) -> str:
    return "Kế hoạch theo quý: " + " / ".join(pct(p) for p in plan)


def children_differ(given: int, value: int) -> str:
    return f"Lưu ý: chỉ tiêu các đơn vị trực thuộc cộng lại là {num(given)}, khác {num(value)}."


def siblings_differ(siblings: int, parent_name: str, parent_value: int) -> str:
    return (
        f"Lưu ý: sau khi giao, các đơn vị cùng cấp cộng lại {num(siblings)}, "
        f"khác chỉ tiêu của {parent_name} ({num(parent_value)})."
    )


def done(label: str, unit_name: str, value: int) -> str:
    return f"Đã giao chỉ tiêu {label} cho {unit_name}: {num(value)} ĐVM."
