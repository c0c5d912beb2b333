"""Several bots of one kind in one deployment, each serving its share of the unit tree. Pure.

Zalo's free plan allows 50 users per bot, so a committee with more people runs several Zalo bots. Each bot is
its own channel name ("zalo", "zalo-xa-bac-phong", ...): identities, the inbox, numbered menus, the monthly
count of messages and the notifier are all keyed by it, so answers, reminders and digests go out through the
person's own bot without anything else knowing. A bot serves the subtrees of the units listed for it; the bot
without units serves the rest. Nothing here is Zalo-specific: several Telegram bots (one per committee, or
one per province in a shared deployment) can be described the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from bot.domain.models import Frozen
from bot.domain.tree import UnitTree

CAP_WARN_SHARE = 0.9  # officials hear which units to move once a bot has this share of its user cap


class BotShare(Frozen):
    channel: str  # "zalo" for the first bot, "zalo-<key>" for the others
    kind: str  # "zalo" | "telegram"
    units: tuple[str, ...] = ()  # codes of the units whose subtrees it serves; () = whatever no other bot serves
    user_cap: int | None = Field(default=None, ge=1)  # people the plan allows per bot (Zalo free plan: 50)
    link: str | None = None  # where a person opens a chat with this bot (shown in invites)
    name: str = ""  # as people see it (getMe), once known


def kind_of(channel: str) -> str:
    """ "zalo-bac-phong" → "zalo"."""
    return channel.split("-", 1)[0]


def bot_for_unit(shares: Sequence[BotShare], tree: UnitTree, unit_id: int, kind: str) -> BotShare | None:
    """The bot of `kind` serving `unit_id`: the one listing the nearest unit on its path to the root, else the
    bot with no units listed."""
    mine = [s for s in shares if s.kind == kind]
    if unit_id in tree:
        for unit in (unit_id, *tree.ancestors(unit_id)):
            for share in mine:
                if tree[unit].code in share.units:
                    return share
    return next((s for s in mine if not s.units), mine[0] if mine else None)


def near_cap(users: int, cap: int | None) -> bool:
    return cap is not None and users >= cap * CAP_WARN_SHARE
