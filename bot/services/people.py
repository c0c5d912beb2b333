"""Registration by invite code, and the officials' tools for people: invite, list, deactivate, move, role."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.bots import bot_for_unit, kind_of
from bot.domain.messages import Inbound, Reply
from bot.domain.models import Role, User
from bot.domain.normalize import fold
from bot.present import replies
from bot.present.replies import people as texts
from bot.services.context import Context
from bot.services.refusal import Refusal
from bot.services.scope import examples, named_or_own, own_words, resolve_in_scope
from storage import audit, invites, users
from storage import reminders as reminder_log

INVITE_DAYS = 3  # an invite made in chat; `ptdv invite --days` chooses
LINK_MINUTES = 30  # a link code is typed on the other app right away
ATTEMPTS_ALLOWED = 5  # failed code redemptions per sender...
ATTEMPT_WINDOW = timedelta(minutes=15)  # ...within this window, by the injected clock
LINK_TARGET = {"telegram": "zalo", "zalo": "telegram"}  # a link code made on one app is for the other
PRIVATE_ONLY = texts.PRIVATE_ONLY  # also what the core answers to a code typed in a group


async def create_invite(
    ctx: Context,
    *,
    unit_id: int,
    role: Role,
    created_by: int | None,
    name: str | None = None,
    days: int = INVITE_DAYS,
    channel: str | None = None,
    person: User | None = None,
) -> invites.Invite:
    """A single-use invite code. With `person`, the code registers the chat identity of someone who already
    exists (imported, or registered on another channel) as that person — with their unit and role — instead
    of creating a second user."""
    if person is not None:
        unit_id, role, name = person.unit_id, person.role, person.name
    async with ctx.db.transaction():
        invite = await invites.create(
            ctx.db,
            unit_id=unit_id,
            role=role.value,
            now=ctx.now(),
            expires_at=ctx.now() + timedelta(days=days),
            created_by=created_by,
            name=name,
            channel=channel,
            link_user_id=person.id if person is not None else None,
        )
        after: dict[str, object] = {"unit_id": unit_id, "role": role.value, "days": days, "channel": channel}
        if person is not None:
            after["user_id"] = person.id
        await audit.record(
            ctx.db,
            action="invite.create",
            entity="invite",
            entity_id=invite.code,
            now=ctx.now(),
            actor=created_by,
            after=after,
        )
    return invite


def invite_text(ctx: Context, invite: invites.Invite, unit_name: str, person: User | None = None) -> str:
    link = ctx.invite_link(invite.code) if invite.channel in (None, "telegram") else None
    expires = invite.expires_at.astimezone(ctx.clock.tz).date()
    return texts.invite(invite.code, invite.role, unit_name, invite.channel, expires, link, person)


def _invite_channel(unit_text: str | None, channel: str) -> tuple[str | None, str | None]:
    """`/moi <đơn vị> [zalo|telegram]`: the app the invitee uses; by default the one the official wrote on."""
    words = (unit_text or "").split()
    if words and words[-1] in LINK_TARGET:
        return " ".join(words[:-1]) or None, words[-1]
    kind = kind_of(channel)  # the app, whichever of its bots the official wrote to
    return unit_text, kind if kind in LINK_TARGET else None  # from the console: any app


async def person_named(ctx: Context, actor: User | None, text: str | None) -> User | None:
    """The existing person an invite names — `#12`, `12` or a login — within the actor's scope; None when the
    text names no person (it is then a unit); `Refusal` for a number that is nobody, or someone outside."""
    who = (text or "").strip()
    if not who or " " in who:
        return None
    number = who.lstrip("#")
    if number.isascii() and number.isdigit():
        person = await users.get(ctx.db, int(number))
        if person is None:
            raise Refusal(texts.no_user_number(number))
    else:
        person = await users.by_login(ctx.db, who)
        if person is None:
            return None
    if actor is not None and person.unit_id not in await ctx.scope(actor):
        raise Refusal(replies.out_of_scope(texts.user_number(person.id)))
    return person


async def same_name_in_unit(ctx: Context, unit_id: int, name: str) -> list[User]:
    """People of `unit_id` whose name is `name` (diacritics and case aside)."""
    wanted = fold(name)
    return [p for p in await users.in_units(ctx.db, [unit_id], active_only=False) if fold(p.name) == wanted]


async def unregistered_hint(ctx: Context, unit_id: int, invite_for: str, *, asker: int | None = None) -> str:
    """People of the unit who never registered a chat account, and how to invite exactly one of them (never the
    asker: they are the one inviting)."""
    people = [p for p in await users.in_units(ctx.db, [unit_id]) if p.id != asker]
    waiting = set(await users.without_identity(ctx.db, [p.id for p in people]))
    names = [f"#{p.id} {p.name}" for p in people if p.id in waiting]
    if not names:
        return ""
    example = invite_for.format(who=f"#{min(waiting)}")
    return texts.unregistered(names, example)


async def _invite_usage(ctx: Context, user: User) -> str:
    """A bare /moi: how to write it, with the official's own units; no code is made."""
    ex = await examples(ctx, user)
    return texts.invite_usage(ex.own, ex.below)


