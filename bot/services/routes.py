"""Who may say what, and which use case answers it: one table from an intent (or a button) to its handler and
its audience.

The audience is checked here and only here (`admit`): a use case reached through a route of officials may take
its actor to be an official. Use cases say no by raising `Refusal`; `Core.handle` turns it into the reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from bot.domain.messages import Attachment, Inbound, Reply
from bot.domain.models import User
from bot.language import intents
from bot.present import callbacks, replies
from bot.present.exports.template import template_workbook
from bot.present.replies import khoi as khoi_texts
from bot.present.replies import reporting as report_texts
from bot.present.replies import routes as texts
from bot.services import (
    confirmations,
    congress,
    indicators_admin,
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
from bot.services.refusal import Refusal
from bot.services.reminders import ReminderService
from bot.services.scope import examples


class Audience(StrEnum):
    ANYONE = "anyone"  # also someone not registered
    REPORTER = "reporter"  # any registered, active user
    OFFICIAL = "official"  # cán bộ theo dõi


def admit(audience: Audience, user: User | None, refused: str = replies.OFFICIALS_ONLY) -> None:
    """The one guard: `Refusal` unless `user` belongs to `audience` (`refused`: what an official-only route
    says to a reporter)."""
    if audience is Audience.ANYONE:
        return
    if user is None:
        raise Refusal(replies.NOT_REGISTERED)
    if audience is Audience.OFFICIAL and not user.is_official:
        raise Refusal(refused)


@dataclass(frozen=True)
class Turn:
    """One message being answered: who wrote (None: not registered) and where."""

    ctx: Context
    inbound: Inbound
    user: User | None
    reminders: ReminderService | None = None

    @property
    def actor(self) -> User:
        """The registered writer (routes whose audience is not ANYONE are only run for one)."""
        assert self.user is not None
        return self.user


In = TypeVar("In")
Handler = Callable[[Turn, Any], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class Route:
    audience: Audience
    run: Handler
    refused: str = replies.OFFICIALS_ONLY  # what a reporter is told on an officials' route


def route(_: type[In], audience: Audience, run: Callable[[Turn, In], Awaitable[list[Reply]]], **kw: str) -> Route:
    """A route whose handler is type-checked against the intent (or button) it answers."""
    return Route(audience, run, **kw)


async def _start(t: Turn, i: intents.Start) -> list[Reply]:
    if i.code:
        return await people.register(t.ctx, t.inbound, i.code, t.user)
    tree = await t.ctx.tree()
    unit_name = tree[t.user.unit_id].name if t.user and t.user.unit_id in tree else None
    return [Reply(text=replies.greeting(t.user, unit_name))]


async def _help(t: Turn, i: intents.Help) -> list[Reply]:
    return [Reply(text=replies.help_text(t.user, await examples(t.ctx, t.user)))]


async def _unknown(t: Turn, i: intents.Unknown) -> list[Reply]:
    return [Reply(text=unknown_text(i, await examples(t.ctx, t.user)))]


async def _say(text: str) -> list[Reply]:
    return [Reply(text=text)]


async def _template(t: Turn, i: intents.Template) -> list[Reply]:
    content = template_workbook()
    attachment = Attachment(kind="document", filename=texts.TEMPLATE_FILE, content=content)
    return [Reply(text=texts.TEMPLATE, attachment=attachment)]


OFFICIAL, REPORTER, ANYONE = Audience.OFFICIAL, Audience.REPORTER, Audience.ANYONE

# What a private chat's message asks for → who may ask it, and the use case that answers.
INTENTS: Mapping[type, Route] = MappingProxyType(
    {
        intents.Start: route(intents.Start, ANYONE, _start),
        intents.Help: route(intents.Help, ANYONE, _help),
        intents.Unknown: route(intents.Unknown, ANYONE, _unknown),
        intents.Ask: route(intents.Ask, REPORTER, lambda t, i: queries.ask(t.ctx, t.actor, i.query)),
        intents.Submit: route(
            intents.Submit, REPORTER, lambda t, i: reporting.submit(t.ctx, t.actor, t.inbound, i.draft)
        ),
        intents.BadReport: route(intents.BadReport, REPORTER, lambda t, i: _say(report_texts.problem(i.problem))),
        intents.Confirm: route(
            intents.Confirm, REPORTER, lambda t, i: confirmations.confirm(t.ctx, t.actor, None, t.inbound.update_key)
        ),
        intents.Cancel: route(
            intents.Cancel,
            REPORTER,
            lambda t, i: confirmations.cancel(t.ctx, t.actor, None, update_key=t.inbound.update_key),
        ),
        intents.FixHelp: route(intents.FixHelp, REPORTER, lambda t, i: _say(report_texts.FIX_HELP)),
        intents.History: route(intents.History, REPORTER, lambda t, i: reporting.history(t.ctx, t.actor, i.unit_text)),
        intents.CreateInvite: route(
            intents.CreateInvite,
            OFFICIAL,
            lambda t, i: people.invite_by_chat(t.ctx, t.actor, t.inbound, i.unit_text, i.role),
        ),
        intents.ListUsers: route(
            intents.ListUsers, OFFICIAL, lambda t, i: people.list_people(t.ctx, t.actor, i.unit_text)
        ),
        intents.Deactivate: route(intents.Deactivate, OFFICIAL, lambda t, i: people.deactivate(t.ctx, t.actor, i.who)),
        intents.ClearUnreachable: route(
            intents.ClearUnreachable, OFFICIAL, lambda t, i: people.clear_unreachable(t.ctx, t.actor, i.who)
        ),
        intents.Reassign: route(
            intents.Reassign, OFFICIAL, lambda t, i: people.reassign(t.ctx, t.actor, i.who, i.unit_text)
        ),
        intents.ChangeRole: route(
            intents.ChangeRole, OFFICIAL, lambda t, i: people.change_role(t.ctx, t.actor, i.who, i.role)
        ),
        intents.SetTarget: route(
            intents.SetTarget, OFFICIAL, lambda t, i: targets_admin.propose(t.ctx, t.actor, t.inbound, i.draft)
        ),
        intents.Template: route(intents.Template, REPORTER, _template),
        intents.DraftReport: route(
            intents.DraftReport, OFFICIAL, lambda t, i: report.answer(t.ctx, t.actor, i.request)
        ),
        intents.ManageKhoi: route(
            intents.ManageKhoi,
            OFFICIAL,
            lambda t, i: khoi.by_chat(t.ctx, t.actor, i.args),
            refused=khoi_texts.ONLY_OFFICIALS,
        ),
        intents.Reorganise: route(
            intents.Reorganise, OFFICIAL, lambda t, i: reorg.propose(t.ctx, t.actor, t.inbound, i.args)
        ),
        intents.ManageIndicators: route(  # anyone lists; changes are for officials of the top unit (checked there)
            intents.ManageIndicators,
            REPORTER,
            lambda t, i: indicators_admin.by_chat(t.ctx, t.actor, t.inbound, i.args),
        ),
        intents.RecordCongress: route(
            intents.RecordCongress, OFFICIAL, lambda t, i: congress.propose(t.ctx, t.actor, t.inbound, i.args)
        ),
        intents.RemindControl: route(
            intents.RemindControl,
            OFFICIAL,
            lambda t, i: reminder_controls.control(t.ctx, t.reminders, t.actor, i.args),
        ),
        intents.LinkGroup: route(
            intents.LinkGroup, OFFICIAL, lambda t, i: reminder_controls.link_group(t.ctx, t.actor, t.inbound)
        ),
        intents.LinkIdentity: route(
            intents.LinkIdentity, REPORTER, lambda t, i: people.link_code(t.ctx, t.actor, t.inbound)
        ),
    }
)


async def _preview(t: Turn, c: callbacks.Preview) -> list[Reply]:
    if c.action == "c":
        return await confirmations.confirm(t.ctx, t.actor, c.token)
    return await confirmations.cancel(t.ctx, t.actor, c.token, retype=c.action == "e")


# A button pressed in a private chat (decoded and bounds-checked by `bot.present.callbacks`) → audience and use case.
CHOICES: Mapping[type, Route] = MappingProxyType(
    {
        callbacks.Preview: route(callbacks.Preview, REPORTER, _preview),
        callbacks.ChooseUnit: route(
            callbacks.ChooseUnit,
            REPORTER,
            lambda t, c: reporting.choose_unit(t.ctx, t.actor, t.inbound, c.token, c.unit_id),
        ),
        callbacks.FixRecord: route(
            callbacks.FixRecord, REPORTER, lambda t, c: reporting.start_fix(t.ctx, t.actor, t.inbound, c.submission_id)
        ),
        callbacks.QueryChoice: route(
            callbacks.QueryChoice, REPORTER, lambda t, c: queries.answer_choice(t.ctx, t.actor, c)
        ),
        callbacks.SendNow: route(
            callbacks.SendNow, OFFICIAL, lambda t, c: reminder_controls.send_now(t.ctx, t.reminders, t.actor, c.root_id)
        ),
    }
)


async def dispatch(table: Mapping[type, Route], turn: Turn, what: object) -> list[Reply] | None:
    """Run the route for `what` after checking its audience; None when the table has none for it."""
    found = table.get(type(what))
    if found is None:
        return None
    admit(found.audience, turn.user, found.refused)
    return await found.run(turn, what)


def unknown_text(intent: intents.Unknown, ex: replies.Examples) -> str:
    if intent.reason == "empty":
        return replies.EMPTY
    if intent.reason == "too_long":
        return replies.TOO_LONG
    return replies.not_understood(intent.problem, ex)
