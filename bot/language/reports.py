"""Reading a report written as one would to a colleague.

    kết nạp 2 đảng viên · ket nap 2 dvm tháng 9 · kết nạp hai đảng viên
    quý III kết nạp 3, trong đó 1 nữ, 1 dân tộc thiểu số · /baocao 2 nu=1
    Chi bộ Công an huyện kết nạp 2 đảng viên        (an official, on behalf of a unit)
    nguồn 15, đã học lớp nhận thức 8, dự kiến cử đi học 5
    rà soát 5, đưa ra khỏi Đảng 2
    sửa: quý III kết nạp 4 chứ không phải 3 · lũy kế từ đầu năm 7

`read_report` works on folded text and returns a `Draft` or a `ReportProblem` saying exactly what is wrong.
Structural checks only (negative numbers, a breakdown larger than the total, impossible periods); checks
that need the clock, the settings or the database belong to the reporting service.
"""

from __future__ import annotations

import functools
import re
from datetime import date

from bot.domain.drafts import Draft
from bot.domain.indicators import DEFAULT_SET, Indicators
from bot.domain.models import BREAKDOWN_FIELDS, Frozen
from bot.domain.normalize import fold, number_at
from bot.domain.periods import Period, PeriodKind
from bot.language.periods import blank_spans, find_period

# Breakdown aliases, longest first so that "doan vien thanh nien" wins over "doan vien".
BREAKDOWN_ALIASES: dict[str, tuple[str, ...]] = {
    "female": ("dang vien nu", "phu nu", "nu"),
    "ethnic_minority": ("nguoi dan toc thieu so", "dan toc thieu so", "dtts", "dan toc"),
    "religious": ("nguoi co dao", "theo ton giao", "ton giao", "co dao"),
    "youth_union": ("doan vien thanh nien", "doan vien", "dvtn", "thanh nien"),
    "student": ("hoc sinh sinh vien", "hoc sinh", "sinh vien", "hssv", "hs sv"),
    "private_sector": (
        "doanh nghiep ngoai nha nuoc",
        "dn ngoai nha nuoc",
        "ngoai nha nuoc",
        "doanh nghiep tu nhan",
        "tu nhan",
        "doanh nghiep",
    ),
    "university": (
        "trinh do dai hoc tro len",
        "dai hoc tro len",
        "tren dai hoc",
        "dh tro len",
        "dai hoc",
        "thac si",
    ),
}
PIPELINE_ALIASES: dict[str, tuple[str, ...]] = {
    "pool": ("nguon phat trien dang", "nguon quan chung", "quan chung uu tu", "qcut", "nguon"),
    "certified": (
        "da hoc xong lop nhan thuc ve dang",
        "da hoc xong lop nhan thuc",
        "da hoc lop nhan thuc ve dang",
        "da hoc lop nhan thuc",
        "da hoc lop cam tinh",
        "hoc lop nhan thuc",
        "boi duong nhan thuc",
        "co giay chung nhan",
        "da co chung nhan",
        "chung nhan",
        "hoc xong lop nt",
        "da hoc nt",
        "hoc nt",
        "nhan thuc",
        "da hoc",
    ),
    "planned_class": ("du kien cu di hoc", "du kien di hoc", "cu di hoc", "cu hoc", "du kien"),
}
SCREENING_ALIASES: dict[str, tuple[str, ...]] = {
    "reviewed": ("ra soat sang loc", "ra soat", "sang loc"),
    "removed": ("dua ra khoi dang", "cho ra khoi dang", "ra khoi dang", "xoa ten", "khai tru", "dua ra"),
    "followed_up": ("tiep tuc theo doi", "tiep tuc giup do", "theo doi giup do", "theo doi", "giup do"),
}
ADMIT = re.compile(r"\b(?:ket nap(?: duoc| moi| them| tong cong| tat ca)?|kn)\b")
FREE_CORRECTION = re.compile(
    r"\b(?:em |toi |minh )?(?:lo |da )?(?:bao nham(?: roi)?|xin sua(?: lai)?(?: so lieu)?|sua lai|sua so lieu|"
    r"dinh chinh|chinh lai|sua)\b"
)
ZERO = re.compile(
    r"\b(?:khong|chua|ko|k)\s+(?:ket nap|kn)\s+(?:(?:duoc|dc)\s+)?(?:ai|dong chi nao|nguoi nao|quan chung nao|"
    r"dang vien nao|duoc ai|dc nao|d/c nao|dv nao)\b|\b(?:ket nap|kn)(?: duoc| dc)? 0\b"
)
MEMBERS = r"(?:dang vien moi|dang vien|dvm|dv|quan chung|nguoi|dong chi|d/c)"
CORRECTION = re.compile(r"^(?:/sua|sua lai|sua|dinh chinh|chinh lai)\b\s*:?\s*")
NOT_BUT = re.compile(
    r"\b(?:chu khong phai|khong phai|thay vi|thay cho)\s+(?:la\s+)?(-?\d+|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi)\b"
)
CUMULATIVE = re.compile(r"\bluy ke(?: tu dau nam| ca nam| nam nay| den nay)?\b")
FILLERS = re.compile(
    r"\b(?:bao cao|xin bao cao|em|toi|minh|chung toi|don vi|a|nhe|voi|da|duoc|dot nay|lan nay|"
    r"trong do|gom|bao gom|la|so|cua|cho|tai|thang nay|ky nay|moi|them|dong chi|kinh gui|ban to chuc|"
    r"xin cam on|cam on|d/c|va|ngay|hom nay|vua|vua qua|dang vien moi|dang vien|dvm|dv|quan chung|nguoi)\b"
)
NUMBER_TOKEN = r"(-?\d+|mot|hai|ba|bon|tu|nam|sau|bay|tam|chin|muoi(?: \w+)?|\w+ muoi(?: \w+)?)"


