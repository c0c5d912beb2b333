"""Text → a typed intent. Pure: no storage, no clock beyond the `today` it is given.

The parser never raises: anything it cannot read becomes `Unknown` with a reason the replies turn into
a polite answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from bot.domain.indicators import Indicators
from bot.domain.models import Frozen, Role
from bot.domain.normalize import fold
from bot.language.periods import blank_spans, find_period
from bot.language.queries import OutputForm, Query, QueryKind, QueryProblem, is_question, may_be_question, read_query
from bot.language.report_spans import ReportRequest, ReportRequestProblem, asks_for_report, read_report_request
from bot.language.reports import PERIOD_COLON, Draft, ReportProblem, looks_like_report, read_report
from bot.language.targets import EXAMPLE as TARGET_EXAMPLE
from bot.language.targets import TargetDraft, TargetProblem, looks_like_target, read_target

Categories = Sequence[tuple[str, Sequence[str]]]  # khối codes and their folded names

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


class ClearUnreachable(Intent):
    """An official clears a person's "không liên lạc được" mark: scheduled sends go to them again."""

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


class RecordCongress(Intent):
    """`/daihoi`: the day a committee's congress opened a term."""

    args: str = ""


class ManageIndicators(Intent):
    """`/tieuchi`: list, add or rename the indicators (chỉ tiêu cơ cấu) reports state and files count."""

    args: str = ""


class ManageKhoi(Intent):
    """`/khoi`: list, rename or add the committee's khối."""

    args: str = ""


class Template(Intent):
    pass


class RemindControl(Intent):
    args: str = ""


class LinkGroup(Intent):
    pass


class DraftReport(Intent):
    """The periodic report to send up ("làm báo cáo 9 tháng", `/duthao năm 2025`)."""

    request: ReportRequest


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


def parse(
    text: str,
    today: date,
    categories: Categories | None = None,
    *,
    pending: bool = False,
    indicators: Indicators | None = None,
) -> Intent:
    """`categories`: the asker's committee's khối as (code, folded names), from `Context.category_words`;
    `pending`: the person has a preview waiting (everyday yes / no and free corrections then apply to it);
    `indicators`: the breakdowns a report may state (data, `Context.indicators`; the shipped list if None)."""
    raw = (text or "").strip()
    if not raw:
        return Unknown(reason="empty")
    if len(raw) > MAX_TEXT:
        return Unknown(reason="too_long")
    command = split_command(raw)
    if command:
        return _command(*command, today, categories, indicators)
    s = fold(raw)
    if code := _CODE_WORDS.match(s):  # "đăng ký AB12CD34" typed without the slash (phones, Zalo)
        return Start(code=code.group(2).upper())
    if s in ("lien ket", "lien ket tai khoan"):
        return LinkIdentity()
    if s in ("help", "huong dan", "tro giup", "giup", "?") or HELP_RE.search(s):
        return Help()
    if history := HISTORY_RE.match(s):
        rest = re.sub(r"^\s*(?:cua|o)?\s*", "", history.group(1)).strip()
        return History(unit_text=None if not rest or rest in OWN_PLACE else rest)
    bare = _bare(fold(YES_UA.sub("ừ", raw)))  # "ừa" is "ừ"; "ủa" (surprise) folds alike but is no yes
    if bare in CONFIRM_WORDS or (pending and _only(bare, YES_RE, YES_TAIL)):
        # a bare "ok" with nothing waiting is chat ("ok em, để chị xem"), not a confirmation of anything
        return Confirm() if pending or bare not in CHAT_YES else Unknown()
    if bare in CANCEL_WORDS or (pending and _only(bare, NO_RE, NO_TAIL)):
        return Cancel()
    if NOT_WHOLE.search(raw) and ADMIT_WORD.search(s):
        return Unknown(reason="refused", problem="Số đảng viên kết nạp phải là số nguyên (ví dụ: kết nạp 2).")
    if TARGET_ASKED.search(s):  # "đã đạt chỉ tiêu chưa …, em nhớ kết nạp được 3 rồi": the question is the point
        return _ask(raw, today, categories=categories)
    if asks_for_report(raw):
        return _draft_report(raw, today)
    if looks_like_target(s) and "?" not in raw and (not (is_question(s) or asks(s)) or TARGET_VALUE_END.search(s)):
        return _target(raw, today)
    if not (asks(s) or "?" in raw) and (admin := _free_admin(raw, s, today)):
        return admin
    if pending and CORRECTION_WORDS.search(s):
        return _report(raw, today, correction=True, indicators=indicators)
    if CORRECTION_WORDS.search(s) and re.search(r"\d|\b(?:mot|hai|ba|bon|nam)\b", s):
        return _report(raw, today, correction=True, indicators=indicators)
    stated = blank_spans(s, find_period(s, today).spans)
    stated = blank_spans(stated, [m.span() for m in TARGET_GIVEN.finditer(stated)])  # "chỉ tiêu giao 2 đồng chí"
    counted = states_count(stated)
    if LATER_ONLY.search(s) or (CHAT_ONLY.search(s) and not (counted or COUNT_ASKED.search(s))):
        return Unknown()
    question = asks(s) or "?" in raw or is_question(s)
    if question and not counted:
        return _ask(raw, today, categories=categories, indicators=indicators)
    if looks_like_report(s, today) or counted or PERIOD_COLON.match(fold(raw, keep=",:")):
        figures = blank_spans(s, find_period(s, today).spans)
        if not counted and not NUMBER_ANY.search(figures) and (question or may_be_question(s) or SO_FIRST.match(s)):
            # "cơ cấu … kết nạp năm nay", "số dv nữ kết nạp"
            return _ask(raw, today, categories=categories, indicators=indicators)
        return _report(raw, today, indicators=indicators)
    if question or may_be_question(s, indicators):
        return _ask(raw, today, categories=categories, indicators=indicators)
    return Unknown()


