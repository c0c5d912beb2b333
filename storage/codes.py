"""Random codes people may type or paste: never starting with "-", which a command line reads as an option."""

from __future__ import annotations

import secrets


def typeable_token(nbytes: int) -> str:
    """`secrets.token_urlsafe(nbytes)`, drawn again until it does not start with "-"."""
    while (token := secrets.token_urlsafe(nbytes)).startswith("-"):
        pass
    return token