class ReportProblem(Frozen):
    message: str  # what is wrong, in Vietnamese
    example: str  # the right form


def looks_like_report(s: str, today: date) -> bool:
    """Does folded text `s` state figures (rather than ask about them)? `today` anchors relative periods."""
    if ADMIT.search(s) or CUMULATIVE.search(s) or CORRECTION.match(s):
        return True
    keys = (*PIPELINE_ALIASES["pool"], "lop nhan thuc", "ra soat", "sang loc", "ra khoi dang", "xoa ten")
    if not any(re.search(rf"\b{k}\b", s) for k in keys):
        return False
    figures = blank_spans(s, find_period(s, today).spans)  # "năm 2021" is a period, not a figure
    return bool(re.search(r"\d|\b(?:mot|hai|ba)\b", figures))


def _number(text: str) -> int | None:
    tokens = text.split()
    got = number_at(tokens, 0)
    return got[0] if got else None


NUM_FIRST = rf"{NUMBER_TOKEN}\s+(?:dang vien |dv |nguoi )?{{alias}}\b"
# "dự kiến cử đi học lớp tới 2 người": a few words may stand between the name of a figure and its number
ALIAS_FIRST = rf"\b{{alias}}(?:\s+(?:lop|toi|sap toi|la|khoang|nua|ve dang|dot toi|trong ky))*\s*[=:]?\s*{NUMBER_TOKEN}"


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _num_first(s: str, pairs: list[tuple[str, str]], default: bool) -> bool:
    """Whether this message writes "1 nữ" (number first) or "nữ 1": decided by its first figure."""
    if re.search(r"[=:]", s):
        return False
    first = None
    for _, alias in pairs:
        if alias not in s:  # cheap test first: most aliases are absent from a message
            continue
        m = _compiled(r"(?<![\w-])" + re.escape(alias) + r"\b").search(s)
        if m and (first is None or m.start() < first.start()):
            first = m
    if first is None:
        return default
    before = s[: first.start()].split()[-1:]
    after = s[first.end() :].split()[:1]
    if before and _number(before[0]) is not None:
        return True
    if after and _number(after[0]) is not None:
        return False
    return default


