"""The import template (`ptdv template`, `/maunhap`): a sheet per kind and instructions in Vietnamese; with
`fill`, the database's current units, users, targets and figures, ready to edit and import back."""

from __future__ import annotations

import io
import json
from collections import defaultdict
from typing import Any

from bot.domain.indicators import DEFAULT_SET, Indicators
from bot.domain.models import BREAKDOWN_FIELDS, PIPELINE_FIELDS, SCREENING_FIELDS, UnitKind
from bot.domain.periods import PeriodKind, ym_parts
from bot.domain.tree import UnitTree
from bot.domain.vocabulary import KIND_WORDS  # read back by the importer (KIND_READINGS)
from bot.importing.reader import SHEETS, Column
from bot.present.exports.cells import append, first_sheet, put
from storage import categories, submissions, targets, units, users
from storage import indicators as indicator_store
from storage.db import Database

INSTRUCTIONS = [
    "HƯỚNG DẪN NHẬP DỮ LIỆU — PTĐV Bot",
    "",
    "1. Mỗi loại dữ liệu một trang: Đơn vị, Người dùng, Chỉ tiêu, Số liệu, Nguồn, rà soát (trang nào không dùng thì để"
    " trống).",
    "2. Giữ nguyên dòng tiêu đề. Không gộp ô, không dùng công thức (hãy dán giá trị). Dòng trống được bỏ qua.",
    "3. Đơn vị: Mã (chữ, số, . _ -), Tên, Mã cấp trên (để trống cho đơn vị gốc).",
    "   Cấp: tỉnh ủy, thành ủy, đảng ủy xã, đảng ủy phường, đảng ủy đặc khu, Đảng bộ các cơ quan Đảng tỉnh,",
    "   Đảng bộ UBND tỉnh, Đảng bộ Quân sự tỉnh, Đảng bộ Công an tỉnh, đảng bộ cơ sở, chi bộ cơ sở, đảng bộ bộ phận,",
    "   chi bộ trực thuộc (huyện ủy chỉ dùng cho số liệu trước 1/7/2025).",
    "   Để trống Cấp: đơn vị đã có giữ nguyên cấp; đơn vị mới được xác định theo đơn vị cấp trên và tên khi chỉ có một",
    "   cách hiểu (ví dụ “Chi bộ thôn 3” dưới đảng ủy xã là chi bộ cơ sở, dưới đảng bộ cơ sở là chi bộ trực thuộc;",
    "   “Đảng ủy xã …” dưới tỉnh ủy là đảng ủy xã). Nếu không xác định được, bot báo lỗi ở dòng đó và xin ghi rõ Cấp.",
    "   Khối: tên khối của cấp ủy (xã, phường / lực lượng vũ trang / cơ quan / trường học / doanh nghiệp…; xem /khoi).",
    "4. Người dùng: Vai trò là “báo cáo” (bí thư, người báo cáo của đơn vị) hoặc “theo dõi” (xem cả cấp dưới).",
    "   Sau khi nhập, mỗi người đăng ký bằng mã mời (ptdv invite hoặc /moi) để liên kết tài khoản Telegram.",
    "5. Chỉ tiêu: Loại “năm” hoặc “nhiệm kỳ”; Năm (năm bắt đầu với nhiệm kỳ);",
    "   Kế hoạch quý tùy chọn, ví dụ 20/30/30/20.",
    "6. Số liệu (tùy chọn, để nạp số đã kết nạp trước khi dùng bot): Kỳ là T9/2021, Q3/2021, 6 tháng đầu 2021 hoặc",
    "   2021; chỉ nhập cho đơn vị không có đơn vị trực thuộc. Mỗi chỉ tiêu cơ cấu một cột (danh sách: /tieuchi);",
    "   thêm cột cho chỉ tiêu mới bằng tên hoặc tên viết tắt của nó; ô trống là 0.",
    "7. Nguồn, rà soát (tùy chọn, số liệu từng kỳ như khi báo qua chat “nguồn 30, đã học lớp nhận thức 12” hay",
    "   “rà soát 5, đưa ra khỏi Đảng 1”): Mã đơn vị, Kỳ như trang Số liệu (thường là quý), rồi các số:",
    "   Nguồn (quần chúng ưu tú), Đã học lớp nhận thức, Dự kiến cử đi học; Đã rà soát, Đưa ra khỏi Đảng, Tiếp tục theo",
    "   dõi. Ô để trống là không báo số đó; mỗi dòng cần ít nhất một số. Số đưa ra khỏi Đảng và tiếp tục theo dõi",
    "   không lớn hơn số đã rà soát. Chỉ nhập cho đơn vị không có đơn vị trực thuộc.",
    "   Số liệu và nguồn, rà soát thuộc về đơn vị như nó ở kỳ đó: đơn vị mà các đơn vị dưới đều đã hợp nhất hoặc",
    "   ngừng hoạt động (như đảng ủy xã mới nhận lịch sử các xã cũ) tự báo cáo, nên nhập được; kỳ trước khi đơn vị",
    "   có đơn vị trực thuộc (chi bộ lập sau đó) vẫn nhập được cho chính đơn vị.",
    "   Tệp điền sẵn (ptdv template --fill) gửi lại nguyên vẹn thì không thay đổi gì: dòng nào trùng với số đã báo",
    "   (qua chat hay lần nhập trước) được bỏ qua.",
    "8. Nhập: gửi tệp cho bot (cán bộ theo dõi cấp cao nhất) hoặc chạy `ptdv import tệp.xlsx`. Nếu có lỗi, bot liệt kê",
    "   từng dòng sai và không nhập gì. Nhập lại cùng một tệp không làm thay đổi gì. Tệp lớn (đến 100.000 dòng) được",
    "   ghi trong nền: bot báo tiến độ “Đang ghi … / … dòng” và kết quả; trong lúc đó bot vẫn trả lời mọi người.",
]


