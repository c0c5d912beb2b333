"""Text → a typed intent. Pure: no storage, no clock beyond the `today` it is given.

The parser never raises: anything it cannot read becomes `Unknown` with a reason the replies turn into
a polite answer.
"""

from __future__ import annotations

import re
from datetime import date

from bot.language.normalize import fold
from bot.language.queries import OutputForm, Query, QueryKind, QueryProblem, is_question, may_be_question, read_query
from bot.language.reports import Draft, ReportProblem, looks_like_report, read_report
from bot.language.targets import EXAMPLE as TARGET_EXAMPLE
from bot.language.targets import TargetDraft, TargetProblem, looks_like_target, read_target
from bot.models import Frozen, Role

MAX_TEXT = 1000  # longer messages are noise, not reports or questions

_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.S)
_CODE_WORDS = re.compile(r"^(dang ky|lien ket|ma moi)\s*:?\s+([a-z2-9]{8})$")


class Intent(Frozen):
    pass


class Start(Intent):
    code: str | None = None


class Help(Intent):
    pass


class Ask(Intent):
    query: Query


class Submit(Intent):
    draft: Draft


class BadReport(Intent):
    problem: ReportProblem


class Confirm(Intent):
    pass


class Cancel(Intent):
    pass


class FixHelp(Intent):
    """/sua with nothing after it."""


class History(Intent):
    unit_text: str | None = None


class CreateInvite(Intent):
    unit_text: str | None = None
    role: Role = Role.REPORTER


class ListUsers(Intent):
    unit_text: str | None = None


class Deactivate(Intent):
    who: str


class Reassign(Intent):
    who: str
    unit_text: str


class ChangeRole(Intent):
    who: str
    role: Role


class SetTarget(Intent):
    draft: TargetDraft


class Reorganise(Intent):
    args: str = ""


class Template(Intent):
    pass


class RemindControl(Intent):
    args: str = ""


class LinkGroup(Intent):
    pass


class LinkIdentity(Intent):
    """`/lienket`: a code to join this person's other chat app (Telegram ↔ Zalo) to the same user."""


class Unknown(Intent):
    reason: str = "not_understood"  # not_understood | empty | too_long
    problem: str | None = None


def split_command(text: str) -> tuple[str, str] | None:
    """ "/tiendo@ptdv_bot q3" -> ("tiendo", "q3")."""
    match = _COMMAND.match(text.strip())
    if not match:
        return None
    return match.group(1).lower(), (match.group(2) or "").strip()


def parse(text: str, today: date, *, pending: bool = False) -> Intent:
    raw = (text or "").strip()
    if not raw:
        return Unknown(reason="empty")
    if len(raw) > MAX_TEXT:
        return Unknown(reason="too_long")
    command = split_command(raw)
    if command:
        return _command(*command, today)
    s = fold(raw)
    if code := _CODE_WORDS.match(s):  # "đăng ký AB12CD34" typed without the slash (phones, Zalo)
        return Start(code=code.group(2).upper())
    if s in ("lien ket", "lien ket tai khoan"):
        return LinkIdentity()
    if s in ("help", "huong dan", "tro giup", "giup", "?"):
        return Help()
    if s in CONFIRM_WORDS:
        return Confirm()
    if s in CANCEL_WORDS:
        return Cancel()
    if looks_like_target(s) and not (is_question(s) or "?" in raw):
        return _target(raw, today)
    if is_question(s) or "?" in raw:
        return _ask(raw, today)
    if looks_like_report(s):
        return _report(raw, today)
    if may_be_question(s):
        return _ask(raw, today)
    return Unknown()


CONFIRM_WORDS = frozenset(
    {
        "co",
        "dong y",
        "xac nhan",
        "ok",
        "oke",
        "okay",
        "dung",
        "dung roi",
        "yes",
        "co a",
        "dong y a",
        "xac nhan a",
        "luu",
        "luu lai",
        "chinh xac",
    }
)
CANCEL_WORDS = frozenset({"huy", "huy bo", "khong", "thoi", "bo", "cancel", "khong luu", "huy a", "bo qua"})
ROLE_WORDS = {
    "theo doi": Role.OFFICIAL,
    "can bo": Role.OFFICIAL,
    "official": Role.OFFICIAL,
    "bao cao": Role.REPORTER,
    "nguoi bao cao": Role.REPORTER,
    "reporter": Role.REPORTER,
}