def _take(s: str, aliases: dict[str, tuple[str, ...]], num_first: bool) -> tuple[dict[str, int], str, list[str]]:
    """Find "N alias", "alias N", "alias=N", "alias: N"; return figures, text with them blanked, bad values.

    Commas are kept in `s`, so a number never pairs with a word across one. Which order is tried first
    follows the message's own habit ("1 nữ, 1 dân tộc" or "nữ 1 dân tộc 2"); `num_first` is the default.
    """
    found: dict[str, int] = {}
    bad: list[str] = []
    pairs = sorted(((f, a) for f, names in aliases.items() for a in names), key=lambda p: -len(p[1]))
    num_first = _num_first(s, pairs, num_first)
    for pattern in (NUM_FIRST, ALIAS_FIRST) if num_first else (ALIAS_FIRST, NUM_FIRST):
        for field, alias in pairs:
            if field in found or alias not in s:
                continue
            regex = _compiled(r"(?<![\w-])" + pattern.replace("{alias}", re.escape(alias)))
            for m in regex.finditer(s):
                value = _number(m.group(1))
                if value is None:
                    continue
                if value < 0:
                    bad.append(alias)
                found[field] = value
                s = s[: m.start()] + " " * (m.end() - m.start()) + s[m.end() :]
                break
    return found, s, bad


ADMIT_FILLER = frozenset("them duoc dc moi cho tong cong so la tat ca duoc".split())
MEMBERS_ANY = rf"(?:{MEMBERS[3:-1]}|chau|ban|em|doan vien|dong chi nu)"


def _admitted(s: str) -> tuple[int | None, str, str | None]:
    """The admissions count near "kết nạp" (any of its mentions, a few words such as "được", "cho" between),
    else "N đồng chí / cháu / bạn": (count, text with it blanked, problem). A word after "kết nạp" that is no
    number is a problem only when the message states no count anywhere."""
    problem = None
    for i, m in enumerate(ADMIT.finditer(s)):
        after = s[m.end() :].split()
        k = 0
        while k < min(len(after), 3) and after[k] in ADMIT_FILLER:
            k += 1
        got = number_at(after, k)
        if got is not None:
            end = m.end() + len(" ".join(after[: k + got[1]])) + 1
            return got[0], s[: m.start()] + " " * (end - m.start()) + s[end:], None
        if (
            i == 0
            and after
            and re.fullmatch(r"[\w.,/+*-]+", after[0])
            and not re.match(rf"{MEMBERS}\b", " ".join(after))
            and after[0] not in ADMIT_FILLER
        ):
            problem = f"“{after[0]}” không phải là một số"
    m2 = re.search(rf"(?<![\w/]){NUMBER_TOKEN}\s+{MEMBERS_ANY}\b", s)
    if m2:
        value = _number(m2.group(1))
        if value is not None:
            return value, s[: m2.start()] + " " * (m2.end() - m2.start()) + s[m2.end() :], None
    return None, s, problem


EXAMPLE_ADMISSION = "kết nạp 2 đảng viên, trong đó 1 nữ (hoặc: quý III kết nạp 3)"
EXAMPLE_PIPELINE = "nguồn 15, đã học lớp nhận thức 8, dự kiến cử đi học 5"
EXAMPLE_SCREENING = "rà soát 5, đưa ra khỏi Đảng 2"
EXAMPLE_CORRECTION = "sửa: quý III kết nạp 4 chứ không phải 3"
EXAMPLE_CUMULATIVE = "lũy kế từ đầu năm 7"


def _swapped(s: str) -> str:
    """Two neighbouring letters typed the wrong way round in a word of the reports' vocabulary ("doan vine",
    "sinh vein", "dna toc"): put back. Only swaps, and only into a word the reports use."""
    words = s.split(" ")
    for i, w in enumerate(words):
        if len(w) < 4 or w in REPORT_VOCAB or not w.isalpha():
            continue
        for j in range(len(w) - 1):
            fixed = w[:j] + w[j + 1] + w[j] + w[j + 2 :]
            if fixed in REPORT_VOCAB:
                words[i] = fixed
                break
    return " ".join(words)


