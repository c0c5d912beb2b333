"""Attacks from issue 14 (security): link codes, scope, callback data, groups. Each test reproduces one."""

from __future__ import annotations

import itertools
import json
import logging
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from bot.domain.messages import Inbound, InboundKind, Reply
from bot.domain.periods import Period
from bot.present import callbacks
from bot.services.core import Core
from storage import users
from tests.conftest import TODAY

_n = itertools.count(1)


class Chat:
    """Drive `Core.handle` directly with inbounds on any channel, private or group."""

    def __init__(self, core: Core) -> None:
        self.core = core

    async def send(
        self,
        sender: str,
        text: str = "",
        *,
        channel: str = "console",
        group: bool = False,
        data: str | None = None,
        name: str = "Người lạ",
    ) -> list[Reply]:
        n = next(_n)
        inbound = Inbound(
            channel=channel,
            update_key=f"{channel}:sec{n}",
            sender_id=sender,
            chat_id="-100777" if group else sender,
            at=TODAY,
            kind=InboundKind.CHOICE if data is not None else InboundKind.TEXT,
            text=text,
            data=data,
            message_id=str(n),
            sender_name=name,
            is_group=group,
        )
        return await self.core.handle(inbound)


async def uid(db, login: str) -> str:
    user = await users.by_login(db, login)
    assert user is not None
    return str(user.id)


@pytest.fixture
async def chat(settings, demo_db, clock) -> Chat:
    return Chat(Core(demo_db, settings, clock))


def text_of(answer: list[Reply]) -> str:
    return "\n".join(r.text for r in answer)


# --- 5. callback data is untrusted input ----------------------------------------------------------------
async def test_empty_token_does_not_confirm_the_latest_preview(chat, demo_db):
    thu = await uid(demo_db, "thu")
    preview = await chat.send(thu, "kết nạp 2")
    assert preview[0].choices
    before = await demo_db.scalar("SELECT COUNT(*) FROM submissions")
    for data in ("c|", "c", "c||", "c| ", "e|", "x|"):
        answer = await chat.send(thu, data=data)
        assert "Đã lưu" not in text_of(answer)
    assert await demo_db.scalar("SELECT COUNT(*) FROM submissions") == before
    assert await demo_db.scalar("SELECT COUNT(*) FROM pending WHERE status = 'open'") == 1


@pytest.mark.parametrize(
    "data",
    [
        "f|99999999999999999999",
        "u|abcdefgh|99999999999999999999",
        "n|99999999999999999999",
        "q|0|0|2|Y99999|1",
        "q|0|0|2|T1-9999|1",
        "q|0|0|2|Q2026-9|1",
        "q|0|0|2|Y2026|99999999999999999999",
        "q|99|0|2|Y2026|1",  # no such kind (9 became a kind with the derived questions, issue 17)
        "q|0|0|²|Y2026|1",
        "f|0",
        "f|-1",
    ],
)
async def test_malformed_callbacks_are_refused_quietly(chat, demo_db, data):
    binh = await uid(demo_db, "binh")
    answer = await chat.send(binh, data=data)
    assert len(answer) == 1 and len(answer[0].text) < 1000
    assert "Xin lỗi" in answer[0].text


def test_codec_round_trips_and_checks_the_limit():
    for choice in (
        callbacks.Preview(action="c", token="AbC_d-12"),
        callbacks.ChooseUnit(token="AbC_d-12", unit_id=42),
        callbacks.FixRecord(submission_id=7),
        callbacks.SendNow(root_id=1),
        callbacks.QueryChoice(
            kind=callbacks.KINDS[3], form=callbacks.FORMS[1], unit_id=5, period=Period.term(2020, 2025), page=2
        ),
        callbacks.QueryChoice(
            kind=callbacks.KINDS[0], form=callbacks.FORMS[0], unit_id=5, period=Period.month(2026, 9)
        ),
    ):
        assert callbacks.unpack(callbacks.pack(choice)) == choice
    with pytest.raises(callbacks.TooLong):
        callbacks.pack(callbacks.Preview(action="c", token="x" * 70))


@hsettings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        st.lists(
            st.one_of(st.sampled_from(list("cexufqn")), st.text(max_size=12), st.integers().map(str)), max_size=7
        ).map("|".join),
    )
)
def test_unpack_never_raises_and_accepts_only_bounded_fields(data):
    choice = callbacks.unpack(data)
    if choice is not None:
        assert callbacks.pack(choice) == data  # only the canonical form is accepted
        assert len(data.encode()) <= callbacks.MAX_BYTES


