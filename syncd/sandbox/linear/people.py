"""Acting in a workspace as a person would in Linear's app.

A person's edit moves ``updatedAt`` like the app does, so syncd's incremental pulls see it. Picking a
label in a label group *replaces* the group's current label (the app's behaviour), where the API
refuses a second label of a group instead.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from syncd.sandbox.linear.edits import edit_issue
from syncd.sandbox.linear.errors import input_error, not_found
from syncd.sandbox.linear.lookups import Ref, WorkspaceLookups, ms_or, ref_id
from syncd.sandbox.linear.records import Comment, Issue, User
from syncd.sandbox.linear.store import new_id

__all__ = ["PersonActions"]

_PERSON_EMAIL = "robin.person@example.com"


class PersonActions(WorkspaceLookups):
    """Edits, moves, archives, deletions and comments by people, and how an issue reads back."""

    def person(self) -> User:
        """The user who acts in the app when a test or the demo edits as a person (added on first use)."""
        with self.store.lock:
            found = next((user for user in self.store.users.values() if user.email == _PERSON_EMAIL), None)
            if found is not None:
                return found
            now = self.store.clock.now_ms()
            return self.store.put(self.store.users, User(new_id(), "Robin Person", _PERSON_EMAIL, now, now))

    def edit_labels(
        self, issue: Ref, *, add: Iterable[Ref] = (), remove: Iterable[Ref] = (), by: User | None = None
    ) -> Issue:
        """Add and remove labels as a person (``by``, else :meth:`person`): a label picked in a group
        replaces the group's current one."""
        with self.store.lock:
            target = self.issue(issue)
            changes = {
                "added_label_ids": [self.label(ref, team=target.team_id).id for ref in add],
                "removed_label_ids": [self.label(ref, team=target.team_id).id for ref in remove],
            }
            actor = (by or self.person()).id
            return edit_issue(self.store, target, changes, person=True, actor=actor)

    def update_issue(self, issue: Ref, **changes: Any) -> Issue:
        """Edit fields as a person: ``title``, ``description``, ``priority``, ``estimate``, ``state``
        (name, type or id), ``project``, ``cycle``, ``parent``, ``assignee`` (None clears)."""
        with self.store.lock:
            target = self.issue(issue)
            fields: dict[str, Any] = {}
            for name, value in changes.items():
                if name == "state":
                    fields["state_id"] = self.state(target.team_id, value).id
                elif name in ("project", "cycle", "parent", "assignee"):
                    fields[f"{name}_id"] = ref_id(value) if value is not None else None
                else:
                    fields[name] = value
            return edit_issue(self.store, target, fields, person=True, actor=self.person().id)

    def move_issue(self, issue: Ref, team: Ref) -> Issue:
        """Move an issue to another team: new identifier, state and team labels mapped, cycle cleared."""
        with self.store.lock:
            changes = {"team_id": self.team(team).id}
            return edit_issue(self.store, self.issue(issue), changes, person=True, actor=self.person().id)

    def archive_issue(self, issue: Ref, *, trash: bool = False) -> Issue:
        """Archive (or trash) an issue; it leaves every list unless ``includeArchived`` is asked for."""
        with self.store.lock:
            target = self.issue(issue)
            now = self.clock.now_ms()
            archived = dataclasses.replace(
                target, archived_at=now, trashed=trash, updated_at=self.store.touch_time(target.updated_at)
            )
            return self.store.put_issue(archived)

    def unarchive_issue(self, issue: Ref) -> Issue:
        with self.store.lock:
            target = self.issue(issue)
            restored = dataclasses.replace(
                target, archived_at=None, trashed=False, updated_at=self.store.touch_time(target.updated_at)
            )
            return self.store.put_issue(restored)

    def delete_issue(self, issue: Ref) -> None:
        """Delete an issue for good: no query finds it any more, as after Linear purges its trash."""
        with self.store.lock:
            self.store.remove_issue(self.issue(issue).id)

    def add_comment(
        self,
        issue: Ref,
        body: str,
        *,
        user: Ref | None = None,
        created_at: datetime | None = None,
        parent: Ref | None = None,
        comment_id: str | None = None,
    ) -> Comment:
        """Comment on an issue (as ``user``, the first user by default)."""
        with self.store.lock:
            target = self.issue(issue)
            if comment_id is not None and comment_id in self.store.comments:
                raise input_error("Entity already exists", "A comment with this id already exists.")
            author = ref_id(user) if user is not None else next(iter(self.store.users), None)
            now = self.clock.now_ms()
            stamp = ms_or(created_at, now)
            parent_id = ref_id(parent) if parent is not None else None
            if parent_id is not None and parent_id not in self.store.comments:
                raise not_found("Comment")
            comment = Comment(
                comment_id or new_id(), target.id, body, stamp, stamp, user_id=author, parent_id=parent_id
            )
            self.store.put_comment(comment)
            if self.comments_touch_issue:
                self.store.put_issue(dataclasses.replace(target, updated_at=self.store.touch_time(target.updated_at)))
            return comment

    def delete_comment(self, comment_id: str) -> None:
        """Delete a comment as a person (anyone's, as a workspace admin may): it is gone from every query
        and mutation, which then answer Linear's "Entity not found: Comment"."""
        with self.store.lock:
            if self.store.remove_comment(comment_id) is None:
                raise not_found("Comment")

    def issue_labels(self, ref: Ref) -> tuple[str, ...]:
        """The names of an issue's labels, in the order they were applied."""
        with self.store.lock:
            return tuple(self.store.labels[i].name for i in self.issue(ref).label_ids)

    def comments(self, ref: Ref) -> tuple[Comment, ...]:
        """An issue's comments, oldest first."""
        with self.store.lock:
            return tuple(self.store.comments_of(self.issue(ref).id))
