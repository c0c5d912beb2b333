"""The channel-neutral entry point: an `Inbound` in, a list of `Reply` out.

Every channel (Telegram, Zalo, console) calls `Core.handle`; nothing here knows which one it is. It
finds who is writing, reads the intent and hands it to the use case that owns it.
"""

from __future__ import annotations

import logging

from bot import replies
from bot.clock import Clock
from bot.config import Settings
from bot.exports.template import template_workbook
from bot.language import intents
from bot.messages import Attachment, Inbound, InboundKind, Reply
from bot.models import User
from bot.replies import reporting as report_texts
from bot.services import imports, people, queries, reminder_controls, reorg, reporting, targets_admin
from bot.services.context import Context
from bot.services.reminders import ReminderService
from storage import pending, users
from storage.db import Database

log = logging.getLogger(__name__)


class Core:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.ctx = Context(db, settings, clock)
        self.reminders: ReminderService | None = None  # set by the composition root when channels can send

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def db(self) -> Database:
        return self.ctx.db

    async def handle(self, inbound: Inbound) -> list[Reply]:
        user = await users.by_identity(self.ctx.db, inbound.channel, inbound.sender_id)
        if user is not None and not user.active:
            user = None
        match inbound.kind:
            case InboundKind.FILE if user is not None and inbound.file_bytes is not None:
                return await imports.propose(self.ctx, user, inbound)
            case InboundKind.FILE if user is not None and user.is_official:
                return [
                    Reply(
                        text=f"Tệp quá lớn để nhận qua chat (tối đa {imports.CHAT_FILE_LIMIT // 1_048_576} MB). "
                        "Xin dùng lệnh `ptdv import` trên máy chủ."
                    )
                ]
            case InboundKind.MEDIA | InboundKind.FILE:
                return [Reply(text=replies.EMPTY)]
            case InboundKind.CHOICE:
                return await self._on_choice(user, inbound)
            case InboundKind.EDITED:
                return await reporting.edited(self.ctx, user, inbound) if user else []
        waiting = False
        if user is not None:  # everyday "vâng", "ừ", "thôi" confirm or cancel only while a preview waits
            p = await pending.latest_open(self.ctx.db, user.id)
            waiting = p is not None and p.action not in ("choose_unit", "await_fix") and p.expires_at > self.ctx.now()
        intent = intents.parse(inbound.text, self.ctx.today(), pending=waiting)
        return await self._on_intent(user, inbound, intent)

    async def _on_intent(self, user: User | None, inbound: Inbound, intent: intents.Intent) -> list[Reply]:
        ctx = self.ctx
        if isinstance(intent, intents.Start):
            if intent.code:
                return await people.register(ctx, inbound, intent.code, user)
            tree = await ctx.tree()
            unit_name = tree[user.unit_id].name if user and user.unit_id in tree else None
            return [Reply(text=replies.greeting(user, unit_name))]
        if isinstance(intent, intents.Help):
            return [Reply(text=replies.help_text(user))]
        if isinstance(intent, intents.Unknown):
            return [Reply(text=_unknown_text(intent))]
        if user is None:
            return [Reply(text=replies.NOT_REGISTERED)]
        match intent:
            case intents.Ask():
                return await queries.ask(ctx, user, intent.query)
            case intents.Submit():
                return await reporting.submit(ctx, user, inbound, intent.draft)
            case intents.BadReport():
                return [Reply(text=report_texts.problem(intent.problem))]
            case intents.Confirm():
                return await reporting.confirm(ctx, user, None, inbound.update_key)
            case intents.Cancel():
                return await reporting.cancel(ctx, user, None, update_key=inbound.update_key)
            case intents.FixHelp():
                return [Reply(text=report_texts.FIX_HELP)]
            case intents.History():
                return await reporting.history(ctx, user, intent.unit_text)
            case intents.CreateInvite():
                return await people.invite_by_chat(ctx, user, intent.unit_text, intent.role)
            case intents.ListUsers():
                return await people.list_people(ctx, user, intent.unit_text)
            case intents.Deactivate():
                return await people.deactivate(ctx, user, intent.who)
            case intents.Reassign():
                return await people.reassign(ctx, user, intent.who, intent.unit_text)
            case intents.ChangeRole():
                return await people.change_role(ctx, user, intent.who, intent.role)
            case intents.SetTarget():
                return await targets_admin.propose(ctx, user, inbound, intent.draft)
            case intents.Template():
                content = template_workbook()
                return [
                    Reply(
                        text="Mẫu nhập dữ liệu: điền rồi gửi lại tệp này cho bot (cán bộ theo dõi cấp cao nhất).",
                        attachment=Attachment(kind="document", filename="mau-nhap-ptdv.xlsx", content=content),
                    )
                ]
            case intents.Reorganise():
                return await reorg.propose(ctx, user, inbound, intent.args)
            case intents.RemindControl():
                return await reminder_controls.control(ctx, self.reminders, user, intent.args)
            case intents.LinkGroup():
                return await reminder_controls.link_group(ctx, user, inbound)
            case intents.LinkIdentity():
                return await people.link_code(ctx, user, inbound.channel)
        log.warning("no handler for intent %r", intent)
        return [Reply(text=replies.not_understood())]

    async def _on_choice(self, user: User | None, inbound: Inbound) -> list[Reply]:
        """Button presses. Data: c|e|x|<token> (confirm, retype, cancel), u|<token>|<unit>,
        f|<submission> (correct a stored record), q|kind|form|unit|period|page (a query for a unit)."""
        if user is None:
            return [Reply(text=replies.NOT_REGISTERED)]
        parts = (inbound.data or "").split("|")
        ctx = self.ctx
        match parts:
            case ["c", token]:
                return await reporting.confirm(ctx, user, token)
            case ["x", token]:
                return await reporting.cancel(ctx, user, token)
            case ["e", token]:
                return await reporting.cancel(ctx, user, token, retype=True)
            case ["u", token, unit] if _is_id(unit):
                return await reporting.choose_unit(ctx, user, inbound, token, int(unit))
            case ["f", record] if _is_id(record):
                return await reporting.start_fix(ctx, user, inbound, int(record))
            case ["q", *_]:
                return await queries.answer_choice(ctx, user, parts)
            case ["n", root] if _is_id(root):
                return await reminder_controls.send_now(ctx, self.reminders, user, int(root))
        return [Reply(text=replies.not_understood())]


def _is_id(text: str) -> bool:
    """ASCII digits only: "²".isdigit() is true, but int("²") raises."""
    return text.isascii() and text.isdigit()


def _unknown_text(intent: intents.Unknown) -> str:
    if intent.reason == "empty":
        return replies.EMPTY
    if intent.reason == "too_long":
        return replies.TOO_LONG
    return replies.not_understood(intent.problem)
