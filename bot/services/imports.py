"""Importing units, users, targets and historical figures: cross-checked against the database, applied in one
transaction, idempotent (the same file twice changes nothing). By chat (an official sends the file; preview and
"Xác nhận") and by `ptdv import FILE`."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from bot.config import Settings
from bot.import_worker import read_in_worker
from bot.importer import FileRefused, ImportFile, Limits, Problem, check_size, period_of
from bot.messages import Inbound, Reply
from bot.models import UnitKind, User
from bot.services.confirmable import Refused, confirmable
from bot.services.context import Context
from bot.services.reorg import CHILD_KIND, short_name
from bot.services.reporting import preview_change, report_problem
from bot.textfmt import num
from storage import audit, rollups, submissions, targets, units, users
from storage.pending import Pending

IMPORT_ROOT_ONLY = "Xin lỗi, chỉ cán bộ theo dõi cấp cao nhất mới nhập dữ liệu từ tệp."
MAX_PROBLEMS_SHOWN = 25
FILE_HINT = "Chọn “Xác nhận” để nhập, “Hủy” để bỏ. Muốn đổi nội dung thì sửa tệp rồi gửi lại. (Hoặc trả lời: có / hủy)"
CHAT_FILE_LIMIT = 5 * 1_048_576  # kept in the pending preview until confirmed


@dataclass
class Summary:
    added: dict[str, int] = field(default_factory=lambda: {"units": 0, "users": 0, "targets": 0, "reports": 0})
    changed: dict[str, int] = field(default_factory=lambda: {"units": 0, "users": 0, "targets": 0, "reports": 0})

    def text(self) -> str:
        labels = {"units": "đơn vị", "users": "người dùng", "targets": "chỉ tiêu", "reports": "số liệu"}
        parts = [
            f"{labels[k]}: thêm {num(self.added[k])}, sửa {num(self.changed[k])}"
            for k in labels
            if self.added[k] or self.changed[k]
        ]
        return "; ".join(parts) if parts else "không có thay đổi (dữ liệu đã giống hệt tệp)"


def problems_text(problems: list[Problem]) -> str:
    lines = [f"Tệp có {num(len(problems))} lỗi, chưa nhập gì. Xin sửa rồi gửi lại:"]
    lines += [f"– {p}" for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        lines.append(f"… và {num(len(problems) - MAX_PROBLEMS_SHOWN)} lỗi khác.")
    return "\n".join(lines)


async def _categories(ctx: Context, data: ImportFile) -> list[Problem]:
    """The Khối column against the committee's own khối (label, short label, alias or code): each row's value
    becomes the khối's code; a name the committee does not have is a problem."""
    tree, cats = await ctx.tree(), await ctx.categories()
    existing = {u.code: u.id for u in tree.units.values()}
    parent_in_file = {row["code"]: row["parent"] for row in data.units}
    out = []
    for row in data.units:
        if not row.get("category"):
            continue
        above, seen = row["parent"], set()
        while above and above not in existing and above not in seen:  # a parent added by the same file
            seen.add(above)
            above = parent_in_file.get(above)
        committee = existing.get(above or "") or existing.get(row["code"])
        found = cats.find(tree, committee, row["category"])
        if found is None:
            known = ", ".join(k.label for k in cats.for_unit(tree, committee))
            message = f"không có khối “{row['category']}” (các khối: {known}; thêm khối mới bằng /khoi them)"
            out.append(Problem("Đơn vị", row["_row"], "Khối", message))
        else:
            row["category"] = found.code
    return out


