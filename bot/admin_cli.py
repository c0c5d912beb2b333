"""Command-line administration (`ptdv invite`, `ptdv users`): the same services the chat uses."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from bot.app import open_database
from bot.clock import SystemClock
from bot.config import Settings
from bot.exports.template import rows_from, template_workbook
from bot.importer import FileRefused, read_file
from bot.language.normalize import fold
from bot.language.periods import find_period
from bot.language.queries import QueryKind
from bot.models import Role, Unit, User
from bot.services import imports, khoi, people, reminder_controls, reorg
from bot.services.context import Context
from bot.services.progress import load_progress
from bot.services.queries import default_period, excel_bytes, period_code
from bot.services.reminders import ReminderService
from bot.textfmt import num
from storage import file_links, units, users


class CliError(Exception):
    """A one-line error for the operator."""


async def _context(settings: Settings) -> Context:
    db = await open_database(settings)
    ctx = Context(db, settings, SystemClock(settings.tz))
    ctx.bot_username = settings.telegram_bot_username
    return ctx


async def _unit(ctx: Context, unit_text: str) -> Unit:
    unit = await units.by_code(ctx.db, unit_text.upper())
    if unit is not None:
        return unit
    found = (await ctx.unit_index()).resolve(unit_text)
    if len(found) != 1:
        tree = await ctx.tree()
        names = "; ".join(f"{tree[u].code} {tree[u].name}" for u in found[:6]) or "không có"
        raise CliError(f"Không xác định được đơn vị “{unit_text}” (khớp: {names}). Dùng mã đơn vị.")
    return (await ctx.tree())[found[0]]


async def invite(
    settings: Settings, unit_text: str, role: str, days: int, name: str | None, channel: str | None = None
) -> str:
    """An invite from the server's command line; `channel` ("telegram", "zalo") binds it to one app, None: any."""
    ctx = await _context(settings)
    try:
        unit = await _unit(ctx, unit_text)
        if days < 1:
            raise CliError("--days phải từ 1 trở lên.")
        code = await people.create_invite(
            ctx, unit_id=unit.id, role=Role(role), created_by=None, name=name, days=days, channel=channel
        )
        return people.invite_text(ctx, code, unit.name)
    finally:
        await ctx.db.close()


async def export(settings: Settings, period_text: str, unit_text: str | None, out: str | None) -> str:
    """Write the progress workbook, the same one `/xuat` sends in chat."""
    ctx = await _context(settings)
    try:
        tree = await ctx.tree()
        if not tree.roots:
            raise CliError("Cơ sở dữ liệu chưa có đơn vị nào. Chạy `ptdv setup` hoặc nhập danh sách đơn vị.")
        unit = await _unit(ctx, unit_text) if unit_text else tree[tree.roots[0]]
        period = default_period(QueryKind.PROGRESS, ctx.today())
        if period_text.strip():
            found = find_period(fold(period_text), ctx.today())
            if found.problem or found.period is None:
                raise CliError(f"Không hiểu kỳ báo cáo “{period_text}”: {found.problem or 'ví dụ 2021 hoặc q3 2021'}.")
            period = found.period
        view = await load_progress(ctx.db, tree, unit.id, period, ctx.today(), depth=None)
        content = await excel_bytes(ctx, view)
        path = Path(out or f"tien-do-{unit.code}-{period_code(period)}.xlsx")
        await asyncio.to_thread(path.write_bytes, content)
        return f"Đã xuất {path} ({num(len(content))} byte): {unit.name}, {period.label}."
    finally:
        await ctx.db.close()


async def remind_preview(settings: Settings, unit_text: str | None, at: str | None) -> str:
    """What `/nhacnho xem` shows: who would be reminded now (or at a given time), and what is due."""
    ctx = await _context(settings)
    try:
        tree = await ctx.tree()
        if not tree.roots:
            raise CliError("Cơ sở dữ liệu chưa có đơn vị nào.")
        root = (await _unit(ctx, unit_text)).id if unit_text else tree.roots[0]
        now = ctx.now()
        if at:
            try:
                now = datetime.fromisoformat(at).replace(tzinfo=ctx.clock.tz)
            except ValueError:
                raise CliError(f"Thời điểm “{at}” không đúng dạng YYYY-MM-DD HH:MM.") from None
        service = ReminderService(ctx, {})
        official = User(id=0, name="ptdv", role=Role.OFFICIAL, unit_id=root)
        preview = await reminder_controls.preview(ctx, service, official, now)
        _, the_plan = await service.plan(now)
        due = [f"– {s.kind} → {s.recipient} ({tree[s.unit_id].name}, {s.period_key})" for s in the_plan.due]
        calendar = await service.calendar()
        runs = "\n".join(
            f"– {what}: {when:%H:%M %d/%m/%Y}" for what, when in reminder_controls.next_runs(calendar, now)
        )
        return (
            f"{preview.text}\n\nĐến hạn gửi lúc {now:%H:%M %d/%m/%Y} ({len(due)}):\n"
            + "\n".join(due[:50])
            + f"\n\nLần gửi tới:\n{runs}"
        )
    finally:
        await ctx.db.close()


