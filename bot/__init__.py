"""PTĐV Bot: tracking the admission of new Party members (phát triển đảng viên mới) by chat."""

import os

# python-telegram-bot 22 warns on reading RetryAfter.retry_after unless it may return a timedelta; our code
# handles both (see handlers/telegram.py `_seconds`), so opt in before telegram is imported anywhere.
os.environ.setdefault("PTB_TIMEDELTA", "1")

__version__ = "0.1.0"
