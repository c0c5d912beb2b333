"""The channel-neutral entry point: an `Inbound` in, a list of `Reply` out.

Every channel (Telegram, Zalo, console) calls `Core.handle`; nothing here knows which one it is. It
finds who is writing, reads the intent and hands it to the use case that owns it through the route table
(`services.routes`, which also says who may use each). A `Refusal` raised on the way becomes the reply here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from bot.config import Settings
from bot.domain.clock import Clock
from bot.domain.messages import Inbound, InboundKind, Reply
from bot.domain.models import User
from bot.domain.payloads import NOT_CONFIRMABLE
from bot.language import intents
from bot.language.understand import refine
from bot.present import callbacks, replies
from bot.present.replies import routes as texts
from bot.services import files, imports, people, queries, reminder_controls, reporting
from bot.services.context import Context
from bot.services.refusal import Refusal
from bot.services.reminders import ReminderService
from bot.services.routes import CHOICES, INTENTS, Audience, Turn, admit, dispatch, unknown_text
from bot.services.scope import examples, hearing
from storage import pending, users
from storage import reminders as reminder_store
from storage.db import Database

log = logging.getLogger(__name__)

BACKGROUND_FAILED = texts.BACKGROUND_FAILED  # kept for callers of the old name


class Core:
    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self.ctx = Context(db, settings, clock)
        self.reminders: ReminderService | None = None  # set by the composition root when channels can send
        self._background: set[asyncio.Task[None]] = set()  # long jobs (reading, applying an import) answered later
        self.ctx.background = self

    @property
    def clock(self) -> Clock:
        return self.ctx.clock

    @property
    def db(self) -> Database:
        return self.ctx.db

    async def handle(self, inbound: Inbound) -> list[Reply]:
        # A file that takes long is sent when ready, after "đang chuẩn bị tệp…" (bot.services.files).
        token = files.BACKGROUND.set(self._later(inbound))
        hearing(inbound.text)
        try:
            return await self._handle(inbound)
        except Refusal as refusal:  # the one place a refusal becomes the answer
            return [Reply(text=refusal.text)]
        finally:
            files.BACKGROUND.reset(token)

    async def _handle(self, inbound: Inbound) -> list[Reply]:
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
                return [Reply(text=texts.file_too_large(imports.CHAT_FILE_LIMIT))]
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
            waiting = p is not None and p.action not in NOT_CONFIRMABLE and p.expires_at > self.ctx.now()
        intent = intents.parse(
            inbound.text, self.ctx.today(), khoi, pending=waiting, indicators=await self.ctx.indicators()
        )
        if user is not None:  # what the units and the asker's scope add to the reading (as the corpus measures)
            asker = await self.ctx.asker(user)
            intent = refine(intent, inbound.text, self.ctx.today(), await self.ctx.gazetteer(), asker)
        return await self._on_intent(user, inbound, intent)

    # --- the Background protocol (bot.services.background): long jobs that answer on their own -------------
    def start(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def can_send(self, channel: str) -> bool:
        return self.reminders is not None and channel in self.reminders.notifiers

    async def send(self, channel: str, chat_id: str, reply: Reply) -> None:
        notifier = self.reminders.notifiers.get(channel) if self.reminders is not None else None
        if notifier is None:
            log.warning("no notifier for %s: a message to %s not sent", channel, chat_id)
            return
        await notifier.deliver(reply.chat_id or chat_id, reply)

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
            except Refusal as refusal:
                answers = [Reply(text=refusal.text)]
            except Exception:
                log.exception("background job for %s failed", inbound.chat_id)
                answers = [Reply(text=texts.BACKGROUND_FAILED)]
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
        if user is not None and not isinstance(intent, intents.Submit):
            await reporting.end_fix(self.ctx, user)  # edit mode lasts for the correction only
        answer = await dispatch(INTENTS, Turn(self.ctx, inbound, user, self.reminders), intent)
        if answer is None:
            log.warning("no handler for intent %r", intent)
            admit(Audience.REPORTER, user)
            return [Reply(text=replies.not_understood())]
        return answer

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
                return [Reply(text=texts.GROUP_HINT)]
            case intents.Unknown():
                return [Reply(text=unknown_text(intent, await examples(self.ctx, user)))]
            case intents.LinkGroup() if user is not None:
                admit(Audience.OFFICIAL, user)
                return await reminder_controls.link_group(self.ctx, user, inbound)
            case intents.Ask() if user is not None:
                narrowed = await self._linked_group_user(user, inbound)
                if narrowed is None:
                    return [Reply(text=texts.GROUP_NO_FIGURES)]
                return await queries.ask(self.ctx, narrowed, intent.query)
        admit(Audience.REPORTER, user)
        return [Reply(text=texts.GROUP_PRIVATE)]

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
        """Button presses, decoded and bounds-checked by `bot.present.callbacks`; anything else is refused quietly."""
        admit(Audience.REPORTER, user)
        assert user is not None
        choice = callbacks.unpack(inbound.data)
        if not isinstance(choice, callbacks.FixRecord):
            await reporting.end_fix(self.ctx, user)  # another button ends edit mode
        answer = await dispatch(CHOICES, Turn(self.ctx, inbound, user, self.reminders), choice)
        return answer if answer is not None else [Reply(text=replies.not_understood())]