def read_report(
    text: str, today: date, *, correction: bool = False, indicators: Indicators | None = None
) -> Draft | ReportProblem:
    """Parse a report message (any case, with or without diacritics). Never raises. `indicators`: the list of
    breakdowns (data, bot.domain.indicators) whose names and aliases are read; the shipped list when not given."""
    indicators = indicators or DEFAULT_SET
    s = _swapped(fold(text, keep=",;:"))
    bare_count = s.startswith("/baocao") or bool(CORRECTION.match(s)) or correction
    if s.startswith("/baocao"):
        s = "ket nap " + s.removeprefix("/baocao").strip()
    correction = correction or bool(CORRECTION.match(s))
    if correction:
        s = CORRECTION.sub("", s, count=1)
        s = FREE_CORRECTION.sub(" ", s)
        s = re.sub(r"^\s*(?:la|thanh)\s+(?=-?\d)", "ket nap ", s.strip())
        s = re.sub(r"\b(?:la|thanh)\s+(?=-?\d)", "ket nap ", s, count=1) if not ADMIT.search(s) else s
    not_but = NOT_BUT.search(s)
    if not_but:  # "chứ không phải 3": the figure it replaces is not needed (the stored one is shown)
        s = s[: not_but.start()] + s[not_but.end() :]
    match = find_period(s, today)
    if match.problem:
        return ReportProblem(message=f"Kỳ báo cáo không hợp lệ: {match.problem}.", example=EXAMPLE_ADMISSION)
    if match.period is not None and match.period.kind in (PeriodKind.TERM, PeriodKind.HALF):
        return ReportProblem(
            message="Báo cáo theo tháng hoặc quý, không theo 6 tháng hay nhiệm kỳ.", example=EXAMPLE_ADMISSION
        )
    # the period's words written again ("… kết nạp tháng 9 …, em sửa lại tháng 9 là 1 …") are no figure either
    again = [
        m.span() for a, b in match.spans if s[a:b].strip() for m in re.finditer(rf"\b{re.escape(s[a:b].strip())}\b", s)
    ]
    rest = blank_spans(s, match.spans + again)
    rest = NONE_REMOVED.sub(lambda m: m.group(1) + " 0", rest)  # "không phải đưa ra khỏi Đảng trường hợp nào"
    if bare_count or PERIOD_COLON.match(s):
        rest = _bare_count(rest)  # "/baocao Công an xã 2", "/sua q3 4", "t9: 2, 1 nữ"
    period = match.period

    ytd = YEAR_TO_DATE.search(s) if ADMIT.search(rest) or CUMULATIVE.search(rest) else None
    if CUMULATIVE.search(rest) or ytd:
        m = CUMULATIVE.search(rest)
        total = _number(rest[m.end() :].strip().removeprefix("la ").strip()) if m else None
        if total is None:  # "lũy kế từ đầu năm đến giờ chi bộ em kết nạp 5 đồng chí", "từ đầu năm đến nay … 3"
            total = _admitted(rest)[0]
        if total is None:
            return ReportProblem(message="Chưa thấy số lũy kế.", example=EXAMPLE_CUMULATIVE)
        if total < 0:
            return ReportProblem(message="Số lũy kế không thể âm.", example=EXAMPLE_CUMULATIVE)
        year = period.year if period else today.year
        return Draft(kind="cumulative", period=Period.of_year(year), figures={"admitted": total})

    # "kết nạp 2 quần chúng ưu tú" is an admission of two, not a pipeline figure
    rest = re.sub(
        r"(\b(?:ket nap|kn)(?: duoc| dc| moi)? \S+ )(?:quan chung(?: uu tu)?|qcut)\b",
        lambda m: m.group(1) + "dong chi" + " " * max(0, len(m.group(0)) - len(m.group(1)) - 8),
        rest,
    )
    figures, rest, bad = _take(rest, PIPELINE_ALIASES, num_first=False)
    kind = "pipeline" if figures else ""
    if not figures:
        figures, rest, bad = _take(rest, SCREENING_ALIASES, num_first=False)
        kind = "screening" if figures else ""
    if bad:
        return ReportProblem(message="Các con số không thể âm.", example=EXAMPLE_PIPELINE)
    if kind == "screening" and figures.get("removed", 0) > figures.get("reviewed", figures.get("removed", 0)):
        return ReportProblem(
            message=f"Số đưa ra khỏi Đảng ({figures['removed']}) lớn hơn số đã rà soát ({figures['reviewed']}).",
            example=EXAMPLE_SCREENING,
        )
    if kind:
        return _with_unit(Draft(kind=kind, period=period, figures=figures, correction=correction), rest)

    zero = ZERO.search(rest)
    if zero:
        admitted: int | None = 0
        problem: str | None = None
        rest = rest[: zero.start()] + " ket nap " + " " * max(0, zero.end() - zero.start() - 9) + rest[zero.end() :]
        admit_at = zero.start()
    else:
        m = ADMIT.search(rest)
        admit_at = m.start() if m else 0
        admitted, rest, problem = _admitted(rest)
        if admitted is not None and m is not None:
            admitted, rest = _enumerated(rest, admitted, m.end())
    if problem:
        return ReportProblem(message=f"Số đảng viên kết nạp chưa đúng: {problem}.", example=EXAMPLE_ADMISSION)
    if admitted is None:
        return ReportProblem(message="Chưa thấy số đảng viên kết nạp.", example=EXAMPLE_ADMISSION)
    if admitted < 0:
        return ReportProblem(message="Số đảng viên kết nạp không thể âm.", example=EXAMPLE_ADMISSION)
    breakdown, unread, negative = _breakdown(rest, admitted, admit_at, indicators)
    if negative:
        return ReportProblem(message="Số trong phần cơ cấu không thể âm.", example=EXAMPLE_ADMISSION)
    for field, value in breakdown.items():
        if value > admitted:
            label = indicators.label(field)
            return ReportProblem(
                message=f"Số {label} ({value}) lớn hơn tổng số kết nạp ({admitted}).",
                example=f"kết nạp {max(value, 2)} đảng viên, trong đó {value} {label}",
            )
    draft = Draft(
        kind="admission",
        period=period,
        figures={"admitted": admitted, **breakdown},
        correction=correction,
        unread=tuple(unread),
    )
    return draft