async def test_random_callbacks_never_crash_the_core(settings, demo_db, clock):
    chat = Chat(Core(demo_db, settings, clock))
    binh = await uid(demo_db, "binh")
    seen: list[str] = []

    @hsettings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(st.one_of(st.sampled_from(list("cexufqn")), st.integers(-5, 10**25).map(str)), max_size=7).map(
            "|".join
        )
    )
    def collect(data):
        seen.append(data)

    collect()
    before = await demo_db.scalar("SELECT COUNT(*) FROM submissions")
    for data in seen:
        answer = await chat.send(binh, data=data)
        assert answer and sum(len(r.text) for r in answer) < 8000
    assert await demo_db.scalar("SELECT COUNT(*) FROM submissions") == before


# --- 1. codes that grant identity or rights -----------------------------------------------------------------
async def on(db, clock, login: str, channel: str, external: str) -> str:
    """Give a demo user an identity on `channel`; return the external id."""
    user = await users.by_login(db, login)
    assert user is not None
    async with db.transaction():
        await users.link_identity(
            db, channel=channel, external_id=external, user_id=user.id, chat_id=external, now=clock.now()
        )
    return external


def code_of(answer: list[Reply]) -> str:
    match = re.search(r"Mã (?:liên kết|mời): ([A-Z0-9]{8})", text_of(answer))
    assert match, text_of(answer)
    return match.group(1)


async def test_link_code_asked_in_a_group_is_not_issued_and_cannot_be_taken_over(chat, demo_db, clock):
    binh = await on(demo_db, clock, "binh", "telegram", "5001")
    in_group = await chat.send(binh, "/lienket", channel="telegram", group=True)
    assert "tin nhắn riêng" in text_of(in_group) and "Mã liên kết" not in text_of(in_group)
    for command in ("/moi Chi bộ xóm Nội", "/moi"):
        answer = await chat.send(binh, command, channel="telegram", group=True)
        assert "Mã mời" not in text_of(answer) and "tin nhắn riêng" in text_of(answer)
    assert await demo_db.scalar("SELECT COUNT(*) FROM invites") == 0
    # The attack of the issue: the code is read (here from a private chat) and sent by another Telegram account.
    code = code_of(await chat.send(binh, "/lienket", channel="telegram"))
    for attempt in (f"/lienket {code}", f"lien ket {code.lower()}", f"/start {code}", f"/dangky {code}"):
        stolen = await chat.send("6666", attempt, channel="telegram")
        assert "chỉ dùng được trên Zalo" in text_of(stolen)
    assert await users.by_identity(demo_db, "telegram", "6666") is None
    # Typed into a group, a good code is burned: nobody can use it afterwards, not even on the right app.
    await chat.send("6666", f"/lienket {code}", channel="zalo", group=True)
    late = await chat.send("7777", f"/lienket {code}", channel="zalo")
    assert "hết hạn" in text_of(late)
    assert await users.by_identity(demo_db, "zalo", "7777") is None


async def test_link_code_works_once_on_the_other_app_and_is_short_lived(chat, demo_db, clock):
    binh = await on(demo_db, clock, "binh", "telegram", "5001")
    code = code_of(await chat.send(binh, "/lienket", channel="telegram"))
    clock.advance(minutes=31)
    assert "hết hạn" in text_of(await chat.send("z1", f"/lienket {code}", channel="zalo"))
    clock.advance(minutes=-31)
    code = code_of(await chat.send(binh, "/lienket", channel="telegram"))
    assert "Đã liên kết" in text_of(await chat.send("z1", f"/lienket {code}", channel="zalo"))
    assert "đã được sử dụng" in text_of(await chat.send("z2", f"/lienket {code}", channel="zalo"))


async def test_invites_are_bound_to_their_channel(chat, demo_db, clock):
    binh = await on(demo_db, clock, "binh", "telegram", "5001")
    offer = await chat.send(binh, "/moi Chi bộ xóm Nội", channel="telegram")
    assert "Dùng trên: Telegram" in text_of(offer)
    code = code_of(offer)
    assert "chỉ dùng được trên Telegram" in text_of(await chat.send("z9", f"/dangky {code}", channel="zalo"))
    assert "Đăng ký thành công" in text_of(await chat.send("t9", f"/dangky {code}", channel="telegram"))
    for_zalo = await chat.send(binh, "/moi Chi bộ xóm Nội zalo", channel="telegram")
    assert "Dùng trên: Zalo" in text_of(for_zalo) and "t.me" not in text_of(for_zalo)
    assert "Đăng ký thành công" in text_of(await chat.send("z9", f"/dangky {code_of(for_zalo)}", channel="zalo"))


