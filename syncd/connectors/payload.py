"""Reading values out of a tracker's JSON payloads, strictly.

A wrong type raises (TypeError/ValueError) instead of being coerced, so the caller can skip that one issue
with a reason rather than map it on nonsense. Shared by the Jira and Linear normalisers.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = [
    "estimate",
    "identifier",
    "malformed",
    "prose",
    "readable_estimate",
    "storable",
    "strings",
    "text",
    "timestamp",
]

_REASON_MAX = 200


def estimate(value: Any) -> float | None:
    """Story points or a Linear estimate; None when not estimated, and None when it cannot be read.

    A site's estimate field may hold what is not a number (``{}``, a select list's ``{"value": "3"}``):
    that is an issue without an estimate (drift then counts ``default_estimate``), never a skipped issue.
    :func:`readable_estimate` tells the caller which values were not read, so it can say so once.
    """
    if not readable_estimate(value) or value is None:
        return None
    return float(value)


def readable_estimate(value: Any) -> bool:
    """Whether :func:`estimate` reads ``value`` as it is: nothing, or a finite number."""
    if value is None:
        return True
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(float(value))
    except OverflowError:
        return False


def identifier(value: Any) -> str:
    """An issue's id: text, or a number (Jira's ids are numeric); null, empty or anything else is malformed."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"id {_short(value)} is neither text nor a number")


def timestamp(value: Any) -> datetime:
    """An ISO 8601 timestamp (``Z``, ``+0000`` or ``+00:00``); one without a zone is taken as UTC."""
    if not isinstance(value, str):
        raise TypeError(f"timestamp {value!r} is not text")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    offset = moment.utcoffset()
    if offset is not None and offset % timedelta(minutes=1):
        # No tracker sends one, and the state store (ISO 8601 with pydantic) could not read it back.
        raise ValueError(f"timestamp {_short(value)} has a UTC offset with seconds")
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


def prose(value: str) -> str:
    """Free text (a title, a description) with each lone UTF-16 surrogate, which a JSON escape can carry but
    no store or terminal can hold, replaced by U+FFFD: one bad character is no reason to skip an issue."""
    if value.isascii():
        return value
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in value)
    return value


def storable(*values: str | None) -> None:
    """Refuse text the state store cannot keep in its columns (lone UTF-16 surrogates from a JSON escape)."""
    for value in values:
        if value is not None and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"{_short(value)} is not valid Unicode text") from None


def malformed(exc: Exception) -> str:
    """The reason an issue is skipped: one line, short, whatever the payload held (a 1 MB value, a NUL)."""
    reason = f"malformed issue payload ({type(exc).__name__}: {exc})"
    reason = " ".join(reason.split())
    return reason if len(reason) <= _REASON_MAX else reason[: _REASON_MAX - 2] + "…)"


def _short(value: Any) -> str:
    try:
        shown = repr(value)
    except ValueError:  # an integer with more digits than Python will print
        shown = type(value).__name__
    return shown if len(shown) <= 40 else shown[:37] + "..."
