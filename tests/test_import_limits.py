"""Zip bombs and huge import files (issue 14, item 11): refused before they are unpacked, read in a worker process
with a memory cap and a time limit, and while a big file is read everyone else is answered."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from bot.config import Settings
from bot.importing.reader import FileRefused, Limits, check_size
from bot.services import imports
from bot.services.reminders import ReminderService
from handlers.telegram import TelegramNotifier
from tests.conftest import message_update
from tests.harness import TelegramHarness

MB = 1_048_576


def zip_bomb(unpacked_mb: int = 40, entries: int = 2) -> bytes:
    """A small .xlsx-looking zip that unpacks to `unpacked_mb` MB of XML."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        for i in range(1, entries):
            z.writestr(f"xl/worksheets/sheet{i}.xml", b"<row>" + b"0" * (unpacked_mb * MB // max(entries - 1, 1)))
    return out.getvalue()


def upload(harness: TelegramHarness, chat: int, name: str, content: bytes) -> dict:
    harness.server.api.files[name] = content
    update = message_update(chat, "x")
    del update["message"]["text"]
    update["message"]["document"] = {
        "file_id": name,
        "file_unique_id": "u" + name,
        "file_name": name,
        "file_size": len(content),
    }
    return update


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking():
    bomb = zip_bomb(40)
    assert len(bomb) < 200_000  # tiny on the wire
    started = time.perf_counter()
    with pytest.raises(FileRefused, match="khi giải nén lớn 40,0 MB"):
        check_size("bom.xlsx", bomb, Limits())
    assert time.perf_counter() - started < 0.5
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        for i in range(60):
            z.writestr(f"xl/x{i}.xml", "<a/>")
    with pytest.raises(FileRefused, match="60 thành phần"):
        check_size("nhieu.xlsx", many.getvalue(), Limits())


async def test_a_zip_bomb_sent_in_chat_gets_a_clear_answer_quickly(settings, demo_db, clock, monkeypatch):
    from bot.importing import worker

    async def no_child(*args, **kwargs):  # "quickly": refused from the zip's directory, nothing is unpacked
        raise AssertionError("a zip bomb must be refused before a reading process starts")

    monkeypatch.setattr(worker.asyncio, "create_subprocess_exec", no_child)
    async with TelegramHarness(settings, demo_db, clock) as h:
        await h.link("binh", 501)
        answer = await h.send(upload(h, 501, "bom.xlsx", zip_bomb(40)))
        assert len(answer) == 1 and answer[0].text.startswith("Chưa nhập được “bom.xlsx”: Tệp Excel khi giải nén")
        assert "tối đa 20,0 MB" in answer[0].text
        assert not h.errors


async def test_a_file_over_the_row_cap_is_refused(settings, demo_db, clock):
    rows = "".join(f"CAH,năm,{2030 + i % 50},{i % 9}\n" for i in range(20_001))
    content = ("Mã đơn vị,Loại,Năm,Chỉ tiêu\n" + rows).encode()
    assert settings.import_max_rows == 100_000  # the default since imports are written off the event loop
    with pytest.raises(FileRefused, match=r"tối đa 20\.000"):
        await imports.read(settings.model_copy(update={"import_max_rows": 20_000}), "ct.csv", content)
    few = settings.model_copy(update={"import_max_rows": 10})
    from bot.present.exports.template import rows_from, template_workbook

    workbook = template_workbook(await rows_from(demo_db))  # the demo: 31 units, more than 10 rows
    with pytest.raises(FileRefused, match="Trang “Đơn vị” có hơn 10 dòng"):
        await imports.read(few, "mau.xlsx", workbook)
    assert (await imports.read(settings, "mau.xlsx", workbook)).units  # within the default caps


async def test_the_worker_is_stopped_after_the_time_limit(settings, demo_db):
    from bot.present.exports.template import rows_from, template_workbook

    slow = settings.model_copy(update={"import_time_limit": 0.01})
    with pytest.raises(FileRefused, match="quá lâu"):
        await imports.read(slow, "mau.xlsx", template_workbook(await rows_from(demo_db)))


async def test_others_are_answered_while_a_big_file_is_read(settings: Settings, demo_db, clock):
    rows = "".join(f"CAH,năm,{2030 + i % 50},{i % 9}\n" for i in range(19_000))
    content = ("Mã đơn vị,Loại,Năm,Chỉ tiêu\n" + rows).encode()
    async with TelegramHarness(settings, demo_db, clock) as h:
        await h.link("binh", 601)
        await h.link("ngoc", 602)
        h.core.reminders = ReminderService(h.core.ctx, {"telegram": TelegramNotifier(h.app.bot, backoff=0.01)})
        started = await h.send(upload(h, 601, "lon.csv", content))
        assert [m.text for m in started] == ["Đang kiểm tra tệp “lon.csv”… Bot sẽ gửi kết quả ngay khi xong."]
        asked = await h.send(message_update(602, "tiến độ"))  # another official, meanwhile
        assert asked and asked[0].text.startswith("TIẾN ĐỘ KẾT NẠP")
        done = ("Nhập tệp “lon.csv”", "Tệp có")
        assert not [m for m in h.server.sent if m.chat_id == "601" and m.text.startswith(done)], (
            "read before the question"
        )
        await h.core.drain_background()
        result = [m for m in h.server.sent if m.chat_id == "601"][-1]
        assert result.text.startswith(("Nhập tệp “lon.csv”", "Tệp có")), result.text
        assert h.server.sent.index(asked[0]) < h.server.sent.index(result)
        assert not h.errors
