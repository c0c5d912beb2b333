"""A synthetic province, deterministic by seed, written through the project's own storage code.

Default shape: 1 province → 20 districts (or merged communes) → 30 grassroots organisations → 10 chi bộ
(6,621 units). Every unit has a yearly target (leaves 1–4, parents the sum), one reporter per leaf,
officials per level, and N years of monthly or quarterly reports with breakdowns, some corrections and
some silent units.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.domain.models import Category, Role, UnitKind
from bot.domain.periods import Period
from storage import submissions, targets, units, users
from storage.db import Database
from storage.migrations import migrate

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CATEGORIES = [c.value for c in Category]


@dataclass(frozen=True)
class Shape:
    districts: int = 20
    grassroots: int = 30
    branches: int = 10
    years: int = 5
    seed: int = 7

    @property
    def units(self) -> int:
        return 1 + self.districts * (1 + self.grassroots * (1 + self.branches))


@dataclass
class Province:
    path: Path
    root_id: int
    district_id: int
    branch_id: int
    official_id: int
    units: int
    events: int
    seconds: float


async def build(path: Path, shape: Shape = Shape(), now: datetime | None = None) -> Province:
    """Create the province database at `path` (replaced if present)."""
    now = now or datetime(2026, 11, 23, 9, 0, tzinfo=VN)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    rng = random.Random(shape.seed)
    db = await Database.open(path)
    try:
        await migrate(db)
        async with db.transaction():
            root = await units.add(
                db, code="T", name="Đảng bộ tỉnh Mẫu", short_name="tỉnh Mẫu", kind=UnitKind.PROVINCE, now=now
            )
            official = await users.add(
                db, name="Ban Tổ chức Tỉnh ủy", role=Role.OFFICIAL, unit_id=root, now=now, login="tinh"
            )
            leaves: list[int] = []
            district_ids: list[int] = []
            for d in range(shape.districts):
                district = await units.add(
                    db,
                    code=f"H{d:02d}",
                    name=f"Đảng bộ huyện Mẫu {d + 1}",
                    short_name=f"huyện Mẫu {d + 1}",
                    kind=UnitKind.DISTRICT,
                    parent_id=root,
                    sort_order=d,
                    now=now,
                )
                district_ids.append(district)
                await users.add(db, name=f"Ban Tổ chức huyện {d + 1}", role=Role.OFFICIAL, unit_id=district, now=now)
                for g in range(shape.grassroots):
                    category = CATEGORIES[g % len(CATEGORIES)]
                    grassroots = await units.add(
                        db,
                        code=f"H{d:02d}G{g:02d}",
                        name=f"Đảng bộ cơ sở {g + 1} huyện {d + 1}",
                        short_name=f"cơ sở {g + 1}/{d + 1}",
                        kind=UnitKind.GRASSROOTS,
                        category=category,
                        parent_id=district,
                        sort_order=g,
                        now=now,
                    )
                    for b in range(shape.branches):
                        branch = await units.add(
                            db,
                            code=f"H{d:02d}G{g:02d}B{b:02d}",
                            name=f"Chi bộ {b + 1} cơ sở {g + 1} huyện {d + 1}",
                            short_name=f"chi bộ {b + 1}/{g + 1}/{d + 1}",
                            kind=UnitKind.BRANCH,
                            category=category,
                            parent_id=grassroots,
                            sort_order=b,
                            now=now,
                        )
                        leaves.append(branch)
            reporters = {}
            for leaf in leaves:
                reporters[leaf] = await users.add(db, name=f"Bí thư {leaf}", role=Role.REPORTER, unit_id=leaf, now=now)
            first_year = now.year - shape.years + 1
            leaf_targets = {leaf: rng.randint(1, 4) for leaf in leaves}
            for year in range(first_year, now.year + 1):
                for leaf, value in leaf_targets.items():
                    await targets.set_target(
                        db, unit_id=leaf, scope="year", start_year=year, end_year=year, value=value, now=now
                    )
            events = 0
            silent = set(rng.sample(leaves, len(leaves) // 20))
            monthly = set(rng.sample(leaves, len(leaves) // 3))
            for year in range(first_year, now.year + 1):
                last_month = now.month - 1 if year == now.year else 12
                batch = []
                for leaf in leaves:
                    if year == now.year and leaf in silent:
                        continue
                    pace = rng.uniform(0.3, 1.5)
                    months = [1 if rng.random() < leaf_targets[leaf] * pace / 12 else 0 for _ in range(last_month)]
                    if leaf in monthly:
                        periods = [(Period.month(year, m + 1), months[m]) for m in range(last_month)]
                    else:
                        periods = [
                            (Period.quarter(year, q), sum(months[3 * q - 3 : 3 * q]))
                            for q in range(1, 5)
                            if 3 * q <= last_month
                        ]
                    for period, count in periods:
                        female = sum(rng.random() < 0.55 for _ in range(count))
                        figures = {
                            "admitted": count,
                            "female": female,
                            "youth_union": min(count, female),
                            "university": count // 2,
                        }
                        when = now.replace(year=year, month=period.end.month, day=25)
                        batch.append(
                            (leaf, "admission", period, figures, when, reporters[leaf], "bench", f"kết nạp {count}")
                        )
                    if rng.random() < 0.5:
                        batch.append(
                            (
                                leaf,
                                "pipeline",
                                Period.quarter(year, 1),
                                {
                                    "pool": rng.randint(3, 15),
                                    "certified": rng.randint(1, 5),
                                    "planned_class": rng.randint(0, 3),
                                },
                                now.replace(year=year, month=3, day=25),
                                reporters[leaf],
                                "bench",
                                "nguồn",
                            )
                        )
                events += await submissions.append_many(db, batch)
            # Corrections: supersede a few events with new figures, as the chat would.
            rows = await db.fetchall(
                "SELECT id, unit_id, year, ym_from, period_kind FROM submissions"
                " WHERE kind = 'admission' ORDER BY id LIMIT 2000"
            )
            for row in rng.sample(rows, min(200, len(rows))):
                period = (
                    Period.month(row["year"], row["ym_from"] % 100)
                    if row["period_kind"] == "month"
                    else Period.quarter(row["year"], (row["ym_from"] % 100 - 1) // 3 + 1)
                )
                new = await submissions.append(
                    db,
                    unit_id=row["unit_id"],
                    kind="admission",
                    period=period,
                    figures={"admitted": 1},
                    now=now,
                    actor=official,
                    channel="bench",
                    supersedes=row["id"],
                )
                await submissions.supersede(db, row["id"], new)
                events += 1
        await db.execute("ANALYZE")
        district = district_ids[0]
        return Province(
            path=path,
            root_id=root,
            district_id=district,
            branch_id=leaves[0],
            official_id=official,
            units=shape.units,
            events=events,
            seconds=time.perf_counter() - started,
        )
    finally:
        await db.close()


async def ensure(path: Path, shape: Shape = Shape(), fresh: bool = False) -> Province:
    """The province at `path`, built only if it is missing (or `fresh`): a build takes minutes at 60k units. A
    sidecar `<path>.json` records the shape it was built with and its ids."""
    sidecar = Path(f"{path}.json")
    if not fresh and path.exists() and sidecar.exists():
        saved = json.loads(sidecar.read_text(encoding="utf-8"))
        if saved.pop("shape", None) == dataclasses.asdict(shape):
            db = await Database.open(path)  # a database kept from an older schema is brought up to date
            try:
                await migrate(db)
            finally:
                await db.close()
            return Province(**{**saved, "path": path, "seconds": 0.0})
    province = await build(path, shape)
    record = {k: v for k, v in dataclasses.asdict(province).items() if k != "path"}
    sidecar.write_text(json.dumps({**record, "shape": dataclasses.asdict(shape)}), encoding="utf-8")
    return province


if __name__ == "__main__":
    import sys

    large = "--60k" in sys.argv
    target = Path("data/bench-province-60k.sqlite3" if large else "data/bench-province.sqlite3")
    print(asyncio.run(ensure(target, Shape(branches=100, years=1) if large else Shape())))
