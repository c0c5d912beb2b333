"""A demo district shaped like Cao Phong (Hòa Bình) in the shared material.

27 subordinate organisations in five categories with yearly targets summing to 71; the Bắc Phong
commune has three chi bộ of its own. Reports are generated deterministically (seeded) for every year
from 2020 to the current one: some units lead, some lag, a few stay silent this year. In 2021 the
district reaches exactly 69 admissions by the end of Q3 (97% of 71), as the article reports, with a
pipeline of 317 / 186 / 69.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from bot.domain.models import Category, Role, UnitKind
from bot.domain.periods import Period
from storage import submissions, targets, units, users
from storage.db import Database

SEED = 2021
DEMO_CHANNEL = "demo"
CONSOLE_CHANNEL = "console"
DISTRICT_TARGET = 71
TERM_TARGETS = {(2020, 2025): 350, (2025, 2030): 360}
ARTICLE_YEAR = 2021
ARTICLE_Q3_TOTAL = 69
ARTICLE_PIPELINE = (317, 186, 69)


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    short: str
    category: Category | None
    target: int | None
    parent: str = "CP"
    kind: UnitKind = UnitKind.GRASSROOTS


ROOT = DemoUnit("CP", "Đảng bộ huyện Cao Phong", "huyện Cao Phong", None, DISTRICT_TARGET, "", UnitKind.DISTRICT)

C, A, H, S, D = Category.COMMUNE, Category.ARMED, Category.ADMIN, Category.SERVICE, Category.ENTERPRISE
UNITS: tuple[DemoUnit, ...] = (
    DemoUnit("TTCP", "Đảng bộ thị trấn Cao Phong", "thị trấn Cao Phong", C, 4),
    DemoUnit("BP", "Đảng bộ xã Bắc Phong", "xã Bắc Phong", C, None),  # target = sum of its chi bộ
    DemoUnit("BT", "Đảng bộ xã Bình Thanh", "xã Bình Thanh", C, 3),
    DemoUnit("THP", "Đảng bộ xã Thu Phong", "xã Thu Phong", C, 3),
    DemoUnit("HP", "Đảng bộ xã Hợp Phong", "xã Hợp Phong", C, 3),
    DemoUnit("TN", "Đảng bộ xã Thung Nai", "xã Thung Nai", C, 2),
    DemoUnit("XP", "Đảng bộ xã Xuân Phong", "xã Xuân Phong", C, 3),
    DemoUnit("TP", "Đảng bộ xã Tây Phong", "xã Tây Phong", C, 2),
    DemoUnit("DP", "Đảng bộ xã Đông Phong", "xã Đông Phong", C, 3),
    DemoUnit("NP", "Đảng bộ xã Nam Phong", "xã Nam Phong", C, 3),
    DemoUnit("CAH", "Đảng bộ Công an huyện", "Công an huyện", A, 6),
    DemoUnit("QSH", "Đảng bộ Quân sự huyện", "Quân sự huyện", A, 4),
    DemoUnit("CQCQ", "Đảng bộ Cơ quan Chính quyền huyện", "Cơ quan Chính quyền huyện", H, 6),
    DemoUnit("HU", "Chi bộ Cơ quan Huyện ủy", "Cơ quan Huyện ủy", H, 2),
    DemoUnit("MTTQ", "Chi bộ Cơ quan Mặt trận Tổ quốc và các đoàn thể huyện", "MTTQ và các đoàn thể", H, 2),
    DemoUnit("VKS", "Chi bộ Viện Kiểm sát nhân dân huyện", "Viện Kiểm sát nhân dân", H, 1),
    DemoUnit("TAND", "Chi bộ Tòa án nhân dân huyện", "Tòa án nhân dân", H, 1),
    DemoUnit("THADS", "Chi bộ Chi cục Thi hành án dân sự huyện", "Chi cục Thi hành án dân sự", H, 1),
    DemoUnit("TTYT", "Đảng bộ Trung tâm Y tế huyện", "Trung tâm Y tế", S, 3),
    DemoUnit("THPTCP", "Chi bộ Trường THPT Cao Phong", "Trường THPT Cao Phong", S, 3),
    DemoUnit("THPTTY", "Chi bộ Trường THPT Thạch Yên", "Trường THPT Thạch Yên", S, 2),
    DemoUnit("GDNN", "Chi bộ Trung tâm GDNN-GDTX huyện", "Trung tâm GDNN-GDTX", S, 1),
    DemoUnit("TTCT", "Chi bộ Trung tâm Chính trị huyện", "Trung tâm Chính trị", S, 1),
    DemoUnit("DL", "Chi bộ Điện lực Cao Phong", "Điện lực Cao Phong", D, 2),
    DemoUnit("NHNN", "Chi bộ Ngân hàng Nông nghiệp và PTNT huyện", "Agribank Cao Phong", D, 2),
    DemoUnit("NHCS", "Chi bộ Ngân hàng Chính sách xã hội huyện", "Ngân hàng Chính sách xã hội", D, 1),
    DemoUnit("CAM", "Chi bộ Công ty TNHH Cam Cao Phong", "Công ty Cam Cao Phong", D, 3),
    DemoUnit("BP-BS", "Chi bộ xóm Bắc Sơn", "xóm Bắc Sơn", C, 1, "BP", UnitKind.BRANCH),
    DemoUnit("BP-NOI", "Chi bộ xóm Nội", "xóm Nội", C, 2, "BP", UnitKind.BRANCH),
    DemoUnit("BP-TH", "Chi bộ Trường Tiểu học Bắc Phong", "Trường Tiểu học Bắc Phong", C, 1, "BP", UnitKind.BRANCH),
)


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    title: str
    role: Role
    unit: str


USERS: tuple[DemoUser, ...] = (
    DemoUser("binh", "Nguyễn Thanh Bình", "Trưởng Ban Tổ chức Huyện ủy", Role.OFFICIAL, "CP"),
    DemoUser("ngoc", "Tạ Bích Ngọc", "Phó Trưởng Ban Tổ chức Huyện ủy", Role.OFFICIAL, "CP"),
    DemoUser("hung", "Đàm Vũ Hùng", "Bí thư Đảng ủy xã Bắc Phong", Role.OFFICIAL, "BP"),
    DemoUser("son", "Bùi Văn Sơn", "Bí thư Chi bộ xóm Nội", Role.REPORTER, "BP-NOI"),
    DemoUser("tuan", "Quách Văn Tuấn", "Bí thư Chi bộ xóm Bắc Sơn", Role.REPORTER, "BP-BS"),
    DemoUser("minh", "Lê Văn Minh", "Phó Bí thư Đảng ủy Công an huyện", Role.REPORTER, "CAH"),
    DemoUser("thu", "Hà Thị Thu", "Bí thư Chi bộ Trường THPT Cao Phong", Role.REPORTER, "THPTCP"),
    DemoUser("lan", "Bùi Thị Lan", "Bí thư Đảng ủy xã Tây Phong", Role.REPORTER, "TP"),
    DemoUser("khanh", "Nguyễn Văn Khánh", "Bí thư Chi bộ Cơ quan Huyện ủy", Role.REPORTER, "HU"),
    DemoUser("hoa", "Đinh Thị Hoa", "Bí thư Chi bộ Công ty TNHH Cam Cao Phong", Role.REPORTER, "CAM"),
)

# How each unit performs against its target; the rest are drawn around 1.0.
LEADERS = {"CAH", "CQCQ", "THPTCP", "TTYT"}
LAGGARDS = {"TP", "TN", "NHCS", "BP-BS"}
SILENT_THIS_YEAR = {"THADS", "GDNN", "DL"}
MONTHLY_REPORTERS = {"CAH", "CQCQ", "TTYT", "TTCP", "THPTCP"}
SEASON = (0.5, 1.0, 1.2, 0.8, 1.3, 1.0, 0.9, 1.2, 1.4, 0.8, 0.9, 1.0)  # around 3/2, 19/5, 2/9


async def is_empty(db: Database) -> bool:
    return await units.count(db) == 0


async def load(db: Database, now: datetime, seed: int = SEED) -> dict[str, int]:
    """Create the demo district in one transaction; return unit ids by code."""
    async with db.transaction():
        ids = await _load_units(db, now)
        user_ids = await _load_users(db, ids, now)
        await _load_targets(db, ids, now)
        await _load_reports(db, ids, user_ids, now, random.Random(seed))
    return ids


async def _load_units(db: Database, now: datetime) -> dict[str, int]:
    ids: dict[str, int] = {}
    for order, unit in enumerate((ROOT, *UNITS)):
        ids[unit.code] = await units.add(
            db,
            code=unit.code,
            name=unit.name,
            short_name=unit.short,
            kind=unit.kind.value,
            category=unit.category.value if unit.category else None,
            parent_id=ids.get(unit.parent) if unit.parent else None,
            sort_order=order,
            now=now,
        )
    await units.add_alias(db, ids["CAH"], "Chi bộ Công an huyện")
    await units.add_alias(db, ids["CQCQ"], "Đảng bộ cơ quan UBND huyện")
    return ids


async def _load_users(db: Database, ids: dict[str, int], now: datetime) -> dict[str, int]:
    out: dict[str, int] = {}
    for person in USERS:
        user_id = await users.add(
            db,
            name=person.name,
            role=person.role.value,
            unit_id=ids[person.unit],
            now=now,
            login=person.login,
            title=person.title,
        )
        await users.link_identity(
            db,
            channel=CONSOLE_CHANNEL,
            external_id=str(user_id),
            user_id=user_id,
            chat_id=str(user_id),
            display_name=person.name,
            now=now,
        )
        out[person.unit] = out.get(person.unit, user_id)
        out[f"@{person.login}"] = user_id
    return out


async def _load_targets(db: Database, ids: dict[str, int], now: datetime) -> None:
    for year in range(2020, now.year + 2):
        await targets.set_target(
            db,
            unit_id=ids["CP"],
            scope="year",
            start_year=year,
            end_year=year,
            value=DISTRICT_TARGET,
            now=now,
        )
        for unit in UNITS:
            if unit.target is not None:
                await targets.set_target(
                    db,
                    unit_id=ids[unit.code],
                    scope="year",
                    start_year=year,
                    end_year=year,
                    value=unit.target,
                    now=now,
                )
    for (start, end), value in TERM_TARGETS.items():
        await targets.set_target(
            db, unit_id=ids["CP"], scope="term", start_year=start, end_year=end, value=value, now=now
        )


def _reporting_units() -> list[DemoUnit]:
    parents = {u.parent for u in UNITS}
    return [u for u in UNITS if u.code not in parents]


def _year_plan(rng: random.Random, year: int, last_month: int, current_year: int) -> dict[str, list[int]]:
    """Admissions per unit per month (index 0 = January) for one year."""
    plan: dict[str, list[int]] = {}
    for unit in _reporting_units():
        if year == current_year and unit.code in SILENT_THIS_YEAR:
            plan[unit.code] = [0] * 12
            continue
        if unit.code in LEADERS:
            factor = rng.uniform(1.15, 1.5)
        elif unit.code in LAGGARDS:
            factor = rng.uniform(0.2, 0.5)
        else:
            factor = rng.uniform(0.95, 1.3)
        total = max(0, round((unit.target or 0) * factor))
        months = [0] * 12
        for _ in range(total):
            month = rng.choices(range(12), weights=SEASON)[0]
            months[month] += 1
        plan[unit.code] = [n if m < last_month else 0 for m, n in enumerate(months)]
    return plan


def _fit_article_year(plan: dict[str, list[int]], rng: random.Random) -> None:
    """Adjust 2021 so that January-September adds up to 69, as in the article."""
    codes = sorted(plan)
    while (total := sum(sum(v[:9]) for v in plan.values())) != ARTICLE_Q3_TOTAL:
        code = rng.choice(codes)
        month = rng.randrange(9)
        if total < ARTICLE_Q3_TOTAL:
            plan[code][month] += 1
        elif plan[code][month] > 0:
            plan[code][month] -= 1


def _breakdown(rng: random.Random, unit: DemoUnit, n: int) -> dict[str, int]:
    def draw(p: float) -> int:
        return sum(rng.random() < p for _ in range(n))

    student_p = 0.5 if unit.code.startswith("THPT") else 0.02
    private_p = 0.9 if unit.code in ("CAM",) else 0.0
    university_p = 0.8 if unit.category in (Category.ADMIN, Category.SERVICE, Category.ARMED) else 0.25
    return {
        "female": draw(0.55),
        "ethnic_minority": draw(0.6 if unit.category == Category.COMMUNE else 0.35),
        "religious": draw(0.03),
        "youth_union": draw(0.55),
        "student": draw(student_p),
        "private_sector": draw(private_p),
        "university": draw(university_p),
    }


async def _load_reports(
    db: Database, ids: dict[str, int], user_ids: dict[str, int], now: datetime, rng: random.Random
) -> None:
    by_code = {u.code: u for u in UNITS}
    official = user_ids["@binh"]
    for year in range(2020, now.year + 1):
        last_month = now.month - 1 if year == now.year else 12  # the current month is not reported yet
        plan = _year_plan(rng, year, last_month, now.year)
        if year == ARTICLE_YEAR:
            _fit_article_year(plan, rng)
        for code, months in plan.items():
            if year == now.year and code in SILENT_THIS_YEAR:
                continue
            unit = by_code[code]
            actor = user_ids.get(code, official)
            for period, count in _periods(code, months, year, last_month):
                if count == 0 and rng.random() < 0.5:
                    continue  # nothing to report, and not every unit says so
                figures = {"admitted": count, **_breakdown(rng, unit, count)}
                when = now.replace(year=year, month=period.end.month, day=min(period.end.day, 28), hour=9)
                await submissions.append(
                    db,
                    unit_id=ids[code],
                    kind="admission",
                    period=period,
                    figures=figures,
                    now=when,
                    actor=actor,
                    channel=DEMO_CHANNEL,
                    raw_text=f"kết nạp {count}",
                )
        await _load_pipeline(db, ids, user_ids, year, now, rng, last_month)


def _periods(code: str, months: list[int], year: int, last_month: int) -> list[tuple[Period, int]]:
    if code in MONTHLY_REPORTERS:
        return [(Period.month(year, m + 1), months[m]) for m in range(last_month)]
    out = []
    for q in range(1, 5):
        if 3 * q <= last_month:
            out.append((Period.quarter(year, q), sum(months[3 * q - 3 : 3 * q])))
    return out


async def _load_pipeline(
    db: Database,
    ids: dict[str, int],
    user_ids: dict[str, int],
    year: int,
    now: datetime,
    rng: random.Random,
    last_month: int,
) -> None:
    """A first-quarter pipeline snapshot per unit (2021: 317 / 186 / 69 for the district) and screening."""
    if last_month < 3:
        return
    reporting = [u for u in _reporting_units() if not (year == now.year and u.code in SILENT_THIS_YEAR)]
    weights = [u.target or 1 for u in reporting]
    totals = (
        ARTICLE_PIPELINE
        if year == ARTICLE_YEAR
        else (rng.randint(280, 340), rng.randint(150, 200), rng.randint(60, 80))
    )
    split = [_apportion(total, weights) for total in totals]
    when = now.replace(year=year, month=3, day=25, hour=9)
    for i, unit in enumerate(reporting):
        pool, certified, planned = split[0][i], split[1][i], split[2][i]
        await submissions.append(
            db,
            unit_id=ids[unit.code],
            kind="pipeline",
            period=Period.quarter(year, 1),
            figures={"pool": pool, "certified": min(certified, pool), "planned_class": planned},
            now=when,
            actor=user_ids.get(unit.code, user_ids["@binh"]),
            channel=DEMO_CHANNEL,
            raw_text=f"nguồn {pool}, đã học lớp nhận thức {min(certified, pool)}, dự kiến cử đi học {planned}",
        )
    if last_month >= 12:
        for unit in rng.sample(reporting, 4):
            reviewed = rng.randint(2, 6)
            await submissions.append(
                db,
                unit_id=ids[unit.code],
                kind="screening",
                period=Period.quarter(year, 4),
                figures={"reviewed": reviewed, "removed": rng.randint(0, reviewed // 2), "followed_up": 1},
                now=now.replace(year=year, month=12, day=20, hour=9),
                actor=user_ids.get(unit.code, user_ids["@binh"]),
                channel=DEMO_CHANNEL,
                raw_text=f"rà soát {reviewed}",
            )


def _apportion(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` with whole numbers that add up exactly."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    out = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: shares[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out
