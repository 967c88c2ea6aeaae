"""Linear's timestamp formats: DateTime output and DateTimeOrDuration filter values.

Timestamps are kept as integer epoch milliseconds, the precision Linear serves, so sorting and
cursor comparisons are exact.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from syncd.sandbox.clock import to_ms

__all__ = ["format_ms", "parse_instant"]

_DURATION = re.compile(
    r"^(?P<sign>[-+])?P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)


def format_ms(ms: int) -> str:
    """Linear's DateTime format: ISO 8601 in UTC with milliseconds, e.g. ``2026-11-02T09:00:00.000Z``."""
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def parse_instant(value: str, now_ms: int) -> int:
    """Epoch milliseconds of a ``DateTimeOrDuration`` filter value.

    Linear accepts either an ISO 8601 date-time or an ISO 8601 duration relative to now, where a
    leading minus points to the past (``-P2W`` is two weeks ago).

    Raises:
        ValueError: the value is neither.
    """
    match = _DURATION.match(value)
    if match and value.lstrip("+-") != "P":
        parts = {k: float(v) for k, v in match.groupdict().items() if v and k != "sign"}
        days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7
        delta = timedelta(
            days=days + parts.get("days", 0),
            hours=parts.get("hours", 0),
            minutes=parts.get("minutes", 0),
            seconds=parts.get("seconds", 0),
        )
        step = int(delta.total_seconds() * 1000)
        return now_ms - step if match.group("sign") == "-" else now_ms + step
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    return to_ms(datetime.fromisoformat(text))
