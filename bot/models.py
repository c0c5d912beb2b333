"""Domain records shared by the core, storage and the channels (pydantic v2, immutable)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class UnitKind(StrEnum):
    PROVINCE = "tinh"
    DISTRICT = "huyen"
    GRASSROOTS = "co_so"  # đảng bộ cơ sở / chi bộ cơ sở trực thuộc
    BRANCH = "chi_bo"  # chi bộ trực thuộc đảng ủy cơ sở


class Category(StrEnum):
    COMMUNE = "xa_thi_tran"
    ARMED = "llvt"
    ADMIN = "hanh_chinh"
    SERVICE = "su_nghiep"
    ENTERPRISE = "doanh_nghiep"


CATEGORY_LABELS: dict[str, str] = {
    Category.COMMUNE: "Đảng bộ xã, thị trấn",
    Category.ARMED: "Lực lượng vũ trang",
    Category.ADMIN: "Cơ quan hành chính",
    Category.SERVICE: "Đơn vị sự nghiệp",
    Category.ENTERPRISE: "Doanh nghiệp",
}


class Role(StrEnum):
    OFFICIAL = "official"
    REPORTER = "reporter"


ROLE_LABELS = {Role.OFFICIAL: "cán bộ theo dõi (xem toàn đơn vị và cấp dưới)", Role.REPORTER: "người báo cáo"}


class Unit(Frozen):
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

BREAKDOWN_LABELS: dict[str, str] = {
    "female": "nữ",
    "ethnic_minority": "dân tộc thiểu số",
    "religious": "tôn giáo",
    "youth_union": "đoàn viên thanh niên",
    "student": "học sinh, sinh viên",
    "private_sector": "doanh nghiệp ngoài nhà nước",
    "university": "trình độ đại học trở lên",
}

PIPELINE_FIELDS: tuple[str, ...] = ("pool", "certified", "planned_class")
PIPELINE_LABELS = {
    "pool": "nguồn (quần chúng ưu tú)",
    "certified": "đã học lớp nhận thức về Đảng",
    "planned_class": "dự kiến cử đi học",
}
SCREENING_FIELDS: tuple[str, ...] = ("reviewed", "removed", "followed_up")
SCREENING_LABELS = {
    "reviewed": "đã rà soát",
    "removed": "đưa ra khỏi Đảng",
    "followed_up": "tiếp tục theo dõi, giúp đỡ",
}


class Figures(Frozen):
    """Admissions with their breakdown; additive."""

    admitted: int = 0
    female: int = 0
    ethnic_minority: int = 0
    religious: int = 0
    youth_union: int = 0
    student: int = 0
    private_sector: int = 0
    university: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(**{k: getattr(self, k) + getattr(other, k) for k in Figures.model_fields})

    def breakdown(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in BREAKDOWN_FIELDS}


ZERO = Figures()