async def test_code_attempts_are_rate_limited_per_sender(chat, demo_db, clock):
    binh = await on(demo_db, clock, "binh", "telegram", "5001")
    code = code_of(await chat.send(binh, "/moi Chi bộ xóm Nội", channel="telegram"))
    for guess in ("AAAAAAAA", "BBBBBBBB", "CCCCCCCC", "DDDDDDDD", "EEEEEEEE"):
        assert "không đúng" in text_of(await chat.send("t7", f"/dangky {guess}", channel="telegram"))
    blocked = await chat.send("t7", f"/dangky {code}", channel="telegram")  # even the right code, now
    assert "quá nhiều lần" in text_of(blocked)
    assert "Đăng ký thành công" not in text_of(await chat.send("t7", f"/start {code}", channel="telegram"))
    assert await users.by_identity(demo_db, "telegram", "t7") is None
    other = await chat.send("t8", "/dangky ZZZZZZZZ", channel="telegram")  # per sender: others are not blocked
    assert "không đúng" in text_of(other)
    clock.advance(minutes=16)
    assert "Đăng ký thành công" in text_of(await chat.send("t7", f"/dangky {code}", channel="telegram"))
    assert await demo_db.scalar("SELECT COUNT(*) FROM code_attempts") >= 6  # persisted in SQLite


async def test_invite_of_an_official_who_lost_the_scope_no_longer_works(chat, demo_db, clock):
    hung = await on(demo_db, clock, "hung", "telegram", "5003")
    code = code_of(await chat.send(hung, "/moi Chi bộ xóm Nội theo dõi", channel="telegram"))
    user = await users.by_login(demo_db, "hung")
    async with demo_db.transaction():
        await users.set_role(demo_db, user.id, "reporter")
    answer = await chat.send("t5", f"/dangky {code}", channel="telegram")
    assert "không còn hiệu lực" in text_of(answer)
    assert await users.by_identity(demo_db, "telegram", "t5") is None


# --- 6. groups ----------------------------------------------------------------------------------------------
async def test_groups_hear_only_what_is_meant_for_the_bot(chat, demo_db, clock):
    thu = await on(demo_db, clock, "thu", "telegram", "5002")
    for text in ("chào cả nhà", "kết nạp 2", "tiến độ", "ok"):
        assert await chat.send(thu, text, channel="telegram", group=True) == []
    report = await chat.send(thu, "/baocao 2", channel="telegram", group=True)
    assert "nhắn riêng" in text_of(report) and not any(r.choices for r in report)
    asked = await chat.send(thu, "/tiendo", channel="telegram", group=True)
    assert "TIẾN ĐỘ" not in text_of(asked) and "nhắn riêng" in text_of(asked)
    assert await demo_db.scalar("SELECT COUNT(*) FROM pending") == 0


async def test_a_message_for_the_bot_it_does_not_understand_in_a_group_gets_the_polite_answer(chat, demo_db, clock):
    # mypy found it: the group path called the "not understood" text without its examples (a TypeError).
    thu = await on(demo_db, clock, "thu", "telegram", "5002")
    answer = await chat.send(thu, "/khongcolenhnay", channel="telegram", group=True)
    assert "Xin lỗi" in text_of(answer) and "[tên đơn vị" not in text_of(answer)


async def test_figures_only_in_a_linked_digest_group_within_its_unit(chat, demo_db, clock):
    binh = await on(demo_db, clock, "binh", "telegram", "5001")
    hung = await on(demo_db, clock, "hung", "telegram", "5003")
    linked = await chat.send(hung, "/lienketnhom", channel="telegram", group=True)  # the group of xã Bắc Phong
    assert "Đã liên kết nhóm" in text_of(linked)
    own = await chat.send(hung, "/tiendo", channel="telegram", group=True)
    assert "Bắc Phong" in text_of(own)
    district = await chat.send(binh, "/tiendo", channel="telegram", group=True)  # binh is above: narrowed
    assert "Bắc Phong" in text_of(district) and "Huyện" not in text_of(district).split("\n")[0]
    other = await chat.send(binh, "/tiendo Công an huyện", channel="telegram", group=True)
    assert "ngoài phạm vi" in text_of(other)