FILLER_WORDS = frozenset("da vang a oi chi anh em nhe nha ban ho giup cho minh voi luon di thi roi ok".split())
YES_RE = re.compile(
    r"(?:da )?(?:vang|u|uh|um|uk|ok|oke|okay|okie|oki|dong y|dung roi|dung r|dung|chuan roi|chuan r|chuan|"
    r"chinh xac|luu di|luu|luu lai|xac nhan|co|duoc|duoc roi|dc|dc r|dung vay|ghi|ghi lai|dung a)\b"
)
NO_RE = re.compile(
    r"(?:da )?(?:thoi|huy|huy di|huy bo|khong luu|ko luu|k luu|dung luu|bo qua|bo di|khong|sai roi|khong dung)\b"
)
CORRECTION_WORDS = re.compile(
    r"\b(?:bao nham|sua lai|xin sua|sua so lieu|sua thanh|dinh chinh|chinh lai|nham|khong phai \d+|chu khong phai)\b"
)
HELP_RE = re.compile(
    r"^(?:(?:cho (?:em|toi|minh) )?(?:hoi )?(?:cach dung|huong dan su dung|dung the nao|lam sao de bao cao))"
    r"|^(?:de nghi |xin |cho (?:em|toi|minh) (?:xin )?)?huong dan (?:cach|su dung|bao cao|dung)\b|^hdsd$"
    r"|\b(?:toi|em|minh) (?:can|phai) lam (?:gi|the nao|sao) de\b"
)
# "lịch sử báo cáo (của đơn vị)", "ls bc": the reporter's history
HISTORY_RE = re.compile(r"^(?:xem |cho (?:em|toi|minh) xem )?(?:lich su|ls) (?:bao cao|bc|gui bao cao)\b(.*)$")
NOT_WHOLE = re.compile(r"(?<![\d/.,])\d{1,3}[.,]\d{1,2}(?![\d/.,])")
ADMIT_WORD = re.compile(r"\b(?:ket nap|kn)\b")
# Talk about the work that is not a figure or a question about figures.
CHAT_ONLY = re.compile(
    r"\b(?:quyet dinh ket nap|ho so|tieu chuan|khoe khong|cam on|thong cam|bao muon|chua thay ve|da ky|ky chua|"
    r"de em xem lai|em quen|ai truc|nguoi the nao|bao cham|cong van)\b"
)
# A count asked about ("kết nạp được mấy", "vào Đảng được bao nhiêu"): a question even beside chat words.
COUNT_ASKED = re.compile(
    r"\b(?:ket nap|kn|vao dang)(?: \w+){0,2}? (?:may|bao nhieu|bn)\b|\bduoc (?:may|bao nhieu|bn)\b"
)
# Chat whatever else is in it: the writer will report or look later.
LATER_ONLY = re.compile(r"\bde (?:em|chi|anh|minh|toi) xem lai\b|\bbao (?:chi|anh|em) sau\b")
# The target given, quoted in a question ("chỉ tiêu giao 2 đồng chí"): not a count stated as done.
TARGET_GIVEN = re.compile(r"\bchi tieu (?:(?:duoc )?giao |la |nam )*(?:la )?\d+(?: (?:dong chi|dang vien|dc|d/c))?\b")
TARGET_ASKED = re.compile(r"\b(?:dat|vuot) (?:chi tieu|ke hoach)(?: nam| (?:duoc )?giao)? chua\b")
QUESTION_RE = re.compile(
    r"\b(?:may|bao nhieu|bn|ra sao|the nao|nhu nao|the nao roi|sao roi|hon hay kem|tang hay giam|chua|khong|ko|k|"
    r"hay chua|nhi|a nhi|duoc bao|la bao|bao nhieu phan tram|uoc|du kien)\s*(?:a|em|chi|anh|vay|nhe|ha|the|nhi|"
    r"a chi|a anh|chi oi|anh oi|em oi)?\s*$"
    r"|\b(?:may|bao nhieu|bn|bnhieu|bao nhiu)\b|\b(?:cho (?:chi|anh|em|toi|minh|xin) (?:hoi|biet|xem))\b"
    r"|\bxem (?:giup|tien do|so lieu|ket qua)\b|\bhon hay kem\b|\bcon thieu\b|\bdat chi tieu chua\b"
)
COUNT_DONE = re.compile(
    r"\b(?:ket nap|kn)(?: duoc| moi| them| tong cong| tong so| tat ca)?\s+"
    r"(?:-?\d+|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi)\b"
    r"|\b(?:khong|chua|ko|k)\s+(?:ket nap|kn)\s+(?:duoc\s+)?"
    r"(?:ai|dong chi nao|nguoi nao|quan chung nao|dang vien nao)\b"
    r"|\b(?:-?\d+)\s+(?:dong chi|d/c|dc|dang vien|dvm|dv|quan chung)\b"
)