NONE_REMOVED = re.compile(
    r"\b(?:khong|ko|k)(?: phai| co)? (dua ra khoi dang|ra khoi dang|xoa ten|khai tru)"
    r"(?: (?:truong hop|dong chi|ai|nguoi|dang vien))?(?: nao)?\b"
)
ENUMERATED = re.compile(rf"^\s*{NUMBER_TOKEN}\s+{MEMBERS}\s+(.*\S)")


def _enumerated(rest: str, admitted: int, admit_end: int) -> tuple[int, str]:
    """ "Kết nạp 1 đồng chí dân tộc Thái, 1 đồng chí dân tộc Kinh": each clause after the first names more
    people admitted — when every clause describes its people by the same attribute (dân tộc, nam/nữ), so that
    "kết nạp 2 đ/c thuộc doanh nghiệp, 1 đ/c theo đạo Phật" stays a breakdown. Nothing changes with "trong đó".
    The first clause's own count is written back for the breakdown."""
    if re.search(r"\btrong do\b|\bgom\b|\bbao gom\b", rest):
        return admitted, rest
    first_end = next((m.start() for m in re.finditer(r"[,;]", rest) if m.start() > admit_end), len(rest))
    described = re.sub(rf"\b{MEMBERS}\b", " ", rest[admit_end:first_end]).strip(" .")
    family = next((f for f in FAMILIES if f.search(described)), None)
    if not described or family is None:
        return admitted, rest
    more = 0
    for clause in (c for c in re.split(r"[,;]", rest[first_end + 1 :]) if c.strip(" .")):
        m = ENUMERATED.match(clause)
        value = _number(m.group(1)) if m else None
        if m is None or value is None or not family.search(m.group(2)):
            return admitted, rest  # a clause that is not another "N đồng chí <same attribute>"
        more += value
    if not more:
        return admitted, rest
    first = f" {admitted} "
    return admitted + more, rest[:admit_end] + first + rest[admit_end + len(first) :]


YEAR_TO_DATE = re.compile(r"\btu dau nam(?: (?:den|toi) (?:nay|gio))?\b")
PERIOD_COLON = re.compile(r"^\s*(?:t|thang|q|quy)\s*\d{1,2}(?:/\d{4})?\s*:?\s+\d{1,3}(?!\d)(?:\s*,|\s*$)")
_LONE_NUMBER = re.compile(r"(?<![\w=/.,-])(\d{1,4})(?![\w=/.,])(?!\s*[=:])")


