"""Questions about a category (khối): every form answers, over the category's units only, with the category's own
status — a set of units that is not one subtree, so nothing may be copied from the district."""

from __future__ import annotations

import pytest

from bot.domain.messages import Inbound, InboundKind
from bot.domain.models import Category
from bot.domain.periods import Period
from bot.language.queries import OutputForm, Query, QueryKind
from bot.present import callbacks
from bot.services import queries
from bot.services.core import Core
from bot.services.reorg import apply_change, read_change
from storage import users

ERROR = "hệ thống gặp lỗi"
COMMUNES = "khối xã, phường"

ASKED = [
    "tiến độ khối xã",
    "tien do khoi xa q3 2021",
    "biểu đồ khối xã",
    "xuất báo cáo khối xã",
    "/xephang khối xã",
    "/chamtiendo khối xã",
    "/cocau khối xã",
    "/sosanh khối xã",
    "/chuabaocao khối xã",
    "tiến độ nhiệm kỳ khối xã",
    "nguồn phát triển đảng khối xã",
]


class Asker:
    def __init__(self, core: Core, user_id: int) -> None:
        self.core, self.user_id, self.n = core, user_id, 0

    async def __call__(self, text: str, kind: InboundKind = InboundKind.TEXT, data: str | None = None):
        self.n += 1
        inbound = Inbound(
            channel="console",
            update_key=f"console:cat{self.n}",
            sender_id=str(self.user_id),
            chat_id=str(self.user_id),
            at=self.core.clock.now(),
            kind=kind,
            text=text,
            data=data,
            message_id=str(self.n),
        )
        return await self.core.handle(inbound)


@pytest.fixture
async def ask(settings, district_db, clock):
    core = Core(district_db, settings, clock)
    binh = await users.by_login(district_db, "binh")
    return Asker(core, binh.id)


async def admitted(db, category: str, ym_from: int, ym_to: int) -> int:
    """Admissions of every unit of a category (and below), straight from SQL."""
    return int(
        await db.scalar(
            "WITH RECURSIVE below(id) AS ("
            "  SELECT u.id FROM units u JOIN units p ON p.id = u.parent_id WHERE u.category = ? AND p.parent_id IS NULL"
            "  UNION SELECT u.id FROM units u JOIN below b ON u.parent_id = b.id)"
            " SELECT COALESCE(SUM(s.admitted), 0) FROM submissions s"
            " WHERE s.superseded_by IS NULL AND s.kind IN ('admission', 'adjustment')"
            " AND s.ym_from >= ? AND s.ym_to <= ? AND s.unit_id IN (SELECT id FROM below)",
            (category, ym_from, ym_to),
        )
    )


@pytest.mark.parametrize("text", ASKED)
async def test_every_question_about_a_category_answers(ask, text):
    replies = await ask(text)
    answer = "\n".join(r.text for r in replies)
    assert ERROR not in answer
    assert COMMUNES in answer, answer


async def test_a_category_counts_its_own_units(ask, district_db):
    year = "\n".join(r.text for r in await ask("tiến độ khối xã"))
    assert f"Đã kết nạp: {await admitted(district_db, 'xa_thi_tran', 202601, 202611)}/" in year
    quarter = "\n".join(r.text for r in await ask("tien do khoi xa q3 2021"))
    assert f"kết nạp {await admitted(district_db, 'xa_thi_tran', 202107, 202109)} ĐVM" in quarter
    assert f"{await admitted(district_db, 'xa_thi_tran', 202101, 202109)}/" in quarter
    compare = "\n".join(r.text for r in await ask("/sosanh khối xã"))
    assert f"Kết nạp: {await admitted(district_db, 'xa_thi_tran', 202601, 202611)} ĐVM" in compare


async def test_a_category_has_its_own_status(ask):
    # 5/8 against a pace near 90 %: behind, whatever the district's status.
    enterprise = "\n".join(r.text for r in await ask("tiến độ khối doanh nghiệp"))
    assert "5/8 ĐVM" in enterprise
    assert "→ chậm tiến độ" in enterprise and "→ đúng tiến độ" not in enterprise


async def test_a_category_chart_draws_the_category(ask, monkeypatch, district_db):
    drawn = []

    def capture(view):
        drawn.append(view)
        return b"\x89PNG"

    monkeypatch.setattr(queries, "progress_chart", capture)
    replies = await ask("biểu đồ khối doanh nghiệp năm 2021")
    assert "khối doanh nghiệp" in replies[0].text
    (view,) = drawn
    children = view.children()
    assert children and all(view.tree[p.unit_id].category == Category.ENTERPRISE for p in children)
    assert view.root.cumulative.admitted == await admitted(district_db, "doanh_nghiep", 202101, 202112)


async def test_next_page_keeps_the_category(ask):
    query = Query(kind=QueryKind.RANKING, form=OutputForm.TEXT, period=Period.of_year(2026), category=Category.COMMUNE)
    data = queries.query_data(query, 1, Period.of_year(2026), 2)
    parsed = callbacks.unpack(data)
    assert isinstance(parsed, callbacks.QueryChoice) and parsed.category == Category.COMMUNE.value
    old = "q|0|0|1|Y2026|1"  # buttons sent before categories were carried still work
    assert isinstance(callbacks.unpack(old), callbacks.QueryChoice)


async def test_categories_after_a_merge(ask, district_db):
    ctx = ask.core.ctx
    await apply_change(
        ctx, await read_change(ctx, None, "hopnhat xã Thu Phong, xã Hợp Phong thành Đảng bộ xã Thu Hợp Phong"), None
    )
    for text in ASKED:
        answer = "\n".join(r.text for r in await ask(text))
        assert ERROR not in answer and COMMUNES in answer, (text, answer)
    year = "\n".join(r.text for r in await ask("tiến độ khối xã năm 2025"))
    assert f"Đã kết nạp: {await admitted(district_db, 'xa_thi_tran', 202501, 202512)}/" in year


async def test_a_category_with_no_units_in_scope_is_explained(settings, district_db, clock):
    core = Core(district_db, settings, clock)
    hung = await users.by_login(district_db, "hung")  # official of xã Bắc Phong: no enterprises below
    answer = "\n".join(r.text for r in await Asker(core, hung.id)("tiến độ khối doanh nghiệp"))
    assert ERROR not in answer and "không có đơn vị trực thuộc nào thuộc khối doanh nghiệp" in answer


async def test_a_category_workbook_totals_the_category(ask, district_db):
    import io

    from openpyxl import load_workbook

    replies = await ask("xuất báo cáo khối xã năm 2021")
    assert replies[0].attachment is not None and "khối xã, phường" in replies[0].text
    ws = load_workbook(io.BytesIO(replies[0].attachment.content)).active
    total = next(r for r in ws.iter_rows(values_only=True) if r[1] == "TỔNG CỘNG")
    quarters = [await admitted(district_db, "xa_thi_tran", 202100 + 3 * q + 1, 202100 + 3 * q + 3) for q in range(4)]
    assert list(total[3:7]) == quarters
    assert total[7] == sum(quarters) == await admitted(district_db, "xa_thi_tran", 202101, 202112)
