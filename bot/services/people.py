"""Registration by invite code, and the officials' tools for people: invite, list, deactivate, move, role."""

from __future__ import annotations

from datetime import timedelta

from bot import replies
from bot.messages import Inbound, Reply
from bot.models import ROLE_LABELS, Role, User
from bot.replies.common import CHANNEL_NAMES
from bot.services.context import Context
from bot.services.scope import named_or_own, resolve_in_scope
from bot.textfmt import day
from storage import audit, invites, users

INVITE_DAYS = 7


def _role_label(role: str) -> str:
    return ROLE_LABELS[Role(role)]


async def create_invite(
    ctx: Context,
    *,
    unit_id: int,
    role: Role,
    created_by: int | None,
    name: str | None = None,
    days: int = INVITE_DAYS,
) -> invites.Invite:
    async with ctx.db.transaction():
        invite = await invites.create(
            ctx.db,
            unit_id=unit_id,
            role=role.value,
            now=ctx.now(),
            expires_at=ctx.now() + timedelta(days=days),
            created_by=created_by,
            name=name,
        )
        await audit.record(
            ctx.db,
            action="invite.create",
            entity="invite",
            entity_id=invite.code,
            now=ctx.now(),
            actor=created_by,
            after={"unit_id": unit_id, "role": role.value, "days": days},
        )
    return invite


def invite_text(ctx: Context, invite: invites.Invite, unit_name: str) -> str:
    link = ctx.invite_link(invite.code)
    text = (
        f"Mã mời: {invite.code}\nDành cho: {_role_label(invite.role)} — {unit_name}\n"
        f"Hết hạn: {day(invite.expires_at.astimezone(ctx.clock.tz))} (dùng được một lần)\n"
        f"Người được mời gõ cho bot: /dangky {invite.code}"
    )
    return text + (f"\nHoặc bấm: {link}" if link else "")


async def invite_by_chat(ctx: Context, user: User, unit_text: str | None, role: Role) -> list[Reply]:
    if not user.is_official:
        return [Reply(text=replies.OFFICIALS_ONLY)]
    unit_id = await named_or_own(ctx, user, unit_text)
    if isinstance(unit_id, Reply):
        return [unit_id]
    invite = await create_invite(ctx, unit_id=unit_id, role=role, created_by=user.id)
    return [Reply(text=invite_text(ctx, invite, (await ctx.tree())[unit_id].name))]


LINK_HOURS = 24


async def link_code(ctx: Context, user: User, channel: str) -> list[Reply]:
    """A single-use code that attaches the person's identity on another chat app to this same user."""
    async with ctx.db.transaction():
        invite = await invites.create(
            ctx.db,
            unit_id=user.unit_id,
            role=user.role.value,
            now=ctx.now(),
            expires_at=ctx.now() + timedelta(hours=LINK_HOURS),
            created_by=user.id,
            name=user.name,
            link_user_id=user.id,
        )
        await audit.record(
            ctx.db,
            action="identity.link_code",
            entity="user",
            entity_id=user.id,
            now=ctx.now(),
            actor=user.id,
            after={"channel": channel},
        )
    others = " hoặc ".join(name for key, name in CHANNEL_NAMES.items() if key not in (channel, "console"))
    return [
        Reply(
            text=f"Mã liên kết: {invite.code}\nMở bot trên {others} và gõ: /lienket {invite.code}\n"
            f"Hai tài khoản chat sẽ là một người dùng ({user.name}): cùng đơn vị, cùng quyền, cùng lịch sử. "
            f"Mã dùng một lần, hết hạn sau {LINK_HOURS} giờ."
        )
    ]


