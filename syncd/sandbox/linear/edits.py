"""Linear's rules for changing an issue, shared by the API's mutations and by people's edits.

The rules that matter to syncd:

* a label group (``isGroup``) is never applied to an issue, only its children are;
* an issue carries at most one label of each group. Through the API, adding a second one fails with
  Linear's permanent ``INPUT_ERROR`` ("Only one label in a group can be applied to an issue"); a person
  picking a label in the app *replaces* the group's current one instead;
* a team label only goes on that team's issues; workspace labels go anywhere;
* ``updatedAt`` moves on every real change, labels included, and never on a no-op;
* moving an issue to another team gives it a new identifier (the old one keeps resolving), maps its
  state and team labels to the new team by type and name, and clears its cycle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from syncd.sandbox.linear.errors import input_error, not_found
from syncd.sandbox.linear.records import Issue, Label, WorkflowState
from syncd.sandbox.linear.store import LinearStore

__all__ = ["EDITABLE", "check_labels", "edit_issue", "state_timestamps", "usable_label"]

EDITABLE = frozenset(
    {
        "title",
        "description",
        "priority",
        "estimate",
        "state_id",
        "project_id",
        "cycle_id",
        "parent_id",
        "team_id",
        "assignee_id",
        "due_date",
        "sort_order",
        "label_ids",
        "added_label_ids",
        "removed_label_ids",
    }
)
"""The changes :func:`edit_issue` understands (snake_case forms of ``IssueUpdateInput`` fields)."""


def usable_label(store: LinearStore, label_id: str, team_id: str) -> Label:
    """The label, checked to be applicable to an issue of ``team_id``.

    Raises:
        LinearApiError: the label does not exist, is a group, or belongs to another team.
    """
    label = store.labels.get(label_id)
    if label is None or label.archived_at is not None:
        raise not_found("IssueLabel")
    if label.is_group:
        raise input_error(
            "labelIds contain a label group",
            f"The label '{label.name}' is a group and cannot be applied to an issue. Use one of its labels.",
        )
    if label.team_id is not None and label.team_id != team_id:
        raise input_error(
            "labelIds contain labels from another team",
            f"The label '{label.name}' belongs to another team.",
        )
    return label


def _exclusive(store: LinearStore, label_ids: Sequence[str], new: set[str]) -> None:
    """Raise Linear's error when two labels share a group (naming the newly added one first)."""
    by_group: dict[str, str] = {}
    for label_id in sorted(label_ids, key=lambda i: i in new):
        parent = store.labels[label_id].parent_id
        if parent is None:
            continue
        if parent in by_group:
            added, kept = store.labels[label_id], store.labels[by_group[parent]]
            raise input_error(
                "labelIds not exclusive child labels",
                f"The label '{added.name}' is in the same group as '{kept.name}'. "
                "Only one label in a group can be applied to an issue.",
            )
        by_group[parent] = label_id


def check_labels(store: LinearStore, label_ids: Sequence[str], team_id: str) -> None:
    """Check a whole label set for an issue of ``team_id`` (each label usable, one per group)."""
    for label_id in label_ids:
        usable_label(store, label_id, team_id)
    _exclusive(store, label_ids, set(label_ids))


def _labels(
    store: LinearStore,
    current: Sequence[str],
    team_id: str,
    *,
    set_to: Sequence[str] | None,
    add: Iterable[str],
    remove: Iterable[str],
    person: bool,
) -> tuple[str, ...]:
    result = list(dict.fromkeys(set_to)) if set_to is not None else list(current)
    fresh = set(result) - set(current)
    for label_id in add:
        if label_id in result:
            continue
        label = usable_label(store, label_id, team_id)
        if person and label.parent_id is not None:
            result = [i for i in result if store.labels[i].parent_id != label.parent_id]
        result.append(label_id)
        fresh.add(label_id)
    for label_id in fresh:
        usable_label(store, label_id, team_id)
    dropped = set(remove)
    result = [i for i in result if i not in dropped]
    _exclusive(store, result, fresh)
    return tuple(result)


def state_timestamps(issue: Issue, state: WorkflowState, now: int) -> dict[str, Any]:
    """``startedAt``/``completedAt``/``canceledAt`` after the issue enters ``state``."""
    started = issue.started_at
    if state.type in ("started", "completed") and started is None:
        started = now
    return {
        "started_at": started,
        "completed_at": (issue.completed_at or now) if state.type == "completed" else None,
        "canceled_at": (issue.canceled_at or now) if state.type == "canceled" else None,
    }