async def test_telegram_adapter_marks_mentions_and_commands_for_other_bots():
    from telegram import Bot, Update

    from handlers.telegram import to_inbound

    bot = Bot("123:abc")

    def update(text: str) -> Update:
        data = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": int(TODAY.timestamp()),
                "chat": {"id": -100, "type": "supergroup", "title": "Nhóm"},
                "from": {"id": 5, "is_bot": False, "first_name": "A"},
                "text": text,
            },
        }
        return Update.de_json(data, bot)

    def read(text: str) -> tuple[str, bool | None]:
        inbound = to_inbound(update(text), "telegram", TODAY, "ptdv_bot")
        assert inbound is not None and inbound.is_group
        return inbound.text, inbound.addressed

    assert read("chào") == ("chào", False)
    assert read("/tiendo") == ("/tiendo", True)
    assert read("/tiendo@ptdv_bot") == ("/tiendo@ptdv_bot", True)
    assert read("/start@other_bot") == ("/start@other_bot", False)
    assert read("@ptdv_bot tiến độ") == ("tiến độ", True)
    assert read("@ptdv_botx tiến độ")[1] is False


# --- 2. a sub-unit official stays inside their subtree ---------------------------------------------------
async def test_target_preview_of_own_unit_hides_siblings_and_parent(chat, demo_db):
    hung = await uid(demo_db, "hung")  # official of xã Bắc Phong, under the district
    preview = text_of(await chat.send(hung, "giao chỉ tiêu năm 2027 cho xã Bắc Phong là 99"))
    assert "Giao chỉ tiêu" in preview
    assert "cùng cấp" not in preview and "Cao Phong" not in preview
    binh = await uid(demo_db, "binh")  # the district's official may see the comparison with the district
    seen = text_of(await chat.send(binh, "giao chỉ tiêu năm 2027 cho xã Bắc Phong là 99"))
    assert "cùng cấp" in seen


@pytest.mark.parametrize(
    "command",
    [
        "/tochuc tach xã Bắc Phong thành Đảng bộ xã Bắc Phong A, Đảng bộ xã Bắc Phong B",
        "/tochuc ngung xã Bắc Phong",
        "/tochuc hopnhat xã Bắc Phong thành Đảng bộ xã Bắc Phong Mới",
    ],
)
async def test_sub_unit_official_cannot_split_merge_or_deactivate_own_unit(chat, demo_db, command):
    hung = await uid(demo_db, "hung")
    units_before = await demo_db.scalar("SELECT COUNT(*) FROM units")
    answer = await chat.send(hung, command)
    assert "cấp trên" in text_of(answer) and not any(r.choices for r in answer)
    assert await chat.send(hung, "có") and await demo_db.scalar("SELECT COUNT(*) FROM units") == units_before


async def test_district_official_cannot_split_the_root(chat, demo_db):
    binh = await uid(demo_db, "binh")
    answer = await chat.send(binh, "/tochuc tach huyện Cao Phong thành Đảng bộ A, Đảng bộ B")
    assert not any(r.choices for r in answer)
    ok = await chat.send(binh, "/tochuc ngung xã Bắc Phong")  # a unit below: allowed, with a preview
    assert any(r.choices for r in ok)


async def _move(db, login: str, code: str | None = None, role: str | None = None) -> None:
    user = await users.by_login(db, login)
    async with db.transaction():
        if code is not None:
            unit = await db.scalar("SELECT id FROM units WHERE code = ?", (code,))
            await users.set_unit(db, user.id, unit)
        if role is not None:
            await users.set_role(db, user.id, role)


async def test_stale_report_preview_is_refused_after_the_reporter_moved(chat, demo_db):
    thu = await uid(demo_db, "thu")
    preview = await chat.send(thu, "kết nạp 2")
    token = preview[0].choices[0][0].data
    before = await demo_db.scalar("SELECT COUNT(*) FROM submissions")
    await _move(demo_db, "thu", code="CAH")
    answer = await chat.send(thu, data=token)
    assert "ngoài phạm vi" in text_of(answer) and "Chưa lưu" in text_of(answer)
    assert await demo_db.scalar("SELECT COUNT(*) FROM submissions") == before
    assert await demo_db.scalar("SELECT status FROM pending ORDER BY id DESC LIMIT 1") == "cancelled"