async def register(ctx: Context, inbound: Inbound, code: str, current: User | None) -> list[Reply]:
    """`/start <code>` or `/dangky <code>`: single-use, expiring; links this chat identity to a user."""
    invite = await invites.get(ctx.db, code)
    if invite is None:
        return [Reply(text=f"Mã mời “{code}” không đúng. Xin kiểm tra lại hoặc xin mã mới từ Ban Tổ chức.")]
    tree = await ctx.tree()
    unit_name = tree[invite.unit_id].name if invite.unit_id in tree else "?"
    if invite.used_by is not None:
        if current is not None and current.id == invite.used_by:
            return [Reply(text=replies.greeting(current, unit_name))]
        return [Reply(text="Mã mời này đã được sử dụng. Mỗi mã chỉ dùng được một lần; xin Ban Tổ chức mã mới.")]
    if invite.expires_at <= ctx.now():
        return [Reply(text="Mã mời đã hết hạn. Xin đề nghị Ban Tổ chức cấp mã mới.")]
    if invite.link_user_id is not None:
        return await _link(ctx, inbound, invite, current)
    async with ctx.db.transaction():
        if current is not None:  # a registered person taking a new unit or role
            before = current.model_dump(mode="json")
            await users.set_unit(ctx.db, current.id, invite.unit_id)
            await users.set_role(ctx.db, current.id, invite.role)
            await users.set_active(ctx.db, current.id, True)
            user_id = current.id
            action = "user.reassign"
        else:
            before = None
            user_id = await users.add(
                ctx.db,
                name=invite.name or inbound.sender_name or "Người dùng",
                role=invite.role,
                unit_id=invite.unit_id,
                now=ctx.now(),
            )
            action = "user.register"
        if not await invites.use(ctx.db, invite.code, user_id, ctx.now()):
            raise RuntimeError("invite used concurrently")  # rolls the whole registration back
        await _attach(ctx, inbound, user_id)
        await audit.record(
            ctx.db,
            action=action,
            entity="user",
            entity_id=user_id,
            now=ctx.now(),
            actor=user_id,
            before=before,
            after={"unit_id": invite.unit_id, "role": invite.role, "invite": invite.code, "channel": inbound.channel},
        )
    user = await users.get(ctx.db, user_id)
    assert user is not None
    return [Reply(text=f"Đăng ký thành công!\n\n{replies.greeting(user, unit_name)}")]


async def _link(ctx: Context, inbound: Inbound, invite: invites.Invite, current: User | None) -> list[Reply]:
    """Attach this chat identity to the user who asked for the link code."""
    owner = await users.get(ctx.db, invite.link_user_id or 0)
    if owner is None or not owner.active:
        return [Reply(text="Tài khoản tạo mã liên kết này đã bị khóa. Xin liên hệ Ban Tổ chức.")]
    if current is not None and current.id != owner.id:
        return [
            Reply(
                text=f"Tài khoản chat này đã đăng ký cho người dùng khác ({current.name}). "
                "Mã liên kết chỉ dùng cho tài khoản chưa đăng ký."
            )
        ]
    async with ctx.db.transaction():
        if not await invites.use(ctx.db, invite.code, owner.id, ctx.now()):
            raise RuntimeError("link code used concurrently")
        await _attach(ctx, inbound, owner.id)
        await audit.record(
            ctx.db,
            action="identity.link",
            entity="user",
            entity_id=owner.id,
            now=ctx.now(),
            actor=owner.id,
            after={"channel": inbound.channel, "invite": invite.code},
        )
    channels = sorted({CHANNEL_NAMES.get(c, c) for c, _ in await users.chats_of(ctx.db, owner.id)})
    tree = await ctx.tree()
    unit_name = tree[owner.unit_id].name if owner.unit_id in tree else "?"
    return [
        Reply(
            text=f"Đã liên kết: {owner.name} dùng bot trên {', '.join(channels)}.\n"
            f"Nhắc nhở gửi qua kênh đăng ký đầu tiên.\n\n{replies.greeting(owner, unit_name)}"
        )
    ]


async def _attach(ctx: Context, inbound: Inbound, user_id: int) -> None:
    """This chat identity (channel, sender) now belongs to `user_id`."""
    await users.link_identity(
        ctx.db,
        channel=inbound.channel,
        external_id=inbound.sender_id,
        user_id=user_id,
        chat_id=inbound.chat_id,
        username=inbound.username,
        display_name=inbound.sender_name,
        now=ctx.now(),
    )


