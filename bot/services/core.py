"""The channel-neutral entry point: an `Inbound` in, a list of `Reply` out.

Every channel (Telegram, Zalo, console) calls `Core.handle`; nothing here knows which one it is. It
finds who is writing, reads the intent and hands it to the use case that owns it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from bot import callbacks, replies
from bot.clock import Clock
from bot.config import Settings
from bot.exports.template import template_workbook
from bot.language import intents
from bot.language.understand import refine
from bot.messages import Attachment, Inbound, InboundKind, Reply
from bot.models import User
from bot.replies import reporting as report_texts
from bot.services import (
    files,
    imports,
    khoi,
    people,
    queries,
    reminder_controls,
    reorg,
    report,
    reporting,
    targets_admin,
)
from bot.services.context import Context
from bot.services.reminders import ReminderService
from bot.services.scope import examples, hearing
from storage import pending, users
from storage import reminders as reminder_store
from storage.db import Database

log = logging.getLogger(__name__)

BACKGROUND_FAILED = "Xin lỗi, hệ thống gặp lỗi khi kiểm tra tệp. Xin gửi lại tệp sau ít phút."


class Core:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.ctx = Context(db, settings, clock)
        self.reminders: ReminderService | None = None  # set by the composition root when channels can send
        self._background: set[asyncio.Task[None]] = set()  # long jobs (reading an import file) answered later

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def db(self) -> Database:
        return self.ctx.db

    async def handle(self, inbound: Inbound) -> list[Reply]:
        # A file that takes long is sent when ready, after "đang chuẩn bị tệp…" (bot.services.files).
        token = files.BACKGROUND.set(self._later(inbound))
        try:
            return await self._handle(inbound)
        finally:
            files.BACKGROUND.reset(token)

    async def _handle(self, inbound: Inbound) -> list[Reply]:
        hearing(inbound.text)
        user = await users.by_identity(self.ctx.db, inbound.channel, inbound.sender_id)
        if user is not None and not user.active:
            user = None
        if user is not None:  # they wrote: whatever failed before, they can be reached again
            await reminder_store.clear_unreachable(self.ctx.db, user.id)
        if inbound.is_group:
            return await self._in_group(user, inbound)
        match inbound.kind:
            case InboundKind.FILE if user is not None and inbound.file_bytes is not None:
                return await imports.propose(self.ctx, user, inbound, self._later(inbound))
            case InboundKind.FILE if user is not None and user.is_official:
                return [
                    Reply(
                        text=f"Tệp quá lớn để nhận qua chat (tối đa {imports.CHAT_FILE_LIMIT // 1_048_576} MB). "
                        "Xin dùng lệnh `ptdv import` trên máy chủ."
                    )
                ]
            case InboundKind.MEDIA:
                return [Reply(text=replies.media_answer(inbound.media))]
            case InboundKind.FILE:
                return [Reply(text=replies.EMPTY)]
            case InboundKind.CHOICE:
                return await self._on_choice(user, inbound)
            case InboundKind.EDITED:
                return await reporting.edited(self.ctx, user, inbound) if user else []
        khoi = await self.ctx.category_words(user.unit_id) if user is not None else None
        waiting = False
        if user is not None:  # everyday "vâng", "ừ", "thôi" confirm or cancel only while a preview waits
            p = await pending.latest_open(self.ctx.db, user.id)
            waiting = p is not None and p.action not in ("choose_unit", "await_fix") and p.expires_at > self.ctx.now()
        intent = intents.parse(inbound.text, self.ctx.today(), khoi, pending=waiting)
        if user is not None:  # what the units and the asker's scope add to the reading (as the corpus measures)
            asker = await self.ctx.asker(user)
            intent = refine(intent, inbound.text, self.ctx.today(), await self.ctx.gazetteer(), asker)
        return await self._on_intent(user, inbound, intent)

    def _later(self, inbound: Inbound) -> imports.Later | None:
        """A way to run a long job in the background and send its replies to the inbound's chat when it is done
        (through the channel's notifier), so that the updates after this one are answered meanwhile; None when
        this channel cannot send on its own (the job then runs before the answer)."""
        notifier = self.reminders.notifiers.get(inbound.channel) if self.reminders is not None else None
        if notifier is None:
            return None

        async def run(job: Coroutine[Any, Any, list[Reply]]) -> None:
            try:
                answers = await job
            except Exception:
                log.exception("background job for %s failed", inbound.chat_id)
                answers = [Reply(text=BACKGROUND_FAILED)]
            for answer in answers:
                await notifier.deliver(answer.chat_id or inbound.chat_id, answer)

        def start(job: Coroutine[Any, Any, list[Reply]]) -> None:
            task = asyncio.create_task(run(job))
            files.track(task)
            self._background.add(task)
            task.add_done_callback(self._background.discard)

        return start

    async def drain_background(self) -> None:
        """Wait for the background jobs started so far (tests; an orderly stop)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def _on_intent(self, user: User | None, inbound: Inbound, intent: intents.Intent) -> list[Reply]:
        ctx = self.ctx
        if user is not None and not isinstance(intent, intents.Submit):
            await reporting.end_fix(ctx, user)  # edit mode lasts for the correction only
        if isinstance(intent, intents.Start):
            if intent.code:
                return await people.register(ctx, inbound, intent.code, user)
            tree = await ctx.tree()
            unit_name = tree[user.unit_id].name if user and user.unit_id in tree else None
            return [Reply(text=replies.greeting(user, unit_name))]
        if isinstance(intent, intents.Help):
            return [Reply(text=replies.help_text(user, await examples(ctx, user)))]
        if isinstance(intent, intents.Unknown):
            return [Reply(text=_unknown_text(intent, await examples(ctx, user)))]
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
                return await people.invite_by_chat(ctx, user, inbound, intent.unit_text, intent.role)
            case intents.ListUsers():
                return await people.list_people(ctx, user, intent.unit_text)
            case intents.Deactivate():
                return await people.deactivate(ctx, user, intent.who)
            case intents.ClearUnreachable():
                return await people.clear_unreachable(ctx, user, intent.who)
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
            case intents.DraftReport():
                return await report.answer(ctx, user, intent.request)
            case intents.ManageKhoi():
                return await khoi.by_chat(ctx, user, intent.args)
            case intents.Reorganise():
                return await reorg.propose(ctx, user, inbound, intent.args)
            case intents.RemindControl():
                return await reminder_controls.control(ctx, self.reminders, user, intent.args)
            case intents.LinkGroup():
                return await reminder_controls.link_group(ctx, user, inbound)
            case intents.LinkIdentity():
                return await people.link_code(ctx, user, inbound)
        log.warning("no handler for intent %r", intent)
        return [Reply(text=replies.not_understood())]

    async def _in_group(self, user: User | None, inbound: Inbound) -> list[Reply]:
        """A group chat: only what is meant for the bot gets an answer; codes, reports and administration are
        for private chats; figures only in a group linked to the digest, within the linked unit (and the
        asker's scope)."""
        addressed = inbound.addressed if inbound.addressed is not None else inbound.text.lstrip().startswith("/")
        if not addressed or inbound.kind in (InboundKind.EDITED, InboundKind.MEDIA, InboundKind.FILE):
            return []
        if inbound.kind is InboundKind.CHOICE:
            choice = callbacks.unpack(inbound.data)
            if not isinstance(choice, callbacks.QueryChoice):
                return []  # previews and their buttons belong to private chats
            narrowed = await self._linked_group_user(user, inbound)
            return [] if narrowed is None else await queries.answer_choice(self.ctx, narrowed, choice)
        khoi = await self.ctx.category_words(user.unit_id) if user is not None else None
        intent = intents.parse(inbound.text, self.ctx.today(), khoi)
        match intent:
            case intents.Start(code=str()) | intents.LinkIdentity() | intents.CreateInvite():
                if isinstance(intent, intents.Start) and intent.code:
                    return await people.register(self.ctx, inbound, intent.code, user)
                return [Reply(text=people.PRIVATE_ONLY)]
            case intents.Start() | intents.Help():
                return [Reply(text=GROUP_HINT)]
            case intents.Unknown():
                return [Reply(text=_unknown_text(intent, await examples(self.ctx, user)))]
            case intents.LinkGroup() if user is not None:
                return await reminder_controls.link_group(self.ctx, user, inbound)
            case intents.Ask() if user is not None:
                narrowed = await self._linked_group_user(user, inbound)
                if narrowed is None:
                    return [Reply(text=GROUP_NO_FIGURES)]
                return await queries.ask(self.ctx, narrowed, intent.query)
        if user is None:
            return [Reply(text=replies.NOT_REGISTERED)]
        return [Reply(text=GROUP_PRIVATE)]

    async def _linked_group_user(self, user: User | None, inbound: Inbound) -> User | None:
        """The asker as seen in a linked digest group: their scope narrowed to the group's unit; None when the
        group is not linked or the asker's unit and the group's do not overlap."""
        if user is None:
            return None
        linked = {(c, chat): unit for c, chat, unit in await reminder_store.linked_chats(self.ctx.db)}
        unit = linked.get((inbound.channel, inbound.chat_id))
        tree = await self.ctx.tree()
        if unit is None or unit not in tree or user.unit_id not in tree:
            return None
        if tree.is_within(user.unit_id, unit):
            return user  # their whole scope lies inside the group's unit
        if user.is_official and tree.is_within(unit, user.unit_id):
            return user.model_copy(update={"unit_id": unit})  # an official above: only the group's unit
        return None

    async def _on_choice(self, user: User | None, inbound: Inbound) -> list[Reply]:
        """Button presses, decoded and bounds-checked by `bot.callbacks`; anything else is refused quietly."""
        if user is None:
            return [Reply(text=replies.NOT_REGISTERED)]
        choice = callbacks.unpack(inbound.data)
        ctx = self.ctx
        if not isinstance(choice, callbacks.FixRecord):
            await reporting.end_fix(ctx, user)  # another button ends edit mode
        match choice:
            case callbacks.Preview(action="c", token=token):
                return await reporting.confirm(ctx, user, token)
            case callbacks.Preview(action="x", token=token):
                return await reporting.cancel(ctx, user, token)
            case callbacks.Preview(action="e", token=token):
                return await reporting.cancel(ctx, user, token, retype=True)
            case callbacks.ChooseUnit(token=token, unit_id=unit_id):
                return await reporting.choose_unit(ctx, user, inbound, token, unit_id)
            case callbacks.FixRecord(submission_id=record):
                return await reporting.start_fix(ctx, user, inbound, record)
            case callbacks.QueryChoice():
                return await queries.answer_choice(ctx, user, choice)
            case callbacks.SendNow(root_id=root):
                return await reminder_controls.send_now(ctx, self.reminders, user, root)
        return [Reply(text=replies.not_understood())]


GROUP_HINT = (
    "Trong nhóm, tôi chỉ trả lời lệnh (/...) hoặc tin nhắn gọi tên bot. Báo cáo, đăng ký và các việc khác "
    "xin nhắn riêng cho bot. Cán bộ theo dõi gõ /lienketnhom để nhận bản tin tuần vào nhóm này."
)
GROUP_PRIVATE = (
    "Việc này chỉ làm trong tin nhắn riêng với bot. Xin nhắn riêng cho bot (bấm vào tên bot, chọn “Nhắn tin”)."
)
GROUP_NO_FIGURES = (
    "Số liệu của đơn vị chỉ gửi trong tin nhắn riêng, hoặc trong nhóm đã liên kết nhận bản tin tuần của đơn vị "
    "(/lienketnhom). Xin nhắn riêng cho bot."
)


def _unknown_text(intent: intents.Unknown, ex: replies.Examples) -> str:
    if intent.reason == "empty":
        return replies.EMPTY
    if intent.reason == "too_long":
        return replies.TOO_LONG
    return replies.not_understood(intent.problem, ex)