NUMBER_ANY = re.compile(r"\d|\b(?:mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi|khong)\b")
SO_FIRST = re.compile(r"^(?:so|tong so|so luong)\b")


YES_TAIL = frozenset(
    "a chi anh em oi nhe nha luu di giup lai roi dong y vang dung chuan ok oke the vay ghi cho minh xac nhan duoc u "
    "da co a luon nhe e r de nghi".split()
)
NO_TAIL = frozenset(
    "a chi anh em oi nhe nha di huy luu dung khong dau de kiem tra lai xem da bo thoi can nua minh sai roi "
    "nhe giup bao cao nay e ko k".split()
)


YES_UA = re.compile(r"(?i)(?<!\w)ừa(?!\w)")


def _only(bare: str, start: re.Pattern[str], tail: frozenset[str]) -> bool:
    """An everyday yes/no: starts with one, and every other word is politeness or more of the same."""
    m = start.match(bare)
    return m is not None and all(w in tail for w in bare[m.end() :].split())


YES_NO_VOCAB = frozenset(
    "vang u uh um uk ok oke okay oki okie dong y dung roi chuan chinh xac luu lai xac nhan co duoc ghi thoi huy "
    "di bo khong qua sai dc r e".split()
)
LATER = re.compile(r"\bde (?:em|chi|anh|minh|toi) (?:hoi|xem|kiem tra|bao|trao doi)\b.*$")


