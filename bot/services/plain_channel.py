"""The core for channels with text only: numbered choices instead of buttons, links instead of uploads.

`PlainChannel.handle` turns a typed number back into the choice it names, asks `Core`, and renders each
`Reply` as `PlainMessage`s: choices as a numbered list (remembered per chat, in the database), charts and
Excel files as unguessable, expiring links served by the bot's own web server — or, with no public address,
a line saying where the file can be had. Everything here is channel-neutral; Zalo is its first user.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import timedelta

from bot.domain.messages import Attachment, Inbound, InboundKind, PlainMessage, Reply
from bot.present import plain
from bot.present.replies import files as texts
from bot.services.core import Core
from storage import file_links, menus, users

MENU_HOURS = 24  # an answer "2" a day after the question no longer picks anything


class PlainChannel:
    def __init__(
        self,
        core: Core,
        channel: str,
        *,
        public_base_url: str | None = None,
        link_hours: int = 24,
        other_channels: Sequence[str] = (),
        photos_by_url: bool = True,
    ) -> None:
        self.core = core
        self.channel = channel
        self.public_base_url = public_base_url.rstrip("/") if public_base_url else None
        self.link_hours = link_hours
        self.other_channels = list(other_channels)
        self.photos_by_url = photos_by_url  # False: charts are offered as links, like other files

    async def handle(self, inbound: Inbound) -> list[PlainMessage]:
        resolved = await self.resolve(inbound)
        if isinstance(resolved, PlainMessage):
            return [resolved]
        replies = await self.core.handle(resolved)
        return await self.render(resolved.chat_id, replies, remember=True)

    async def resolve(self, inbound: Inbound) -> Inbound | PlainMessage:
        """A typed number answering the chat's last numbered list becomes that choice; a number that is not on
        the list is answered with the valid range, and the list stays (a PlainMessage, Core is not asked)."""
        if inbound.kind is not InboundKind.TEXT or len(inbound.text) > 12:
            return inbound
        index: int | str | None = plain.number(inbound.text)
        if index is None:
            index = plain.number_like(inbound.text)  # "-1", "1.5": not on any list, said like "5" or "0"
        if index is None:
            return inbound
        stored = await menus.load(self.core.db, self.channel, inbound.chat_id)
        if stored is None:
            return inbound
        menu, offered_at = stored
        if self.core.ctx.now() - offered_at > timedelta(hours=MENU_HOURS):
            return inbound
        item = plain.pick(inbound.text, menu) if isinstance(index, int) else None
        if item is None:
            return PlainMessage(text=plain.out_of_range(index, len(menu)))
        return inbound.model_copy(update={"kind": InboundKind.CHOICE, "data": item[1]})

    async def render(self, chat_id: str, replies: Sequence[Reply], *, remember: bool = False) -> list[PlainMessage]:
        """Replies as plain messages; with `remember`, each chat's menu is saved (or cleared when none)."""
        by_chat: dict[str, list[Reply]] = defaultdict(list)
        for reply in replies:
            by_chat[reply.chat_id or chat_id].append(reply)
        out: list[PlainMessage] = []
        for target, group in by_chat.items():
            written, menu = plain.numbered(group)
            if remember and menu:
                await menus.save(self.core.db, self.channel, target, menu, self.core.ctx.now())
            elif remember and target == chat_id:
                await menus.clear(self.core.db, self.channel, target)
            for reply in written:
                out.append(await self._message(target, chat_id, reply))
        return out

    async def _message(self, target: str, chat_id: str, reply: Reply) -> PlainMessage:
        to = None if target == chat_id else target
        if reply.attachment is None:
            return PlainMessage(text=reply.text, chat_id=to)
        owner = await users.by_identity(self.core.db, self.channel, target)
        line, url = await self._file(reply.attachment, owner.id if owner else None)
        if reply.attachment.kind == "photo" and url is not None and self.photos_by_url:
            return PlainMessage(text=reply.text, chat_id=to, photo_url=url)
        return PlainMessage(text=f"{reply.text}\n\n{line}" if reply.text else line, chat_id=to)

    async def _file(self, attachment: Attachment, user_id: int | None) -> tuple[str, str | None]:
        """Store the file behind a token: the line that tells the person how to get it, and its URL if any."""
        now = self.core.ctx.now()
        expires = now + timedelta(hours=self.link_hours)
        token = await file_links.create(
            self.core.db,
            filename=attachment.filename,
            kind=attachment.kind,
            content=attachment.content,
            now=now,
            expires_at=expires,
            user_id=user_id,
        )
        if self.public_base_url is None:
            return texts.no_link(attachment.kind, attachment.filename, token, self.other_channels), None
        url = f"{self.public_base_url}/f/{token}/{attachment.filename}"
        return texts.link_line(attachment.kind, attachment.filename, url, expires.astimezone(self.core.clock.tz)), url
