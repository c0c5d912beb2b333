"""Command-line administration (`ptdv invite`, `ptdv users`): the same services the chat uses."""

from __future__ import annotations

from bot.app import open_database
from bot.clock import SystemClock
from bot.config import Settings
from bot.models import Role
from bot.services import people
from bot.services.context import Context
from storage import units, users


class CliError(Exception):
    """A one-line error for the operator."""


async def _context(settings: Settings) -> Context:
    db = await open_database(settings)
    ctx = Context(db, settings, SystemClock(settings.tz))
    ctx.bot_username = settings.telegram_bot_username
    return ctx


async def invite(settings: Settings, unit_text: str, role: str, days: int, name: str | None) -> str:
    ctx = await _context(settings)
    try:
        unit = await units.by_code(ctx.db, unit_text.upper())
        if unit is None:
            found = (await ctx.unit_index()).resolve(unit_text)
            if len(found) != 1:
                tree = await ctx.tree()
                names = "; ".join(f"{tree[u].code} {tree[u].name}" for u in found[:6]) or "không có"
                raise CliError(f"Không xác định được đơn vị “{unit_text}” (khớp: {names}). Dùng mã đơn vị.")
            unit = (await ctx.tree())[found[0]]
        if days < 1:
            raise CliError("--days phải từ 1 trở lên.")
        code = await people.create_invite(ctx, unit_id=unit.id, role=Role(role), created_by=None, name=name, days=days)
        return people.invite_text(ctx, code, unit.name)
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