async def check(ctx: Context, data: ImportFile) -> list[Problem]:
    """Problems that need the database: unknown parents and units, cycles, duplicates, reports on parents."""
    problems = list(data.problems) + await _categories(ctx, data)
    tree = await ctx.tree()
    parent_of = {
        u.code: (tree[u.parent_id].code if u.parent_id is not None and u.parent_id in tree else None)
        for u in tree.units.values()
    }
    seen: dict[str, int] = {}
    for row in data.units:
        if row["code"] in seen:
            problems.append(
                Problem("Đơn vị", row["_row"], "Mã", f"mã {row['code']} trùng với dòng {seen[row['code']]}")
            )
        seen[row["code"]] = row["_row"]
        parent_of[row["code"]] = row["parent"]
    known = set(parent_of)
    for row in data.units:
        if row["parent"] and row["parent"] not in known:
            problems.append(Problem("Đơn vị", row["_row"], "Mã cấp trên", f"không có đơn vị mã {row['parent']}"))
        elif _cycle(row["code"], parent_of):
            problems.append(
                Problem("Đơn vị", row["_row"], "Mã cấp trên", "tạo thành vòng lặp (đơn vị là cấp trên của chính nó)")
            )
    root_codes = {tree[r].code for r in tree.roots}
    new_roots = [r for r in data.units if r["parent"] is None and r["code"] not in root_codes]
    for row in new_roots[1:] if not root_codes else new_roots:  # one root, as in chat
        problems.append(
            Problem("Đơn vị", row["_row"], "Mã cấp trên", "chỉ có một đơn vị gốc; xin ghi mã đơn vị cấp trên")
        )
    has_children = {p for c, p in parent_of.items() if p}
    logins: dict[str, int] = {}
    for row in data.users:
        if row["unit"] not in known:
            problems.append(Problem("Người dùng", row["_row"], "Mã đơn vị", f"không có đơn vị mã {row['unit']}"))
        if row["login"]:
            if row["login"] in logins:
                problems.append(
                    Problem("Người dùng", row["_row"], "Tên đăng nhập", f"trùng với dòng {logins[row['login']]}")
                )
            logins[row["login"]] = row["_row"]
    keys: dict[tuple[str, str, int], int] = {}
    for row in data.targets:
        if row["unit"] not in known:
            problems.append(Problem("Chỉ tiêu", row["_row"], "Mã đơn vị", f"không có đơn vị mã {row['unit']}"))
        key = (row["unit"], row["scope"], row["year"])
        if key in keys:
            problems.append(Problem("Chỉ tiêu", row["_row"], "Năm", f"trùng với dòng {keys[key]}"))
        keys[key] = row["_row"]
    periods: dict[tuple[str, str], int] = {}
    listed = await ctx.indicators()
    for row in data.reports:
        for title in row.get("columns", {}):
            item = listed.find(title)
            if item is None:
                names = ", ".join(i.short_name for i in listed if not i.column_backed)
                problems.append(
                    Problem(
                        "Số liệu",
                        row["_row"],
                        title,
                        f"cột “{title}” không phải chỉ tiêu cơ cấu nào (các chỉ tiêu khác: {names}; "
                        "thêm chỉ tiêu bằng /tieuchi them)",
                    )
                )
        if row["unit"] not in known:
            problems.append(Problem("Số liệu", row["_row"], "Mã đơn vị", f"không có đơn vị mã {row['unit']}"))
        elif row["unit"] in has_children:
            problems.append(
                Problem(
                    "Số liệu",
                    row["_row"],
                    "Mã đơn vị",
                    f"{row['unit']} có đơn vị trực thuộc; số liệu nhập cho từng đơn vị cấp dưới",
                )
            )
        problem = report_problem(ctx, "admission", row["figures"], period_of(row))  # the chat's own check
        if problem is not None:
            column = "Kỳ" if problem.startswith(("Kỳ", "Năm")) else "Kết nạp"
            problems.append(Problem("Số liệu", row["_row"], column, problem))
        unit_period = (row["unit"], str(row["period"]))
        if unit_period in periods:
            problems.append(Problem("Số liệu", row["_row"], "Kỳ", f"trùng với dòng {periods[unit_period]}"))
        periods[unit_period] = row["_row"]
    return sorted(problems, key=lambda p: (p.sheet, p.row))


def _cycle(code: str, parent_of: dict[str, str | None]) -> bool:
    seen = {code}
    current = parent_of.get(code)
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


async def apply(ctx: Context, data: ImportFile, actor: int | None, source: str) -> Summary:
    """Apply a checked file in one transaction (joined if the caller holds one)."""
    summary = Summary()
    now = ctx.now()
    async with ctx.db.transaction():
        unknown = await _categories(ctx, data)  # the Khối column as the committee's codes
        if unknown:
            raise ValueError(problems_text(unknown))
        moved = await _apply_units(ctx, data, summary)
        codes = {u.code: u.id for u in await units.all_units(ctx.db)}
        for row in data.users:
            await _apply_user(ctx, row, codes[row["unit"]], summary)
        for row in data.targets:
            await _apply_target(ctx, row, codes[row["unit"]], actor, summary)
        for row in data.reports:
            await _apply_report(ctx, row, codes[row["unit"]], actor, source, summary)
        if moved:
            await rollups.rebuild(ctx.db)
        if summary.added["units"] or summary.changed["units"]:
            await units.bump_version(ctx.db, now)
        if any(summary.added.values()) or any(summary.changed.values()):
            await audit.record(
                ctx.db,
                action="import",
                entity="file",
                entity_id=source,
                now=now,
                actor=actor,
                after={"added": summary.added, "changed": summary.changed},
            )
    ctx.invalidate()
    return summary


