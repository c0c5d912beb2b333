"""Indicators (chỉ tiêu cơ cấu) as data: the breakdowns of admissions a report states, a question answers and the
files count. The list lives in the `indicators` table (schema 0012); officials of a top unit add and rename
entries (/tieuchi, `ptdv indicator`). Pure: rows in, lookups out.

The seven breakdowns the bot always had (female … university) keep their own columns (`column_backed`); every
other indicator's value travels in `Figures.extra` and `submissions.extra`, keyed by its code.

`university` keeps its meaning, "trình độ đại học trở lên": thạc sĩ and tiến sĩ are counted within it
(`part_of`), and a report of "1 thạc sĩ" counts 1 đại học trở lên as it always did.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.domain.models import BREAKDOWN_FIELDS, Frozen
from bot.domain.normalize import fold

GROUP_LABELS = {
    "doi_tuong": "Đối tượng",
    "tuoi": "Độ tuổi",
    "nghe_nghiep": "Nghề nghiệp",
    "trinh_do": "Trình độ",
    "khac": "Khác",
}


class IndicatorDef(Frozen):
    code: str
    name: str  # "nông dân"
    short_name: str  # "Nông dân"
    aliases: tuple[str, ...] = ()
    group: str = "khac"
    part_of: str | None = None
    required: bool = False
    sort_order: int = 0
    builtin: bool = False
    column_backed: bool = False

    def words(self) -> list[str]:
        """Every way of writing it, folded, longest first (the name, the aliases, and the short name unless it is
        a bare abbreviation such as "LLVT", which may name something else: it is read when listed as an alias)."""
        names = {fold(n) for n in (self.name, *self.aliases) if n.strip()}
        short = fold(self.short_name)
        if len(short) >= 4 and not self.short_name.isupper() and short != "khac":
            names.add(short)
        return sorted((n for n in names if n), key=len, reverse=True)


# The list every database starts with (the same rows as schema 0012): used where no database is at hand
# (the language layer's default, the template offline, tests).
DEFAULTS: tuple[IndicatorDef, ...] = (
    IndicatorDef(
        code="female",
        name="nữ",
        short_name="Nữ",
        aliases=("đảng viên nữ", "phụ nữ"),
        group="doi_tuong",
        required=True,
        sort_order=10,
        builtin=True,
        column_backed=True,
    ),
    IndicatorDef(
        code="ethnic_minority",
        name="dân tộc thiểu số",
        short_name="DTTS",
        aliases=("người dân tộc thiểu số", "dtts"),
        group="doi_tuong",
        required=True,
        sort_order=20,
        builtin=True,
        column_backed=True,
    ),
    IndicatorDef(
        code="religious",
        name="tôn giáo",
        short_name="Tôn giáo",
        aliases=("theo tôn giáo", "có đạo"),
        group="doi_tuong",
        required=True,
        sort_order=30,
        builtin=True,
        column_backed=True,
    ),
    IndicatorDef(
        code="youth_union",
        name="đoàn viên thanh niên",
        short_name="ĐVTN",
        aliases=("đoàn viên", "dvtn"),
        group="doi_tuong",
        required=True,
        sort_order=40,
        builtin=True,
        column_backed=True,
    ),
    IndicatorDef(
        code="age_18_30",
        name="tuổi đời từ 18 đến 30",
        short_name="18–30 tuổi",
        aliases=(
            "từ 18 đến 30 tuổi",
            "18-30 tuổi",
            "18 - 30 tuổi",
            "18 đến 30 tuổi",
            "độ tuổi 18-30",
            "tuổi 18-30",
            "dưới 30 tuổi",
            "tuổi đời dưới 30",
        ),
        group="tuoi",
        required=True,
        sort_order=50,
        builtin=True,
    ),
    IndicatorDef(
        code="worker",
        name="công nhân",
        short_name="Công nhân",
        aliases=("công nhân",),
        group="nghe_nghiep",
        sort_order=60,
        builtin=True,
    ),
    IndicatorDef(
        code="farmer",
        name="nông dân",
        short_name="Nông dân",
        aliases=("làm nông", "làm ruộng"),
        group="nghe_nghiep",
        sort_order=61,
        builtin=True,
    ),
    IndicatorDef(
        code="civil_servant",
        name="cán bộ, công chức, viên chức",
        short_name="CB, CC, VC",
        aliases=("cán bộ công chức viên chức", "cán bộ, công chức", "công chức", "viên chức", "cbccvc"),
        group="nghe_nghiep",
        sort_order=62,
        builtin=True,
    ),
    IndicatorDef(
        code="armed_forces",
        name="lực lượng vũ trang",
        short_name="LLVT",
        aliases=("quân nhân",),  # not "llvt": that names the khối (Khối LLVT) in questions
        group="nghe_nghiep",
        sort_order=63,
        builtin=True,
    ),
    IndicatorDef(
        code="private_owner",
        name="chủ doanh nghiệp tư nhân",
        short_name="Chủ DNTN",
        aliases=("chủ doanh nghiệp", "chủ dntn"),
        group="nghe_nghiep",
        sort_order=64,
        builtin=True,
    ),
    IndicatorDef(
        code="student",
        name="học sinh, sinh viên",
        short_name="HS, SV",
        aliases=("học sinh", "sinh viên", "hssv"),
        group="nghe_nghiep",
        required=True,
        sort_order=65,
        builtin=True,
        column_backed=True,
    ),
    IndicatorDef(
        code="other_worker",
        name="người lao động khác",
        short_name="LĐ khác",
        aliases=("lao động khác", "lao động tự do"),
        group="nghe_nghiep",
        sort_order=66,
        builtin=True,
    ),
    IndicatorDef(
        code="private_sector",
        name="doanh nghiệp ngoài nhà nước",
        short_name="DN ngoài NN",
        aliases=("doanh nghiệp tư nhân", "ngoài nhà nước"),
        group="khac",
        required=True,
        sort_order=70,
        builtin=True,
        column_backed=True,
    ),
    IndicatorDef(
        code="university",
        name="trình độ đại học trở lên",
        short_name="ĐH trở lên",
        aliases=("đại học trở lên", "đại học"),
        group="trinh_do",
        required=True,
        sort_order=80,
        builtin=True,
        column_backed=True,
    ),
    IndicatorDef(
        code="master",
        name="thạc sĩ",
        short_name="ThS",
        aliases=("thạc sỹ", "ths"),
        group="trinh_do",
        part_of="university",
        sort_order=81,
        builtin=True,
    ),
    IndicatorDef(
        code="doctorate",
        name="tiến sĩ",
        short_name="TS",
        aliases=("tiến sỹ",),
        group="trinh_do",
        part_of="university",
        sort_order=82,
        builtin=True,
    ),
    IndicatorDef(
        code="readmitted",
        name="kết nạp lại",
        short_name="KN lại",
        aliases=("kết nạp lại",),
        group="khac",
        sort_order=90,
        builtin=True,
    ),
)
CODE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Indicators:
    """The list, in its order, with the lookups the language layer, the replies and the files need."""

    def __init__(self, rows: Iterable[IndicatorDef]) -> None:
        self.items: tuple[IndicatorDef, ...] = tuple(sorted(rows, key=lambda i: (i.sort_order, i.code)))
        self.by_code: dict[str, IndicatorDef] = {i.code: i for i in self.items}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.items)

    @property
    def extra_codes(self) -> tuple[str, ...]:
        """The indicators stored in `extra` (not in a column of their own)."""
        return tuple(i.code for i in self.items if not i.column_backed)

    def label(self, code: str) -> str:
        found = self.by_code.get(code)
        return found.name if found else code

    def short(self, code: str) -> str:
        found = self.by_code.get(code)
        return found.short_name if found else code

    def columns(self, totals: Mapping[str, int] | None = None) -> tuple[IndicatorDef, ...]:
        """The indicators a table shows: the required ones, and the others that have a value in `totals`."""
        return tuple(i for i in self.items if i.required or (totals is not None and totals.get(i.code)))

    def find(self, text: str) -> IndicatorDef | None:
        """The indicator named `text` (code, name, short name or alias; any case, with or without diacritics)."""
        key = fold(text).strip()
        if not key:
            return None
        for item in self.items:
            if key == item.code or key in item.words() or key == fold(item.short_name):
                return item
        return None

    def words(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """(code, folded names) for the language layer."""
        return tuple((i.code, tuple(i.words())) for i in self.items)


DEFAULT_SET = Indicators(DEFAULTS)
assert {i.code for i in DEFAULTS if i.column_backed} == set(BREAKDOWN_FIELDS)


def fold_code(name: str) -> str:
    """A code for a new indicator from its name: "Bộ đội xuất ngũ" → "bo_doi_xuat_ngu"."""
    code = re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")[:40].strip("_")
    if not code or not code[0].isalpha():
        code = f"ct_{code}".strip("_")
    return code
