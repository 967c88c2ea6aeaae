"""The emulated workspace's data and the indexes that keep 100k issues fast to page.

Records are immutable (:mod:`syncd.sandbox.linear.records`); every change goes through :meth:`put_issue`
and friends, which keep the indexes in step: issue keys sorted by ``createdAt`` and by ``updatedAt``
(for keyset pagination), issues by related entity (team, project, parent, cycle, label, state,
assignee) for nested connections, and identifiers old and new. One re-entrant lock guards it all;
a GraphQL request holds it for its whole execution, so every answer is a consistent snapshot.
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import uuid
from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import TypeVar

from syncd.sandbox.clock import Clock
from syncd.sandbox.linear.history import IssueHistories
from syncd.sandbox.linear.pagination import Key
from syncd.sandbox.linear.records import (
    ApiKey,
    Comment,
    Cycle,
    Initiative,
    Issue,
    Label,
    Organization,
    Project,
    Team,
    User,
    WorkflowState,
)

__all__ = ["ISSUE_RELATIONS", "LinearStore", "new_id"]

R = TypeVar("R")

ISSUE_RELATIONS = ("team", "project", "parent", "cycle", "state", "label", "assignee")
"""Relations indexed from an issue to the entity it points at."""


def new_id() -> str:
    """A fresh UUID v4, the id format Linear uses for every entity."""
    return str(uuid.uuid4())


def _related_ids(issue: Issue) -> Iterator[tuple[str, str]]:
    yield "team", issue.team_id
    yield "state", issue.state_id
    if issue.project_id:
        yield "project", issue.project_id
    if issue.parent_id:
        yield "parent", issue.parent_id
    if issue.cycle_id:
        yield "cycle", issue.cycle_id
    if issue.assignee_id:
        yield "assignee", issue.assignee_id
    for label_id in issue.label_ids:
        yield "label", label_id


class _SortedKeys:
    """Ascending ``(timestamp, id)`` keys; appends are cheap in bulk mode and sorted once after."""

    def __init__(self) -> None:
        self.keys: list[Key] = []
        self._dirty = False

    def add(self, key: Key, *, bulk: bool) -> None:
        if bulk or self._dirty:
            self.keys.append(key)
            self._dirty = True
        elif not self.keys or self.keys[-1] < key:
            self.keys.append(key)
        else:
            insort(self.keys, key)

    def remove(self, key: Key) -> None:
        if self._dirty:
            self.keys.remove(key)
            return
        index = bisect_left(self.keys, key)
        if index < len(self.keys) and self.keys[index] == key:
            del self.keys[index]

    def sorted(self) -> list[Key]:
        if self._dirty:
            self.keys.sort()
            self._dirty = False
        return self.keys


class LinearStore:
    """All records of one workspace, indexed.

    Args:
        clock: the clock every timestamp comes from.
        organization: the workspace's name.
        url_key: the workspace's URL key (``https://linear.app/<url_key>/…``).
    """

    def __init__(self, clock: Clock | None = None, *, organization: str = "Acme", url_key: str = "acme") -> None:
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        now = self.clock.now_ms()
        self.organization = Organization(new_id(), organization, url_key, now, now)
        self.users: dict[str, User] = {}
        self.api_keys: dict[str, ApiKey] = {}
        self.teams: dict[str, Team] = {}
        self.states: dict[str, WorkflowState] = {}
        self.labels: dict[str, Label] = {}
        self.initiatives: dict[str, Initiative] = {}
        self.projects: dict[str, Project] = {}
        self.cycles: dict[str, Cycle] = {}
        self.issues: dict[str, Issue] = {}
        self.comments: dict[str, Comment] = {}
        self._identifiers: dict[str, str] = {}
        self._order = {"createdAt": _SortedKeys(), "updatedAt": _SortedKeys()}
        self._related: dict[str, defaultdict[str, set[str]]] = {name: defaultdict(set) for name in ISSUE_RELATIONS}
        self._comments_by_issue: defaultdict[str, set[str]] = defaultdict(set)
        self._numbers: defaultdict[str, int] = defaultdict(int)
        self._sync_id = 1000
        self._bulk = 0
        self.watchers: list[Callable[[Issue | None, Issue | None], None]] = []
        """Told ``(old, new)`` under the lock after an issue is put or removed (webhooks)."""
        self.comment_watchers: list[Callable[[Comment | None, Comment | None], None]] = []
        """Likewise for comments."""
        self.histories = IssueHistories()

    # -- bookkeeping -------------------------------------------------------------------------------

    def next_sync_id(self) -> int:
        """The next ``lastSyncId``: Linear's monotonically increasing change counter."""
        with self.lock:
            self._sync_id += 1
            return self._sync_id

    def next_issue_number(self, team_id: str, number: int | None = None) -> int:
        """The next number of a team's issues, or ``number`` (an imported issue's own) when given."""
        with self.lock:
            if number is None:
                self._numbers[team_id] += 1
                return self._numbers[team_id]
            self._numbers[team_id] = max(self._numbers[team_id], number)
            return number

    def touch_time(self, previous: int) -> int:
        """``updatedAt`` for a change now: never equal to or before the previous value."""
        return max(self.clock.now_ms(), previous + 1)

    @contextlib.contextmanager
    def bulk(self) -> Iterator[None]:
        """Defer index sorting while many issues are added (seeding 100k issues), then sort once."""
        with self.lock:
            self._bulk += 1
            try:
                yield
            finally:
                self._bulk -= 1
                if not self._bulk:
                    for index in self._order.values():
                        index.sorted()

    # -- issues ------------------------------------------------------------------------------------

    def put_issue(self, issue: Issue) -> Issue:
        """Insert or replace an issue and update every index."""
        with self.lock:
            old = self.issues.get(issue.id)
            if old is not None:
                self._unindex(old)
            self.issues[issue.id] = issue
            self._index(issue)
            for watcher in self.watchers:
                watcher(old, issue)
            return issue

    def remove_issue(self, issue_id: str) -> Issue | None:
        """Delete an issue for good, with its comments; its sub-issues lose their parent."""
        with self.lock:
            issue = self.issues.pop(issue_id, None)
            if issue is None:
                return None
            self._unindex(issue)
            for child_id in list(self._related["parent"].get(issue_id, ())):
                child = self.issues[child_id]
                moved = dataclasses.replace(child, parent_id=None, updated_at=self.touch_time(child.updated_at))
                self.put_issue(moved)
            for comment_id in list(self._comments_by_issue.pop(issue_id, ())):
                self.comments.pop(comment_id, None)
            for watcher in self.watchers:
                watcher(issue, None)
            return issue

    def _index(self, issue: Issue) -> None:
        bulk = self._bulk > 0
        self._order["createdAt"].add((issue.created_at, issue.id), bulk=bulk)
        self._order["updatedAt"].add((issue.updated_at, issue.id), bulk=bulk)
        for relation, target in _related_ids(issue):
            self._related[relation][target].add(issue.id)
        self._identifiers[issue.identifier.upper()] = issue.id
        for previous in issue.previous_identifiers:
            self._identifiers[previous.upper()] = issue.id

    def _unindex(self, issue: Issue) -> None:
        self._order["createdAt"].remove((issue.created_at, issue.id))
        self._order["updatedAt"].remove((issue.updated_at, issue.id))
        for relation, target in _related_ids(issue):
            members = self._related[relation].get(target)
            if members is not None:
                members.discard(issue.id)
                if not members:
                    del self._related[relation][target]

    def issue_keys(self, order: str) -> list[Key]:
        """Every issue's ``(timestamp, id)`` key for ``order`` (``createdAt``/``updatedAt``), ascending."""
        return self._order[order].sorted()

    def related_issue_ids(self, relation: str, target_id: str) -> set[str]:
        """Ids of the issues whose ``relation`` (see :data:`ISSUE_RELATIONS`) points at ``target_id``."""
        return self._related[relation].get(target_id, set())

    def find_issue(self, ref: str) -> Issue | None:
        """An issue by UUID, identifier (``ENG-12``) or an identifier it had before moving team."""
        issue = self.issues.get(ref)
        if issue is not None:
            return issue
        ident = self._identifiers.get(ref.upper())
        return self.issues.get(ident) if ident else None

    # -- comments ----------------------------------------------------------------------------------

    def put_comment(self, comment: Comment) -> Comment:
        with self.lock:
            old = self.comments.get(comment.id)
            self.comments[comment.id] = comment
            self._comments_by_issue[comment.issue_id].add(comment.id)
            for watcher in self.comment_watchers:
                watcher(old, comment)
            return comment

    def remove_comment(self, comment_id: str) -> Comment | None:
        with self.lock:
            comment = self.comments.pop(comment_id, None)
            if comment is not None:
                self._comments_by_issue[comment.issue_id].discard(comment_id)
                for watcher in self.comment_watchers:
                    watcher(comment, None)
            return comment

    def comments_of(self, issue_id: str) -> list[Comment]:
        """The issue's comments, oldest first."""
        found = [self.comments[i] for i in self._comments_by_issue.get(issue_id, ())]
        return sorted(found, key=lambda c: (c.created_at, c.id))

    # -- other entities ----------------------------------------------------------------------------

    def find_team(self, ref: str) -> Team | None:
        """A team by id or by key."""
        team = self.teams.get(ref)
        if team is not None:
            return team
        upper = ref.upper()
        return next((t for t in self.teams.values() if t.key.upper() == upper), None)

    def team_states(self, team_id: str) -> list[WorkflowState]:
        """The team's workflow states in board order."""
        states = [s for s in self.states.values() if s.team_id == team_id and s.archived_at is None]
        return sorted(states, key=lambda s: (s.position, s.name))

    def label_children(self, label_id: str) -> list[Label]:
        return [label for label in self.labels.values() if label.parent_id == label_id]

    def put(self, table: dict[str, R], record: R) -> R:
        """Insert or replace a record of a table without issue indexes (teams, labels, projects…)."""
        with self.lock:
            table[getattr(record, "id")] = record  # noqa: B009 - every record type has an id
            return record