TELEX_MARKS = frozenset("sfrxjwz")  # the keys telex types tones and ư/ơ/ă with


def _typed(word: str) -> str:
    """ "okk", "thoii", "dii" (a key held), "luuw", "ys" (telex marks left in): the word meant, when it is one
    of the yes/no words."""
    if word in YES_NO_VOCAB or len(word) < 2:
        return word
    # Only a held key or a telex mark is dropped: "ủa" ("huh?") folds to "ua", which is no "ừ" with a mark left in.
    for candidate in (re.sub(r"(.)\1+$", r"\1", word), word[:-1] if word[-1] in TELEX_MARKS else word):
        if candidate in YES_NO_VOCAB:
            return candidate
    return word


def _bare(s: str) -> str:
    """The message without politeness and address words: "dạ vâng ạ anh" -> "vang"."""
    s = " ".join(_typed(w) for w in LATER.sub("", re.sub(r"[,.!]", " ", s)).split())
    words = [w for w in s.split() if w not in FILLER_WORDS or w in ("vang", "ok", "thoi", "roi", "di", "luu")]
    words = [w for w in words if w not in ("a", "chi", "anh", "em", "oi", "nhe", "nha", "da")] or words
    return " ".join(words) or s


def asks(s: str) -> bool:
    return bool(QUESTION_RE.search(s))


def states_count(s: str) -> bool:
    """A count stated as done ("kết nạp được 2", "không kết nạp được ai")."""
    return bool(COUNT_DONE.search(s))


def _free_admin(raw: str, s: str, today: date) -> Intent | None:
    """Officials' admin in free text: giao chỉ tiêu…, tạo mã mời cho…, sáp nhập/tách/đổi tên…"""
    if m := INVITE_RE.search(s):
        role = Role.OFFICIAL if m.group(1) == "theo doi" else Role.REPORTER
        unit = INVITEE.sub("", s[m.end() :].strip()).strip()
        return CreateInvite(unit_text=unit or None, role=role)
    if re.search(r"\b(?:sap nhap|hop nhat|doi ten|tach)\b.*\b(?:thanh|ra|voi|va)\b", s):
        return Reorganise(args=raw)
    if m := STOPPED.match(raw):  # "Chi bộ X ngừng hoạt động từ tháng này": /tochuc ngung X
        return Reorganise(args=f"ngung {m.group(1).strip()}")
    if re.match(rf"^chuyen {UNIT_WORD}\b.*\bve\b", s):  # "Chuyển Chi bộ X về trực thuộc Y": /tochuc chuyen X về Y
        return Reorganise(args=UNDER.sub(" ", raw).strip().rstrip(".!"))
    if m := re.search(r"\b(?:giao|dat|dang ky) (?:chi tieu|ct)\b", s):
        return _target(s[m.start() :], today)
    return None


UNIT_WORD = r"(?:chi bo|dang bo|dang uy|to chuc co so dang|xa|thon|xom|phuong|thi tran)"
INVITE_RE = re.compile(
    r"\b(?:(?:tao|cap)(?: giup| cho)?(?: \w+)? ma(?: moi| dang ky)?|lam(?: giup| cho)?(?: \w+)? ma (?:moi|dang ky)"
    r"|^moi (?:can bo |nguoi |dong chi )?(theo doi|bao cao))\b(?: (?:cho|cua|o|tai))?"
)
# Who the code is for, before the unit's name: "đồng chí mới làm bí thư (chi bộ) xóm X", "cán bộ theo dõi của"
INVITEE = re.compile(
    r"^(?:(?:dong chi|dc|d/c|nguoi|ban|anh|chi|em)\s+)?(?:moi\s+)?(?:(?:lam|la)\s+)?"
    r"(?:pho bi thu|bi thu|can bo theo doi|can bo|nguoi bao cao)?\s*(?:(?:cua|cho|o|tai)\s+)?"
)
STOPPED = re.compile(
    r"(?i)^\s*((?:chi bộ|đảng bộ|đảng ủy|chi bo|dang bo|dang uy)\s.+?)\s+"
    r"(?:ngừng hoạt động|ngung hoat dong|thôi hoạt động|thoi hoat dong|giải thể|giai the)\b"
)
UNDER = re.compile(r"(?i)\s+(?:trực thuộc|truc thuoc)\s+")