async def calendar(settings: Settings, changes: str) -> str:
    ctx = await _context(settings)
    try:
        service = ReminderService(ctx, {})
        tree = await ctx.tree()
        if not tree.roots:
            raise CliError("Cơ sở dữ liệu chưa có đơn vị nào.")
        admin = User(id=0, name="ptdv", role=Role.OFFICIAL, unit_id=tree.roots[0])
        if changes.strip():
            answer = await reminder_controls.control(ctx, service, admin, changes)
            return answer[0].text
        return (await reminder_controls.control(ctx, service, admin, ""))[0].text
    finally:
        await ctx.db.close()


async def manage_khoi(settings: Settings, unit_text: str | None, words: str) -> str:
    """`ptdv khoi [--unit MÃ] [doiten <cũ> | <mới> | them <tên>]`: the same as `/khoi`, for a committee (the top
    one by default); audited with no actor (the server's operator)."""
    ctx = await _context(settings)
    try:
        tree = await ctx.tree()
        if not tree.roots:
            raise CliError("Cơ sở dữ liệu chưa có đơn vị nào. Chạy `ptdv setup` hoặc nhập danh sách đơn vị.")
        unit = await _unit(ctx, unit_text) if unit_text else tree[tree.roots[0]]
        try:
            return await khoi.command(ctx, unit.id, words, None)
        except khoi.KhoiError as exc:
            raise CliError(str(exc).replace("/khoi", "ptdv khoi")) from exc
    finally:
        await ctx.db.close()


async def reorganise(settings: Settings, words: str, yes: bool) -> str:
    ctx = await _context(settings)
    try:
        try:
            change = await reorg.read_change(ctx, None, words)
        except reorg.ReorgError as exc:
            raise CliError(str(exc).replace("/tochuc", "ptdv unit")) from None
        text = reorg.describe(await ctx.tree(), change)
        if not yes:
            answer = await asyncio.to_thread(input, f"{text}\nXác nhận? [c/K] ")
            if answer.strip().lower() not in ("c", "co", "có", "y", "yes"):
                return "Đã hủy, không thay đổi gì."
        return await reorg.apply_change(ctx, change, None)
    finally:
        await ctx.db.close()


async def import_file(settings: Settings, path: Path) -> str:
    ctx = await _context(settings)
    try:
        try:
            content = await asyncio.to_thread(path.read_bytes)
            data = read_file(path.name, content, settings.import_max_mb * 1_048_576)
        except OSError as exc:
            raise CliError(f"Không đọc được {path}: {exc.strerror}") from None
        except FileRefused as exc:
            raise CliError(f"Chưa nhập được {path.name}: {exc}") from None
        problems = await imports.check(ctx, data)
        if problems:
            raise CliError(imports.problems_text(problems))
        summary = await imports.apply(ctx, data, None, path.name)
        return f"Đã nhập {path.name}: {summary.text()}."
    finally:
        await ctx.db.close()


async def template(settings: Settings, out: Path, fill: bool) -> str:
    ctx = await _context(settings)
    try:
        rows = await rows_from(ctx.db) if fill else None
        content = template_workbook(rows)
        await asyncio.to_thread(out.write_bytes, content)
        return f"Đã tạo {out}" + (" (điền sẵn dữ liệu hiện có)." if fill else " (mẫu trống).")
    finally:
        await ctx.db.close()


async def list_users(settings: Settings) -> str:
    ctx = await _context(settings)
    try:
        tree = await ctx.tree()
        lines = []
        for u in await users.all_users(ctx.db):
            state = "" if u.active else " [đã khóa]"
            unit = tree[u.unit_id].name if u.unit_id in tree else "?"
            lines.append(f"#{u.id}\t{u.login or '-'}\t{u.name}\t{u.role.value}\t{unit}{state}")
        return "\n".join(lines) or "Chưa có người dùng."
    finally:
        await ctx.db.close()


async def save_file(settings: Settings, token: str, out: str | None) -> str:
    """`ptdv file <code>`: write a file the bot handed out as a link (for channels without uploads)."""
    ctx = await _context(settings)
    try:
        stored = await file_links.fetch(ctx.db, token.strip(), ctx.now())
        if stored is None:
            raise CliError(f"Không có tệp với mã {token} (sai mã hoặc đã hết hạn).")
        path = Path(out or stored.filename)
        await asyncio.to_thread(path.write_bytes, stored.content)
        return f"Đã ghi {path} ({num(len(stored.content))} byte)."
    finally:
        await ctx.db.close()
