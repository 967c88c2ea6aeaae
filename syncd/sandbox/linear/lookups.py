"""Finding things in a workspace by the forgiving references tests and the demo use.

A team is its record, id or key; a workflow state its record, id, name or type; a label its record,
id or name (looked up in the issue's team first, then the workspace); an issue its record, UUID or
identifier; other records their record, id or name.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from syncd.sandbox.clock import Clock, to_ms
from syncd.sandbox.linear.errors import input_error, not_found
from syncd.sandbox.linear.records import Issue, Label, Team, WorkflowState
from syncd.sandbox.linear.store import LinearStore

__all__ = ["Ref", "WorkspaceLookups", "ms_or", "ref_id"]

Ref = str | Any
"""A record, or a string naming one."""


def ref_id(ref: Ref) -> str:
    """The id of a record, or the string itself."""
    return str(getattr(ref, "id", ref))


def ms_or(when: datetime | None, default: int) -> int:
    return to_ms(when) if when is not None else default


class WorkspaceLookups:
    """A workspace's store and the lookups every workspace operation starts from.

    Args:
        store: the data to act on; a fresh empty workspace by default.
        clock: the clock of a fresh store (ignored when ``store`` is given).
        comments_touch_issue: whether a new comment moves its issue's ``updatedAt``. Linear documents
            ``updatedAt`` as the last *meaningful* update of the entity itself; a comment is its own
            entity, so this is off by default.
    """

    def __init__(
        self,
        store: LinearStore | None = None,
        *,
        clock: Clock | None = None,
        comments_touch_issue: bool = False,
    ) -> None:
        self.store = store or LinearStore(clock)
        self.comments_touch_issue = comments_touch_issue

    @property
    def clock(self) -> Clock:
        return self.store.clock

    def team(self, ref: Ref) -> Team:
        team = self.store.find_team(ref_id(ref))
        if team is None:
            raise not_found("Team")
        return team

    def state(self, team: Ref, ref: Ref) -> WorkflowState:
        """A team's state by record, id, name or type (the first of that type)."""
        owner = self.team(team)
        wanted = ref_id(ref)
        states = self.store.team_states(owner.id)
        found = (
            [s for s in states if s.id == wanted]
            or [s for s in states if s.name.lower() == wanted.lower()]
            or [s for s in states if s.type == wanted]
        )
        if not found:
            raise not_found("WorkflowState")
        return found[0]

    def label(self, ref: Ref, *, team: Ref | None = None) -> Label:
        """A label by record or id, or by name: the team's label first, then the workspace's."""
        wanted = ref_id(ref)
        label = self.store.labels.get(wanted)
        if label is not None:
            return label
        team_id = self.team(team).id if team is not None else None
        named = [lbl for lbl in self.store.labels.values() if lbl.name == wanted and lbl.archived_at is None]
        for scope in (team_id, None):
            scoped = [lbl for lbl in named if lbl.team_id == scope]
            if scoped:
                return scoped[0]
        raise not_found("IssueLabel")

    def issue(self, ref: Ref) -> Issue:
        """An issue as it is now, by record, UUID or identifier."""
        issue = self.store.find_issue(ref_id(ref))
        if issue is None:
            raise not_found("Issue")
        return issue

    def default_state(self, team_id: str) -> WorkflowState:
        """Where a new issue lands: the team's first backlog state, else its first unstarted one."""
        states = self.store.team_states(team_id)
        preferred = [s for s in states if s.type == "backlog"] or [s for s in states if s.type == "unstarted"]
        if not (preferred or states):
            raise input_error("Team has no workflow states", "The team has no workflow states.")
        return (preferred or states)[0]

    @staticmethod
    def record(table: dict[str, Any], ref: Ref, entity: str) -> Any:
        """A record of ``table`` by record, id or name."""
        record = table.get(ref_id(ref))
        if record is None:
            record = next((r for r in table.values() if getattr(r, "name", None) == ref_id(ref)), None)
        if record is None:
            raise not_found(entity)
        return record
