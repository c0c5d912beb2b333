"""The domain's words, in one place: the labels the bot writes for unit kinds, roles, figures and khối, and the
words it reads back for them. What is written must read back to the same thing (tests/test_vocabulary.py):
the import template writes `KIND_WORDS` and the importer reads them through `KIND_READINGS`."""

from __future__ import annotations

from bot.domain.models import Role, UnitKind
from bot.domain.normalize import fold

# --- unit kinds (Cấp) ------------------------------------------------------------------------------------------
KIND_LABELS: dict[UnitKind, str] = {
    UnitKind.PROVINCE: "tỉnh ủy",
    UnitKind.CITY: "thành ủy",
    UnitKind.COMMUNE: "đảng ủy xã",
    UnitKind.WARD: "đảng ủy phường",
    UnitKind.SPECIAL_ZONE: "đảng ủy đặc khu",
    UnitKind.PROVINCE_AGENCIES: "Đảng bộ các cơ quan Đảng tỉnh",
    UnitKind.PROVINCE_GOVERNMENT: "Đảng bộ Ủy ban nhân dân tỉnh",
    UnitKind.MILITARY: "Đảng bộ Quân sự tỉnh",
    UnitKind.POLICE: "Đảng bộ Công an tỉnh",
    UnitKind.GRASSROOTS: "đảng bộ cơ sở",
    UnitKind.GRASSROOTS_BRANCH: "chi bộ cơ sở",
    UnitKind.SUB_COMMITTEE: "đảng bộ bộ phận",
    UnitKind.BRANCH: "chi bộ trực thuộc",
    UnitKind.DISTRICT: "huyện ủy (trước 1/7/2025)",
}

# The word the import template writes in the Cấp column: the label without its note in brackets.
KIND_WORDS: dict[UnitKind, str] = {kind: label.split(" (")[0] for kind, label in KIND_LABELS.items()}

# What the importer reads in the Cấp column: today's labels and words, the stored codes, and the words of the data
# before 2025.
KIND_READINGS: dict[str, UnitKind] = {
    **{fold(label): kind for kind, label in KIND_LABELS.items()},
    **{fold(word): kind for kind, word in KIND_WORDS.items()},
    **{fold(kind.value): kind for kind in UnitKind},
    "tinh": UnitKind.PROVINCE,
    "dang bo tinh": UnitKind.PROVINCE,
    "thanh pho": UnitKind.CITY,
    "dang bo thanh pho": UnitKind.CITY,
    "xa": UnitKind.COMMUNE,
    "dang bo xa": UnitKind.COMMUNE,
    "phuong": UnitKind.WARD,
    "dang bo phuong": UnitKind.WARD,
    "dac khu": UnitKind.SPECIAL_ZONE,
    "dang bo dac khu": UnitKind.SPECIAL_ZONE,
    "co quan dang tinh": UnitKind.PROVINCE_AGENCIES,
    "dang bo cac co quan dang": UnitKind.PROVINCE_AGENCIES,
    "ubnd tinh": UnitKind.PROVINCE_GOVERNMENT,
    "dang bo ubnd tinh": UnitKind.PROVINCE_GOVERNMENT,
    "quan su tinh": UnitKind.MILITARY,
    "cong an tinh": UnitKind.POLICE,
    "huyen": UnitKind.DISTRICT,
    "huyen uy": UnitKind.DISTRICT,
    "dang bo huyen": UnitKind.DISTRICT,
    "co so": UnitKind.GRASSROOTS,
    "bo phan": UnitKind.SUB_COMMITTEE,
    "chi bo": UnitKind.BRANCH,
}

# --- roles -----------------------------------------------------------------------------------------------------
ROLE_NAMES = {Role.OFFICIAL: "cán bộ theo dõi", Role.REPORTER: "người báo cáo"}  # short, for lists
ROLE_LABELS = {Role.OFFICIAL: "cán bộ theo dõi (xem toàn đơn vị và cấp dưới)", Role.REPORTER: "người báo cáo"}


# --- figures ---------------------------------------------------------------------------------------------------
# The breakdown indicators' names are data (bot.domain.indicators); these are the snapshots' fields.
PIPELINE_LABELS = {
    "pool": "nguồn (quần chúng ưu tú)",
    "certified": "đã học lớp nhận thức về Đảng",
    "planned_class": "dự kiến cử đi học",
}

SCREENING_LABELS = {
    "reviewed": "đã rà soát",
    "removed": "đưa ra khỏi Đảng",
    "followed_up": "tiếp tục theo dõi, giúp đỡ",
}


# --- khối ------------------------------------------------------------------------------------------------------
KHOI = "Khối"  # the word before a khối's name: "Khối xã, phường"


def khoi_label(name: str) -> str:
    """A khối's full label from what an official typed: "y tế" → "Khối y tế"; "khối y tế" stays as written."""
    return name if fold(name).startswith("khoi ") else f"{KHOI} {name}"


def khoi_short(label: str) -> str:
    """A khối's label without the word "Khối": "Khối xã, phường" → "xã, phường"."""
    words = label.strip()
    return words[len("khoi ") :].strip() if fold(words).startswith("khoi ") else words