# "giao chỉ tiêu … cho Công ty May … là 3": a target stated, whatever words ("may") its unit's name holds
TARGET_VALUE_END = re.compile(r"(?:\b(?:la|=)\s*|\s)\d+(?: (?:dong chi|dc|d/c|dang vien|dvm|nguoi))?\s*$")
CHAT_YES = frozenset({"ok", "oke", "okay"})
OWN_PLACE = frozenset({"don vi", "chi bo", "dang bo", "don vi minh", "chi bo minh", "chi bo em", "don vi em"})
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
CANCEL_WORDS = frozenset(
    {
        "huy",
        "huy bo",
        "khong",
        "thoi",
        "bo",
        "cancel",
        "khong luu",
        "huy a",
        "bo qua",
        "thoi huy",
        "thoi huy di",
        "huy di",
    }
)
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


def _draft_report(text: str, today: date) -> Intent:
    result = read_report_request(text, today)
    if isinstance(result, ReportRequestProblem):
        return Unknown(reason="bad_period", problem=result.message)
    return DraftReport(request=result)


def _report(text: str, today: date, correction: bool = False, indicators: Indicators | None = None) -> Intent:
    result = read_report(text, today, correction=correction, indicators=indicators)
    if isinstance(result, ReportProblem):
        return BadReport(problem=result)
    return Submit(draft=result.model_copy(update={"text": text}))


def _role_in(s: str) -> tuple[Role | None, str]:
    for words, role in sorted(ROLE_WORDS.items(), key=lambda kv: -len(kv[0])):
        m = re.search(rf"\b{words}\b", s)
        if m:
            return role, (s[: m.start()] + s[m.end() :]).strip()
    return None, s


def _command(
    name: str, args: str, today: date, categories: Categories | None = None, indicators: Indicators | None = None
) -> Intent:
    folded = fold(args)
    match name:
        case "start" | "dangky":
            return Start(code=args.split()[0] if args else None)
        case "help" | "huongdan" | "trogiup":
            return Help()
        case command if command in QUERY_COMMANDS:
            kind, form = QUERY_COMMANDS[command]
            asked = _ask(args, today, kind=kind, form=form, categories=categories)
            if isinstance(asked, Ask):
                return Ask(query=asked.query.model_copy(update={"command": True}))
            return asked
        case "baocao":
            if NOT_WHOLE.search(args):
                return Unknown(reason="refused", problem="Số đảng viên kết nạp phải là số nguyên (ví dụ: /baocao 2).")
            return _report(f"/baocao {args}", today, indicators=indicators)
        case "sua":
            return _report(f"sửa {args}", today, indicators=indicators) if args.strip() else FixHelp()
        case "huy":
            return Cancel()
        case "chitieu":
            return _target(f"chỉ tiêu {args}", today)
        case "duthao" | "baocaodinhky":
            return _draft_report(args or "năm", today)
        case "khoi":
            return ManageKhoi(args=args)
        case "tieuchi":
            return ManageIndicators(args=args)
        case "maunhap":
            return Template()
        case "tochuc":
            return Reorganise(args=args)
        case "daihoi":
            return RecordCongress(args=args)
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
        case "thulai":
            return ClearUnreachable(who=folded) if folded else Unknown(problem="Cách dùng: /thulai <mã người dùng>.")
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


def _ask(
    text: str,
    today: date,
    kind: QueryKind | None = None,
    form: OutputForm | None = None,
    categories: Categories | None = None,
    indicators: Indicators | None = None,
) -> Intent:
    result = read_query(text, today, kind=kind, form=form, categories=categories, indicators=indicators)
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
