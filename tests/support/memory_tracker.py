"""An in-memory tracker that honours the Connector protocol, for fast engine tests.

It behaves like a tracker where it matters to the engine: label edits are deltas that move ``updated``,
pulls filter on ``updated`` and order by creation, a person can edit labels between syncs, and writes can
be made to fail. It is a fake of a *tracker*, not of a client library: the real connectors are tested over
HTTP against the emulators. It is held to the same method-level contract they are
(:mod:`tests.contracts.connector`), and keeps its comments through their very upsert by marker.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.connectors.base import (
    PULL_OVERLAP,
    Check,
    CommentFormat,
    Fence,
    Identity,
    OpResult,
    Skipped,
    credentials_check,
    unfenced,
)
from syncd.connectors.upsert import Comment, comment_text, upsert_by_marker
from syncd.errors import AuthError, NotFound, TrackerError, TransientError
from syncd.model import LabelChange, LabelHistory, LabelOp, StatusCategory, TrackerKind, WorkItem
from syncd.strategy import LabelScheme, TrackerLabels, tracker_labels


class MemoryTracker:
    def __init__(self, name: str = "jira.memory", *, exclusive: bool = False) -> None:
        self.name = name
        self.kind = TrackerKind.LINEAR if exclusive else TrackerKind.JIRA
        self._labels = tracker_labels(LabelScheme(), self.kind)
        self.issues: dict[str, WorkItem] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.writes = 0
        self.reads = 0
        self.fail_writes: dict[str, TrackerError] = {}
        self.lose_answers: set[str] = set()
        self.after_write: Callable[[LabelOp], None] = lambda op: None
        self.malformed: set[str] = set()
        self._last = datetime.now(UTC)
        self._ids = 0
        self.history: dict[str, list[LabelChange]] = {}
        self.history_reads = 0
        self.refuse_credentials = False

    @property
    def labels(self) -> TrackerLabels:
        return self._labels

    @property
    def requests(self) -> int:
        return self.reads + self.writes + self.history_reads

    @property
    def comment_format(self) -> CommentFormat:
        return "md" if self.kind is TrackerKind.LINEAR else "adf"

    def pull_clock(self) -> datetime | None:
        """None: like a tracker whose answers carry no clock, the engine bounds by the newest ``updated``."""
        return None

    def profile_json(self) -> dict[str, Any] | None:
        return None

    def tick(self) -> datetime:
        now = max(datetime.now(UTC), self._last + timedelta(microseconds=1))
        self._last = now
        return now

    def create(self, key: str, **fields: Any) -> WorkItem:
        self._ids += 1
        now = self.tick()
        defaults: dict[str, Any] = {
            "tracker": self.name,
            "kind": self.kind,
            "id": str(10000 + self._ids),
            "key": key,
            "title": f"Issue {key}",
            "status": StatusCategory.IN_PROGRESS,
            "created": now,
            "updated": now,
            "project": key.split("-")[0],
        }
        defaults.update(fields)
        defaults["labels"] = frozenset(defaults.get("labels", ()))
        item = WorkItem(**defaults)
        self.issues[key] = item
        return item

    def edit(self, key: str, *, by: str = "person", **fields: Any) -> WorkItem:
        """A person (``by``) edits an issue; a change of its labels is kept in its history."""
        if "labels" in fields:
            fields["labels"] = frozenset(fields["labels"])
        old = self.issues[key]
        item = dataclasses.replace(old, updated=self.tick(), **fields)
        self._record(old, item, by)
        self.issues[key] = item
        return item

    def _record(self, old: WorkItem, new: WorkItem, actor: str) -> None:
        if old.labels != new.labels:
            change = LabelChange(new.updated, actor, new.labels - old.labels, old.labels - new.labels)
            self.history.setdefault(new.id, []).append(change)

    def label_history(self, key: str) -> LabelHistory:
        self.history_reads += 1
        if key not in self.issues:
            raise NotFound("gone", status=404)
        return LabelHistory("syncd", tuple(self.history.get(self.issues[key].id, ())))

    def person_labels(self, key: str, *, add: Sequence[str] = (), remove: Sequence[str] = ()) -> None:
        labels = (self.issues[key].labels - set(remove)) | set(add)
        self.edit(key, labels=labels)

    def delete(self, key: str) -> None:
        del self.issues[key]

    def move(self, key: str, new_key: str) -> None:
        item = self.issues.pop(key)
        project = new_key.split("-")[0]
        self.issues[new_key] = dataclasses.replace(item, key=new_key, project=project, updated=self.tick())

    def whoami(self) -> Identity:
        self._authenticate()
        return Identity("syncd", "syncd")

    def probe(self, report_issue: str | None) -> list[Check]:
        credentials, me = credentials_check(self.whoami)
        checks = [credentials]
        if me is not None and report_issue:
            checks.append(Check(f"report issue {report_issue}", True, "visible"))
        return checks

    def _authenticate(self) -> None:
        if self.refuse_credentials:
            raise AuthError("authentication failed: the credentials were refused", tracker=self.name, status=401)

    def pull(self, since: datetime | None) -> Iterator[WorkItem | Skipped]:
        self._authenticate()
        self.reads += 1
        for item in sorted(self.issues.values(), key=lambda i: (i.created, i.key)):
            if since is None or item.updated >= since - PULL_OVERLAP:
                yield Skipped(item.key, "malformed") if item.key in self.malformed else item

    def refetch(self, keys: Sequence[str]) -> Iterator[WorkItem | Skipped]:
        for key in keys:
            self.reads += 1
            if key in self.issues:
                yield Skipped(key, "malformed") if key in self.malformed else self.issues[key]

    def apply(self, ops: Iterable[LabelOp], *, fence: Fence = unfenced) -> Iterator[OpResult]:
        for op in ops:
            fence()
            self.writes += 1
            error = self.fail_writes.get(op.key)
            if error is not None:
                yield OpResult(op, error)
                continue
            current = next((i for i in self.issues.values() if i.id == op.item_id), None)
            if current is None:
                yield OpResult(op, NotFound("gone", status=404))
                continue
            labels = op.applied_to(current.labels)
            if labels != current.labels:
                self.issues[current.key] = dataclasses.replace(current, labels=labels, updated=self.tick())
                self._record(current, self.issues[current.key], "syncd")
            self.after_write(op)
            if op.key in self.lose_answers:
                yield OpResult(op, TransientError("connection dropped before the answer"))
            else:
                yield OpResult(op)

    def upsert_comment(self, issue: str, marker: str, body: Any, comment_id: str | None) -> str:
        """The connectors' own upsert (:func:`~syncd.connectors.upsert.upsert_by_marker`), over a dict."""
        self.writes += 1
        thread = _Thread(self.comments.setdefault(issue, {}))
        return upsert_by_marker(thread, marker=marker, body=body, remembered=comment_id)

    def close(self) -> None:
        pass


class _Thread:
    """An issue's comments, by id in creation order."""

    def __init__(self, comments: dict[str, Any]) -> None:
        self._comments = comments

    def edit(self, comment_id: str, body: Any) -> None:
        if comment_id not in self._comments:
            raise NotFound("no such comment", status=404)
        self._comments[comment_id] = body

    def comments(self) -> Iterator[Comment]:
        for comment_id, body in list(self._comments.items()):
            yield Comment(comment_id, comment_text(body))

    def create(self, body: Any) -> str:
        new_id = str(len(self._comments) + 1)
        self._comments[new_id] = body
        return new_id
