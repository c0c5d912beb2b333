"""`make bench`: build (or reuse) the synthetic provinces, print every benchmark's figures, then the table of
issue 19 — ours and the bare PTB echo bot side by side — in one run.

python -m bench            # 6,621 units (five years) and 60,621 units (one year)
python -m bench --quick    # 6,621 units only
python -m bench --fresh    # rebuild the databases even if they are there
"""

import asyncio
import platform
import statistics
import sys
from pathlib import Path

from bench import language, memory, query_latency, reminders, throughput, zalo
from bench.province import Shape, ensure

SMALL = Path("data/bench-province.sqlite3")
LARGE = Path("data/bench-province-60k.sqlite3")


def _row(rows: list, level: str, label: str) -> tuple[float, float, float]:
    return next((p50, p95, p99) for lv, lb, p50, p95, p99 in rows if lv == level and lb == label)


async def run(quick: bool, fresh: bool, rounds: int) -> list[tuple[str, str, str]]:
    table: list[tuple[str, str, str]] = []
    province = await ensure(SMALL, fresh=fresh)
    print(f"Tỉnh mẫu: {province.units:,} đơn vị, {province.events:,} sự kiện")
    small = await query_latency.measure(province)
    query_latency.print_rows(province.units, small)
    large_rows: list = []
    large = None
    if not quick:
        large = await ensure(LARGE, Shape(branches=100, years=1), fresh=fresh)
        print(f"Tỉnh lớn: {large.units:,} đơn vị, {large.events:,} sự kiện")
        large_rows = await query_latency.measure(large, runs=15, file_runs=2, levels=("tỉnh", "huyện"))
        large_rows += await query_latency.after_change(large)
        query_latency.print_rows(large.units, large_rows)

    results = {r.mode: r for r in await throughput.main(SMALL, rounds=rounds)}
    mix, root = results["mix"], results["root"]
    table.append(
        (
            "thông lượng ours/echo — huyện mẫu, hỗn hợp",
            f"{mix.ratio:.2f} ({mix.ours:.0f} / {mix.echo:.0f} cập nhật/s)",
            "≥ 0,8",
        )
    )
    table.append(
        (
            "thông lượng ours/echo — tỉnh 6.621 đv, câu hỏi ở gốc",
            f"{root.ratio:.2f} ({root.ours:.0f} / {root.echo:.0f} cập nhật/s)",
            "≥ 0,8",
        )
    )
    table.append(
        (
            "CPU/cập nhật — huyện mẫu / tỉnh (echo)",
            f"{mix.cpu:.1f} / {root.cpu:.1f} ms ({mix.echo_cpu:.1f} / {root.echo_cpu:.1f})",
            "≤ 2,5 / ≤ 5 ms",
        )
    )
    shipped = await throughput.shipped(await throughput.demo_database())
    table.append(("`ptdv run` như khi giao: trả lời/giây (hỗn hợp)", f"{shipped:.0f} tin/s", "không bị chặn < 30/s"))
    if large is not None:
        nr, pipe = _row(large_rows, "tỉnh", "chưa báo cáo")[2], _row(large_rows, "tỉnh", "nguồn")[2]
        table.append(("“chưa báo cáo” / “nguồn” ở gốc 60.621 đv, p99", f"{nr:.0f} / {pipe:.0f} ms", "< 100 ms"))
        nr, pipe = (_row(large_rows, "tỉnh", f"{q} (sau thay đổi)")[2] for q in ("chưa báo cáo", "nguồn"))
        table.append(("— câu đầu tiên sau một thay đổi số liệu, p99", f"{nr:.0f} / {pipe:.0f} ms", "< 100 ms"))
    chart_small = _row(small, "tỉnh", "biểu đồ")[1]
    chart_large = _row(large_rows, "tỉnh", "biểu đồ")[1] if large else float("nan")
    drawn_small = _row(small, "tỉnh", "biểu đồ (lần đầu)")[0]
    drawn_large = _row(large_rows, "tỉnh", "biểu đồ (lần đầu)")[0] if large else float("nan")
    table.append(
        (
            "biểu đồ PNG ở gốc, 6k / 60k: hỏi lại (p95); lần đầu",
            f"{chart_small:.0f} / {chart_large:.0f} ms; {drawn_small:.0f} / {drawn_large:.0f} ms",
            "< 150 ms",
        )
    )
    excel_small = _row(small, "tỉnh", "Excel")[0]
    excel_large = _row(large_rows, "tỉnh", "Excel")[0] if large else float("nan")
    excel_mb = memory.measure(LARGE if large else SMALL, "excel")
    table.append(
        (
            "Excel ở gốc, 6k / 60k; bộ nhớ đỉnh",
            f"{excel_small / 1000:.1f} / {excel_large / 1000:.1f} s; {excel_mb:.0f} MB",
            "< 1 s / < 8 s, < 250 MB",
        )
    )
    rss = memory.measure(LARGE if large else SMALL, "text")
    table.append((f"bộ nhớ đỉnh khi trả lời câu hỏi, {'60k' if large else '6k'}", f"{rss:.0f} MB", "< 120 MB"))
    if large is not None:
        first = _row(large_rows, "tỉnh", "câu đầu tiên")[0]
        start = _row(large_rows, "tỉnh", "khởi động")[0]
        label = "câu trả lời đầu tiên sau khi khởi động, 60k (khởi động)"
        table.append((label, f"{first:.0f} ms ({start / 1000:.1f} s)", "< 300 ms"))
        took, during = await query_latency.during_file(large)
        table.append(
            (
                "“tiến độ” chi bộ trong lúc xuất Excel 60k",
                f"{len(during)} câu, p50 {statistics.median(during):.0f}, max {max(during):.0f} ms"
                f" (Excel {took:.0f} s)",
                "không phải chờ tệp",
            )
        )

    plan_ms, _ = await reminders.planning(SMALL)
    _, rate, limited, lost = await reminders.delivery(SMALL)
    table.append(("lập kế hoạch nhắc nhở, 6.621 đơn vị", f"{plan_ms:.0f} ms", "< 1 s"))
    table.append(
        ("gửi nhắc nhở (giới hạn 30/s)", f"{rate:.1f}/s = {rate / 30:.0%}; 429: {limited}; mất: {lost}", "≥ 90 %")
    )
    table += await asyncio.to_thread(language.measure, quick)
    zrate, p50, p99 = await zalo.measure()
    table.append(("Zalo: trả lời qua long polling", f"{zrate:.1f} tin/s; p50 {p50:.0f}, p99 {p99:.0f} ms", "—"))
    return table


def main() -> None:
    quick = "--quick" in sys.argv
    print(
        f"PTĐV Bot — đo hiệu năng; Python {sys.version.split()[0]}, {platform.machine()}, "
        f"{platform.platform(terse=True)}"
    )
    rows = asyncio.run(run(quick, "--fresh" in sys.argv, rounds=3))
    width = max(len(r[0]) for r in rows)
    print("\nTÓM TẮT (issue 19)")
    for name, value, target in rows:
        print(f"  {name:{width}}  {value:44}  mục tiêu {target}")


main()
