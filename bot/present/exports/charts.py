"""Progress charts, rendered with matplotlib's Agg backend (no display).

`progress_chart`: one horizontal bar per unit — admissions as a share of its target — with the pace line. Bars are
sorted by share; a unit at 0 still gets a thin bar in its status colour (grey when it has not reported), so the
worst units never vanish; long names wrap instead of being cut; the legend sits below the plot, never over a bar.
`term_chart`: a term year by year — admissions per year with the running total; the title has the term target.
Every chart says, under it, the date its figures are read at and where they come from.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from typing import Any

from bot.domain.progress import ProgressView, Status
from bot.domain.textfmt import num, pct

COLORS = {
    Status.AHEAD: "#2e7d32",
    Status.ON_TRACK: "#1565c0",
    Status.BEHIND: "#ef6c00",
    Status.NO_REPORT: "#9e9e9e",
    Status.NO_TARGET: "#bdbdbd",
}
LEGEND = (
    (Status.AHEAD, "vượt tiến độ"),
    (Status.ON_TRACK, "đúng tiến độ"),
    (Status.BEHIND, "chậm tiến độ"),
    (Status.NO_REPORT, "chưa báo cáo"),
)
MAX_BARS = 40
NAME_WIDTH = 32  # characters per line of a unit name on the axis
SOURCE = "Nguồn: báo cáo đã xác nhận của các đơn vị trên PTĐV Bot"


def progress_chart(view: ProgressView) -> bytes:
    """A PNG of the root's children (or of the root alone when it has none)."""
    return _png(progress_figure(view))


def term_chart(view: ProgressView, by_year: Sequence[tuple[int, int]]) -> bytes:
    """A PNG of a term year by year: `by_year` = (year, admissions in that year) for the years so far."""
    return _png(term_figure(view, by_year))


def breakdown_chart(view: ProgressView) -> bytes:
    """A PNG of the structure (cơ cấu) of the admissions in the period: one bar per indicator of the list (data)."""
    return _png(breakdown_figure(view))


def breakdown_labels(view: ProgressView) -> list[tuple[str, int]]:
    """(label, value) of each bar of `breakdown_chart`: the required indicators and every other with a value."""
    f = view.root.in_period
    return [(item.name, f.get(item.code)) for item in view.indicators.columns(f.breakdown())]


def breakdown_figure(view: ProgressView) -> Any:
    plt, Patch = _pyplot()
    bars = breakdown_labels(view)
    total = view.root.in_period.admitted
    names = [_wrap(label[:1].upper() + label[1:]) for label, _ in bars][::-1]
    values = [v for _, v in bars][::-1]
    fig = plt.figure(figsize=(8, max(4.2, 0.32 * len(bars) + 2.6)), dpi=130)
    try:
        ax = fig.add_subplot()
        positions = range(len(values))
        right = max([*values, total, 1]) * 1.25
        drawn = ax.barh(positions, [max(v, right * 0.006) for v in values], color="#1565c0")
        for bar, v in zip(drawn, values, strict=True):
            share = f" ({pct(v / total)})" if total else ""
            ax.text(
                bar.get_width() + right * 0.01,
                bar.get_y() + bar.get_height() / 2,
                f"{num(v)}{share}",
                va="center",
                fontsize=8,
            )
        ax.set_yticks(list(positions), names, fontsize=8)
        ax.set_xlim(0, right)
        ax.set_xlabel("Số đảng viên mới")
        ax.set_title(
            _plain(
                f"Cơ cấu đảng viên mới — {view.tree[view.root_id].name}\n"
                f"{view.period.label}: tổng số kết nạp {num(total)} ĐVM"
            ),
            fontsize=10,
        )
        _footer(fig, view, [Patch(color="#1565c0", label="số đảng viên mới thuộc chỉ tiêu (tỉ lệ trên tổng)")], [])
    except BaseException:
        plt.close(fig)
        raise
    return fig