def _bare_count(rest: str) -> str:
    """In a command or a correction the count may stand alone ("/baocao Công an xã 2", "/sua q3 4"): when no
    number follows "kết nạp", the first lone number is the count."""
    m = ADMIT.search(rest)
    if m and number_at(rest[m.end() :].split(), 0) is not None:
        return rest
    lone = _LONE_NUMBER.search(rest)
    if lone is None:
        return rest
    without = rest[: lone.start()] + " " * (lone.end() - lone.start()) + rest[lone.end() :]
    if m:
        return without[: m.start()] + f"ket nap {lone.group(1)} " + without[m.end() :]
    return f"ket nap {lone.group(1)} " + without


def _with_unit(draft: Draft, rest: str) -> Draft:
    leftover = re.sub(r"[\s,.;:=/+-]+", " ", rest)
    leftover = FILLERS.sub(" ", leftover).strip()
    leftover = re.sub(r"\b\d+\b", " ", leftover).strip()
    leftover = re.sub(r"\s+", " ", leftover)
    if len(leftover) < 3:
        return draft
    return draft.model_copy(update={"unit_text": leftover})


ETHNIC_GROUPS = (
    "muong thai dao tay h mong hmong mong nung kho mu khmer hoa ede e de gia rai ba na xo dang san chay co ho cham "
    "san diu hre ra glai mnong m nong tho xtieng kho mu bru van kieu co tu gie trieng ta oi ma co ro cho ro ha nhi "
    "xinh mun chu ru lao la chi khang phu la la hu la ha pa then lu ngai chut lo lo mang co lao bo y cong si la "
    "pu peo brau o du ro mam"
).split()
ETHNIC_GROUPS_LONG = frozenset(g for g in ETHNIC_GROUPS if len(g) > 2)
# Attributes that split people into groups: "1 đồng chí dân tộc Thái, 1 đồng chí dân tộc Kinh" lists people
FAMILIES = (
    re.compile(r"\b(?:dan toc|nguoi kinh|kinh|" + "|".join(sorted(ETHNIC_GROUPS_LONG, key=len, reverse=True)) + r")\b"),
    re.compile(r"^(?:nu|nam|phu nu)\b"),
)
BREAKDOWN_WORDS: dict[str, re.Pattern[str]] = {
    "female": re.compile(r"\b(?:nu|phu nu|dang vien nu|co giao|la chi|em gai)\b"),
    "ethnic_minority": re.compile(
        r"\b(?:dan toc thieu so|dtts|(?:dan toc|nguoi)\s+(?:"
        + "|".join(sorted(ETHNIC_GROUPS_LONG, key=len, reverse=True))
        + r")|dan toc(?! kinh))\b"
        r"|(?<!xom )(?<!thon )(?<!ban )(?<!theo )(?<!lo )\b(?:muong|thai|dao|tay|h mong|hmong|nung|khmer)\b"
    ),
    "religious": re.compile(
        r"\b(?:ton giao|theo dao|co dao|nguoi co dao|cong giao|phat giao|tin lanh|cao dai|hoa hao|theo dao phat)\b"
    ),
    # "đều là dv", or a clause that is only "dv" after the admission: the writer's đoàn viên
    "youth_union": re.compile(r"\b(?:doan vien thanh nien|doan vien|dvtn|dv thanh nien)\b|(?<=\bla )dv\b|^\s*dv\s*$"),
    "student": re.compile(r"\b(?:hoc sinh sinh vien|hoc sinh|sinh vien|hssv|hs sv|hs|sv)\b"),
    "private_sector": re.compile(
        r"\b(?:doanh nghiep ngoai nha nuoc|dn ngoai nha nuoc|ngoai nha nuoc|doanh nghiep tu nhan|cong ty tu nhan|"
        r"tu nhan|cong nhan (?:o |tai |lam )?cong ty|cong nhan doanh nghiep|dn tu nhan|ngoai quoc doanh|"
        r"(?:dn |doanh nghiep )?ngoai nn)\b"
    ),
    "university": re.compile(
        r"(?<!truong )\b(?:trinh do dai hoc tro len|dai hoc tro len|tren dai hoc|dh tro len|dai hoc|"
        r"thac s[iy]|tien s[iy]|cu nhan|ky su|bac si|dh|ths|ts)\b"
    ),
}
GENERIC_ETHNIC = re.compile(r"dan toc thieu so|dtts|dan toc")
ALL_WORDS = re.compile(r"\b(?:deu|ca hai|ca 2|ca ba|ca 3|tat ca|toan bo|ca (?:\d+|hai|ba))\b")
SHORT_FORM = re.compile(r"\b(nu|dt|dtts|tg|dv|dvtn|hs|sv|hssv|dn|dh)\s*[=:]\s*(-?\d+)\b")
SHORT_FIELDS = {
    "nu": "female",
    "dt": "ethnic_minority",
    "dtts": "ethnic_minority",
    "tg": "religious",
    "dv": "youth_union",
    "dvtn": "youth_union",
    "hs": "student",
    "sv": "student",
    "hssv": "student",
    "dn": "private_sector",
    "dh": "university",
}
NOISE_NUMBERS = re.compile(
    r"\b(?:lop|khoa|nam thu|khu|so nha|tuoi|sinh nam|lan)\s+\d+\b|\b\d+\s*(?:tuoi|%)"
    r"|(?<=\bsinh vien )nam \d\b|(?<=\bhs )(?:lop )?1[0-2]\b|(?<=\bhoc sinh )(?:lop )?1[0-2]\b"
)
ALL_N = re.compile(r"\bca (\d+)\b")
PLACE_BEFORE = re.compile(r"\b(?:xa|xom|thon|phuong|huyen|thi tran)\s+$")