async def _apply_units(ctx: Context, data: ImportFile, summary: Summary) -> bool:
    existing = {u.code: u for u in await units.all_units(ctx.db)}
    pending = list(data.units)
    ids = {code: u.id for code, u in existing.items()}
    kinds = {code: u.kind for code, u in existing.items()}
    moved = False
    while pending:  # parents before children
        ready = [r for r in pending if not r["parent"] or r["parent"] in ids]
        if not ready:
            break  # a cycle; `check` reported it
        for row in ready:
            pending.remove(row)
            parent_id = ids.get(row["parent"]) if row["parent"] else None
            kind = row["kind"] or (CHILD_KIND[kinds[row["parent"]]] if row["parent"] else UnitKind.DISTRICT)
            kinds[row["code"]] = kind
            short = row["short"] or short_name(row["name"])
            old = existing.get(row["code"])
            if old is None:
                ids[row["code"]] = await units.add(
                    ctx.db,
                    code=row["code"],
                    name=row["name"],
                    short_name=short,
                    kind=kind.value,
                    category=row["category"],
                    parent_id=parent_id,
                    sort_order=row["_row"],
                    now=ctx.now(),
                )
                summary.added["units"] += 1
                continue
            changed = False
            if (old.name, old.short_name) != (row["name"], short):
                await units.rename(ctx.db, old.id, row["name"], short)
                changed = True
            if old.parent_id != parent_id:
                await units.set_parent(ctx.db, old.id, parent_id)
                moved = changed = True
            if (old.kind, old.category) != (kind, row["category"] or old.category):
                await units.set_kind_category(ctx.db, old.id, kind.value, row["category"] or old.category)
                changed = True
            summary.changed["units"] += changed
    return moved


async def _apply_user(ctx: Context, row: dict[str, Any], unit_id: int, summary: Summary) -> None:
    person = await users.by_login(ctx.db, row["login"]) if row["login"] else None
    if person is None:
        found = await users.find_in_unit(ctx.db, row["name"], unit_id)
        person = await users.get(ctx.db, found) if found else None
    if person is None:
        await users.add(
            ctx.db,
            name=row["name"],
            role=row["role"].value,
            unit_id=unit_id,
            now=ctx.now(),
            login=row["login"],
            title=row["title"],
            phone=row["phone"],
        )
        summary.added["users"] += 1
        return
    stored = await users.profile(ctx.db, person.id)
    wanted = {
        "name": row["name"],
        "role": row["role"].value,
        "unit_id": unit_id,
        "title": row["title"],
        "phone": row["phone"],
        "login": row["login"] or stored["login"],
    }
    if stored != wanted:
        await users.set_profile(ctx.db, person.id, wanted)
        summary.changed["users"] += 1


async def _apply_target(ctx: Context, row: dict[str, Any], unit_id: int, actor: int | None, summary: Summary) -> None:
    stored = await targets.get(ctx.db, unit_id, row["scope"], row["year"])
    plan = json.dumps(row["plan"]) if row["plan"] else None
    if stored is not None and (stored["value"], stored["quarter_plan"], stored["end_year"]) == (
        row["value"],
        plan,
        row["end_year"],
    ):
        return
    await targets.set_target(
        ctx.db,
        unit_id=unit_id,
        scope=row["scope"],
        start_year=row["year"],
        end_year=row["end_year"],
        value=row["value"],
        now=ctx.now(),
        set_by=actor,
        quarter_plan=row["plan"],
    )
    summary.added["targets"] += stored is None
    summary.changed["targets"] += stored is not None


async def _apply_report(
    ctx: Context, row: dict[str, Any], unit_id: int, actor: int | None, source: str, summary: Summary
) -> None:
    period = period_of(row)
    live = [
        r
        for r in await submissions.live_within(ctx.db, unit_id, "admission", period.ym_from, period.ym_to)
        if (r["ym_from"], r["ym_to"]) == (period.ym_from, period.ym_to) and r["channel"] == "import"
    ]
    listed = await ctx.indicators()
    figures = dict(row["figures"])
    for title, value in row.get("columns", {}).items():  # the indicator columns (checked: each names one)
        item = listed.find(title)
        if item is not None and value:
            figures[item.code] = value
    columns, extra = submissions.split_extra(figures)
    if live and all(live[-1][k] == v for k, v in columns.items()) and (live[-1]["extra"] or "{}") == (extra or "{}"):
        return
    new = await submissions.append(
        ctx.db,
        unit_id=unit_id,
        kind="admission",
        period=period,
        figures=figures,
        now=ctx.now(),
        actor=actor,
        channel="import",
        raw_text=f"nhập từ {source}, dòng {row['_row']}",
        supersedes=live[-1]["id"] if live else None,
    )
    for old in live:
        await submissions.supersede(ctx.db, old["id"], new)
    summary.added["reports"] += not live
    summary.changed["reports"] += bool(live)


