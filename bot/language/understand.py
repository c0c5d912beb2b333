"""One message, one asker → one reading: the intent, the unit (or the question back), the period, the figures.

The same function serves the bot's use cases and the language corpus, so that what the corpus measures is
what people get. Pure: the asker's scope and the gazetteer are given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from bot.domain.indicators import Indicators
from bot.domain.normalize import fold
from bot.domain.periods import Period, PeriodKind
from bot.domain.textfmt import as_written
from bot.language import intents
from bot.language.gazetteer import Gazetteer, Pick, prepare
from bot.language.periods import blank_spans, find_period
from bot.language.queries import Query, QueryKind, QueryProblem, read_query


@dataclass(frozen=True)
class Asker:
    own: int  # the asker's unit
    scope: frozenset[int]  # units the asker may see and write for
    root: int  # the top of the tree the asker belongs to
    official: bool
    children: Callable[[int], list[int]] = field(default=lambda _u: [], compare=False)
    successor: dict[int, int] = field(default_factory=dict, compare=False)
    categories: tuple[tuple[str, tuple[str, ...]], ...] = ()  # the committee's khối: (code, folded names)
    ceilings: tuple[int, int] | None = None  # the largest figure one report may hold: admissions, pipeline
    indicators: Indicators | None = None  # the breakdowns a report may state (data); None: the shipped list


@dataclass
class Reading:
    intent: intents.Intent
    label: str
    pick: Pick | None = None
    period: Period | None = None
    figures: dict[str, int] = field(default_factory=dict)
    unread: list[str] = field(default_factory=list)

    @property
    def unit_id(self) -> int | None:
        return self.pick.unit_id if self.pick and self.pick.how not in ("ask", "out_of_scope", "not_found") else None


REPORT_LABELS = {"admission": "report", "pipeline": "report_pipeline", "screening": "report_screening"}


def default_query_period(kind: QueryKind, today: date) -> Period:
    """A question with no period is about the current year to date."""
    return Period.of_year(today.year)


def understand(text: str, today: date, gazetteer: Gazetteer, asker: Asker, *, pending: bool = False) -> Reading:
    intent = refine(
        intents.parse(text, today, pending=pending, indicators=asker.indicators), text, today, gazetteer, asker
    )
    match intent:
        case intents.Ask():
            return understand_query(intent, intent.query, pick_for_query(gazetteer, intent.query, asker), today)
        case intents.Submit():
            draft = intent.draft
            label = "cumulative" if draft.kind == "cumulative" else REPORT_LABELS.get(draft.kind, "report")
            if draft.correction:
                label = "correction"
            pick = pick_for_report(gazetteer, draft.text, asker)
            period = draft.period or Period.containing(today, PeriodKind.MONTH)
            if period.start > today or _too_large(draft.kind, draft.figures, asker):
                return Reading(intent, "refuse")  # the reporting service says why (report_problem)
            if pick.how == "not_found":
                return Reading(intent, "unknown", pick)
            if pick.how == "out_of_scope":
                return Reading(intent, "refuse", pick)
            if pick.how in ("default", "own", "top", "unit", "category") and pick.unit_id is not None:
                leaves = _leaves(asker, pick.unit_id)
                if leaves != [pick.unit_id] and len(leaves) <= 8:
                    pick = Pick(how="ask", choices=leaves, phrase=pick.phrase)
                elif leaves != [pick.unit_id]:
                    return Reading(intent, "refuse", pick)  # a unit with many branches: name the branch
            unread = [as_written(text, part) for part in draft.unread]  # the writer's own words
            if pick.how == "ask":
                return Reading(intent, "ask", pick, period, dict(draft.figures), unread)
            return Reading(intent, label, pick, period, dict(draft.figures), unread)
        case intents.BadReport():
            return Reading(intent, "refuse")
        case intents.Unknown() if intent.reason in ("bad_period", "bad_target", "refused"):
            return Reading(intent, "refuse")
        case intents.Unknown():
            return Reading(intent, "unknown")
        case intents.Confirm():
            return Reading(intent, "confirm")
        case intents.Cancel():
            return Reading(intent, "cancel")
        case intents.Help() | intents.FixHelp():
            return Reading(intent, "help")
        case intents.Start() if intent.code:
            return Reading(intent, "register")
        case intents.History():
            return Reading(intent, "history", pick_for(gazetteer, intent.unit_text or "", asker))
        case intents.SetTarget():
            target = intent.draft
            period = (
                Period.of_year(target.start_year)
                if target.scope == "year"
                else Period.term(target.start_year, target.end_year)
            )
            return _admin(intent, "target", pick_for(gazetteer, target.unit_text or "", asker), period)
        case intents.CreateInvite():
            return _admin(intent, "invite", pick_for(gazetteer, intent.unit_text or "", asker), None)
        case intents.Reorganise():
            return _admin(intent, "reorg", pick_for(gazetteer, intent.args, asker), None)
    return Reading(intent, "unknown")


# What a question about progress is about; without any of these, naming nothing and no period, it is chat.
TOPIC = re.compile(
    r"\b(?:ket nap|kn|tien do|td|tiendo|ptdv|dang vien|dvm|dv|chi tieu|phan tram|ty le|so lieu|ket qua|bao cao|"
    r"bc|duoc|dc|dat|phat trien|nguon|tong so|con thieu|thieu)\b|%"
)
FRAGMENT_WORDS = frozenset(
    "toan ca cua o tai em minh chi anh a oi nhe nha voi thi the con va ben dang bo don vi khoi cac nay ta "
    "xa huyen tinh phuong uy so ket tong tien do td tiendo".split()
)
MAX_FRAGMENT_WORDS = 10
PARENTHESIS = re.compile(r"\([^()]*\)")  # "Khối LLVT (công an, quân sự)": an explanation, no further name


def refine(intent: intents.Intent, text: str, today: date, gazetteer: Gazetteer, asker: Asker) -> intents.Intent:
    """What the units and the asker's scope add to the text-only reading (the bot and the corpus both use it):
    a short message that only names a unit and/or a period ("Công an huyện quý 3", "sơ kết 6 tháng") asks for
    its progress; a "question" that names nothing, no period and nothing about the work ("mấy giờ họp ạ",
    "ok em, để chị xem") is chat, not a question about the asker's own unit."""
    if isinstance(intent, intents.Unknown) and intent.reason == "not_understood":
        query = _fragment(text, today, gazetteer, asker)
        return intents.Ask(query=query) if query is not None else intent
    if (
        isinstance(intent, intents.Ask)
        and (intent.query.period, intent.query.kind, intent.query.form.value) == (None, QueryKind.PROGRESS, "text")
        and not TOPIC.search(fold(text))
        and pick_for_query(gazetteer, intent.query, asker).how == "default"
    ):
        return intents.Unknown()
    return intent


