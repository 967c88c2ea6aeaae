"""The emulated Linear's issue history: every change of an issue's labels, by whom and when.

Linear keeps an ``IssueHistory`` entry per change of an issue, with the labels added and removed
(``addedLabelIds``/``removedLabelIds``), the user who made it (``actor``; empty for integrations and
automations, which show as ``botActor``) and ``createdAt``; ``Issue.history`` serves them as a connection.
See ``IssueHistory`` in Linear's schema (https://studio.apollographql.com/public/Linear-API/variant/current/schema/reference/objects/IssueHistory).
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass

__all__ = ["IssueHistories", "IssueHistory"]


@dataclass(frozen=True, slots=True)
class IssueHistory:
    """One change of an issue's labels; ``seq`` orders every entry of the workspace."""

    id: str
    issue_id: str
    actor_id: str | None
    created_at: int
    updated_at: int
    added_label_ids: tuple[str, ...]
    removed_label_ids: tuple[str, ...]
    seq: int


class IssueHistories:
    """The label history of every issue of one workspace (guarded by the store's lock)."""

    def __init__(self) -> None:
        self._by_issue: dict[str, list[IssueHistory]] = {}
        self._seq = itertools.count()

    def record(
        self, issue_id: str, *, actor_id: str | None, at: int, before: tuple[str, ...], after: tuple[str, ...]
    ) -> None:
        """Keep a change of labels (nothing when the labels did not change)."""
        added = tuple(i for i in after if i not in before)
        removed = tuple(i for i in before if i not in after)
        if added or removed:
            entry = IssueHistory(str(uuid.uuid4()), issue_id, actor_id, at, at, added, removed, next(self._seq))
            self._by_issue.setdefault(issue_id, []).append(entry)

    def of(self, issue_id: str) -> list[IssueHistory]:
        return list(self._by_issue.get(issue_id, ()))

    def mark(self) -> int:
        """A point to :meth:`rewind` to when a change is rolled back."""
        return next(self._seq)

    def rewind(self, mark: int) -> None:
        """Forget every entry recorded after ``mark``."""
        for issue_id, entries in self._by_issue.items():
            self._by_issue[issue_id] = [entry for entry in entries if entry.seq < mark]