def limits(settings: Settings, max_bytes: int | None = None) -> Limits:
    return Limits(
        max_bytes=max_bytes if max_bytes is not None else settings.import_max_mb * 1_048_576,
        max_uncompressed=settings.import_max_uncompressed_mb * 1_048_576,
        max_entries=settings.import_max_entries,
        max_rows=settings.import_max_rows,
    )


async def read(settings: Settings, name: str, content: bytes, max_bytes: int | None = None) -> ImportFile:
    """Read a file in a worker process within the configured caps (size, unpacked size, entries, rows, memory,
    time); `FileRefused` says why not."""
    return await read_in_worker(
        name,
        content,
        limits(settings, max_bytes),
        memory_bytes=settings.import_memory_mb * 1_048_576,
        time_limit=settings.import_time_limit,
    )


Later = Callable[[Coroutine[Any, Any, list[Reply]]], None]  # runs a job in the background, sends its replies


# --- by chat -----------------------------------------------------------------------------------------------
async def propose(ctx: Context, user: User, inbound: Inbound, later: Later | None = None) -> list[Reply]:
    """Check a file sent in chat and preview it. The cheap checks answer at once; reading and checking the rows
    happens in a worker process, in the background when `later` is given (the importer is told "đang kiểm tra
    tệp…" and gets the preview when it is ready, while everyone else is answered as usual)."""
    if not user.is_official or user.unit_id not in (await ctx.tree()).roots:
        return [Reply(text=IMPORT_ROOT_ONLY)]
    name = inbound.file_name or "tep.xlsx"
    content = inbound.file_bytes or b""
    try:
        check_size(name, content, limits(ctx.settings, min(CHAT_FILE_LIMIT, ctx.settings.import_max_mb * 1_048_576)))
    except FileRefused as exc:
        return [Reply(text=f"Chưa nhập được “{name}”: {exc}")]
    if later is None:
        return await _propose(ctx, user, inbound, name, content)
    later(_propose(ctx, user, inbound, name, content))
    return [Reply(text=f"Đang kiểm tra tệp “{name}”… Bot sẽ gửi kết quả ngay khi xong.")]


async def _propose(ctx: Context, user: User, inbound: Inbound, name: str, content: bytes) -> list[Reply]:
    try:
        data = await read(ctx.settings, name, content, min(CHAT_FILE_LIMIT, ctx.settings.import_max_mb * 1_048_576))
    except FileRefused as exc:
        return [Reply(text=f"Chưa nhập được “{name}”: {exc}")]
    problems = await check(ctx, data)
    if problems:
        return [Reply(text=problems_text(problems))]
    if data.empty:
        return [Reply(text=f"Tệp “{name}” không có dòng dữ liệu nào.")]
    counts = (
        f"{num(len(data.units))} đơn vị, {num(len(data.users))} người dùng, {num(len(data.targets))} chỉ tiêu, "
        f"{num(len(data.reports))} dòng số liệu"
    )
    payload = {"name": name, "content": base64.b64encode(content).decode()}
    return await preview_change(
        ctx,
        user,
        inbound,
        "import",
        payload,
        f"Nhập tệp “{name}”: {counts}. Không có lỗi.",
        hint=FILE_HINT,
        editable=False,  # a file is changed by sending it again, not by retyping in chat
    )


@confirmable("import")
async def apply_confirmed(ctx: Context, user: User, p: Pending) -> str:
    if not user.is_official or user.unit_id not in (await ctx.tree()).roots:  # the actor now, not at preview
        raise Refused(IMPORT_ROOT_ONLY)
    name = p.payload["name"]
    try:
        data = await read(ctx.settings, name, base64.b64decode(p.payload["content"]), CHAT_FILE_LIMIT)
    except FileRefused as exc:  # the caps may have been lowered since the preview
        return f"Chưa nhập được “{name}”: {exc}"
    problems = await check(ctx, data)  # the database may have changed since the preview
    if problems:
        return problems_text(problems)
    summary = await apply(ctx, data, user.id, name)
    return f"Đã nhập “{name}”: {summary.text()}."