async def invite_by_chat(ctx: Context, user: User, inbound: Inbound, unit_text: str | None, role: Role) -> list[Reply]:
    """Officials only (the route's audience)."""
    if inbound.is_group:
        return [Reply(text=PRIVATE_ONLY)]
    unit_text, channel = _invite_channel(unit_text, inbound.channel)
    if not unit_text:  # never a live code for a unit nobody named (the official's whole subtree)
        return [Reply(text=await _invite_usage(ctx, user))]
    person = await person_named(ctx, user, unit_text)
    tree = await ctx.tree()
    if person is not None:
        invite = await create_invite(
            ctx, unit_id=person.unit_id, role=role, created_by=user.id, person=person, channel=channel
        )
        text = invite_text(ctx, invite, tree[person.unit_id].name, person)
        return [Reply(text=text + await bot_lines(ctx, person.unit_id))]
    unit_id = await named_or_own(ctx, user, unit_text)
    invite = await create_invite(ctx, unit_id=unit_id, role=role, created_by=user.id, channel=channel)
    hint = await unregistered_hint(ctx, unit_id, "/moi {who}", asker=user.id)
    text = invite_text(ctx, invite, tree[unit_id].name)
    return [Reply(text=text + await bot_lines(ctx, unit_id) + hint)]


async def bot_lines(ctx: Context, unit_id: int) -> str:
    """With several bots of a kind (Zalo's 50 users per bot), which one the invited person opens."""
    tree = await ctx.tree()
    shares = ctx.settings.bot_shares
    lines = []
    for kind in sorted({s.kind for s in shares}):
        share = bot_for_unit(shares, tree, unit_id, kind)
        if share is None or (sum(s.kind == kind for s in shares) < 2 and not share.link):
            continue
        lines.append(texts.bot_line(kind, share.link or texts.bot_named(share.name or share.channel)))
    return "".join(lines)


async def _refuse_wrong_bot(ctx: Context, inbound: Inbound, unit_id: int) -> None:
    """`Refusal` for a new registration through a bot that does not serve the unit, or one already at its cap."""
    shares = [s for s in ctx.settings.bot_shares if s.kind == kind_of(inbound.channel)]
    mine = next((s for s in shares if s.channel == inbound.channel), None)
    if mine is None:
        return
    tree = await ctx.tree()
    right = bot_for_unit(shares, tree, unit_id, mine.kind)
    if right is not None and right.channel != mine.channel:
        where = right.link or texts.bot_named(right.name or right.channel)
        raise Refusal(texts.wrong_bot(tree[unit_id].name, mine.kind, where))
    if mine.user_cap is not None and len(await users.people_on_channel(ctx.db, mine.channel)) >= mine.user_cap:
        raise Refusal(texts.bot_full(mine.user_cap))


async def link_code(ctx: Context, user: User, inbound: Inbound) -> list[Reply]:
    """A single-use, short-lived code that attaches the person's identity on the other chat app to this same
    user. Only in a private chat, and only usable on the other app."""
    if inbound.is_group:
        return [Reply(text=PRIVATE_ONLY)]
    channel = inbound.channel
    target = LINK_TARGET.get(kind_of(channel))  # None (console): any app
    async with ctx.db.transaction():
        invite = await invites.create(
            ctx.db,
            unit_id=user.unit_id,
            role=user.role.value,
            now=ctx.now(),
            expires_at=ctx.now() + timedelta(minutes=LINK_MINUTES),
            created_by=user.id,
            name=user.name,
            link_user_id=user.id,
            channel=target,
        )
        await audit.record(
            ctx.db,
            action="identity.link_code",
            entity="user",
            entity_id=user.id,
            now=ctx.now(),
            actor=user.id,
            after={"channel": channel, "for": target},
        )
    return [Reply(text=texts.link_code(invite.code, target, user.name, LINK_MINUTES))]


