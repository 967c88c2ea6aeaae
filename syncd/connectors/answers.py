"""What a tracker's answer says besides its data: whether it is a page at all, and the tracker's clock.

A page's cursor bound must come from the tracker's clock, not syncd's: ``updated`` is stamped by the
tracker, so with the tracker ten minutes behind, a bound from syncd's clock would skip ten minutes of
edits for good. Every HTTP answer carries the server's clock in its ``Date`` header (RFC 9110 §6.6.1,
https://www.rfc-editor.org/rfc/rfc9110#field.date), to the second and rounded down, which is what a bound
needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests

from syncd.errors import Misdirected, TransientError
from syncd.logging import get_logger

__all__ = [
    "SKEW_WARNING",
    "connection_at",
    "next_offset",
    "refuse_redirects",
    "relay_page",
    "search_page",
    "tracker_time",
]

_log = get_logger("syncd.connectors")
SKEW_WARNING = timedelta(minutes=1)


def tracker_time(headers: Mapping[str, str] | None, *, tracker: str) -> datetime | None:
    """The tracker's clock from an answer's ``Date`` header (None without a usable one); a warning when it
    is more than :data:`SKEW_WARNING` away from this machine's clock."""
    value = headers.get("Date") if headers is not None else None
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    skew = moment - datetime.now(UTC)
    if abs(skew) > SKEW_WARNING:
        _log.warning(
            "tracker.clock_skew",
            tracker=tracker,
            skew_seconds=round(skew.total_seconds()),
            detail="the tracker's clock differs from this machine's; syncd bounds its pulls by the tracker's",
        )
    return moment


def search_page(page: Any, tracker: str, *, classic: bool = False) -> dict[str, Any]:
    """A Jira search answer that is a page of issues (with its ``total`` on the classic search); an empty
    body or another shape (a proxy's, a cache's) is a transient failure, never an empty page: an empty
    page would move the cursor past unread edits."""
    if not isinstance(page, dict) or not isinstance(page.get("issues"), list):
        raise TransientError("the search answer was not a page of issues (empty, or of another shape)", tracker=tracker)
    if classic and not isinstance(page.get("total"), int):
        raise TransientError("the search answer was a page of issues without its total", tracker=tracker)
    return page


def connection_at(data: Any, root: str) -> Any:
    """The connection at a dotted path of an answer (``issues``, ``issue.labels``)."""
    for name in root.split("."):
        data = data[name]
    return data


def relay_page(data: Any, root: str, tracker: str) -> None:
    """A page of the connection (nodes and ``pageInfo``); anything else is retried, never taken as the end."""
    try:
        connection = connection_at(data, root)
        nodes, info = connection["nodes"], connection["pageInfo"]
    except (KeyError, TypeError, IndexError):
        nodes, info = None, None
    if not isinstance(nodes, list) or not isinstance(info, dict) or not isinstance(info.get("hasNextPage"), bool):
        raise TransientError(f"the answer was not a page of {root} (empty, or of another shape)", tracker=tracker)


def refuse_redirects(session: requests.Session | None, *, tracker: str) -> None:
    """Stop at a redirect to another host instead of following it: a tracker's API does not move, so the
    answer is a login page or a site that moved, never the data asked for."""

    def hook(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        if not response.is_redirect:
            return
        target = urljoin(response.url, response.headers.get("Location", ""))
        if urlsplit(target).netloc != urlsplit(response.url).netloc:
            where = urlsplit(target)
            raise Misdirected(
                f"the url redirects to {where.scheme}://{where.netloc}{where.path}, where no API answers: "
                "check url in the settings (the site's own address, not a login page)",
                tracker=tracker,
                status=response.status_code,
            )

    if session is not None:
        session.hooks["response"].append(hook)


def next_offset(start: int, issues: list[Any]) -> tuple[int, str | None]:
    """Where the next classic page starts, and the key expected first on it (None: no overlap to check)."""
    if len(issues) < 2:
        return start + len(issues), None
    return start + len(issues) - 1, issues[-1].get("key")
