"""Domain records shared by the core, storage and the channels (pydantic v2, immutable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class UnitKind(StrEnum):
    """What a unit is, in the organisation since 1 July 2025 (Quy định 294-QĐ/TW), plus the district level of
    the data before it. The four values stored before the re-organisation ("tinh", "huyen", "co_so", "chi_bo")
    keep their meaning and stay readable; labels are in bot.domain.vocabulary.KIND_LABELS."""

    PROVINCE = "tinh"  # tỉnh ủy (Đảng bộ tỉnh)
    CITY = "thanh_pho"  # thành ủy (thành phố trực thuộc Trung ương)
    COMMUNE = "xa"  # đảng ủy xã
    WARD = "phuong"  # đảng ủy phường
    SPECIAL_ZONE = "dac_khu"  # đảng ủy đặc khu
    PROVINCE_AGENCIES = "co_quan_dang"  # Đảng bộ các cơ quan Đảng tỉnh
    PROVINCE_GOVERNMENT = "ubnd_tinh"  # Đảng bộ Ủy ban nhân dân tỉnh
    MILITARY = "quan_su"  # Đảng bộ Quân sự tỉnh
    POLICE = "cong_an"  # Đảng bộ Công an tỉnh
    GRASSROOTS = "co_so"  # đảng bộ cơ sở
    GRASSROOTS_BRANCH = "chi_bo_co_so"  # chi bộ cơ sở
    SUB_COMMITTEE = "bo_phan"  # đảng bộ bộ phận
    BRANCH = "chi_bo"  # chi bộ trực thuộc (đảng ủy cơ sở)
    DISTRICT = "huyen"  # huyện ủy — abolished on 1 July 2025, kept for the data before it


# Committees directly under a province (the level the district committees held until 1 July 2025).
UNDER_PROVINCE: frozenset[UnitKind] = frozenset(
    {
        UnitKind.COMMUNE,
        UnitKind.WARD,
        UnitKind.SPECIAL_ZONE,
        UnitKind.PROVINCE_AGENCIES,
        UnitKind.PROVINCE_GOVERNMENT,
        UnitKind.MILITARY,
        UnitKind.POLICE,
        UnitKind.DISTRICT,
    }
)

# The kind a new unit gets under a parent when nobody said which.
DEFAULT_CHILD_KIND: dict[UnitKind, UnitKind] = {
    UnitKind.PROVINCE: UnitKind.COMMUNE,
    UnitKind.CITY: UnitKind.WARD,
    **{k: UnitKind.GRASSROOTS for k in UNDER_PROVINCE},
    UnitKind.GRASSROOTS: UnitKind.BRANCH,
    UnitKind.SUB_COMMITTEE: UnitKind.BRANCH,
    UnitKind.GRASSROOTS_BRANCH: UnitKind.BRANCH,
    UnitKind.BRANCH: UnitKind.BRANCH,
}


class Category(StrEnum):
    """Codes of the khối every new committee starts with. The khối themselves (labels, aliases, order, more
    of them) are data in the `categories` table, which a committee renames and extends (bot.domain.categories)."""

    COMMUNE = "xa_thi_tran"
    ARMED = "llvt"
    ADMIN = "hanh_chinh"
    SERVICE = "su_nghiep"
    ENTERPRISE = "doanh_nghiep"
    SCHOOL = "truong_hoc"


class Role(StrEnum):
    OFFICIAL = "official"
    REPORTER = "reporter"


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit of the tree. A slotted record rather than a pydantic model: a province holds 60k of them, read again
    on every tree version, and nothing about them needs validating after the database's own constraints."""

    id: int
    code: str
    name: str
    short_name: str
    search_name: str
    kind: UnitKind
    category: str | None = None
    parent_id: int | None = None
    sort_order: int = 0
    active: bool = True
    merged_into: int | None = None
    valid_from: date | None = None  # the day a re-organisation created it; None: there before the bot's records


class User(Frozen):
    id: int
    name: str
    role: Role
    unit_id: int
    login: str | None = None
    title: str | None = None
    active: bool = True

    @property
    def is_official(self) -> bool:
        return self.role is Role.OFFICIAL


class Target(Frozen):
    unit_id: int
    scope: str  # "year" | "term"
    start_year: int
    end_year: int
    value: int
    quarter_plan: tuple[float, float, float, float] | None = None


BREAKDOWN_FIELDS: tuple[str, ...] = (
    "female",
    "ethnic_minority",
    "religious",
    "youth_union",
    "student",
    "private_sector",
    "university",
)


PIPELINE_FIELDS: tuple[str, ...] = ("pool", "certified", "planned_class")
SCREENING_FIELDS: tuple[str, ...] = ("reviewed", "removed", "followed_up")


class Figures(Frozen):
    """Admissions with their breakdown; additive.

    The seven breakdowns the bot always had are fields; every other indicator (the list is data, see
    bot.domain.indicators) is in `extra`, keyed by its code, zero values left out. `get(code)` reads either."""

    admitted: int = 0
    female: int = 0
    ethnic_minority: int = 0
    religious: int = 0
    youth_union: int = 0
    student: int = 0
    private_sector: int = 0
    university: int = 0
    extra: dict[str, int] = Field(default_factory=dict)

    def __add__(self, other: Figures) -> Figures:
        extra = dict(self.extra)
        for code, value in other.extra.items():
            extra[code] = extra.get(code, 0) + value
        return Figures(
            **{k: getattr(self, k) + getattr(other, k) for k in ("admitted", *BREAKDOWN_FIELDS)},
            extra={k: v for k, v in extra.items() if v},
        )

    def get(self, code: str) -> int:
        if code == "admitted" or code in BREAKDOWN_FIELDS:
            return int(getattr(self, code))
        return int(self.extra.get(code, 0))

    def breakdown(self) -> dict[str, int]:
        """Every breakdown with a value or a column: the seven fields, then the data-defined ones."""
        return {k: getattr(self, k) for k in BREAKDOWN_FIELDS} | dict(self.extra)


ZERO = Figures()
