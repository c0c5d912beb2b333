"""Reminders, escalations and weekly digests, in rooms with one job each:

- `calendar_state`: the reporting calendar as stored, and its audited updates;
- `state`: the `Snapshot` the planner (`bot.domain.planner`, pure) works from;
- `routing`: where a send goes — `Deliver` (channel, chat), `Held` (a quota) or `Unreachable`;
- `delivery`: the channel's answer (`Delivery`), a run's tally (`Outcome`), claim → send → mark;
- `rendering`: the facts each text states (the sentences are in `bot.present.replies.reminders`);
- `service`: `ReminderService`, a scheduled run and the manual controls over all of the above.
"""

from bot.services.reminders.delivery import Delivery, Notifier, Outcome
from bot.services.reminders.routing import Deliver, Held, Route, Unreachable
from bot.services.reminders.service import ReminderService
from bot.services.reminders.state import Snapshot

__all__ = [
    "Deliver",
    "Delivery",
    "Held",
    "Notifier",
    "Outcome",
    "ReminderService",
    "Route",
    "Snapshot",
    "Unreachable",
]
