"""Kept for code written against its old name: a refusal is `services.refusal.Refusal`, and the actions a
confirmation applies are listed in one table in `services.confirmations` (no registration at import time)."""

from bot.services.refusal import Refusal

Refused = Refusal

__all__ = ["Refused"]
