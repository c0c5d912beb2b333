"""Every sentence the bot says, in Vietnamese with full diacritics. Pure functions of domain values."""

from bot.replies.common import *  # noqa: F403
from bot.replies.progress import progress_text  # noqa: F401
