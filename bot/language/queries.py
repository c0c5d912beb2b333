"""Questions about progress → a typed `Query`: what, which period, which unit or category, which form.

    tiến độ kết nạp quý III · tien do q3 · Tiến độ Q.III · tiến độ năm 2021 · tiến độ 6 tháng đầu năm
    tiến độ nhiệm kỳ 2020-2025 · tiến độ xã Bắc Phong · đơn vị nào chưa báo cáo quý này?
    những chi bộ nào đang chậm? · cơ cấu đảng viên mới năm nay · nguồn phát triển đảng
    so với cùng kỳ năm trước · biểu đồ tiến độ quý III · xuất báo cáo năm 2021 · xếp hạng các đơn vị

The reading is by keywords on folded text, so word order, diacritics, case and filler words do not matter;
whatever is left once the known words are taken out is the unit's name.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from datetime import date
from enum import StrEnum

from bot.domain.indicators import Indicators
from bot.domain.models import Frozen
from bot.domain.normalize import fold, number_at
from bot.domain.periods import Period
from bot.language.periods import blank_spans, find_period
from bot.language.reports import ETHNIC_GROUPS_LONG


class QueryKind(StrEnum):
    PROGRESS = "progress"
    BREAKDOWN = "breakdown"
    PIPELINE = "pipeline"
    SCREENING = "screening"
    NOT_REPORTED = "not_reported"
    BEHIND = "behind"
    RANKING = "ranking"
    COMPARE = "compare"
    IDLE = "idle"  # derived: units that admitted no one for N years running
    ADMITTING = "admitting"  # derived: share of grassroots organisations that admitted anyone


class OutputForm(StrEnum):
    TEXT = "text"
    CHART = "chart"
    EXCEL = "excel"


class Query(Frozen):
    kind: QueryKind = QueryKind.PROGRESS
    period: Period | None = None  # None: the kind's default (year to date; this quarter for reports)
    unit_text: str | None = None
    category: str | None = None  # a khối code of the asker's committee (bot.domain.categories)
    form: OutputForm = OutputForm.TEXT
    page: int = 1
    text: str = ""  # what the asker wrote: units are recognised in it against the gazetteer
    years: int | None = None  # IDLE: "3 năm liền" (None: the default, bot.domain.derived.DEFAULT_IDLE_YEARS)
    command: bool = False  # a slash command's arguments: every word of them names a unit or a period


class QueryProblem(Frozen):
    message: str


def _alternatives(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")\b")


FORM_WORDS = {
    OutputForm.CHART: re.compile(r"\b(?:ve bieu do|ve do thi|bieu do|bieudo|chart|(?<!tien )do thi)\b"),
    OutputForm.EXCEL: _alternatives(
        "xuat bao cao",
        "xuat file",
        "xuat excel",
        "xuat",
        "exel",
        "excell",
        "file exel",
        "excel",
        "xlsx",
        "tai file",
        "file excel",
        "bang tinh",
        "tai bao cao",
        "gui file",
        "export",
    ),
}
# Order matters: the first kind whose words appear wins.
IDLE_YEARS = re.compile(r"\b(\d{1,2}|hai|ba|bon|nam|sau) nam (?:lien|lien tiep|lien tuc|nay)\b")
KIND_WORDS: list[tuple[QueryKind, re.Pattern[str]]] = [
    (
        QueryKind.IDLE,
        re.compile(
            r"\b(?:nhieu|may|vai|\d{1,2}|hai|ba|bon|nam|sau) nam (?:lien|lien tiep|lien tuc)\b"
            r"|\b(?:nhieu|may|vai) nam (?:nay )?(?:khong|chua|ko) (?:ket nap|kn)\b"
            r"|\blau (?:roi )?(?:khong|chua|ko) (?:ket nap|kn)\b"
            r"|\b(?:lien tuc|lien tiep) (?:khong|chua) (?:ket nap|kn)\b"
            r"|\bkhong ket nap duoc (?:dang vien )?(?:nhieu|may) nam\b"
        ),
    ),
    (
        QueryKind.ADMITTING,
        _alternatives(
            "to chuc co so dang",
            "ty le to chuc co so dang",
            "ti le to chuc co so dang",
            "tccsd",
            "tccs dang",
            "ty le co so",
            "ti le co so",
            "co so dang ket nap duoc",
            "bao nhieu co so",
            "bao nhieu to chuc co so",
        ),
    ),
    (
        QueryKind.COMPARE,
        _alternatives(
            "cung ky",
            "so voi nam truoc",
            "so voi nam ngoai",
            "so voi nam qua",
            "so sanh",
            "tang giam",
            "tang hay giam",
            "so voi cung ky",
            "nam truoc the nao",
            "so voi ky truoc",
        ),
    ),
    (
        QueryKind.NOT_REPORTED,
        _alternatives(
            "chua bao cao",
            "chua gui bao cao",
            "chua gui",
            "chua nop",
            "chua co bao cao",
            "khong bao cao",
            "im lang",
            "chua bc",
            "thieu bao cao",
            "chua cap nhat",
            "chua bao",
            "chuabaocao",
        ),
    ),
    (
        QueryKind.BEHIND,
        _alternatives(
            "cham tien do",
            "cham",
            "tut lai",
            "khong dat",
            "chua dat",
            "dang cham",
            "thap nhat",
            "yeu",
            "kem",
            "cham tre",
            "de doa",
            "nguy co",
            "chamtiendo",
            "can co gang",
            "duoi tien do",
            "yeu nhat",
            "kem nhat",
        ),
    ),
    (
        QueryKind.RANKING,
        _alternatives(
            "xep hang",
            "dung dau",
            "dan dau",
            "cao nhat",
            "top",
            "xep loai",
            "thu hang",
            "tot nhat",
            "nhieu nhat",
            "bang xep hang",
            "thu tu",
            "vuot tien do",
            "vuot chi tieu",
        ),
    ),
    (
        QueryKind.BREAKDOWN,
        _alternatives(
            "co cau",
            "thanh phan",
            "bao nhieu nu",
            "so nu",
            "dv nu",
            "dang vien nu",
            "la nu",
            "nu bao nhieu",
            "ty le nu",
            "dan toc thieu so",
            "dtts",
            "ton giao",
            "doan vien",
            "hoc sinh",
            "sinh vien",
            "ngoai nha nuoc",
            "dai hoc",
            "trinh do",
            "cocau",
            "phan loai",
            "dai hoc tro len",
            "trinh do dai hoc tro len",
            "nguoi co dao",
            "co dao",
            "theo dao",
            "dvm nu",
            "dang vien moi nu",
            "dvm thanh nien",
            "dv thanh nien",
            "dang vien thanh nien",
            "dvm dan toc",
            "nguoi dan toc",
            *(f"nguoi {g}" for g in ETHNIC_GROUPS_LONG),
            *(f"dan toc {g}" for g in ETHNIC_GROUPS_LONG),
        ),
    ),
    (
        QueryKind.PIPELINE,
        _alternatives(
            "nguon",
            "tao nguon",
            "quan chung uu tu",
            "lop nhan thuc",
            "boi duong nhan thuc",
            "cam tinh dang",
            "da hoc lop nhan thuc ve dang",
            "lop nhan thuc ve dang",
            "da hoc lop nhan thuc",
            "hoc lop nhan thuc",
            "cu di hoc",
            "doi tuong ket nap",
            "doi tuong",
        ),
    ),
    (
        QueryKind.SCREENING,
        _alternatives(
            "ra soat",
            "sang loc",
            "dua ra khoi dang",
            "ra khoi dang",
            "xoa ten",
            "khai tru",
            "dang vien vi pham",
        ),
    ),
]


# A question about one unit's standing, not a list of units: progress, whatever its words.
ABOUT_ONE = re.compile(
    r"\b(?:con thieu|co cham khong|cham khong"
    r"|(?:da )?(?:dat|vuot) (?:chi tieu|ke hoach)(?: nam| (?:duoc )?giao)? chua)\b"
)
REPORTED_YET = re.compile(
    r"\b(?:da|co) (?:bao cao|bc|gui bao cao|nop bao cao)(?: (?:quy|thang|nam|ky|\d+|i+|iv|nay|truoc|ngoai|vua qua))*"
    r" (?:chua|khong|ko)\b"
)
WHICH_UNITS = re.compile(
    r"\b(?:(?:don vi|chi bo|dang bo|xa|thon|xom|truong|co so|noi|ben|cho) nao|nhung|cac|liet ke|danh sach)\b"
)


def category_words(categories: Sequence[tuple[str, Sequence[str]]] | None) -> list[tuple[str, re.Pattern[str]]]:
    """The khối a question can name, from data: (code, folded names) as `Context.category_words` gives them;
    without them, the list every committee starts with (bot.domain.categories.DEFAULTS). Compiled once per list."""
    if categories is None:
        return _default_category_words()
    return _category_words(tuple((code, tuple(names)) for code, names in categories))


@functools.lru_cache(maxsize=64)
def _category_words(categories: tuple[tuple[str, tuple[str, ...]], ...]) -> list[tuple[str, re.Pattern[str]]]:
    return [(code, _alternatives(*(re.escape(n) for n in names))) for code, names in categories if names]


@functools.lru_cache(maxsize=1)
def _default_category_words() -> list[tuple[str, re.Pattern[str]]]:
    from bot.domain.categories import defaults_for

    return _category_words(tuple((k.code, tuple(k.names())) for k in defaults_for(0)))


# In a comparison, "năm trước" / "cùng kỳ" name the baseline, not the period asked about.
BASELINE_PHRASE = re.compile(
    r"\b(?:so voi |voi |cua )?(?:cung ky|(?:nam|ky) (?:truoc|ngoai|qua))(?: (?:nam|cua nam) (?:truoc|ngoai|qua))?\b"
)
QUESTION_WORDS = _alternatives(
    "tien do",
    "tiendo",
    "ket qua",
    "bao nhieu",
    "the nao",
    "ra sao",
    "nhu the nao",
    "tinh hinh",
    "so lieu",
    "thong ke",
    "tong hop",
    "cho biet",
    "cho xem",
    "xem",
    "hoi",
    "don vi nao",
    "nhung",
    "nhung don vi",
    "danh sach",
    "liet ke",
    "cac",
    "nao",
    "tong so",
    "duoc",
    "dat",
    "bao cao",
    "tong ket",
)
FILLER_PHRASES = _alternatives(
    "ket nap",
    "ket nap dang vien moi",
    "ket nap dang vien",
    "dang vien moi",
    "dang vien",
    "dvm",
    "kn",
    "phat trien dang vien",
    "phat trien dang",
    "phat trien",
    "hien nay",
    "hien tai",
    "den nay",
    "tu dau nam",
    "luy ke",
    "chi tieu",
    "truc thuoc",
    "tat ca",
    "toan bo",
    "cac don vi",
    "don vi",
    "to chuc co so dang",
    "to chuc co so",
    "cho toi",
    "giup toi",
    "giup em",
    "the nao",
    "nhu the nao",
    "ra sao",
)
HOME_WORDS = _alternatives("chi bo minh", "don vi minh", "cua minh", "dang bo minh", "minh")
# Words stripped from the edges of what is left; a unit's name never starts or ends with them.
EDGE_WORDS = frozenset(
    (
        "cua cho ve hien nay tai o minh toi em a nhe voi di da duoc gi dau ban oi giup trong va theo tung toan "
        "len ra gui lai nua la the sao roi nhi vay khong ai bi nhat nhieu it tro hon"
    ).split()
)
# Left alone, these name no unit.
WEAK_WORDS = EDGE_WORDS | frozenset(
    "dang co chi bo don vi cac nhung nao khoi cap so muc ky quy thang nam cung mot tong hop".split()
)
STRONG_QUESTION = _alternatives(
    "tien do",
    "td",
    "ptdv",
    "tiendo",
    "ket qua",
    "bao nhieu",
    "the nao",
    "ra sao",
    "tinh hinh",
    "so lieu",
    "thong ke",
    "tong hop",
    "cho biet",
    "cho xem",
    "xem",
    "don vi nao",
    "chi bo nao",
    "dang bo nao",
    "danh sach",
    "liet ke",
    "tong so",
    "tong ket",
    "nhung don vi",
    "nhung chi bo",
    "cac don vi",
)
OVERLAPS_REPORTS = (QueryKind.BREAKDOWN, QueryKind.PIPELINE, QueryKind.SCREENING)


def is_question(s: str) -> bool:
    """Clearly a question: question words, "?", a chart or file, or a kind no report uses."""
    if "?" in s or STRONG_QUESTION.search(s):
        return True
    if any(p.search(s) for p in FORM_WORDS.values()):
        return True
    return any(p.search(s) for k, p in KIND_WORDS if k not in OVERLAPS_REPORTS)


def may_be_question(s: str, indicators: Indicators | None = None) -> bool:
    """Words that fit a question when the text states no figures (e.g. "nguồn phát triển đảng", "số đảng viên mới
    là nông dân": the name of an indicator of the list)."""
    return (
        is_question(s)
        or any(p.search(s) for _, p in KIND_WORDS)
        or (indicators is not None and bool(indicator_pattern(indicators).search(s)))
    )


def indicator_pattern(indicators: Indicators) -> re.Pattern[str]:
    """The names and aliases of the indicators of the list that have no word in KIND_WORDS' breakdown list (data:
    a province's own indicator is asked about by its name): "bao nhiêu nông dân", "số đảng viên mới dưới 30 tuổi"."""
    words = [w for i in indicators if not i.column_backed for w in i.words()]
    return _alternatives(*(re.escape(w) for w in words)) if words else re.compile(r"(?!)")


def read_query(
    text: str,
    today: date,
    *,
    kind: QueryKind | None = None,
    form: OutputForm | None = None,
    categories: Sequence[tuple[str, Sequence[str]]] | None = None,
    indicators: Indicators | None = None,
) -> Query | QueryProblem:
    """Parse a question (or a slash command's arguments with `kind`/`form` given). Never raises. A question that
    names an indicator of the list (`indicators`, data) and no other kind is a breakdown question."""
    s = fold(text)
    if dict(KIND_WORDS)[QueryKind.COMPARE].search(s) or kind is QueryKind.COMPARE:
        s = blank_spans(s, [m.span() for m in BASELINE_PHRASE.finditer(s)]) + " cung ky"
    match = find_period(s, today)
    if match.problem:
        return QueryProblem(message=match.problem)
    rest = blank_spans(s, match.spans)
    spans: list[tuple[int, int]] = []

    def take(pattern: re.Pattern[str]) -> bool:
        found = False
        for m in pattern.finditer(rest):
            spans.append(m.span())
            found = True
        return found

    if form is None:
        form = next((f for f, p in FORM_WORDS.items() if take(p)), OutputForm.TEXT)
    else:
        for p in FORM_WORDS.values():
            take(p)
    years = None
    if (idle := IDLE_YEARS.search(rest)) is not None:
        got = number_at([idle.group(1)], 0)
        years = got[0] if got else None
        spans.append(idle.span())
    found_kind = next((k for k, p in KIND_WORDS if take(p)), None)
    if kind is None and not WHICH_UNITS.search(s):
        if ABOUT_ONE.search(s):  # "xã X có chậm không", "còn thiếu mấy đồng chí", "vượt chỉ tiêu chưa"
            found_kind = QueryKind.PROGRESS
        elif REPORTED_YET.search(s):  # "xã X tháng trước có báo cáo không"
            found_kind = QueryKind.NOT_REPORTED
    for _, p in KIND_WORDS:
        take(p)
    category = next((c for c, p in category_words(categories) if take(p)), None)
    take(HOME_WORDS)
    if indicators is not None and found_kind in (None, QueryKind.BREAKDOWN):
        pattern = indicator_pattern(indicators)
        named = [m.span() for m in pattern.finditer(blank_spans(rest, spans))]
        if named:
            found_kind = QueryKind.BREAKDOWN
            spans.extend(named)
    rest = blank_spans(rest, spans)
    take(QUESTION_WORDS)
    rest = FILLER_PHRASES.sub(" ", blank_spans(rest, spans))
    tokens = re.sub(r"[^a-z0-9 ]+", " ", rest).split()
    while tokens and (tokens[0] in EDGE_WORDS or tokens[0].isdigit()):
        tokens.pop(0)
    while tokens and (tokens[-1] in EDGE_WORDS or tokens[-1].isdigit()):
        tokens.pop()
    unit_text = " ".join(tokens) if tokens and not set(tokens) <= WEAK_WORDS else None
    return Query(
        kind=kind or found_kind or QueryKind.PROGRESS,
        period=match.period,
        unit_text=unit_text,
        category=category,
        form=form,
        text=text,
        years=years if (kind or found_kind) is QueryKind.IDLE else None,
    )