def _clauses(s: str) -> list[tuple[int, str]]:
    """(offset, text) of each clause: split at , ; . : and "trong đó"."""
    out = []
    start = 0
    for m in re.finditer(r"[,;.:]|\btrong do(?: co)?\b|\bthi\b", s):
        out.append((start, s[start : m.start()]))
        start = m.end()
    out.append((start, s[start:]))
    return [(o, c) for o, c in out if c.strip()]


AGE_18_30 = re.compile(r"(?<![\w/-])(?:1[89]|2\d|30) tuoi\b")


def _indicator_words(rest: str, indicators: Indicators) -> tuple[str, list[tuple[str, re.Pattern[str]]]]:
    """The words of the indicator list (data: names and aliases) as patterns; the ones holding a number
    ("dưới 30 tuổi", "18-30 tuổi") and a stated age within 18–30 are first replaced in `rest` by a placeholder
    word of the same length, so that the number is not read as a count."""
    patterns: list[tuple[str, re.Pattern[str]]] = []
    for n, item in enumerate(indicators):
        own = BREAKDOWN_WORDS.get(item.code) if item.column_backed else None
        # the seven original breakdowns are read by their hand-written patterns; the list adds what they miss
        words = [w for w in item.words() if own is None or not own.fullmatch(w)]
        numeric = [w for w in words if re.search(r"\d", w)]
        placeholder = f"zq{chr(97 + n % 26)}{chr(97 + n // 26 % 26)}"

        def hide(m: re.Match[str], placeholder: str = placeholder) -> str:
            return placeholder + "x" * max(0, len(m.group(0)) - 4)

        for w in numeric:
            rest = re.sub(rf"(?<![\w-]){re.escape(w)}\b", hide, rest)
        if item.code == "age_18_30":
            rest = AGE_18_30.sub(hide, rest)
        plain = [re.escape(w) for w in words if w not in numeric]
        alternatives = [*plain, placeholder + "x*"] if numeric or item.code == "age_18_30" else plain
        if alternatives:
            patterns.append((item.code, re.compile(rf"(?<![\w-])(?:{'|'.join(alternatives)})\b")))
    return rest, patterns