def _target(text: str, today: date) -> Intent:
    result = read_target(text, today)
    if isinstance(result, TargetProblem):
        return Unknown(reason="bad_target", problem=f"{result.message} Ví dụ: “{TARGET_EXAMPLE}”.")
    return SetTarget(draft=result)


def _report(text: str, today: date) -> Intent:
    result = read_report(text, today)
    if isinstance(result, ReportProblem):
        return BadReport(problem=result)
    return Submit(draft=result.model_copy(update={"text": text}))


def _role_in(s: str) -> tuple[Role | None, str]:
    for words, role in sorted(ROLE_WORDS.items(), key=lambda kv: -len(kv[0])):
        m = re.search(rf"\b{words}\b", s)
        if m:
            return role, (s[: m.start()] + s[m.end() :]).strip()
    return None, s


def _command(name: str, args: str, today: date) -> Intent:
    folded = fold(args)
    match name:
        case "start" | "dangky":
            return Start(code=args.split()[0] if args else None)
        case "help" | "huongdan" | "trogiup":
            return Help()
        case command if command in QUERY_COMMANDS:
            kind, form = QUERY_COMMANDS[command]
            return _ask(args, today, kind=kind, form=form)
        case "baocao":
            return _report(f"/baocao {args}", today)
        case "sua":
            return _report(f"sửa {args}", today) if args.strip() else FixHelp()
        case "huy":
            return Cancel()
        case "chitieu":
            return _target(f"chỉ tiêu {args}", today)
        case "maunhap":
            return Template()
        case "tochuc":
            return Reorganise(args=args)
        case "nhacnho":
            return RemindControl(args=args)
        case "lienketnhom":
            return LinkGroup()
        case "lienket":
            return Start(code=args.split()[0]) if args else LinkIdentity()
        case "xacnhan":
            return Confirm()
        case "lichsu":
            return History(unit_text=folded or None)
        case "moi" | "taoma":
            role, rest = _role_in(folded)
            return CreateInvite(unit_text=rest or None, role=role or Role.REPORTER)
        case "nguoidung" | "dsnguoidung":
            return ListUsers(unit_text=folded or None)
        case "khoa":
            return Deactivate(who=folded) if folded else Unknown(problem="Cách dùng: /khoa <mã người dùng>.")
        case "chuyen":
            who, _, unit = folded.partition(" ")
            if not who or not unit:
                return Unknown(problem="Cách dùng: /chuyen <mã người dùng> <tên đơn vị mới>.")
            return Reassign(who=who, unit_text=unit)
        case "vaitro":
            role, rest = _role_in(folded)
            if role is None or not rest:
                return Unknown(problem="Cách dùng: /vaitro <mã người dùng> theo dõi|báo cáo.")
            return ChangeRole(who=rest.split()[0], role=role)
    return Unknown(problem=f"Lệnh /{name} chưa có. Gõ /help để xem các lệnh.")


def _ask(text: str, today: date, kind: QueryKind | None = None, form: OutputForm | None = None) -> Intent:
    result = read_query(text, today, kind=kind, form=form)
    if isinstance(result, QueryProblem):
        return Unknown(reason="bad_period", problem=result.message)
    return Ask(query=result)


QUERY_COMMANDS: dict[str, tuple[QueryKind | None, OutputForm | None]] = {
    "tiendo": (None, None),
    "chamtiendo": (QueryKind.BEHIND, None),
    "chuabaocao": (QueryKind.NOT_REPORTED, None),
    "cocau": (QueryKind.BREAKDOWN, None),
    "nguon": (QueryKind.PIPELINE, None),
    "rasoat": (QueryKind.SCREENING, None),
    "xephang": (QueryKind.RANKING, None),
    "sosanh": (QueryKind.COMPARE, None),
    "bieudo": (None, OutputForm.CHART),
    "xuat": (None, OutputForm.EXCEL),
}
