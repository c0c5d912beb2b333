"""Every sentence the bot says, in Vietnamese with full diacritics. Pure functions of domain values."""

from bot.present.replies.common import *  # noqa: F403
from bot.present.replies.progress import progress_text  # noqa: F401