def _breakdown(
    rest: str, admitted: int, admit_at: int, indicators: Indicators = DEFAULT_SET
) -> tuple[dict[str, int], list[str], bool]:
    """Every category word in the report, attached to its count: "1 nữ", "nữ 1", "nu=1", "đều là đoàn viên" (all),
    "1 đồng chí dân tộc Mường" (the clause's count), "kết nạp 1 đồng chí nữ" (the admission's count).
    The words are the hand-written patterns of the seven original breakdowns and the names and aliases of every
    indicator of the list (data). What cannot be attached is returned as unread."""
    found: dict[str, int] = {}
    unread: list[str] = []
    bad = False
    named_groups = 0
    all_said = after_admission = False
    for m in SHORT_FORM.finditer(rest):
        short = int(m.group(2))
        bad = bad or short < 0
        found[SHORT_FIELDS[m.group(1)]] = short
    rest = SHORT_FORM.sub(" ", rest)
    rest, listed = _indicator_words(rest, indicators)
    rest = NOISE_NUMBERS.sub(" ", rest)
    words = [(f, p) for f, p in BREAKDOWN_WORDS.items() if f in indicators.by_code or f not in BREAKDOWN_FIELDS]
    rest = re.sub(r"\bdeu dv\b", "deu la dv", rest)  # "đều dv": all of them đoàn viên, as "đều là dv"
    for m in ALL_N.finditer(rest):  # "cả 3" of 1 admitted is no "all of them" ("ca 3" is a shift): shown, not read
        if int(m.group(1)) != admitted:
            unread.append(m.group(0))
            rest = rest[: m.start()] + " " * (m.end() - m.start()) + rest[m.end() :]
    for offset, clause in _clauses(rest):
        per_clause: dict[str, int] = {}
        hits = [
            (f, m)
            for f, pattern in (*words, *listed)
            for m in pattern.finditer(clause)
            if not PLACE_BEFORE.search(clause, 0, m.start())  # "xã Tây Phong" is a place, not the Tày people
        ]
        is_admission = offset <= admit_at < offset + len(clause) + 1 or "ket nap" in clause
        if not hits:
            after_admission = is_admission
            all_said = all_said or bool(ALL_WORDS.search(clause))
            continue
        read = [
            (m.start(1), _number(m.group(1))) for m in re.finditer(r"(?<![\w/])(-?\d+|mot|hai|ba|bon)(?![\w/])", clause)
        ]
        numbers = [(i, v) for i, v in read if v is not None]
        seen: set[tuple[str, int]] = set()
        for field, m in sorted(hits, key=lambda h: h[1].start()):
            before = [(i, v) for i, v in numbers if i < m.start()]
            after = [(i, v) for i, v in numbers if i > m.end()]
            value: int | None = None
            source = -1
            # "1 đồng chí là giáo viên có bằng đại học": a count opening the clause counts all of it
            if before and (len(clause[before[-1][0] : m.start()].split()) <= 4 or not clause[: before[-1][0]].strip()):
                value, source = before[-1][1], before[-1][0]
            elif after and len(clause[m.end() : after[0][0]].split()) <= 1:
                value, source = after[0][1], after[0][0]
            elif ALL_WORDS.search(clause) or is_admission or admitted == 1:
                value = admitted
            elif not numbers and (all_said or after_admission):
                value = admitted  # "kết nạp 2 đồng chí, đều là công nhân nữ, đoàn viên": still all of them
            if value is None:
                unread.append(clause.strip())
                continue
            if (field, source) in seen:
                continue  # "1 đồng chí theo đạo Công giáo": one person, one figure
            seen.add((field, source))
            bad = bad or value < 0
            per_clause[field] = (
                per_clause.get(field, 0) + value if field == "ethnic_minority" else max(per_clause.get(field, 0), value)
            )
        for field, value in per_clause.items():
            found[field] = max(found.get(field, 0), value)
        all_said = all_said or bool(ALL_WORDS.search(clause))
        after_admission = is_admission
        groups = [m for f, m in hits if f == "ethnic_minority" and not GENERIC_ETHNIC.fullmatch(m.group(0))]
        if groups and "ethnic_minority" in per_clause:
            named_groups += per_clause["ethnic_minority"]  # "1 Mường, 1 Thái": people of each group add up
    if named_groups:
        found["ethnic_minority"] = max(found.get("ethnic_minority", 0), named_groups)
    for item in indicators:  # thạc sĩ and tiến sĩ are counted within đại học trở lên: one person, one degree
        parts = sum(found.get(i.code, 0) for i in indicators if i.part_of == item.code)
        if parts > found.get(item.code, 0):
            found[item.code] = parts
    return found, list(dict.fromkeys(unread)), bad


REPORT_VOCAB = frozenset(
    w
    for words in (*BREAKDOWN_ALIASES.values(), *PIPELINE_ALIASES.values(), *SCREENING_ALIASES.values())
    for phrase in words
    for w in phrase.split()
    if len(w) >= 3
) | frozenset("ket nap dong chi dang vien quan chung thang nam".split())
