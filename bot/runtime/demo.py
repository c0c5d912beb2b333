"""The demo: Cao Phong (Hòa Bình) as the shared material describes it, carried across the 2025 re-organisation.

History (2020 to June 2025): Đảng bộ huyện Cao Phong (a huyện ủy, under Tỉnh ủy Hòa Bình) with 27 subordinate
organisations in five categories whose yearly targets sum to 71; the Bắc Phong commune has three chi bộ of its
own. In 2021 the district reaches exactly 69 admissions by the end of Q3 (97% of 71), as the article reports, with
a pipeline of 317 / 186 / 69.

On 1 July 2025 the bot's own re-organisation events (bot.services.reorg, as `/tochuc` makes them) apply the
reform: Hòa Bình joins Phú Thọ (Đảng bộ tỉnh Phú Thọ, the new root); three commune committees directly under it
take the old communes (merged into them: their whole history counts for the new commune and their names lead
there) and the district's chi bộ and đảng bộ cơ sở; the district police and military go to the provincial
police and military committees; the district committee itself ends (merged into the province: "Cao Phong"
still finds its history). The new committees record their 2025 congresses (bot.services.congress).

Reports are generated deterministically (seeded) for every year from 2020 to the current one (the injected
clock's): some units lead, some lag, a few stay silent this year. Before 1 July 2025 the old units report; after
it the new communes report for the villages of the communes they absorbed. The province and commune names
after 2025, the congress dates and every person are invented (README, "The demo").
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.models import Category, Role, UnitKind
from bot.domain.periods import Period
from bot.services import congress, reorg
from bot.services.context import Context
from storage import submissions, targets, units, users
from storage import terms as term_store
from storage.db import Database

SEED = 2021
DEMO_CHANNEL = "demo"
CONSOLE_CHANNEL = "console"
DISTRICT_TARGET = 71  # the sum of the units' targets (the article's figure)
TERM_TARGETS = {(2020, 2025): 350}  # the district's congress resolution
NEW_TERM_TARGET = (2025, 2030, 360)  # the province's part that was Cao Phong
ARTICLE_YEAR = 2021
ARTICLE_Q3_TOTAL = 69
ARTICLE_PIPELINE = (317, 186, 69)
REORG_DAY = date(2025, 7, 1)  # Quy định 294-QĐ/TW in force; districts abolished
CONSOLE_LOGIN = "quang"  # the console's default official: Đảng bộ xã Cao Phong


@dataclass(frozen=True)
class DemoUnit:
    code: str
    name: str
    short: str
    category: Category | None
    target: int | None
    parent: str = "CP"
    kind: UnitKind = UnitKind.GRASSROOTS


OLD_PROVINCE = DemoUnit("HB", "Đảng bộ tỉnh Hòa Bình", "tỉnh Hòa Bình", None, None, "", UnitKind.PROVINCE)
# The district as the articles describe it (the language tests read it as a tree of its own); under HB when loaded.
ROOT = DemoUnit("CP", "Đảng bộ huyện Cao Phong", "huyện Cao Phong", None, None, "", UnitKind.DISTRICT)
PROVINCE = DemoUnit("PT", "Đảng bộ tỉnh Phú Thọ", "tỉnh Phú Thọ", None, None, "", UnitKind.PROVINCE)

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
class NewUnit:
    """A committee the 2025 re-organisation creates under the province (names invented for the demo)."""

    key: str  # how the demo refers to it; its code is the one the bot gives it
    name: str
    kind: UnitKind
    category: Category
    merged: tuple[str, ...] = ()  # old communes merged into it (their history counts for it)
    moved: tuple[str, ...] = ()  # units re-attached to it
    congress: date | None = None  # its first congress, opening the 2025–2030 term
    villages: str | None = None  # the chi bộ that reports for the merged communes' villages from July 2025


NEW_UNITS: tuple[NewUnit, ...] = (
    NewUnit(
        "XCP",
        "Đảng bộ xã Cao Phong",
        UnitKind.COMMUNE,
        C,
        merged=("TTCP", "HP", "THP"),
        moved=(
            "CQCQ",
            "HU",
            "MTTQ",
            "VKS",
            "TAND",
            "THADS",
            "TTYT",
            "THPTCP",
            "GDNN",
            "TTCT",
            "DL",
            "NHNN",
            "NHCS",
            "CAM",
            "THPTTY",
        ),
        congress=date(2025, 8, 20),
        villages="Chi bộ các thôn, xóm xã Cao Phong",
    ),
    NewUnit(
        "XTN",
        "Đảng bộ xã Thung Nai",
        UnitKind.COMMUNE,
        C,
        merged=("BP", "BT", "TN"),
        moved=("BP-BS", "BP-NOI", "BP-TH"),
        congress=date(2025, 8, 15),
        villages="Chi bộ các thôn, xóm xã Thung Nai",
    ),
    NewUnit(
        "XMT",
        "Đảng bộ xã Mường Thàng",
        UnitKind.COMMUNE,
        C,
        merged=("XP", "TP", "DP", "NP"),
        congress=date(2025, 8, 22),
    ),
    NewUnit("CAT", "Đảng bộ Công an tỉnh", UnitKind.POLICE, A, moved=("CAH",)),
    NewUnit("QST", "Đảng bộ Quân sự tỉnh", UnitKind.MILITARY, A, moved=("QSH",)),
)
# The province's congresses (invented dates): the 2020–2025 term ends at the first congress of the merged province.
PROVINCE_CONGRESSES = ((2020, 2025, date(2020, 10, 15)), (2025, 2030, date(2025, 10, 10)))
DISTRICT_CONGRESS = date(2020, 8, 12)  # its 2020–2025 term ended when the district did (REORG_DAY)
ALIASES = {
    "CAH": ("Chi bộ Công an huyện",),
    "CQCQ": ("Đảng bộ cơ quan UBND huyện",),
    "PT": ("Tỉnh ủy Phú Thọ",),
    "HB": ("Tỉnh ủy Hòa Bình",),
    "CP": ("Huyện ủy Cao Phong",),
}


def successor_code(code: str) -> str:
    """The demo key of the unit that reports for `code` after the re-organisation."""
    for new in NEW_UNITS:
        if code in new.merged:
            return f"{new.key}-V" if new.villages else new.key
    return code


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    title: str
    role: Role
    unit: str  # where they work today (a NEW_UNITS key or an old code)
    before: str | None = None  # where they worked before 1 July 2025, when elsewhere
    title_before: str | None = None


USERS: tuple[DemoUser, ...] = (
    DemoUser(
        "binh",
        "Nguyễn Thanh Bình",
        "Trưởng Ban Tổ chức Tỉnh ủy Phú Thọ",
        Role.OFFICIAL,
        "PT",
        "CP",
        "Trưởng Ban Tổ chức Huyện ủy Cao Phong",
    ),
    DemoUser(
        "ngoc",
        "Tạ Bích Ngọc",
        "Phó Trưởng Ban Tổ chức Tỉnh ủy Phú Thọ",
        Role.OFFICIAL,
        "PT",
        "CP",
        "Phó Trưởng Ban Tổ chức Huyện ủy Cao Phong",
    ),
    DemoUser(
        "quang",
        "Trần Minh Quang",
        "Trưởng Ban Xây dựng Đảng, Đảng ủy xã Cao Phong",
        Role.OFFICIAL,
        "XCP",
        "TTCP",
        "Phó Bí thư Đảng ủy thị trấn Cao Phong",
    ),
    DemoUser(
        "hung", "Đàm Vũ Hùng", "Bí thư Đảng ủy xã Thung Nai", Role.OFFICIAL, "XTN", "BP", "Bí thư Đảng ủy xã Bắc Phong"
    ),
    DemoUser("son", "Bùi Văn Sơn", "Bí thư Chi bộ xóm Nội", Role.REPORTER, "BP-NOI"),
    DemoUser("tuan", "Quách Văn Tuấn", "Bí thư Chi bộ xóm Bắc Sơn", Role.REPORTER, "BP-BS"),
    DemoUser("minh", "Lê Văn Minh", "Phó Bí thư Đảng ủy Công an huyện", Role.REPORTER, "CAH"),
    DemoUser("thu", "Hà Thị Thu", "Bí thư Chi bộ Trường THPT Cao Phong", Role.REPORTER, "THPTCP"),
    DemoUser(
        "lan",
        "Bùi Thị Lan",
        "Phó Bí thư Đảng ủy xã Mường Thàng",
        Role.REPORTER,
        "XMT",
        "TP",
        "Bí thư Đảng ủy xã Tây Phong",
    ),
    DemoUser("khanh", "Nguyễn Văn Khánh", "Bí thư Chi bộ Cơ quan Huyện ủy", Role.REPORTER, "HU"),
    DemoUser("hoa", "Đinh Thị Hoa", "Bí thư Chi bộ Công ty TNHH Cam Cao Phong", Role.REPORTER, "CAM"),
)

DISTRICT_USERS = tuple(u for u in USERS if u.login != CONSOLE_LOGIN)  # those of `load(..., reorganise=False)`

# How each unit performs against its target; the rest are drawn around 1.0.
LEADERS = {"CAH", "CQCQ", "THPTCP", "TTYT"}
LAGGARDS = {"TP", "TN", "NHCS", "BP-BS"}
SILENT_THIS_YEAR = {"THADS", "GDNN", "DL"}
MONTHLY_REPORTERS = {"CAH", "CQCQ", "TTYT", "TTCP", "THPTCP"}
SEASON = (0.5, 1.0, 1.2, 0.8, 1.3, 1.0, 0.9, 1.2, 1.4, 0.8, 0.9, 1.0)  # around 3/2, 19/5, 2/9


async def is_empty(db: Database) -> bool:
    return await units.count(db) == 0


async def load(db: Database, now: datetime, seed: int = SEED, *, reorganise: bool = True) -> dict[str, int]:
    """Create the demo in one transaction: the history, then (once the clock is past 1 July 2025) the
    re-organisation and what came after it. Returns unit ids by demo code (new units by their NEW_UNITS key).

    `reorganise=False` keeps the district as the articles describe it, reporting on to today (the language
    corpus's "demo" tree, written for it)."""
    reorganised = reorganise and now.date() >= REORG_DAY
    records = _records(random.Random(seed), now)
    async with db.transaction():
        ids = await _load_units(db, now, province=reorganise)
        user_ids = await _load_users(db, ids, now, reorganised, reorganise=reorganise)
        await _load_targets(db, ids, now, reorganised)
        await _insert(db, ids, user_ids, [r for r in records if not reorganised or r.period.start < REORG_DAY])
        if reorganised:
            ids |= await _reorganise(db, ids, user_ids["@binh"], now)
            for person in USERS:
                user_ids.setdefault(person.unit, user_ids[f"@{person.login}"])
            await _load_new_targets(db, ids, now)
            after = _successors([r for r in records if r.period.start >= REORG_DAY], now.date())
            await _insert(db, ids, user_ids, after)
    return ids


async def _load_units(db: Database, now: datetime, *, province: bool = True) -> dict[str, int]:
    """The units before the re-organisation: the district under Tỉnh ủy Hòa Bình (or on its own)."""
    ids: dict[str, int] = {}
    for order, unit in enumerate((OLD_PROVINCE, ROOT, *UNITS) if province else (ROOT, *UNITS)):
        ids[unit.code] = await units.add(
            db,
            code=unit.code,
            name=unit.name,
            short_name=unit.short,
            kind=unit.kind.value,
            category=unit.category.value if unit.category else None,
            parent_id=ids.get(OLD_PROVINCE.code) if unit is ROOT else (ids[unit.parent] if unit.parent else None),
            sort_order=order,
            now=now,
        )
    for code, names in ALIASES.items():
        for alias in names if code in ids else ():
            await units.add_alias(db, ids[code], alias)
    return ids


async def _load_users(
    db: Database, ids: dict[str, int], now: datetime, reorganised: bool, *, reorganise: bool = True
) -> dict[str, int]:
    """Everyone at the unit they worked for before 1 July 2025; the re-organisation carries them on
    (`users.move_all` when their unit is merged). Titles are today's once the re-organisation has happened."""
    out: dict[str, int] = {}
    for person in USERS:
        if person.login == CONSOLE_LOGIN and not reorganise:
            continue  # quang joined with the new xã; the district on its own has the ten people it always had
        before = person.before or person.unit
        user_id = await users.add(
            db,
            name=person.name,
            role=person.role.value,
            unit_id=ids[before],
            now=now,
            login=person.login,
            title=person.title if reorganised or person.title_before is None else person.title_before,
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
        out[before] = out.get(before, user_id)
        out[f"@{person.login}"] = user_id
    return out


def _merged_codes() -> set[str]:
    return {code for new in NEW_UNITS for code in new.merged}


async def _set_year_target(db: Database, unit_id: int, year: int, value: int, now: datetime) -> None:
    await targets.set_target(db, unit_id=unit_id, scope="year", start_year=year, end_year=year, value=value, now=now)


async def _load_targets(db: Database, ids: dict[str, int], now: datetime, reorganised: bool) -> None:
    """The units' yearly targets (the district's 71 is their sum); merged communes' end with 2025."""
    merged = _merged_codes() if reorganised else set()
    for year in range(2020, now.year + 2):
        if not reorganised:  # the district's own target; once it has ended, its units' targets add up to it
            await _set_year_target(db, ids[ROOT.code], year, DISTRICT_TARGET, now)
        for unit in UNITS:
            if unit.target is not None and not (unit.code in merged and year > REORG_DAY.year):
                await _set_year_target(db, ids[unit.code], year, unit.target, now)
    terms = TERM_TARGETS if reorganised else {**TERM_TARGETS, NEW_TERM_TARGET[:2]: NEW_TERM_TARGET[2]}
    for (start, end), value in terms.items():
        await targets.set_target(
            db, unit_id=ids[ROOT.code], scope="term", start_year=start, end_year=end, value=value, now=now
        )


def merged_target(new: NewUnit) -> int:
    """The yearly target of the merged communes' villages (those without chi bộ of their own in the demo)."""
    by_code = {u.code: u for u in UNITS}
    return sum(by_code[c].target or 0 for c in new.merged)


async def _load_new_targets(db: Database, ids: dict[str, int], now: datetime) -> None:
    """From 2026 the merged communes' villages carry their targets on (through the villages' chi bộ, or the new
    commune itself when it has nothing below); the province's equals what its units add up to."""
    for year in range(REORG_DAY.year, now.year + 2):
        await _set_year_target(db, ids[PROVINCE.code], year, DISTRICT_TARGET, now)
        for new in NEW_UNITS:
            if new.merged and year > REORG_DAY.year:
                key = f"{new.key}-V" if new.villages else new.key
                await _set_year_target(db, ids[key], year, merged_target(new), now)
    start, end, value = NEW_TERM_TARGET
    await targets.set_target(
        db, unit_id=ids[PROVINCE.code], scope="term", start_year=start, end_year=end, value=value, now=now
    )


async def _reorganise(db: Database, ids: dict[str, int], actor: int, now: datetime) -> dict[str, int]:
    """1 July 2025, made with the re-organisation the chat's `/tochuc` makes (bot.services.reorg): the new
    province, its commune committees, the re-attached units, the merged communes, the end of the district."""
    moment = datetime.combine(REORG_DAY, datetime.min.time(), tzinfo=now.tzinfo).replace(hour=8)
    clock = ManualClock(moment)
    ctx = Context(db, Settings(_env_file=None), clock)  # only the clock is read
    out = {
        PROVINCE.code: await units.add(
            db,
            code=PROVINCE.code,
            name=PROVINCE.name,
            short_name=PROVINCE.short,
            kind=PROVINCE.kind.value,
            now=moment,
        )
    }
    for alias in ALIASES[PROVINCE.code]:
        await units.add_alias(db, out[PROVINCE.code], alias)
    await units.bump_version(db, moment)
    ctx.invalidate()

    async def change(kind: str, sources: tuple[int, ...], target: int, name: str | None = None) -> None:
        await reorg.apply_change(
            ctx, reorg.Change(kind=kind, units=sources, target=target, names=(name,) if name else ()), actor
        )

    for new in NEW_UNITS:
        await change("add", (), out[PROVINCE.code], new.name)
        tree = await ctx.tree()
        out[new.key] = max(u.id for u in tree.units.values() if u.name == new.name)  # the one just added
        await units.set_kind_category(db, out[new.key], new.kind.value, new.category.value)
        for code in new.moved:
            await change("move", (ids[code],), out[new.key])
        if new.merged:
            await change("merge", tuple(ids[c] for c in new.merged), out[new.key])
        if new.villages:
            await change("add", (), out[new.key], new.villages)
            tree = await ctx.tree()
            out[f"{new.key}-V"] = max(u.id for u in tree.units.values() if u.name == new.villages)
            await units.set_kind_category(db, out[f"{new.key}-V"], UnitKind.GRASSROOTS_BRANCH.value, C.value)
    await units.bump_version(db, moment)
    await change("merge", (ids[ROOT.code],), out[PROVINCE.code])  # the district committee ends
    await change("merge", (ids[OLD_PROVINCE.code],), out[PROVINCE.code])  # Hòa Bình joins Phú Thọ
    await term_store.record(db, ids[ROOT.code], 2020, 2025, DISTRICT_CONGRESS, REORG_DAY)
    for start, end, day in PROVINCE_CONGRESSES:
        clock.set(datetime.combine(day, moment.timetz()))
        draft = congress.CongressDraft(start_year=start, end_year=end, congress=day)
        await congress.record(ctx, out[PROVINCE.code], draft, actor)
    for new in NEW_UNITS:
        if new.congress is not None:
            clock.set(datetime.combine(new.congress, moment.timetz()))
            draft = congress.CongressDraft(start_year=2025, end_year=2030, congress=new.congress)
            await congress.record(ctx, out[new.key], draft, actor)
    return out


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


@dataclass(frozen=True)
class Record:
    """One generated report, before it is stored: by the unit that made it (an old code, or a new key)."""

    code: str
    kind: str
    period: Period
    figures: dict[str, int]
    when: datetime
    raw_text: str
    category: Category | None = None


def _records(rng: random.Random, now: datetime) -> list[Record]:
    """Every report of the demo, generated by the old units (the re-organisation maps them on)."""
    by_code = {u.code: u for u in UNITS}
    out: list[Record] = []
    for year in range(2020, now.year + 1):
        last_month = now.month - 1 if year == now.year else 12  # the current month is not reported yet
        plan = _year_plan(rng, year, last_month, now.year)
        if year == ARTICLE_YEAR:
            _fit_article_year(plan, rng)
        for code, months in plan.items():
            if year == now.year and code in SILENT_THIS_YEAR:
                continue
            unit = by_code[code]
            for period, count in _periods(code, months, year, last_month):
                if count == 0 and rng.random() < 0.5:
                    continue  # nothing to report, and not every unit says so
                figures = {"admitted": count, **_breakdown(rng, unit, count)}
                when = now.replace(year=year, month=period.end.month, day=min(period.end.day, 28), hour=9)
                out.append(Record(code, "admission", period, figures, when, f"kết nạp {count}", unit.category))
        out += _pipeline(year, now, rng, last_month)
    return out


def _successors(records: list[Record], today: date) -> list[Record]:
    """Reports after 1 July 2025: a merged commune's villages report through the commune that absorbed it, one
    report per quarter once the quarter is over (monthly figures folded in), the figures added up."""
    out: list[Record] = []
    merged: dict[tuple[str, str, Period], list[Record]] = defaultdict(list)
    for record in records:
        code = successor_code(record.code)
        if code == record.code:
            out.append(record)
            continue
        quarter = Period.quarter(record.period.end.year, (record.period.end.month + 2) // 3)
        if quarter.end < today:
            merged[(code, record.kind, quarter)].append(record)
    for (code, kind, quarter), group in merged.items():
        figures: dict[str, int] = defaultdict(int)
        for record in group:
            for name, value in record.figures.items():
                figures[name] += value
        raw = f"kết nạp {figures['admitted']}" if kind == "admission" else group[0].raw_text
        out.append(Record(code, kind, quarter, dict(figures), max(r.when for r in group), raw, Category.COMMUNE))
    return sorted(out, key=lambda r: (r.when, r.code))


async def _insert(db: Database, ids: dict[str, int], user_ids: dict[str, int], records: list[Record]) -> None:
    for record in records:
        await submissions.append(
            db,
            unit_id=ids[record.code],
            kind=record.kind,
            period=record.period,
            figures=record.figures,
            now=record.when,
            actor=user_ids.get(record.code, user_ids["@binh"]),
            channel=DEMO_CHANNEL,
            raw_text=record.raw_text,
        )


def _periods(code: str, months: list[int], year: int, last_month: int) -> list[tuple[Period, int]]:
    if code in MONTHLY_REPORTERS:
        return [(Period.month(year, m + 1), months[m]) for m in range(last_month)]
    out = []
    for q in range(1, 5):
        if 3 * q <= last_month:
            out.append((Period.quarter(year, q), sum(months[3 * q - 3 : 3 * q])))
    return out


def _pipeline(year: int, now: datetime, rng: random.Random, last_month: int) -> list[Record]:
    """A first-quarter pipeline snapshot per unit (2021: 317 / 186 / 69 for the district) and screening."""
    if last_month < 3:
        return []
    reporting = [u for u in _reporting_units() if not (year == now.year and u.code in SILENT_THIS_YEAR)]
    weights = [u.target or 1 for u in reporting]
    totals = (
        ARTICLE_PIPELINE
        if year == ARTICLE_YEAR
        else (rng.randint(280, 340), rng.randint(150, 200), rng.randint(60, 80))
    )
    split = [_apportion(total, weights) for total in totals]
    when = now.replace(year=year, month=3, day=25, hour=9)
    out = []
    for i, unit in enumerate(reporting):
        pool, certified, planned = split[0][i], split[1][i], split[2][i]
        out.append(
            Record(
                unit.code,
                "pipeline",
                Period.quarter(year, 1),
                {"pool": pool, "certified": min(certified, pool), "planned_class": planned},
                when,
                f"nguồn {pool}, đã học lớp nhận thức {min(certified, pool)}, dự kiến cử đi học {planned}",
                unit.category,
            )
        )
    if last_month >= 12:
        for unit in rng.sample(reporting, 4):
            reviewed = rng.randint(2, 6)
            out.append(
                Record(
                    unit.code,
                    "screening",
                    Period.quarter(year, 4),
                    {"reviewed": reviewed, "removed": rng.randint(0, reviewed // 2), "followed_up": 1},
                    now.replace(year=year, month=12, day=20, hour=9),
                    f"rà soát {reviewed}",
                    unit.category,
                )
            )
    return out


def _apportion(total: int, weights: list[int]) -> list[int]:
    """Split `total` in proportion to `weights` with whole numbers that add up exactly."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    out = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: shares[i] - out[i], reverse=True)
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out