def _fragment(text: str, today: date, gazetteer: Gazetteer, asker: Asker) -> Query | None:
    """A short message whose every word names a unit, a khối or a period."""
    if len(fold(text).split()) > MAX_FRAGMENT_WORDS:
        return None
    query = read_query(PARENTHESIS.sub(" ", text), today)
    if isinstance(query, QueryProblem):
        return None
    pick = pick_for_query(gazetteer, query, asker)
    if pick.how == "not_found" or (pick.how == "default" and query.period is None):
        return None
    if query.unit_text:
        explained = set(prepare(pick.phrase).split()) | FRAGMENT_WORDS
        if not set(gazetteer.tokens(prepare(query.unit_text))) <= explained:
            return None
    return query


REPORT_HEAD = re.compile(r"^(?:/baocao\b)?(.*?)(?:\b(?:ket nap|kn|bao cao|bc)\b|$)")


def pick_for_report(gazetteer: Gazetteer, text: str, asker: Asker) -> Pick:
    """The unit a report is for (the bot's reporting service and the corpus alike): units recognised in the
    message; when none is, the words before "kết nạp" looked up as a whole phrase among the names."""
    pick = pick_for(gazetteer, text, asker)
    if pick.how == "default" and (named := _report_subject(text)):
        pick = pick_for(gazetteer, text, asker, leftover=named)
    return pick