def _move(store: LinearStore, issue: Issue, team_id: str, changes: dict[str, Any]) -> dict[str, Any]:
    """The field changes of moving ``issue`` to another team."""
    team = store.teams.get(team_id)
    if team is None:
        raise not_found("Team")
    number = store.next_issue_number(team.id)
    moved: dict[str, Any] = {
        "team_id": team.id,
        "number": number,
        "identifier": f"{team.key}-{number}",
        "previous_identifiers": (*issue.previous_identifiers, issue.identifier),
        "cycle_id": changes.get("cycle_id"),
    }
    if "state_id" not in changes:
        old_type = store.states[issue.state_id].type
        states = store.team_states(team.id)
        same = [s for s in states if s.type == old_type]
        fallback = [s for s in states if s.type in ("backlog", "unstarted")] or states
        moved["state_id"] = (same or fallback)[0].id
    mapped: list[str] = []
    for label_id in issue.label_ids:
        label = store.labels[label_id]
        if label.team_id is None:
            mapped.append(label_id)
            continue
        twin = next(
            (
                other.id
                for other in store.labels.values()
                if other.team_id == team.id and other.name == label.name and not other.is_group
            ),
            None,
        )
        if twin is not None:
            mapped.append(twin)
    moved["label_ids"] = tuple(mapped)
    return moved


def _check_parent(store: LinearStore, issue: Issue, parent_id: str | None) -> str | None:
    if parent_id is None:
        return None
    parent = store.find_issue(parent_id)
    if parent is None:
        raise not_found("Issue")
    cursor: Issue | None = parent
    while cursor is not None:
        if cursor.id == issue.id:
            raise input_error("Invalid parent", "An issue cannot be its own ancestor.")
        cursor = store.issues.get(cursor.parent_id) if cursor.parent_id else None
    return parent.id


def _reference(table: Mapping[str, Any], value: str | None, entity: str) -> str | None:
    if value is not None and value not in table:
        raise not_found(entity)
    return value


def edit_issue(
    store: LinearStore, issue: Issue, changes: Mapping[str, Any], *, person: bool = False, actor: str | None = None
) -> Issue:
    """Apply ``changes`` to ``issue`` under Linear's rules and store the result.

    Args:
        store: the workspace.
        issue: the issue as it is now.
        changes: keys from :data:`EDITABLE`; a None value clears a nullable field.
        person: edit as a person in the app (a label replaces its group's current one) rather than
            through the API (a second label of a group is an error).
        actor: the user making the change, kept in the issue's history with a change of its labels.

    Returns:
        The stored issue; the same record when nothing changed.

    Raises:
        LinearApiError: a referenced entity is missing or a rule is broken; nothing is stored.
    """
    unknown = set(changes) - EDITABLE
    if unknown:
        raise input_error("Argument Validation Error", f"Unknown issue fields: {', '.join(sorted(unknown))}.")
    now = store.clock.now_ms()
    fields: dict[str, Any] = {}
    team_id = issue.team_id
    base_labels: Sequence[str] = issue.label_ids
    if changes.get("team_id") is not None and changes["team_id"] != issue.team_id:
        fields.update(_move(store, issue, str(changes["team_id"]), dict(changes)))
        team_id = fields["team_id"]
        base_labels = fields["label_ids"]
    for name in ("title", "description", "estimate", "due_date", "sort_order"):
        if name in changes:
            fields[name] = changes[name]
    if "priority" in changes:
        priority = changes["priority"] if changes["priority"] is not None else 0
        if priority not in (0, 1, 2, 3, 4):
            raise input_error("Argument Validation Error", "priority must be between 0 and 4.")
        fields["priority"] = priority
    if "project_id" in changes:
        fields["project_id"] = _reference(store.projects, changes["project_id"], "Project")
    if "assignee_id" in changes:
        fields["assignee_id"] = _reference(store.users, changes["assignee_id"], "User")
    if "parent_id" in changes:
        fields["parent_id"] = _check_parent(store, issue, changes["parent_id"])
    if "cycle_id" in changes:
        cycle_id = _reference(store.cycles, changes["cycle_id"], "Cycle")
        if cycle_id is not None and store.cycles[cycle_id].team_id != team_id:
            raise input_error("Invalid cycle", "The cycle belongs to another team.")
        fields["cycle_id"] = cycle_id
    state_id = changes.get("state_id") or fields.get("state_id")
    if state_id is not None:
        state = store.states.get(state_id)
        if state is None:
            raise not_found("WorkflowState")
        if state.team_id != team_id:
            raise input_error("Invalid state", "The workflow state belongs to another team.")
        fields["state_id"] = state.id
        if state.id != issue.state_id:
            fields.update(state_timestamps(issue, state, now))
    fields["label_ids"] = _labels(
        store,
        base_labels,
        team_id,
        set_to=changes.get("label_ids"),
        add=changes.get("added_label_ids") or (),
        remove=changes.get("removed_label_ids") or (),
        person=person,
    )
    edited = dataclasses.replace(issue, **fields)
    if edited == issue:
        return issue
    updated_at = store.touch_time(issue.updated_at)
    store.histories.record(issue.id, actor_id=actor, at=updated_at, before=issue.label_ids, after=edited.label_ids)
    return store.put_issue(dataclasses.replace(edited, updated_at=updated_at))
