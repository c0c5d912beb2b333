"""`python -m bench.language`: how well the bot reads the language corpus, and how fast.

- the understanding rate per kind (expected intent) on tests/corpus/*.tsv (or PTDV_CORPUS_DIR);
- the confusion between kinds (expected → read), largest first;
- parse time per message (language layer + unit recognition) at 6,621 and 60,621 units, p50/p99, with the
  unit index built once per tree version (its build time is shown apart). Goal: p99 ≤ 2 ms.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from bench.province import Shape, build
from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.models import Role, User
from bot.language.understand import understand
from bot.services.context import Context
from storage.db import Database
from tests.test_language_corpus import CORPUS, TODAY, VN, load_cases, run_corpus

SMALL = Path("data/bench-province.sqlite3")
LARGE = Path("data/bench-province-60k.sqlite3")


def understanding(directory: Path = CORPUS) -> tuple[float, list[tuple[str, int, float]], list[tuple[str, str, int]]]:
    with tempfile.TemporaryDirectory() as tmp:
        results = run_corpus(directory, Path(tmp))
    total: Counter[str] = Counter()
    right: Counter[str] = Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    for case, got, wrong in results:
        total[case.intent] += 1
        if not wrong:
            right[case.intent] += 1
        if got[0] != case.intent:
            confusion[(case.intent, got[0])] += 1
    rate = sum(right.values()) / max(1, sum(total.values()))
    per_kind = [(k, n, right[k] / n) for k, n in total.most_common()]
    return rate, per_kind, [(a, b, n) for (a, b), n in confusion.most_common(15)]


async def parse_times(path: Path, shape: Shape) -> tuple[int, float, float, float]:
    """(units, index build ms, p50 ms, p99 ms) for every corpus message asked by the province's top official."""
    if not path.exists():
        await build(path, shape)
    db = await Database.open(path)
    try:
        ctx = Context(db, Settings(database_path=path), ManualClock(datetime(2026, 10, 20, 9, tzinfo=VN)))
        tree = await ctx.tree()
        started = time.perf_counter()
        gazetteer = await ctx.gazetteer()
        built = (time.perf_counter() - started) * 1000
        asker = await ctx.asker(User(id=0, name="bench", role=Role.OFFICIAL, unit_id=tree.roots[0]))
        texts = [c.text for c in load_cases()] or ["tiến độ quý 3"]
        times = []
        for text in texts:
            t0 = time.perf_counter()
            understand(text, TODAY, gazetteer, asker, pending=False)
            times.append((time.perf_counter() - t0) * 1000)
        times.sort()
        return len(tree), built, times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]
    finally:
        await db.close()


def measure(quick: bool = False) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    if any(CORPUS.glob("*.tsv")):
        rate, per_kind, confusion = understanding()
        print(f"Kho câu mẫu: đọc đúng hoàn toàn {rate:.1%}")
        for kind, n, share in per_kind:
            print(f"  {kind:22} {n:5}  {share:6.1%}")
        print("Nhầm lẫn giữa các loại (mong đợi → đọc thành):")
        for a, b, n in confusion:
            print(f"  {a:22} → {b:22} {n}")
        rows.append(
            ("kho câu mẫu: đọc đúng hoàn toàn", f"{rate:.1%} của {sum(n for _, n, _ in per_kind)} câu", "≥ 98 %")
        )
    shapes = [(SMALL, Shape())] + ([] if quick else [(LARGE, Shape(branches=100, years=1))])
    for path, shape in shapes:
        units, built, p50, p99 = asyncio.run(parse_times(path, shape))
        print(f"  {units:,} đơn vị: dựng chỉ mục {built:.0f} ms; đọc một tin p50 {p50:.2f} ms, p99 {p99:.2f} ms")
        rows.append((f"đọc một tin (p50/p99), {units:,} đơn vị", f"{p50:.2f} / {p99:.2f} ms", "p99 ≤ 2 ms"))
    return rows


if __name__ == "__main__":
    for name, value, target in measure("--quick" in sys.argv):
        print(f"{name:45} {value:30} mục tiêu {target}")
