"""Command-line administration (`ptdv invite`, `ptdv users`): the same services the chat uses."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import open_database
from bot.clock import SystemClock
from bot.config import Settings
from bot.language.normalize import fold
from bot.language.periods import find_period
from bot.language.queries import QueryKind
from bot.models import Role, Unit
from bot.services import people
from bot.services.context import Context
from bot.services.progress import load_progress
from bot.services.queries import default_period, excel_bytes, period_code
from bot.textfmt import num
from storage import units, users


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


async def invite(settings: Settings, unit_text: str, role: str, days: int, name: str | None) -> str:
    ctx = await _context(settings)
    try:
        unit = await _unit(ctx, unit_text)
        if days < 1:
            raise CliError("--days phải từ 1 trở lên.")
        code = await people.create_invite(ctx, unit_id=unit.id, role=Role(role), created_by=None, name=name, days=days)
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