def _report_subject(text: str) -> str | None:
    """The words before "kết nạp" in a report that names no unit outright ("Thị trấn kết nạp 1", "/baocao ngân
    hàng 1", "chi bộ trường kết nạp 1")."""
    s = fold(text)
    s = blank_spans(s, find_period(s, SPANS_ONLY).spans)
    m = REPORT_HEAD.match(s)
    head = re.sub(r"\b\d+\b", " ", m.group(1) if m else "")
    head = re.sub(r"^\s*(?:(?:chi bo|dang bo|dang uy)\s+)+", "", head).strip()
    return head or None


def _too_large(kind: str, figures: dict[str, int], asker: Asker) -> bool:
    if asker.ceilings is None:
        return False
    ceiling = asker.ceilings[1] if kind in ("pipeline", "screening") else asker.ceilings[0]
    return max(figures.values(), default=0) > ceiling


def understand_query(intent: intents.Intent, query: Query, pick: Pick, today: date) -> Reading:
    label = query.kind.value + ("" if query.form.value == "text" else f"+{query.form.value}")
    period = query.period or default_query_period(query.kind, today)
    if pick.how == "not_found":  # "không tìm thấy đơn vị …" with the nearest names: not understood, nothing answered
        return Reading(intent, "unknown", pick)
    if pick.how == "out_of_scope" or period.start > today:  # a period not begun has no figures
        return Reading(intent, "refuse", pick)
    if pick.how == "ask":
        return Reading(intent, "ask", pick, period)
    return Reading(intent, label, pick, period)


def _admin(intent: intents.Intent, label: str, pick: Pick, period: Period | None) -> Reading:
    if pick.how == "out_of_scope":
        return Reading(intent, "refuse", pick)
    if pick.how == "ask":
        return Reading(intent, "ask", pick, period)
    return Reading(intent, label, pick, period)


def pick_for_query(gazetteer: Gazetteer, query: Query, asker: Asker) -> Pick:
    """The unit (or khối, or the question back) a question names — the same for the bot and the corpus."""
    if query.command:
        return pick_for(gazetteer, query.text, asker, question=True, leftover=_command_leftover(query), strict=True)
    return pick_for(gazetteer, query.text, asker, question=True, leftover=query.unit_text)


SPANS_ONLY = date(2000, 1, 1)  # where the period words are does not depend on the day


def _command_leftover(query: Query) -> str | None:
    """A command's arguments without their period: all of it is meant as the unit ("/tiendo cấp 1")."""
    if query.unit_text:
        return query.unit_text
    s = fold(query.text)
    rest = " ".join(blank_spans(s, find_period(s, SPANS_ONLY).spans).split())
    return rest or None


def pick_for(
    gazetteer: Gazetteer,
    text: str,
    asker: Asker,
    *,
    question: bool = False,
    leftover: str | None = None,
    strict: bool = False,
) -> Pick:
    """What `text` names for this asker (the one place the gazetteer is asked, for questions and reports alike).
    `strict`: the text is meant as a unit's name (a command's argument): matching nothing is "not found"."""
    return gazetteer.pick(
        text,
        own=asker.own,
        scope=asker.scope,
        root=asker.root,
        official=asker.official,
        successor=asker.successor,
        categories=asker.categories,
        question=question,
        leftover=leftover,
        strict=strict,
    )


def _leaves(asker: Asker, unit_id: int, limit: int = 8) -> list[int]:
    """The units below `unit_id` that report for themselves (itself when it has none); at most `limit` + 1."""
    out: list[int] = []
    stack = [unit_id]
    while stack and len(out) <= limit:
        u = stack.pop()
        kids = asker.children(u)
        if kids:
            stack.extend(reversed(kids))
        else:
            out.append(u)
    return sorted(out)
