"""Reading target assignments: "giao chỉ tiêu năm 2027 cho Chi bộ Bắc Phong là 3",
"chỉ tiêu nhiệm kỳ 2025-2030 của đảng bộ là 750", "/chitieu 2027 xã Bắc Phong 4 theo quý 1 1 1 1". Pure."""

from __future__ import annotations

import re
from datetime import date

from bot.domain.models import Frozen
from bot.domain.normalize import fold
from bot.domain.periods import PeriodKind
from bot.language.periods import blank_spans, find_period

TARGET_WORDS = re.compile(r"^(?:/chitieu|(?:giao |dat |dang ky |sua )?chi tieu|giao ct)\b")
PLAN = re.compile(
    r"\b(?:theo quy|chia theo quy|ke hoach quy|cac quy)\b\s*:?\s*((?:\d+(?:[.,]\d+)?%?\s*[-/ ,]*\s*){4})$"
)
OWN_UNIT = re.compile(r"^(?:toan |ca )?(?:dang bo|chi bo|don vi)(?: (?:minh|nay|huyen|tinh))?$")


class TargetDraft(Frozen):
    scope: str  # year | term
    start_year: int
    end_year: int
    value: int
    unit_text: str | None = None
    quarter_plan: tuple[float, float, float, float] | None = None


class TargetProblem(Frozen):
    message: str


UNIT_MARK = "[đơn vị]"  # replaced by a unit of the asker's own tree where the example is shown
EXAMPLE = f"giao chỉ tiêu năm 2027 cho {UNIT_MARK} là 3 (hoặc: chỉ tiêu nhiệm kỳ 2025-2030 của đảng bộ là 750)"


def looks_like_target(s: str) -> bool:
    return bool(TARGET_WORDS.match(s))


def read_target(text: str, today: date) -> TargetDraft | TargetProblem:
    s = fold(text, keep=",")
    s = TARGET_WORDS.sub("", s, count=1).strip()
    plan = None
    m = PLAN.search(s)
    if m:
        numbers = [float(n.replace(",", ".")) for n in re.findall(r"\d+(?:[.,]\d+)?", m.group(1))]
        s = s[: m.start()].strip(" ,")
        plan = tuple(numbers)
    match = find_period(s, today)
    if match.problem:
        return TargetProblem(message=match.problem)
    period = match.period
    if period is None or period.kind not in (PeriodKind.YEAR, PeriodKind.TERM):
        return TargetProblem(message="Chưa rõ chỉ tiêu của năm nào hay nhiệm kỳ nào.")
    rest = blank_spans(s, match.spans)
    rest = re.sub(
        r"(?:\s+(?:nhe|nha|nhe em|em nhe|em|a|giup|giup chi|giup anh|voi|di|nhe a|theo ke hoach))+\s*$", "", rest
    )
    rest = re.sub(r"\s+(?:dong chi|d/c|dc|dang vien|dvm|nguoi)\s*$", "", rest)
    value_match = re.search(r"(?:\b(?:la|=|:)\s*)?(-?\d+)\s*(?:dang vien|dvm|nguoi)?\s*[,.]?\s*$", rest)
    if not value_match:
        return TargetProblem(message="Chưa thấy số chỉ tiêu.")
    value = int(value_match.group(1))
    if value < 0 or value > 100_000:
        return TargetProblem(message="Chỉ tiêu phải là số từ 0 trở lên.")
    unit = rest[: value_match.start()]
    unit = re.sub(r"\b(?:cho|cua|la|doi voi|tai|nho|giup)\b", " ", unit)
    unit = re.sub(r"[\s,.:=]+", " ", unit).strip()
    unit_text = None if not unit or OWN_UNIT.match(unit) else unit
    quarter_plan = None
    if plan is not None:
        if len(plan) != 4 or sum(plan) <= 0:
            return TargetProblem(message="Kế hoạch theo quý cần đúng 4 số, ví dụ “theo quý 20 30 30 20”.")
        total = sum(plan)
        if abs(total - 100) > 0.5 and abs(total - value) > 0.5:
            return TargetProblem(
                message=f"Kế hoạch 4 quý cộng lại {total:g}: cần bằng 100 (%) hoặc bằng chỉ tiêu {value}."
            )
        quarter_plan = tuple(round(p / total, 4) for p in plan)
    if period.kind is PeriodKind.TERM:
        return TargetDraft(
            scope="term",
            start_year=period.year,
            end_year=period.end_year or period.year + 5,
            value=value,
            unit_text=unit_text,
        )
    return TargetDraft(
        scope="year",
        start_year=period.year,
        end_year=period.year,
        value=value,
        unit_text=unit_text,
        quarter_plan=quarter_plan,
    )
