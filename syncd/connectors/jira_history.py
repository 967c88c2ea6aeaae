"""Jira's record of who changed an issue's labels, as :class:`~syncd.core.provenance.LabelChange` values.

Cloud serves an issue's changelog in pages (``GET /rest/api/3/issue/{key}/changelog``, ``PageBeanChangelog``,
at most 100 histories a page, oldest first):
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-changelog-get
Data Center has no such resource; it returns the histories with the issue under ``expand=changelog``
(``GET /rest/api/2/issue/{key}``). A change of labels is an item with ``field`` ``labels`` whose
``fromString``/``toString`` are the labels before and after, separated by spaces (a Jira label holds no
space). The author is an ``accountId`` on Cloud and a user ``name`` on Data Center, the same value
syncd's own profile keeps as its account. A history that does not parse is left out: without it a label
counts as a person's, which never costs a person's label.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from syncd.connectors.paging import Offsets, paginate
from syncd.connectors.payload import timestamp
from syncd.model import LabelChange

__all__ = ["cloud_histories", "datacenter_histories", "label_changes"]

Get = Callable[[str, dict[str, Any]], Any]
_PAGE = 100


def cloud_histories(get: Get, key: str) -> Iterator[Any]:
    """Every history of the issue, page by page (``startAt`` moves by what each page held)."""
    path = f"issue/{key}/changelog"
    return paginate(Offsets("values", is_last=True), lambda start: get(path, {"startAt": start, "maxResults": _PAGE}))


def datacenter_histories(get: Get, key: str) -> Iterator[Any]:
    """Every history of the issue, from the issue read with its changelog expanded."""
    issue = get(f"issue/{key}", {"expand": "changelog", "fields": "labels"})
    changelog = issue.get("changelog") if isinstance(issue, dict) else None
    histories = changelog.get("histories") if isinstance(changelog, dict) else None
    yield from histories if isinstance(histories, list) else ()


def label_changes(histories: Iterator[Any]) -> tuple[LabelChange, ...]:
    """The label changes among ``histories``, each with its author."""
    changes: list[LabelChange] = []
    for history in histories:
        change = _label_change(history)
        if change is not None:
            changes.append(change)
    return tuple(changes)


def _label_change(history: Any) -> LabelChange | None:
    if not isinstance(history, dict):
        return None
    items = [item for item in history.get("items") or () if isinstance(item, dict) and item.get("field") == "labels"]
    if not items:
        return None
    try:
        at = timestamp(history.get("created"))
    except (TypeError, ValueError):
        return None
    author = _mapping(history.get("author"))
    actor = str(author.get("accountId") or author.get("name") or "")
    added: set[str] = set()
    removed: set[str] = set()
    for item in items:
        before, after = _labels(item.get("fromString")), _labels(item.get("toString"))
        added |= after - before
        removed |= before - after
    return LabelChange(at=at, actor=actor, added=frozenset(added), removed=frozenset(removed))


def _labels(value: Any) -> frozenset[str]:
    return frozenset(value.split()) if isinstance(value, str) else frozenset()


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