async def register(ctx: Context, inbound: Inbound, code: str, current: User | None) -> list[Reply]:
    """`/start <code>`, `/dangky <code>`, `/lienket <code>`: in a private chat, on the channel the code is for,
    single-use, expiring, at most `ATTEMPTS_ALLOWED` failures per sender in `ATTEMPT_WINDOW`."""
    if inbound.is_group:
        return [Reply(text=await _exposed(ctx, code))]
    since = ctx.now() - ATTEMPT_WINDOW
    if await invites.failed_attempts(ctx.db, inbound.channel, inbound.sender_id, since) >= ATTEMPTS_ALLOWED:
        return [Reply(text=texts.TOO_MANY_ATTEMPTS)]
    invite = await invites.get(ctx.db, code)
    problem = None
    if invite is None:
        problem = texts.wrong_code(code)
    elif invite.used_by is not None:
        if current is not None and current.id == invite.used_by:
            tree = await ctx.tree()
            return [Reply(text=replies.greeting(current, tree[current.unit_id].name))]
        problem = texts.CODE_USED
    elif invite.expires_at <= ctx.now():
        problem = texts.CODE_EXPIRED
    elif invite.channel is not None and kind_of(invite.channel) != kind_of(inbound.channel):
        problem = texts.code_for_other_app(invite.channel)
    if problem is not None or invite is None:
        async with ctx.db.transaction():
            await invites.record_failure(ctx.db, inbound.channel, inbound.sender_id, ctx.now(), since)
        return [Reply(text=problem or "")]
    tree = await ctx.tree()
    unit_name = tree[invite.unit_id].name if invite.unit_id in tree else "?"
    if invite.is_link_code:
        return await _link(ctx, inbound, invite, current)
    if current is None:
        await _refuse_wrong_bot(ctx, inbound, invite.unit_id)
    if invite.link_user_id is not None:
        return await _register_existing(ctx, inbound, invite, current, unit_name)
    async with ctx.db.transaction():
        if (refused := await _issuer_refuses(ctx, invite)) is not None:  # re-checked inside the write lock
            return [Reply(text=refused)]
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
                name=invite.name or inbound.sender_name or texts.DEFAULT_NAME,
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
    return [Reply(text=texts.registered(replies.greeting(user, unit_name)))]


def _refuse_registered_to_another(current: User | None, person: User, code: str) -> None:
    """`Refusal` for a code that joins a chat account to `person`, used from an account already registered to
    someone else."""
    if current is not None and current.id != person.id:
        raise Refusal(texts.registered_to_another(current.name, code))


async def _register_existing(
    ctx: Context, inbound: Inbound, invite: invites.Invite, current: User | None, unit_name: str
) -> list[Reply]:
    """An official's invite for a person who already exists: this chat identity becomes that person."""
    person = await users.get(ctx.db, invite.link_user_id or 0)
    if person is None:
        return [Reply(text=texts.PERSON_GONE)]
    _refuse_registered_to_another(current, person, texts.FOR_EXISTING_PERSON)
    async with ctx.db.transaction():
        if (refused := await _issuer_refuses(ctx, invite)) is not None:  # re-checked inside the write lock
            return [Reply(text=refused)]
        if not await invites.use(ctx.db, invite.code, person.id, ctx.now()):
            raise RuntimeError("invite used concurrently")
        if not person.active:
            await users.set_active(ctx.db, person.id, True)
        await _attach(ctx, inbound, person.id)
        await audit.record(
            ctx.db,
            action="user.register_existing",
            entity="user",
            entity_id=person.id,
            now=ctx.now(),
            actor=person.id,
            before={"active": person.active},
            after={"active": True, "invite": invite.code, "channel": inbound.channel},
        )
    person = await users.get(ctx.db, person.id)
    assert person is not None
    return [Reply(text=texts.registered(replies.greeting(person, unit_name)))]


async def _link(ctx: Context, inbound: Inbound, invite: invites.Invite, current: User | None) -> list[Reply]:
    """Attach this chat identity to the user who asked for the link code."""
    owner = await users.get(ctx.db, invite.link_user_id or 0)
    if owner is None or not owner.active:
        return [Reply(text=texts.LINK_OWNER_LOCKED)]
    _refuse_registered_to_another(current, owner, texts.LINK_CODE)
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
    channels = [c for c, _ in await users.chats_of(ctx.db, owner.id)]
    tree = await ctx.tree()
    unit_name = tree[owner.unit_id].name if owner.unit_id in tree else "?"
    return [Reply(text=texts.linked(owner.name, channels, replies.greeting(owner, unit_name)))]


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


