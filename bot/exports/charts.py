"""Progress chart: one bar per unit — admissions as a share of its target — with the pace line.

Rendered with matplotlib's Agg backend (no display). Horizontal bars sorted by share keep long unit names
readable on a phone; each bar is labelled "done/target".
"""

from __future__ import annotations

import io

from bot.progress import Status
from bot.services.progress import ProgressView
from bot.textfmt import pct

COLORS = {
    Status.AHEAD: "#2e7d32",
    Status.ON_TRACK: "#1565c0",
    Status.BEHIND: "#ef6c00",
    Status.NO_REPORT: "#9e9e9e",
    Status.NO_TARGET: "#bdbdbd",
}
MAX_BARS = 40


def progress_chart(view: ProgressView) -> bytes:
    """A PNG of the root's children (or of the root alone when it has none)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from matplotlib.patches import Patch

    units = [p for p in view.children() if p.target] or [view.root]
    units = sorted(units, key=lambda p: p.share or 0.0)[-MAX_BARS:]
    names = [_short(view.tree[p.unit_id].name) for p in units]
    shares = [100 * (p.share or 0.0) for p in units]
    height = max(3.2, 0.38 * len(units) + 1.8)
    fig, ax = plt.subplots(figsize=(8, height), dpi=130)
    try:
        bars = ax.barh(names, shares, color=[COLORS[p.status] for p in units])
        for bar, p in zip(bars, units, strict=True):
            label = f"{p.cumulative.admitted}/{p.target}" if p.target else str(p.cumulative.admitted)
            ax.text(bar.get_width() + 1.5, bar.get_y() + bar.get_height() / 2, label, va="center", fontsize=8)
        pace = 100 * view.pace
        ax.axvline(pace, color="#c62828", linestyle="--", linewidth=1.5)
        ax.axvline(100, color="#424242", linewidth=0.8)
        ax.set_xlim(0, max(110.0, max(shares, default=0) + 20))
        ax.set_xlabel("% chỉ tiêu năm đã đạt")
        root = view.root
        ax.set_title(
            f"Tiến độ kết nạp đảng viên — {view.tree[view.root_id].name}\n"
            f"{view.period.label}: {root.cumulative.admitted}/{root.target or '—'} ĐVM ({pct(root.share)}); "
            f"tiến độ chung {pct(view.pace)}",
            fontsize=10,
        )
        ax.tick_params(axis="y", labelsize=8)
        handles = [
            Patch(color=COLORS[s], label=label)
            for s, label in (
                (Status.AHEAD, "vượt"),
                (Status.ON_TRACK, "đúng"),
                (Status.BEHIND, "chậm"),
                (Status.NO_REPORT, "chưa báo cáo"),
            )
        ]
        handles.append(plt.Line2D([0], [0], color="#c62828", linestyle="--", label=f"tiến độ chung {pct(view.pace)}"))
        ax.legend(handles=handles, loc="lower right", fontsize=7, framealpha=0.9)
        fig.tight_layout()
        out = io.BytesIO()
        fig.savefig(out, format="png")
        return out.getvalue()
    finally:
        plt.close(fig)


def _short(name: str, limit: int = 38) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