async def _find_person(ctx: Context, actor: User, who: str) -> User | Reply:
    who = who.strip().lstrip("#")
    person = await users.get(ctx.db, int(who)) if who.isascii() and who.isdigit() else await users.by_login(ctx.db, who)
    if person is None:
        return Reply(text=f"Không tìm thấy người dùng “{who}”. Xem danh sách: /nguoidung")
    if person.unit_id not in await ctx.scope(actor):
        return Reply(text=replies.out_of_scope(f"người dùng #{person.id}"))
    return person


async def list_people(ctx: Context, actor: User, unit_text: str | None) -> list[Reply]:
    if not actor.is_official:
        return [Reply(text=replies.OFFICIALS_ONLY)]
    tree = await ctx.tree()
    root = await named_or_own(ctx, actor, unit_text)
    if isinstance(root, Reply):
        return [root]
    people = await users.in_units(ctx.db, list(tree.subtree(root)), active_only=False)
    if not people:
        return [Reply(text=f"{tree[root].name} chưa có người dùng nào.")]
    lines = [f"Người dùng — {tree[root].name} ({len(people)}):"]
    for p in people[:60]:
        state = "" if p.active else " [đã khóa]"
        role = "theo dõi" if p.is_official else "báo cáo"
        lines.append(f"#{p.id} {p.name} — {role} — {tree[p.unit_id].name}{state}")
    if len(people) > 60:
        lines.append(f"… và {len(people) - 60} người khác.")
    return [Reply(text="\n".join(lines))]


async def _update_person(
    ctx: Context, actor: User, who: str, action: str, change: dict[str, object], *, not_self: str | None = None
) -> User | Reply:
    """Officials only, a person within their scope, one field changed with its audit row. With `not_self`, an
    official may not do this to themselves (the text says why)."""
    if not actor.is_official:
        return Reply(text=replies.OFFICIALS_ONLY)
    person = await _find_person(ctx, actor, who)
    if isinstance(person, Reply):
        return person
    if not_self is not None and person.id == actor.id:
        return Reply(text=not_self)
    ((column, value),) = change.items()
    before = {"active": person.active, "unit_id": person.unit_id, "role": person.role.value}[column]
    async with ctx.db.transaction():
        await users.set_field(ctx.db, person.id, column, value)
        await audit.record(
            ctx.db,
            action=action,
            entity="user",
            entity_id=person.id,
            now=ctx.now(),
            actor=actor.id,
            before={column: before},
            after={column: value},
        )
    return person


async def deactivate(ctx: Context, actor: User, who: str) -> list[Reply]:
    person = await _update_person(
        ctx, actor, who, "user.deactivate", {"active": False}, not_self="Không thể tự khóa tài khoản của mình."
    )
    if isinstance(person, Reply):
        return [person]
    return [Reply(text=f"Đã khóa tài khoản #{person.id} {person.name}. Lịch sử báo cáo của đơn vị được giữ nguyên.")]


async def reassign(ctx: Context, actor: User, who: str, unit_text: str) -> list[Reply]:
    if not actor.is_official:
        return [Reply(text=replies.OFFICIALS_ONLY)]
    inside = await resolve_in_scope(ctx, actor, unit_text)
    if isinstance(inside, Reply):
        return [inside]
    person = await _update_person(ctx, actor, who, "user.reassign", {"unit_id": inside[0]})
    if isinstance(person, Reply):
        return [person]
    return [Reply(text=f"Đã chuyển #{person.id} {person.name} sang {(await ctx.tree())[inside[0]].name}.")]


async def change_role(ctx: Context, actor: User, who: str, role: Role) -> list[Reply]:
    person = await _update_person(ctx, actor, who, "user.role", {"role": role.value})
    if isinstance(person, Reply):
        return [person]
    return [Reply(text=f"Đã đổi vai trò của #{person.id} {person.name} thành {_role_label(role.value)}.")]