def progress_figure(view: ProgressView) -> Any:
    """The matplotlib Figure behind `progress_chart` (closed by `_png`)."""
    plt, Patch = _pyplot()
    with_target = [p for p in view.children() if p.target]
    units = with_target or [view.root]
    units = sorted(units, key=lambda p: p.share or 0.0)[-MAX_BARS:]
    names = [_wrap(view.tree[p.unit_id].name) for p in units]
    lines = sum(n.count("\n") + 1 for n in names)
    shares = [100 * (p.share or 0.0) for p in units]
    right = max(110.0, max(shares, default=0) + 20)
    stub = right * 0.012  # a unit at 0 still shows a sliver in its colour
    fig = plt.figure(figsize=(8, max(4.2, 0.22 * lines + 0.12 * len(units) + 2.6)), dpi=130)
    try:
        ax = fig.add_subplot()
        positions = range(len(units))
        bars = ax.barh(
            positions,
            [max(s, stub) for s in shares],
            color=[COLORS[p.status] for p in units],
            edgecolor=["#424242" if s == 0 else "none" for s in shares],
            linewidth=0.6,
        )
        for bar, p in zip(bars, units, strict=True):
            label = f"{p.cumulative.admitted}/{p.target}" if p.target else str(p.cumulative.admitted)
            if p.status is Status.NO_REPORT:
                label += " (chưa báo cáo)"
            ax.text(bar.get_width() + right * 0.012, bar.get_y() + bar.get_height() / 2, label, va="center", fontsize=8)
        ax.set_yticks(list(positions), names, fontsize=8)
        ax.set_ylim(-0.6, len(units) - 0.4)
        ax.axvline(100 * view.pace, color="#c62828", linestyle="--", linewidth=1.5)
        ax.axvline(100, color="#424242", linewidth=0.8)
        ax.set_xlim(0, right)
        ax.set_xlabel(
            "% chỉ tiêu nhiệm kỳ đã đạt" if view.period.kind.value == "term" else "% chỉ tiêu năm đã đạt (lũy kế)"
        )
        root = view.root
        ax.set_title(
            _plain(
                f"Tiến độ kết nạp đảng viên — {view.tree[view.root_id].name}\n"
                f"{view.period.label}: {root.cumulative.admitted}/{root.target or '—'} ĐVM ({pct(root.share)}); "
                f"tiến độ chung {pct(view.pace)}"
            ),
            fontsize=10,
        )
        handles: list[Any] = [Patch(color=COLORS[s], label=label) for s, label in LEGEND]
        handles.append(plt.Line2D([0], [0], color="#c62828", linestyle="--", label=f"tiến độ chung {pct(view.pace)}"))
        notes = []
        without = [p for p in view.children() if not p.target]
        if with_target and without:
            notes.append(f"Chưa giao chỉ tiêu (không vẽ): {len(without)} đơn vị.")
        _footer(fig, view, handles, notes)
    except BaseException:
        plt.close(fig)
        raise
    return fig


def term_figure(view: ProgressView, by_year: Sequence[tuple[int, int]]) -> Any:
    """The matplotlib Figure behind `term_chart`."""
    plt, Patch = _pyplot()
    fig = plt.figure(figsize=(8, 5), dpi=130)
    try:
        ax = fig.add_subplot()
        years = [str(y) for y, _ in by_year]
        counts = [n for _, n in by_year]
        running = [sum(counts[: i + 1]) for i in range(len(counts))]
        ax.bar(years, [max(n, 0.01 * max(counts, default=1)) for n in counts], color="#1565c0", edgecolor="#424242")
        for x, n, total in zip(years, counts, running, strict=True):
            ax.annotate(
                f"{num(n)}\n(lũy kế {num(total)})",
                (x, n),
                textcoords="offset points",
                xytext=(0, 3),
                ha="center",
                va="bottom",
                fontsize=8,
            )
        ax.set_ylabel("ĐVM kết nạp trong năm")
        ax.set_ylim(0, max(counts, default=0) * 1.3 + 1)
        handles: list[Any] = [Patch(color="#1565c0", label="kết nạp trong năm (lũy kế từ đầu nhiệm kỳ)")]
        root = view.root
        ax.set_title(
            _plain(
                f"Kết nạp đảng viên theo năm — {view.tree[view.root_id].name}\n"
                f"{view.period.label}: {root.cumulative.admitted}/{root.target or '—'} ĐVM ({pct(root.share)})"
            ),
            fontsize=10,
        )
        _footer(fig, view, handles, [])
    except BaseException:
        plt.close(fig)
        raise
    return fig


def _pyplot() -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    return plt, Patch


def _footer(fig: Any, view: ProgressView, handles: list[Any], notes: list[str]) -> None:
    """Below the plot, in a band of its own: the legend (never over a bar), then the data date and the source."""
    height = fig.get_figheight()
    band = 0.75  # inches: legend row + footer line
    fig.tight_layout(rect=(0, band / height, 1, 1))
    fig.legend(
        handles=handles,
        loc="center",
        bbox_to_anchor=(0.5, 0.48 * band / height),
        ncols=len(handles),
        fontsize=7,
        frameon=False,
        handlelength=1.5,
        columnspacing=1.2,
    )
    text = " ".join([f"Số liệu đến {view.as_of:%d/%m/%Y}. {SOURCE}.", *notes])
    fig.text(0.5, 0.1 / height, _plain(text), ha="center", va="bottom", fontsize=7, color="#555555")


def _png(fig: Any) -> bytes:
    from matplotlib import pyplot as plt

    try:
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)


def _wrap(name: str) -> str:
    return _plain("\n".join(textwrap.wrap(name, NAME_WIDTH)) or name)


def _plain(text: str) -> str:
    """A "$" in a name must not switch matplotlib to mathtext."""
    return text.replace("$", r"\$")
