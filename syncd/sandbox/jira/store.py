"""The emulated Jira's issues and comments, and the API tests use to arrange them.

One store backs one emulated site. The HTTP app reads and writes it on behalf of the API's callers; tests,
the demo and benchmarks arrange it directly: issues with every field syncd reads, edits *as a person*
(which move ``updated`` exactly as a person's edit in Jira does), deletions and moves. Users and projects
come from :class:`~syncd.sandbox.jira.directory.Directory`. Every method takes the site's lock, so HTTP
threads and a test thread can share the store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from syncd.sandbox.clock import Clock
from syncd.sandbox.jira import adf
from syncd.sandbox.jira.changelog import Changelog
from syncd.sandbox.jira.changes import KEEP, IssueEdit, Keep, checked_labels, pick, priority_name
from syncd.sandbox.jira.directory import Directory
from syncd.sandbox.jira.model import (
    ISSUE_TYPES,
    STATUSES,
    Comment,
    Deployment,
    Issue,
    IssueType,
    Status,
    StatusCategory,
    Text,
    User,
    resolution_for,
)
from syncd.sandbox.jira.search import SearchEngine

__all__ = ["JiraStore"]


class JiraStore(Directory):
    """The projects, users, issues and comments of one emulated Jira site.

    Args:
        deployment: Cloud or Data Center; decides the default story points field and epic semantics.
        clock: the clock every timestamp comes from (real time unless a test sets it).
    """

    def __init__(self, deployment: Deployment = Deployment.CLOUD, *, clock: Clock | None = None) -> None:
        super().__init__(deployment, clock=clock)
        self._issues: dict[int, Issue] = {}
        self._keys: dict[str, int] = {}
        self._comments: dict[int, list[Comment]] = {}
        self.engine = SearchEngine(self._issues)
        self._corruptions: dict[str, dict[str, Any]] = {}
        self.watchers: list[Callable[[Issue | None, Issue | None], None]] = []
        """Told ``(old, new)`` under the lock after every change of an issue (webhooks)."""
        self.changelog = Changelog()

    # -- fault knob ---------------------------------------------------------------------------------

    def corrupt(self, key: str, **fields: Any) -> None:
        """Serve these raw field values for ``key`` from now on: a malformed payload, as a broken
        custom field or a misbehaving app can make Jira send. ``corrupt(key)`` with nothing heals it."""
        with self.lock:
            if fields:
                self._corruptions[key] = fields
            else:
                self._corruptions.pop(key, None)

    def corruption(self, key: str) -> dict[str, Any]:
        with self.lock:
            return dict(self._corruptions.get(key, {}))

    # -- issues -----------------------------------------------------------------------------------

    def issue_id_for(self, value: str) -> int | None:
        """An issue by id, current key or a key it had before a move."""
        with self.lock:
            if value.isdigit():
                return int(value) if int(value) in self._issues else None
            return self._keys.get(value.upper())

    def issue_by_id(self, issue_id: int) -> Issue | None:
        with self.lock:
            return self._issues.get(issue_id)

    def find(self, id_or_key: str) -> Issue | None:
        """The issue an API path names, or None (deleted, never existed)."""
        with self.lock:
            issue_id = self.issue_id_for(id_or_key)
            return self._issues.get(issue_id) if issue_id is not None else None

    def issue(self, id_or_key: str) -> Issue:
        """The issue as stored now; raises KeyError when there is none."""
        found = self.find(id_or_key)
        if found is None:
            raise KeyError(f"no issue {id_or_key}")
        return found

    def issues(self) -> list[Issue]:
        with self.lock:
            return list(self._issues.values())

    def __len__(self) -> int:
        with self.lock:
            return len(self._issues)

    def __iter__(self) -> Iterator[Issue]:
        return iter(self.issues())

    def create_issue(
        self,
        project: str,
        summary: str,
        *,
        issue_type: str | IssueType = "Story",
        status: str | Status = "To Do",
        priority: str = "Medium",
        labels: Iterable[str] = (),
        components: Iterable[str] = (),
        description: Text | None = None,
        parent: str | None = None,
        epic: str | None = None,
        story_points: float | None = None,
        created: datetime | None = None,
        updated: datetime | None = None,
        resolutiondate: datetime | None = None,
        reporter: User | None = None,
        resolution: str | Keep | None = KEEP,
        number: int | None = None,
        status_changed: datetime | None = None,
    ) -> Issue:
        """Create an issue with every field syncd reads.

        ``epic`` links a story to an epic: Cloud records it as the ``parent``, Data Center as the *Epic
        Link*. ``parent`` is a sub-task's parent (and, on Cloud, may name an epic too). Components are
        created in the project when missing. Timestamps default to the clock's now; a done status gets a
        resolution date.
        """
        with self.lock:
            target = self.project_by_key(project)
            number = number or self._numbers[target.id] + 1
            if f"{target.key}-{number}" in self._keys:
                raise ValueError(f"issue {target.key}-{number} exists")
            kind = issue_type if isinstance(issue_type, IssueType) else ISSUE_TYPES[issue_type.lower()]
            state = status if isinstance(status, Status) else STATUSES[status.lower()]
            parent_id, epic_id = self._links(
                kind, KEEP if parent is None else parent, KEEP if epic is None else epic, (None, None)
            )
            created_at = created or self.clock.now()
            updated_at = updated or created_at
            done = state.category is StatusCategory.DONE
            issue = Issue(
                id=self._new_id("issue"),
                key=f"{target.key}-{number}",
                project_id=target.id,
                number=number,
                summary=summary,
                description=description,
                issue_type=kind,
                status=state,
                priority=priority_name(priority),
                labels=checked_labels(dict.fromkeys(labels)),
                component_ids=self._component_ids(target.key, components),
                parent_id=parent_id,
                epic_id=epic_id,
                story_points=story_points,
                created=created_at,
                updated=updated_at,
                resolutiondate=_resolution_date(resolution, resolutiondate, updated_at if done else None),
                reporter=(reporter or self.default_user).account_id,
                resolution=resolution_for(state) if isinstance(resolution, Keep) else resolution,
                status_changed=status_changed or updated_at,
            )
            self._numbers[target.id] = max(number, self._numbers[target.id])
            self._issues[issue.id] = issue
            self._keys[issue.key] = issue.id
            self._comments[issue.id] = []
            self._changed(None, issue)
            return issue

    def _component_ids(self, project_key: str, names: Iterable[str]) -> tuple[int, ...]:
        return tuple(self.add_component(project_key, name).id for name in names)

    def _links(
        self,
        kind: IssueType,
        parent: str | Keep | None,
        epic: str | Keep | None,
        current: tuple[int | None, int | None],
    ) -> tuple[int | None, int | None]:
        """(parent id, epic id) after an edit; Cloud keeps an epic as the parent, Data Center as Epic Link."""
        cloud = self.deployment is Deployment.CLOUD
        parent_id, epic_id = current
        if cloud and not isinstance(epic, Keep):
            parent = epic
        if not isinstance(parent, Keep):
            target = self.issue(parent) if parent is not None else None
            if target is not None:
                fits = target.issue_type.hierarchy_level == kind.hierarchy_level + 1
                if not fits or (not cloud and not kind.subtask):
                    raise ValueError(f"{target.key} cannot be the parent of a {kind.name}")
            parent_id = target.id if target is not None else None
        if not cloud and not isinstance(epic, Keep):
            target = self.issue(epic) if epic is not None else None
            if target is not None and target.issue_type.name != "Epic":
                raise ValueError(f"{target.key} is not an epic")
            epic_id = target.id if target is not None else None
        return parent_id, epic_id

    def _edited(self, issue: Issue, edit: IssueEdit) -> Issue:
        """``issue`` with ``edit`` applied (fields only; ``updated`` is the caller's business)."""
        labels = list(edit.set_labels) if edit.set_labels is not None else list(issue.labels)
        for operation, label in edit.label_ops:
            if operation == "add" and label not in labels:
                labels.append(label)
            elif operation == "remove" and label in labels:
                labels.remove(label)
        components = issue.component_ids
        if not isinstance(edit.components, Keep):
            components = self._component_ids(self._projects[issue.project_id].key, edit.components)
        parent_id, epic_id = self._links(issue.issue_type, edit.parent, edit.epic, (issue.parent_id, issue.epic_id))
        return dataclasses.replace(
            issue,
            labels=checked_labels(labels),
            summary=pick(edit.summary, issue.summary),
            description=pick(edit.description, issue.description),
            story_points=pick(edit.story_points, issue.story_points),
            priority=issue.priority if isinstance(edit.priority, Keep) else priority_name(edit.priority),
            status=issue.status if isinstance(edit.status, Keep) else STATUSES[edit.status.lower()],
            component_ids=components,
            parent_id=parent_id,
            epic_id=epic_id,
        )

    def edit_issue(self, id_or_key: str, edit: IssueEdit, *, by: User | None = None) -> Issue:
        """Apply ``edit`` as ``by`` (default: a person, not the API's account); ``updated`` moves only if
        something changed, and a change of labels is kept in the changelog under ``by``.

        Raises ValueError (with Jira's wording) for a label Jira would refuse, KeyError for no such issue.
        """
        with self.lock:
            old = self.issue(id_or_key)
            new = self._edited(old, edit)
            if new.status.category is not old.status.category:
                done = new.status.category is StatusCategory.DONE
                new = dataclasses.replace(
                    new,
                    resolutiondate=self.clock.now() if done else None,
                    resolution=resolution_for(new.status),
                    status_changed=self.clock.now(),
                )
            author = by or self.person
            for body in edit.comments:
                self._add_comment(new, body, author)
            if new != old or edit.comments:
                new = dataclasses.replace(new, updated=self.clock.now())
                self.changelog.record(new.id, author=author, at=new.updated, before=old.labels, after=new.labels)
                self._replace(old, new)
            return new

    def _replace(self, old: Issue, new: Issue) -> None:
        self._issues[new.id] = new
        self._changed(old, new)

    def _changed(self, old: Issue | None, new: Issue | None) -> None:
        self.engine.changed(old, new)
        for watcher in self.watchers:
            watcher(old, new)

    def edit_labels(
        self, id_or_key: str, *, add: Iterable[str] = (), remove: Iterable[str] = (), by: User | None = None
    ) -> Issue:
        """Add and remove labels as a person would (moves ``updated`` when the labels change)."""
        ops = tuple(("add", label) for label in add) + tuple(("remove", label) for label in remove)
        return self.edit_issue(id_or_key, IssueEdit(label_ops=ops), by=by)

    def set_labels(self, id_or_key: str, labels: Iterable[str], *, by: User | None = None) -> Issue:
        return self.edit_issue(id_or_key, IssueEdit(set_labels=tuple(labels)), by=by)

    def labels(self, id_or_key: str) -> tuple[str, ...]:
        return self.issue(id_or_key).labels

    def delete_issue(self, id_or_key: str) -> None:
        """Delete an issue with its sub-tasks and comments; children lose their epic or parent link."""
        with self.lock:
            issue = self.issue(id_or_key)
            for child in list(self._issues.values()):
                if child.parent_id == issue.id and child.issue_type.subtask:
                    self.delete_issue(str(child.id))
                elif child.parent_id == issue.id or child.epic_id == issue.id:
                    unlinked = dataclasses.replace(
                        child,
                        parent_id=None if child.parent_id == issue.id else child.parent_id,
                        epic_id=None if child.epic_id == issue.id else child.epic_id,
                        updated=self.clock.now(),
                    )
                    self._replace(child, unlinked)
            del self._issues[issue.id]
            self._comments.pop(issue.id, None)
            for key in [k for k, v in self._keys.items() if v == issue.id]:
                del self._keys[key]
            self._changed(issue, None)

    def move_issue(self, id_or_key: str, project_key: str) -> Issue:
        """Move an issue (and its sub-tasks) to another project: new key, same id, old key still resolves."""
        with self.lock:
            old = self.issue(id_or_key)
            target = self.project_by_key(project_key)
            number = self._numbers[target.id] + 1
            self._numbers[target.id] = number
            new = dataclasses.replace(
                old,
                key=f"{target.key}-{number}",
                project_id=target.id,
                number=number,
                component_ids=(),
                updated=self.clock.now(),
            )
            self._keys[new.key] = new.id
            self._replace(old, new)
            for child in list(self._issues.values()):
                if child.parent_id == new.id and child.issue_type.subtask and child.project_id != target.id:
                    self.move_issue(str(child.id), project_key)
            return new

    # -- comments ---------------------------------------------------------------------------------

    def comments_of(self, issue_id: int) -> list[Comment]:
        with self.lock:
            return list(self._comments.get(issue_id, ()))

    def comments(self, id_or_key: str) -> list[Comment]:
        return self.comments_of(self.issue(id_or_key).id)

    def comment_text(self, comment: Comment) -> str:
        """A comment's readable text, whichever format it was written in."""
        return adf.to_plain_text(comment.body)

    def _add_comment(self, issue: Issue, body: Text, author: User) -> Comment:
        now = self.clock.now()
        comment = Comment(self._new_id("comment"), issue.id, author.account_id, body, now, now, author.account_id)
        self._comments[issue.id].append(comment)
        return comment

    def add_comment(self, id_or_key: str, body: Text, *, author: User | None = None) -> Comment:
        """Comment on an issue (moves its ``updated``, as Jira does)."""
        with self.lock:
            issue = self.issue(id_or_key)
            comment = self._add_comment(issue, body, author or self.default_user)
            self._replace(issue, dataclasses.replace(issue, updated=comment.created))
            return comment

    def edit_comment(self, id_or_key: str, comment_id: int, body: Text, *, author: User | None = None) -> Comment:
        """Replace a comment's body (moves the comment's and the issue's ``updated``)."""
        with self.lock:
            issue = self.issue(id_or_key)
            comments = self._comments[issue.id]
            position = next(i for i, c in enumerate(comments) if c.id == comment_id)
            now = self.clock.now()
            editor = (author or self.default_user).account_id
            edited = dataclasses.replace(comments[position], body=body, updated=now, update_author=editor)
            comments[position] = edited
            self._replace(issue, dataclasses.replace(issue, updated=now))
            return edited

    def delete_comment(self, id_or_key: str, comment_id: int) -> None:
        with self.lock:
            issue = self.issue(id_or_key)
            self._comments[issue.id] = [c for c in self._comments[issue.id] if c.id != comment_id]
            self._replace(issue, dataclasses.replace(issue, updated=self.clock.now()))

    def comment(self, id_or_key: str, comment_id: int) -> Comment | None:
        with self.lock:
            issue = self.find(id_or_key)
            if issue is None:
                return None
            return next((c for c in self._comments[issue.id] if c.id == comment_id), None)


def _resolution_date(
    resolution: str | Keep | None, given: datetime | None, default: datetime | None
) -> datetime | None:
    """Jira sets the resolution date with the resolution: none without one."""
    if resolution is None:
        return None
    return given or default
