"""The emulated Jira's issue changelog: every change of an issue's labels, by whom and when.

Jira records each edit as a *history* (``Changelog``: ``id``, ``author``, ``created``, ``items``); a change
of labels is one item with ``field`` ``labels`` and the labels before and after as space-separated
``fromString``/``toString`` (``from``/``to`` hold ids, which labels have none of, and are left out as
the description declares them not nullable). The labels an issue was created with are not in it. Cloud serves the
histories oldest first, in pages of at most 100 (``PageBeanChangelog``):
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-changelog-get
Data Center has no such endpoint; it returns them all under ``changelog`` when an issue is read with
``expand=changelog``:
https://docs.atlassian.com/software/jira/docs/api/REST/9.12.0/#api/2/issue-getIssue
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.sandbox.jira.model import User
from syncd.sandbox.jira.render import Lookup, View, timestamp, user_json

__all__ = ["PAGE_LIMIT", "Changelog", "History", "changelog_json", "page_json"]

PAGE_LIMIT = 100


@dataclass(frozen=True, slots=True)
class History:
    """One edit that changed an issue's labels."""

    id: int
    author: str
    created: datetime
    labels_from: tuple[str, ...]
    labels_to: tuple[str, ...]


class Changelog:
    """The label histories of every issue of one site."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_issue: dict[int, list[History]] = {}
        self._ids = itertools.count(10000)

    def record(
        self, issue_id: int, *, author: User, at: datetime, before: tuple[str, ...], after: tuple[str, ...]
    ) -> None:
        """Keep a change of labels (nothing when the labels did not change)."""
        if before == after:
            return
        with self._lock:
            history = History(next(self._ids), author.account_id, at, before, after)
            self._by_issue.setdefault(issue_id, []).append(history)

    def of(self, issue_id: int) -> list[History]:
        """The issue's histories, oldest first."""
        with self._lock:
            return list(self._by_issue.get(issue_id, ()))


def _history_json(history: History, view: View, lookup: Lookup) -> dict[str, Any]:
    item: dict[str, Any] = {"field": "labels", "fieldtype": "jira"}
    if view.cloud:
        item["fieldId"] = "labels"
    item["fromString"] = " ".join(history.labels_from)
    item["toString"] = " ".join(history.labels_to)
    body: dict[str, Any] = {"id": str(history.id)}
    author = lookup.user(history.author)
    if author is not None:
        body["author"] = user_json(author, view)
    body["created"] = timestamp(history.created, view.viewer.time_zone)
    body["items"] = [item]
    return body


def page_json(histories: list[History], view: View, lookup: Lookup, *, start: int, limit: int) -> dict[str, Any]:
    """One page of histories as ``PageBeanChangelog``."""
    limit = max(0, min(limit, PAGE_LIMIT))
    chosen = histories[start : start + limit]
    return {
        "maxResults": limit,
        "startAt": start,
        "total": len(histories),
        "isLast": start + len(chosen) >= len(histories),
        "values": [_history_json(h, view, lookup) for h in chosen],
    }


def changelog_json(histories: list[History], view: View, lookup: Lookup) -> dict[str, Any]:
    """Every history, as Data Center's ``changelog`` expansion of an issue."""
    return {
        "startAt": 0,
        "maxResults": len(histories),
        "total": len(histories),
        "histories": [_history_json(h, view, lookup) for h in histories],
    }