async def _find_person(ctx: Context, actor: User, who: str) -> User:
    who = who.strip().lstrip("#")
    person = await users.get(ctx.db, int(who)) if who.isascii() and who.isdigit() else await users.by_login(ctx.db, who)
    if person is None:
        raise Refusal(texts.no_user_named(own_words(who)))
    if person.unit_id not in await ctx.scope(actor):
        raise Refusal(replies.out_of_scope(texts.user_number(person.id)))
    return person


async def list_people(ctx: Context, actor: User, unit_text: str | None) -> list[Reply]:
    """Officials only (the route's audience)."""
    tree = await ctx.tree()
    root = await named_or_own(ctx, actor, unit_text)
    people = await users.in_units(ctx.db, list(tree.subtree(root)), active_only=False)
    if not people:
        return [Reply(text=texts.nobody_in(tree[root].name))]
    unreachable = {uid: since for uid, _, _, since in await reminder_log.unreachable_users(ctx.db)}
    rows = [
        (p, tree[p.unit_id].name, unreachable[p.id].astimezone(ctx.clock.tz) if p.id in unreachable else None)
        for p in people[: texts.LIST_LIMIT]
    ]
    return [Reply(text=texts.people_list(tree[root].name, rows, len(people)))]


async def _update_person(
    ctx: Context, actor: User, who: str, action: str, change: dict[str, object], *, not_self: str | None = None
) -> User:
    """A person within the official's scope (officials only: the routes' audience), one field changed with its
    audit row. With `not_self`, an official may not do this to themselves (the text says why)."""
    person = await _find_person(ctx, actor, who)
    if not_self is not None and person.id == actor.id:
        raise Refusal(not_self)
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
    person = await _update_person(ctx, actor, who, "user.deactivate", {"active": False}, not_self=texts.NOT_SELF_LOCK)
    return [Reply(text=texts.locked(person))]


async def clear_unreachable(ctx: Context, actor: User, who: str) -> list[Reply]:
    """An official lets scheduled sends reach a person marked unreachable again (audited)."""
    person = await _find_person(ctx, actor, who)
    if not await reminder_log.clear_unreachable(ctx.db, person.id):
        return [Reply(text=texts.not_unreachable(person))]
    async with ctx.db.transaction():
        await audit.record(
            ctx.db,
            action="user.reachable",
            entity="user",
            entity_id=person.id,
            now=ctx.now(),
            actor=actor.id,
            before={"unreachable": True},
            after={"unreachable": False},
        )
    return [Reply(text=texts.reachable_again(person))]


async def reassign(ctx: Context, actor: User, who: str, unit_text: str) -> list[Reply]:
    inside = await resolve_in_scope(ctx, actor, unit_text)
    person = await _update_person(ctx, actor, who, "user.reassign", {"unit_id": inside[0]})
    return [Reply(text=texts.moved(person, (await ctx.tree())[inside[0]].name))]


async def change_role(ctx: Context, actor: User, who: str, role: Role) -> list[Reply]:
    person = await _update_person(ctx, actor, who, "user.role", {"role": role.value})
    return [Reply(text=texts.role_changed(person, role.value))]


async def _exposed(ctx: Context, code: str) -> str:
    """A code typed in a group: refuse, and end it if it was still good (everyone in the group has seen it)."""
    invite = await invites.get(ctx.db, code)
    if invite is None or invite.used_by is not None or invite.expires_at <= ctx.now():
        return PRIVATE_ONLY
    async with ctx.db.transaction():
        await invites.expire(ctx.db, invite.code, ctx.now())
        await audit.record(
            ctx.db,
            action="invite.exposed",
            entity="invite",
            entity_id=invite.code,
            now=ctx.now(),
            actor=None,
            after={"group": True},
        )
    return texts.exposed()


async def _issuer_refuses(ctx: Context, invite: invites.Invite) -> str | None:
    """An invite stands only while the official who made it could still make it now: active, an official, the
    unit within their current scope (a link code: its owner, checked in `_link`). None when it stands."""
    if invite.created_by is None or invite.link_user_id is not None:
        return None  # made on the server's command line, or a link code
    issuer = await users.get(ctx.db, invite.created_by)
    if issuer is None or not issuer.active or not issuer.is_official or invite.unit_id not in await ctx.scope(issuer):
        return texts.ISSUER_CHANGED
    return None
