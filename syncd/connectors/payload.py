"""Reading values out of a tracker's JSON payloads, strictly.

A wrong type raises (TypeError/ValueError) instead of being coerced, so the caller can skip that one issue
with a reason rather than map it on nonsense. Shared by the Jira and Linear normalisers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["estimate", "strings", "text", "timestamp"]


def estimate(value: Any) -> float | None:
    """Story points or a Linear estimate; None when not estimated."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"estimate {value!r} is not a number")
    return float(value)


def timestamp(value: Any) -> datetime:
    """An ISO 8601 timestamp (``Z``, ``+0000`` or ``+00:00``); one without a zone is taken as UTC."""
    if not isinstance(value, str):
        raise TypeError(f"timestamp {value!r} is not text")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def strings(value: Any) -> list[str]:
    """A list of text, such as labels; None is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TypeError("expected a list of text")
    return value