def period_label(kind: str, year: int, ym_from: int) -> str:
    month = ym_parts(ym_from)[1]
    if kind == PeriodKind.MONTH:
        return f"T{month}/{year}"
    if kind == PeriodKind.QUARTER:
        return f"Q{(month - 1) // 3 + 1}/{year}"
    if kind == PeriodKind.HALF:
        return f"6 tháng {'đầu' if month <= 6 else 'cuối'} {year}"
    return str(year)


async def rows_from(db: Database) -> dict[str, list[list[Any]]]:
    """The database's content in template form."""
    # Units as they stand: merged or closed units (and their rows) are left out; their history stays in the database.
    active = await units.active_rows(db)
    code = {r["id"]: r["code"] for r in active}
    tree = UnitTree(await units.all_units(db))
    khoi = await categories.load(db)
    out: dict[str, list[list[Any]]] = {"units": [], "users": [], "targets": [], "reports": [], "history": []}
    for r in active:
        out["units"].append(
            [
                r["code"],
                r["name"],
                r["short_name"],
                KIND_WORDS[UnitKind(r["kind"])],
                khoi.labels(tree, r["parent_id"]).get(r["category"], r["category"]) if r["category"] else "",
                code.get(r["parent_id"], ""),
            ]
        )
    for r in await users.active_rows(db):
        if r["unit_id"] not in code:
            continue
        out["users"].append(
            [
                r["name"],
                r["login"] or "",
                r["phone"] or "",
                "theo dõi" if r["role"] == "official" else "báo cáo",
                code[r["unit_id"]],
                r["title"] or "",
            ]
        )
    for r in await targets.all_rows(db):
        if r["unit_id"] not in code:
            continue
        plan = "/".join(f"{round(p * 100):g}" for p in json.loads(r["quarter_plan"])) if r["quarter_plan"] else ""
        out["targets"].append(
            [
                code[r["unit_id"]],
                "năm" if r["scope"] == "year" else "nhiệm kỳ",
                r["start_year"],
                r["end_year"] if r["scope"] == "term" else "",
                r["value"],
                plan,
            ]
        )
    extra_codes = extra_columns(await indicator_store.load(db))
    fields = ("admitted", *BREAKDOWN_FIELDS, *(c.key for c in extra_codes))
    sums: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * len(fields))
    for event in await submissions.live_admission_rows(db):
        if event.unit_id not in code:
            continue
        key = (code[event.unit_id], period_label(event.period_kind, event.year, event.ym_from))
        for i, f in enumerate(fields):
            sums[key][i] += (event.figures.get(f) if f in event.figures else event.extra.get(f)) or 0
    for (unit, period), values in sums.items():
        out["reports"].append([unit, period, *values])
    history: dict[tuple[str, str], dict[str, int | None]] = {}  # the live nguồn and rà soát snapshots, one row a kỳ
    for event in await submissions.live_snapshot_rows(db):
        if event.unit_id not in code:
            continue
        key = (code[event.unit_id], period_label(event.period_kind, event.year, event.ym_from))
        fields = PIPELINE_FIELDS if event.kind == "pipeline" else SCREENING_FIELDS
        history.setdefault(key, {}).update({f: event.figures.get(f) for f in fields})
    for (unit, period), snapshot in history.items():
        cells = ("" if snapshot.get(f) is None else snapshot[f] for f in (*PIPELINE_FIELDS, *SCREENING_FIELDS))
        out["history"].append([unit, period, *cells])
    return out


def extra_columns(indicators: Indicators) -> list[Column]:
    """The Số liệu sheet's columns for the indicators without a fixed column (the list is data)."""
    return [
        Column(i.code, i.short_name[:1].upper() + i.short_name[1:], tuple(i.words()))
        for i in indicators
        if not i.column_backed
    ]


def template_workbook(rows: dict[str, list[list[Any]]] | None = None, indicators: Indicators = DEFAULT_SET) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    guide = first_sheet(wb)
    guide.title = "Hướng dẫn"
    for i, line in enumerate(INSTRUCTIONS, 1):
        put(guide, i, 1, line).font = Font(bold=i == 1)
    guide.column_dimensions["A"].width = 120
    for kind, (title, fixed) in SHEETS.items():
        columns = (*fixed, *extra_columns(indicators)) if kind == "reports" else fixed
        ws = wb.create_sheet(title)
        for col, column in enumerate(columns, 1):
            cell = put(ws, 1, col, column.title)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="FFD9E1F2")
            ws.column_dimensions[get_column_letter(col)].width = max(12, len(column.title) + 4)
        ws.column_dimensions["B"].width = 40 if kind in ("units", "users") else 14
        ws.freeze_panes = "A2"
        for row in (rows or {}).get(kind, []):
            append(ws, row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
