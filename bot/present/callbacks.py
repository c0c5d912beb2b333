"""Button data (Telegram `callback_data`, the choices behind Zalo's numbered lists): one typed codec. Pure.

Button data comes back from the chat app and is untrusted input: anyone can send any string of up to 64 bytes
as a callback. `unpack` returns a typed choice or None — never raises — and checks every field against bounds;
`pack` is the only place that writes the grammar and checks the 64-byte limit.

    c|<token>                       confirm a preview          e|<token>   retype      x|<token>   cancel
    u|<token>|<unit>                the unit a report is for (a preview asked which one)
    f|<submission>                  correct a stored record
    q|<kind>|<form>|<unit>|<period>|<page>[|<khối>]   a query for a unit (period: Y2026, Q2026-3, M2026-9,
                                             H2026-1, T2020-2025), limited to a category (khối) if given
    n|<unit>                        send the previewed reminders now
"""

from __future__ import annotations

import re
from typing import Literal

from bot.domain.models import Frozen
from bot.domain.periods import Period
from bot.language.queries import OutputForm, QueryKind

MAX_BYTES = 64  # Telegram's limit for callback_data
MAX_ID = 2**53  # ids are SQLite rowids; far more than any table here holds
MAX_PAGE = 50  # a paged list of a district's units never needs more
_TOKEN = re.compile(r"[A-Za-z0-9_-]{4,43}")  # pending tokens: secrets.token_urlsafe
_ID = re.compile(r"[1-9][0-9]{0,15}")
_SMALL = re.compile(r"[0-9]{1,2}")
_CATEGORY = re.compile(r"[a-z0-9_]{1,20}")

KINDS = tuple(QueryKind)
FORMS = tuple(OutputForm)


class Preview(Frozen):
    """A button under a preview: confirm, retype or cancel."""

    action: Literal["c", "e", "x"]
    token: str


class ChooseUnit(Frozen):
    token: str
    unit_id: int


class FixRecord(Frozen):
    submission_id: int


class QueryChoice(Frozen):
    kind: QueryKind
    form: OutputForm
    unit_id: int
    period: Period
    page: int = 1
    category: str | None = None  # a khối's code


class SendNow(Frozen):
    root_id: int


Callback = Preview | ChooseUnit | FixRecord | QueryChoice | SendNow


class TooLong(ValueError):
    """Packed data over 64 bytes: a programming error, caught in tests."""


def period_code(period: Period) -> str:
    """`Period.code`, under the name the query services use."""
    return period.code


def pack(choice: Callback) -> str:
    match choice:
        case Preview(action=action, token=token):
            data = f"{action}|{token}"
        case ChooseUnit(token=token, unit_id=unit_id):
            data = f"u|{token}|{unit_id}"
        case FixRecord(submission_id=record):
            data = f"f|{record}"
        case QueryChoice():
            kind, form = KINDS.index(choice.kind), FORMS.index(choice.form)
            data = f"q|{kind}|{form}|{choice.unit_id}|{choice.period.code}|{choice.page}"
            if choice.category is not None:
                data += f"|{choice.category}"
        case SendNow(root_id=root):
            data = f"n|{root}"
    if len(data.encode()) > MAX_BYTES:
        raise TooLong(data)
    return data


def _id(text: str) -> int | None:
    if _ID.fullmatch(text) is None:
        return None
    value = int(text)
    return value if value <= MAX_ID else None


def _token(text: str) -> str | None:
    return text if _TOKEN.fullmatch(text) else None


def unpack(data: str | None) -> Callback | None:
    """The choice `data` encodes, or None when any field is missing, malformed or out of bounds."""
    if not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    parts = data.split("|")
    match parts:
        case ["c" | "e" | "x" as action, token] if _token(token):
            return Preview(action=action, token=token)
        case ["u", token, unit] if _token(token) and (unit_id := _id(unit)) is not None:
            return ChooseUnit(token=token, unit_id=unit_id)
        case ["f", record] if (record_id := _id(record)) is not None:
            return FixRecord(submission_id=record_id)
        case ["n", root] if (root_id := _id(root)) is not None:
            return SendNow(root_id=root_id)
        case ["q", kind, form, unit, code, page]:
            return _query(kind, form, unit, code, page)
        case ["q", kind, form, unit, code, page, category] if _CATEGORY.fullmatch(category):
            found = _query(kind, form, unit, code, page)
            return found.model_copy(update={"category": category}) if found else None
    return None


def _query(kind: str, form: str, unit: str, code: str, page: str) -> QueryChoice | None:
    if not (_SMALL.fullmatch(kind) and _SMALL.fullmatch(form) and _SMALL.fullmatch(page)):
        return None
    k, f, p = int(kind), int(form), int(page)
    unit_id, period = _id(unit), Period.from_code(code)
    if k >= len(KINDS) or f >= len(FORMS) or not 1 <= p <= MAX_PAGE or unit_id is None or period is None:
        return None
    return QueryChoice(kind=KINDS[k], form=FORMS[f], unit_id=unit_id, period=period, page=p)