@pytest.mark.parametrize(
    ("command", "change"),
    [
        ("giao chỉ tiêu năm 2027 cho Chi bộ xóm Nội là 3", {"role": "reporter"}),
        ("giao chỉ tiêu năm 2027 cho Chi bộ xóm Nội là 3", {"code": "TP"}),
        ("/tochuc doiten Chi bộ xóm Nội thành Chi bộ xóm Nội Mới", {"role": "reporter"}),
        ("/tochuc ngung Chi bộ xóm Nội", {"code": "TP"}),
    ],
)
async def test_stale_official_previews_are_refused_after_role_or_unit_changed(chat, demo_db, command, change):
    hung = await uid(demo_db, "hung")
    preview = await chat.send(hung, command)
    assert preview[-1].choices, text_of(preview)
    audit_before = await demo_db.scalar("SELECT COUNT(*) FROM audit")
    await _move(demo_db, "hung", **change)
    answer = await chat.send(hung, "có")
    assert "Chưa lưu" in text_of(answer) and "Đã " not in text_of(answer)
    assert await demo_db.scalar("SELECT COUNT(*) FROM audit") == audit_before


# --- 4. the token never appears in any output -------------------------------------------------------------
TG_TOKEN = "987654321:AAHsecret-token-for-redaction-tests-xyz"
ZA_TOKEN = "1122334455667788:secret-zalo-token-for-redaction"
ROOT = Path(__file__).resolve().parents[1]


class Refusing(BaseHTTPRequestHandler):
    """A Bot API that refuses every token, and — like some servers — echoes the URL in its error text."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = json.dumps(
            {"ok": False, "error_code": 401, "description": f"Unauthorized: https://api.example{self.path}"}
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def refusing_api():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _run(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "BACKUP_DIR": str(tmp_path / "backups"),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *env.pop("ARGS", "run").split()],
        env=base | env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_run_with_a_rejected_token_prints_one_line_without_it(tmp_path, refusing_api):
    done = _run(tmp_path, TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_BASE_URL=f"{refusing_api}/bot")
    assert done.returncode != 0
    assert TG_TOKEN not in done.stderr + done.stdout and "secret-token" not in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [done.stderr.strip().splitlines()[-1]]
    assert "Token Telegram bị từ chối" in done.stderr


def test_run_with_an_unreachable_api_prints_one_line(tmp_path):
    from tests.harness import free_port

    done = _run(tmp_path, TELEGRAM_BOT_TOKEN=TG_TOKEN, TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{free_port()}/bot")
    assert done.returncode != 0
    assert TG_TOKEN not in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Không kết nối được" in done.stderr


def test_doctor_redacts_telegram_and_zalo_failures(tmp_path, refusing_api):
    done = _run(
        tmp_path,
        ARGS="doctor",
        TELEGRAM_BOT_TOKEN=TG_TOKEN,
        TELEGRAM_API_BASE_URL=f"{refusing_api}/bot",
        ZALO_BOT_TOKEN=ZA_TOKEN,
        ZALO_API_BASE_URL=refusing_api,
    )
    assert done.returncode == 1
    out = done.stdout + done.stderr
    assert "✘ Token Telegram" in out and "✘ Zalo" in out
    assert TG_TOKEN not in out and ZA_TOKEN not in out and "secret" not in out and "https://" not in out


def test_log_records_and_tracebacks_are_redacted():
    from bot.runtime.app import JsonFormatter
    from bot.runtime.redact import RedactFilter

    try:
        raise RuntimeError(f"POST https://api.telegram.org/bot{TG_TOKEN}/getMe failed; {quote(ZA_TOKEN, safe='')}")
    except RuntimeError as exc:
        error = exc
    for formatter in (logging.Formatter("%(message)s"), JsonFormatter()):
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "with %s", (ZA_TOKEN,), (type(error), error, None))
        assert RedactFilter([TG_TOKEN, ZA_TOKEN]).filter(record)
        text = formatter.format(record)
        assert TG_TOKEN not in text and ZA_TOKEN not in text and "secret" not in text and "<token>" in text
    from bot.runtime.redact import redact

    assert "secret" not in redact("https://api.telegram.org/bot555555:AAother-unknown-token-123456789/getMe")
