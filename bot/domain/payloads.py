"""What a pending preview holds until "Xác nhận": one model per action, a discriminated union on `action`.

The database keeps the action in its own column and the payload as JSON without the tag, exactly as the
dictionaries written before these models were; `parse` puts the column back as the tag. A stored payload that
this version cannot read becomes `Unreadable`: the preview is then treated as expired (nothing is stored, the
person is asked to send again) instead of failing.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from bot.domain.drafts import Draft
from bot.domain.indicators import IndicatorDef
from bot.domain.models import Frozen
from bot.domain.periods import Period
from bot.domain.records import SubmissionKind


class Action(StrEnum):
    SUBMIT = "submit"  # a new report
    CORRECT = "correct"  # a report replacing live ones
    ADJUST = "adjust"  # a cumulative statement, stored as the difference
    CHOOSE_UNIT = "choose_unit"  # a report waiting for the unit to be chosen (buttons)
    AWAIT_FIX = "await_fix"  # edit mode: the next message corrects a stored record
    TARGET = "target"
    REORG = "reorg"
    IMPORT = "import"
    CONGRESS = "congress"  # the day a committee's congress opened a term
    INDICATOR = "indicator"  # a change to the list of indicators (chỉ tiêu cơ cấu)


class Status(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REPLACED = "replaced"


# Kinds that are not answered with "Xác nhận" / "Hủy": a question or a mode waiting for the next message.
NOT_CONFIRMABLE = frozenset({Action.CHOOSE_UNIT, Action.AWAIT_FIX})


class _Payload(Frozen):
    pass


class ReportPayload(_Payload):
    """A report as it will be appended: the fields of `submissions.append`."""

    unit_id: int
    kind: SubmissionKind
    period: Period
    figures: dict[str, int]
    raw_text: str = ""
    channel: str = ""
    source_update: str | None = None


class SubmitPayload(ReportPayload):
    action: Literal[Action.SUBMIT] = Action.SUBMIT


class CorrectPayload(ReportPayload):
    action: Literal[Action.CORRECT] = Action.CORRECT
    supersede_ids: list[int]


class AdjustPayload(ReportPayload):
    action: Literal[Action.ADJUST] = Action.ADJUST
    stated: int  # the year's total the person stated; the difference is recomputed at confirmation


class ChooseUnitPayload(_Payload):
    action: Literal[Action.CHOOSE_UNIT] = Action.CHOOSE_UNIT
    draft: Draft


class AwaitFixPayload(_Payload):
    action: Literal[Action.AWAIT_FIX] = Action.AWAIT_FIX
    submission_id: int


class TargetPayload(_Payload):
    action: Literal[Action.TARGET] = Action.TARGET
    unit_id: int
    scope: Literal["year", "term"]
    start_year: int
    end_year: int
    value: int
    unit_text: str | None = None
    quarter_plan: tuple[float, float, float, float] | None = None


class ReorgPayload(_Payload):
    """The fields of `services.reorg.Change`."""

    action: Literal[Action.REORG] = Action.REORG
    kind: Literal["add", "rename", "move", "merge", "split", "deactivate"]
    units: tuple[int, ...] = ()
    target: int | None = None
    names: tuple[str, ...] = ()


class CongressPayload(_Payload):
    """The fields of `services.congress.CongressDraft` and the committee it is for."""

    action: Literal[Action.CONGRESS] = Action.CONGRESS
    unit_id: int
    unit_text: str | None = None
    start_year: int
    end_year: int
    congress: date


class IndicatorPayload(_Payload):
    action: Literal[Action.INDICATOR] = Action.INDICATOR
    kind: Literal["add", "rename", "required"]
    item: IndicatorDef


class ImportPayload(_Payload):
    action: Literal[Action.IMPORT] = Action.IMPORT
    name: str
    content: str  # the file, base64
    rows: int | None = None  # how many rows the preview counted (for the "writing …" message)


class Unreadable(_Payload):
    """A stored payload this version cannot read (an unknown action, fields that no longer fit)."""

    action: str
    data: dict[str, Any] = Field(default_factory=dict)


Payload = Annotated[
    SubmitPayload
    | CorrectPayload
    | AdjustPayload
    | ChooseUnitPayload
    | AwaitFixPayload
    | TargetPayload
    | ReorgPayload
    | ImportPayload
    | CongressPayload
    | IndicatorPayload,
    Field(discriminator="action"),
]
Report = SubmitPayload | CorrectPayload | AdjustPayload
_ADAPTER: TypeAdapter[Payload] = TypeAdapter(Payload)


def parse(action: str, data: dict[str, Any]) -> Payload | Unreadable:
    """A payload as stored (`action` column, JSON without the tag) read back into its model."""
    try:
        return _ADAPTER.validate_python({**data, "action": action})
    except ValidationError:
        return Unreadable(action=action, data=data)


def dump(payload: Payload) -> dict[str, Any]:
    """The JSON stored for a payload: its fields without the tag (the action has its own column)."""
    return payload.model_dump(mode="json", exclude={"action"})
