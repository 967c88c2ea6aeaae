"""Small helpers for text people read."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 API request``, ``2 API requests``, ``0 retries``."""
    word = singular if count == 1 else plural_form or f"{singular}s"
    return f"{count} {word}"
