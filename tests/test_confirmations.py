"""The confirmation engine, typed pending payloads and the route table (issue 18 §1–2).

Pending rows written before the payloads were models (plain dictionaries, the action in its own column) still
load and confirm; a payload this version cannot read is treated as expired; every confirmable action has its
apply function in the one table; every intent and button has a route with its audience, and the officials' guard
is the route's.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from bot.domain.messages import Inbound
from bot.domain.payloads import (
    NOT_CONFIRMABLE,
    Action,
    AdjustPayload,
    AwaitFixPayload,
    ChooseUnitPayload,
    CorrectPayload,
    ImportPayload,
    ReorgPayload,
    Status,
    SubmitPayload,
    TargetPayload,
    Unreadable,
    dump,
)
from bot.language import intents
from bot.present import callbacks, replies
from bot.present.replies import confirmations as confirm_texts
from bot.present.replies import khoi as khoi_texts
from bot.services import confirmations, routes
from bot.services.context import Context
from bot.services.refusal import Refusal
from storage import pending, users
from storage.timefmt import to_db
from tests.conftest import message_update
from tests.harness import TelegramHarness

BINH, THU = 7303, 7304

PERIOD = {"kind": "month", "year": 2025, "index": 3, "end_year": None, "congress": None, "next_congress": None}
REPORT = {
    "unit_id": 1,
    "kind": "admission",
    "period": PERIOD,
    "figures": {"admitted": 2, "female": 1},
    "raw_text": "kết nạp 2, trong đó 1 nữ",
    "channel": "telegram",
    "source_update": "telegram:5",
}
# Exactly the dictionaries the services stored before the payloads were models.
OLD_PAYLOADS: dict[str, tuple[dict[str, Any], type[Any]]] = {
    "submit": (REPORT, SubmitPayload),
    "correct": (REPORT | {"supersede_ids": [3, 4]}, CorrectPayload),
    "adjust": (REPORT | {"kind": "adjustment", "figures": {"admitted": 7}, "stated": 7}, AdjustPayload),
    "choose_unit": (
        {
            "draft": {
                "kind": "admission",
                "period": None,
                "figures": {"admitted": 1},
                "unit_text": None,
                "correction": False,
                "replaced_value": None,
                "text": "kết nạp 1",
                "unread": [],
            }
        },
        ChooseUnitPayload,
    ),
    "await_fix": ({"submission_id": 12}, AwaitFixPayload),
    "target": (
        {
            "scope": "year",
            "start_year": 2025,
            "end_year": 2025,
            "value": 10,
            "unit_text": "xã Tây Phong",
            "quarter_plan": [0.1, 0.2, 0.3, 0.4],
            "unit_id": 4,
        },
        TargetPayload,
    ),
    "reorg": ({"kind": "rename", "units": [4], "target": None, "names": ["Chi bộ xóm Mới"]}, ReorgPayload),
    "import": ({"name": "du-lieu.xlsx", "content": "UEsDBA=="}, ImportPayload),
}


async def _insert(db, user_id: int, action: str, payload: dict, clock, token: str) -> None:
    now = clock.now()
    async with db.transaction():
        await db.execute(
            "INSERT INTO pending(token, user_id, channel, chat_id, action, payload, created_at, expires_at)"
            " VALUES (?, ?, 'telegram', '1', ?, ?, ?, ?)",
            (
                token,
                user_id,
                action,
                json.dumps(payload, ensure_ascii=False),
                to_db(now),
                to_db(now + timedelta(hours=1)),
            ),
        )


@pytest.mark.parametrize("action", sorted(OLD_PAYLOADS))
async def test_pending_rows_stored_as_dictionaries_still_load_as_their_models(demo_db, clock, action):
    data, model = OLD_PAYLOADS[action]
    binh = await users.by_login(demo_db, "binh")
    await _insert(demo_db, binh.id, action, data, clock, f"OLD{action[:3].upper()}")
    p = await pending.by_token(demo_db, f"OLD{action[:3].upper()}")
    assert isinstance(p.payload, model), p.payload
    assert p.payload.action == Action(action) and p.status is Status.OPEN
    # …and what is stored now is the same JSON, less the one field no code reads any more (a draft's
    # `replaced_value`, parsed and never used, removed as dead code): rows stay readable before and after.
    expected = json.loads(json.dumps(data))
    if "draft" in expected:
        expected["draft"].pop("replaced_value", None)
    written = dump(p.payload)
    added = {k for k in written if k not in expected and written[k] is None}  # optional fields added since: empty
    assert {k: v for k, v in written.items() if k not in added} == expected


async def test_a_payload_this_version_cannot_read_loads_as_unreadable(demo_db, clock):
    binh = await users.by_login(demo_db, "binh")
    await _insert(demo_db, binh.id, "submit", {"unit_id": "not a number"}, clock, "BADONE")
    await _insert(demo_db, binh.id, "teleport", {"anything": 1}, clock, "BADTWO")
    for token in ("BADONE", "BADTWO"):
        p = await pending.by_token(demo_db, token)
        assert isinstance(p.payload, Unreadable)


def test_every_confirmable_action_has_its_apply_function_in_the_one_table():
    assert confirmations.kinds_without_apply() == set()
    assert not NOT_CONFIRMABLE & set(confirmations.APPLY)


@pytest.fixture
async def bot(settings, demo_db, clock):
    async with TelegramHarness(settings, demo_db, clock) as harness:
        await harness.link("binh", BINH)
        await harness.link("thu", THU)
        yield harness
        assert not harness.errors, harness.errors


async def test_an_open_preview_stored_as_a_dictionary_is_confirmed_and_stored_once(bot):
    preview = await bot.send(message_update(THU, "kết nạp 2, trong đó 1 nữ"))
    assert "Xin xác nhận" in preview[0].text, preview[0].text
    row = await bot.db.fetchone("SELECT id, payload FROM pending WHERE status = 'open'")
    old = json.loads(row["payload"])  # rewritten as the code before the models wrote it: a plain dict
    assert set(old) == {"unit_id", "kind", "period", "figures", "raw_text", "channel", "source_update"}
    async with bot.db.transaction():
        await bot.db.execute("UPDATE pending SET payload = ? WHERE id = ?", (json.dumps(old), row["id"]))
    before = await bot.db.scalar("SELECT COUNT(*) FROM submissions")
    saved = await bot.send(message_update(THU, "có"))
    assert "Đã lưu" in saved[0].text, saved[0].text
    assert await bot.db.scalar("SELECT COUNT(*) FROM submissions") == before + 1
    again = await bot.send(message_update(THU, "có"))
    assert await bot.db.scalar("SELECT COUNT(*) FROM submissions") == before + 1, again[0].text


async def test_an_unreadable_open_preview_is_expired_and_stores_nothing(bot):
    await bot.send(message_update(THU, "kết nạp 2"))
    row = await bot.db.fetchone("SELECT id FROM pending WHERE status = 'open'")
    async with bot.db.transaction():
        await bot.db.execute('UPDATE pending SET payload = \'{"unit_id": "?"}\' WHERE id = ?', (row["id"],))
    before = await bot.db.scalar("SELECT COUNT(*) FROM submissions")
    answer = await bot.send(message_update(THU, "có"))
    assert answer[0].text == confirm_texts.EXPIRED
    assert await bot.db.scalar("SELECT COUNT(*) FROM submissions") == before
    assert await bot.db.scalar("SELECT status FROM pending WHERE id = ?", (row["id"],)) == "expired"


def test_every_intent_and_button_has_a_route_with_its_audience():
    every_intent = {c for c in vars(intents).values() if isinstance(c, type) and issubclass(c, intents.Intent)}
    assert every_intent - {intents.Intent} == set(routes.INTENTS)
    buttons = {callbacks.Preview, callbacks.ChooseUnit, callbacks.FixRecord, callbacks.QueryChoice, callbacks.SendNow}
    assert buttons == set(routes.CHOICES)
    anyone = {t for t, r in routes.INTENTS.items() if r.audience is routes.Audience.ANYONE}
    assert anyone == {intents.Start, intents.Help, intents.Unknown}


OFFICIAL_ROUTES = sorted(
    (t for t, r in [*routes.INTENTS.items(), *routes.CHOICES.items()] if r.audience is routes.Audience.OFFICIAL),
    key=lambda t: t.__name__,
)


@pytest.mark.parametrize("kind", OFFICIAL_ROUTES, ids=lambda t: t.__name__)
async def test_the_officials_guard_is_the_routes_and_runs_before_the_use_case(demo_db, settings, clock, kind):
    """A reporter on any officials' route is refused by the route, before anything of the use case runs (the
    handler would fail on an intent built without its fields)."""
    thu = await users.by_login(demo_db, "thu")
    ctx = Context(demo_db, settings, clock)
    turn = routes.Turn(
        ctx, Inbound(channel="telegram", update_key="telegram:1", sender_id="1", chat_id="1", at=clock.now()), thu
    )
    table = routes.INTENTS if kind in routes.INTENTS else routes.CHOICES
    with pytest.raises(Refusal) as refused:
        await routes.dispatch(table, turn, kind.model_construct())
    expected = khoi_texts.ONLY_OFFICIALS if kind is intents.ManageKhoi else replies.OFFICIALS_ONLY
    assert refused.value.text == expected


async def test_a_refusal_from_a_use_case_is_the_reply(bot):
    answer = await bot.send(message_update(BINH, "/lichsu Chi bộ Không Có Thật"))
    assert "Không Có Thật" in answer[0].text, answer[0].text


async def test_storage_returns_submissions_and_named_sums_not_rows_or_bare_tuples(bot):
    from bot.domain.records import Submission, UnitSums
    from storage import rollups, submissions

    await bot.send(message_update(THU, "quý 3 kết nạp 3, trong đó 2 nữ"))
    await bot.send(message_update(THU, "có"))
    new_id = await bot.db.scalar("SELECT MAX(id) FROM submissions")
    record = await submissions.get(bot.db, new_id)
    assert isinstance(record, Submission)
    assert record.period.label.startswith("quý III") and record.admitted == 3 and record.figures["female"] == 2
    # The audit trail keeps the flat record it kept before (every column by name).
    raw = dict(await bot.db.fetchone("SELECT * FROM submissions WHERE id = ?", (new_id,)))
    assert record.as_row() == raw
    sums = await rollups.sums(bot.db, record.ym_from, record.ym_to, [record.unit_id])
    assert isinstance(sums[record.unit_id], UnitSums) and sums[record.unit_id].figures.admitted >= 3
