"""Texts of setting targets by chat (`bot.services.targets_admin`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.textfmt import num, pct


def scope_label(scope: str, start: int, end: int) -> str:
    """What a target is for: "năm 2026" or "nhiệm kỳ 2025–2030"."""
    return f"năm {start}" if scope == "year" else f"nhiệm kỳ {start}–{end}"


def with_example(problem: str, example: str) -> str:
    return f"{problem}\nVí dụ: “{example}”."


def proposal(label: str, unit_name: str, value: int, current: int | None) -> str:
    now = f" (hiện tại: {num(current)})" if current is not None else " (chưa có)"
    return f"Giao chỉ tiêu {label} — {unit_name}: {num(value)} ĐVM{now}"


def quarter_plan(plan: Sequence[float]) -> str:
    return "Kế hoạch theo quý: " + " / ".join(pct(p) for p in plan)


def children_differ(children_sum: int, value: int) -> str:
    return f"Lưu ý: chỉ tiêu các đơn vị trực thuộc cộng lại là {num(children_sum)}, khác {num(value)}."


def siblings_differ(siblings_sum: int, parent_name: str, parent_target: int) -> str:
    return (
        f"Lưu ý: sau khi giao, các đơn vị cùng cấp cộng lại {num(siblings_sum)}, "
        f"khác chỉ tiêu của {parent_name} ({num(parent_target)})."
    )


def target_set(label: str, unit_name: str, value: int) -> str:
    return f"Đã giao chỉ tiêu {label} cho {unit_name}: {num(value)} ĐVM."
