"""Building the JQL syncd sends (pure).

Incremental pulls must never skip an issue (DESIGN §8). JQL compares ``updated`` at minute precision in
the *user's* time zone, so the lower bound is the start of the last good pull minus an overlap, floored
to the minute and written in that zone; the pull de-duplicates what the overlap repeats. Results are
ordered by ``created`` then ``key``, which do not change while paging, unlike ``updated``. Every value
from configuration is quoted and escaped, so a project key with a quote cannot change the query.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncd.connectors.base import PULL_OVERLAP

__all__ = ["issue_query", "jql_string", "jql_time"]

_WIDEST_UTC_OFFSET = timedelta(hours=14)
ORDER = "ORDER BY created ASC, key ASC"


def jql_string(value: str) -> str:
    """A JQL string literal: double-quoted, with backslashes and quotes escaped."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def jql_time(moment: datetime, time_zone: str | None) -> str:
    """``moment`` as JQL writes dates (``"yyyy/MM/dd HH:mm"``) in the user's zone, floored to the minute.

    An unknown zone falls back to UTC with the lower bound moved back by the widest UTC offset, so the
    query can only read more, never less.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    zone = _zone(time_zone)
    local = moment.astimezone(zone) if zone else (moment - _WIDEST_UTC_OFFSET).astimezone(UTC)
    return f'"{local:%Y/%m/%d %H:%M}"'


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def issue_query(
    *,
    projects: Sequence[str],
    since: datetime | None,
    time_zone: str | None,
    overlap: timedelta = PULL_OVERLAP,
) -> str:
    """The search for issues in scope updated since ``since`` (all of them when None)."""
    clauses: list[str] = []
    if projects:
        clauses.append(f"project in ({', '.join(jql_string(p) for p in projects)})")
    if since is not None:
        clauses.append(f"updated >= {jql_time(since - overlap, time_zone)}")
    elif not projects:
        clauses.append('updated >= "1970/01/01"')
    return f"{' AND '.join(clauses)} {ORDER}"
