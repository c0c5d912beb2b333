"""`make bench`: build the synthetic provinces and print every benchmark's figures, then one summary table.

python -m bench            # 6,621 units (five years) and 60,621 units (one year)
python -m bench --quick    # 6,621 units only
"""

import asyncio
import platform
import subprocess
import sys
from pathlib import Path

from bench import language, query_latency, reminders, throughput, zalo
from bench.province import Shape, build

SMALL = Path("data/bench-province.sqlite3")
LARGE = Path("data/bench-province-60k.sqlite3")


async def run(quick: bool) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    province = await build(SMALL)
    print(f"Tỉnh mẫu: {province.units:,} đơn vị, {province.events:,} sự kiện ({province.seconds:.0f} s)")
    latency = await query_latency.measure(province)
    for level, label, p50, p95, p99 in latency:
        print(f"  6.621 đv  {level:7} {label:20} p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f} ms")
    root_p99 = next(p99 for level, label, _, _, p99 in latency if level == "tỉnh" and label.startswith("tiến độ (năm"))
    rows.append(("p99, tiến độ ở gốc tỉnh, 6.621 đơn vị", f"{root_p99:.1f} ms", "< 50 ms"))
    plan_ms, _ = await reminders.planning(SMALL)
    _, rate, limited, lost = await reminders.delivery(SMALL)
    rows.append(("lập kế hoạch nhắc nhở, 6.621 đơn vị", f"{plan_ms:.0f} ms", "< 1 s"))
    rows.append(
        (
            "gửi nhắc nhở (giới hạn 30/s của Telegram)",
            f"{rate:.1f}/s = {rate / 30:.0%}; 429: {limited}; mất: {lost}",
            "≥ 90 %, 0 mất",
        )
    )
    ours, echo, cpu = await throughput.main(SMALL)
    rows.append(
        ("thông lượng ours/echo", f"{ours:.0f}/{echo:.0f} = {ours / echo:.2f}; {cpu:.1f} ms CPU/cập nhật", "≥ 0,8")
    )
    rate, p50, p99 = await zalo.measure()
    rows.append(
        ("Zalo: trả lời qua long polling (huyện mẫu)", f"{rate:.1f} tin/s; p50 {p50:.0f} ms, p99 {p99:.0f} ms", "—")
    )
    if not quick:
        large = await build(LARGE, Shape(branches=100, years=1))
        print(f"Tỉnh lớn: {large.units:,} đơn vị, {large.events:,} sự kiện ({large.seconds:.0f} s)")
        for level, label, p50, p95, p99 in await query_latency.measure(large, runs=15):
            print(f"  60.621 đv {level:7} {label:20} p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f} ms")
            if level == "tỉnh" and label.startswith("tiến độ (năm"):
                rows.append(("p99, tiến độ ở gốc tỉnh, 60.621 đơn vị", f"{p99:.1f} ms", "—"))
    rows += await asyncio.to_thread(language.measure, quick)
    rss = subprocess.run(
        [sys.executable, "-m", "bench.memory", str(SMALL)], capture_output=True, text=True, check=True
    ).stdout.strip()
    print(f"Bộ nhớ đỉnh của tiến trình phục vụ tỉnh mẫu: {rss} MB")
    rows.append(("bộ nhớ đỉnh (RSS) khi phục vụ 6.621 đơn vị", f"{rss} MB", "< 150 MB"))
    return rows


def main() -> None:
    quick = "--quick" in sys.argv
    print(
        f"PTĐV Bot — đo hiệu năng; Python {sys.version.split()[0]}, {platform.machine()}, "
        f"{platform.platform(terse=True)}"
    )
    rows = asyncio.run(run(quick))
    width = max(len(r[0]) for r in rows)
    print("\nTÓM TẮT")
    for name, value, target in rows:
        print(f"  {name:{width}}  {value:40}  mục tiêu {target}")


main()
