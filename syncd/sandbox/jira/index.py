"""Sorted views of the issues, kept current edit by edit, so a page costs a bisect and a short walk.

Benchmarks read 100k issues page by page while syncd may write labels between pages. Re-filtering and
re-sorting the whole set per page would make the emulator, not syncd, the thing being measured. Each
``ORDER BY`` a client uses gets one sorted list of sort keys, built on first use and then updated in place
on every create, edit, move and delete (a bisect and one list insertion). Sort keys end with the issue id,
so they are unique and a page token can name the exact position after the last issue it returned.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable
from typing import Any

from syncd.sandbox.jira.jql import QueryField, SortField
from syncd.sandbox.jira.model import Issue
from syncd.sandbox.jira.values import first_value

__all__ = ["DEFAULT_ORDER", "IssueIndex", "SortKey", "SortedIndex", "sort_key"]

SortKey = tuple[Any, ...]

DEFAULT_ORDER: tuple[SortField, ...] = (SortField(QueryField.KEY, descending=True),)
"""The order of a query without ``ORDER BY``: newest key first."""


def _inverted(text: str) -> tuple[int, ...]:
    """A key that sorts strings in reverse (a longer string after its prefix, as in descending order)."""
    return (*(-ord(char) for char in text), 1)


def sort_key(issue: Issue, order: tuple[SortField, ...]) -> SortKey:
    """The position of ``issue`` under ``order``; ties are broken by issue id."""
    parts: list[Any] = []
    for sort in order:
        if sort.field is QueryField.KEY:
            project = issue.key.rpartition("-")[0]
            parts.append(_inverted(project) if sort.descending else project)
            parts.append(-issue.number if sort.descending else issue.number)
        elif sort.field is QueryField.CREATED:
            parts.append(-issue.created_ms if sort.descending else issue.created_ms)
        elif sort.field is QueryField.UPDATED:
            parts.append(-issue.updated_ms if sort.descending else issue.updated_ms)
        else:
            value = first_value(issue, sort.field)
            parts.append(_inverted(value) if sort.descending else value)
    parts.append(issue.id)
    return tuple(parts)


class SortedIndex:
    """All issues' sort keys under one order, ascending; the issue id is each key's last element."""

    def __init__(self, order: tuple[SortField, ...], issues: Iterable[Issue]) -> None:
        self.order = order
        self.keys: list[SortKey] = sorted(sort_key(issue, order) for issue in issues)

    def add(self, issue: Issue) -> None:
        insort(self.keys, sort_key(issue, self.order))

    def remove(self, issue: Issue) -> None:
        key = sort_key(issue, self.order)
        position = bisect_left(self.keys, key)
        if position < len(self.keys) and self.keys[position] == key:
            del self.keys[position]

    def position_after(self, key: SortKey | None) -> int:
        """Where a page that continues after ``key`` starts (raises TypeError for a foreign key)."""
        return 0 if key is None else bisect_right(self.keys, key)


class IssueIndex:
    """The sorted indexes in use, maintained by the store under its lock."""

    def __init__(self) -> None:
        self._indexes: dict[tuple[SortField, ...], SortedIndex] = {}

    def get(self, order: tuple[SortField, ...], issues: Iterable[Issue]) -> SortedIndex:
        """The index for ``order``, built from ``issues`` the first time it is asked for."""
        index = self._indexes.get(order)
        if index is None:
            index = self._indexes[order] = SortedIndex(order, issues)
        return index

    def replace(self, old: Issue | None, new: Issue | None) -> None:
        """Record that ``old`` became ``new`` (None for a created or deleted issue)."""
        for index in self._indexes.values():
            if old is not None and new is not None and sort_key(old, index.order) == sort_key(new, index.order):
                continue
            if old is not None:
                index.remove(old)
            if new is not None:
                index.add(new)
