"""A real Linear export (the issue JSON of Linear's GraphQL API) loaded into the emulator, so a team can
watch syncd map its own issues offline.

Each issue keeps its identifier, team, workflow state (a state the team's default workflow lacks is
added, with its type), estimate, priority, labels with their groups, project, parent and dates. Parents
come before their sub-issues. What cannot be loaded is one line naming the issue and why; the rest loads.
"""

from __future__ import annotations

from typing import Any

from syncd.connectors.base import Skipped
from syncd.connectors.exports import LoadedExport, export_entries, export_item
from syncd.model import WorkItem
from syncd.sandbox.linear.errors import LinearApiError
from syncd.sandbox.linear.workspace import DEFAULT_STATES, LinearWorkspace
from syncd.strategy import LabelScheme

__all__ = ["load_linear_export"]


def load_linear_export(workspace: LinearWorkspace, data: Any) -> LoadedExport:
    """Create the export's teams, states, labels, projects and issues in ``workspace``."""
    entries, names = export_entries(data)
    problems: list[str] = []
    read: dict[str, tuple[dict[str, Any], WorkItem]] = {}
    for index, entry in enumerate(entries):
        item = export_item(entry, names=names, scheme=LabelScheme())
        if item is None:
            problems.append(f"issue [{index}]: not a Linear issue (it has no identifier and state)")
        elif isinstance(item, Skipped):
            problems.append(f"issue {item.key}: {item.reason}")
        elif not item.key.rpartition("-")[2].isdigit():
            problems.append(f"issue {item.key}: not a team key and number")
        else:
            read[item.key] = (entry, item)
    teams = _teams(workspace, read.values())
    keys: list[str] = []
    for key in _parents_first(read):
        raw, item = read[key]
        try:
            _create(workspace, raw, item, problems)
        except (LinearApiError, KeyError, ValueError) as exc:
            problems.append(f"issue {key}: {exc}")
        else:
            keys.append(key)
    return LoadedExport(tuple(keys), teams, tuple(problems))


def _teams(workspace: LinearWorkspace, read: Any) -> tuple[str, ...]:
    """Every team of the export, with the default workflow plus the states its issues are in."""
    states: dict[str, dict[str, str]] = {}
    for raw, item in read:
        state = raw.get("state") or {}
        team = states.setdefault(item.key.rpartition("-")[0], {})
        if isinstance(state.get("name"), str):
            team.setdefault(state["name"], str(state.get("type")))
    for key, extra in states.items():
        known = {name.casefold() for name, _ in DEFAULT_STATES}
        added = [(name, kind) for name, kind in extra.items() if name.casefold() not in known]
        workspace.add_team(key, key, states=(*DEFAULT_STATES, *added))
    return tuple(sorted(states))


def _parents_first(read: dict[str, tuple[dict[str, Any], WorkItem]]) -> list[str]:
    """Keys in an order where a parent in the export comes before its sub-issues (a cycle is cut)."""
    ordered: list[str] = []
    placed: set[str] = set()
    for key in sorted(read, key=lambda k: (k.rpartition("-")[0], int(k.rpartition("-")[2]))):
        chain: list[str] = []
        current: str | None = key
        while current is not None and current in read and current not in placed and current not in chain:
            chain.append(current)
            current = read[current][1].parent
        for link in reversed(chain):
            placed.add(link)
            ordered.append(link)
    return ordered


def _create(workspace: LinearWorkspace, raw: dict[str, Any], item: WorkItem, problems: list[str]) -> None:
    team, _, number = item.key.rpartition("-")
    parent = item.parent
    if parent is not None and workspace.store.find_issue(parent) is None:
        problems.append(f"issue {item.key}: its parent {parent} is not in the export; loaded without it")
        parent = None
    priority = raw.get("priority")
    workspace.add_issue(
        team,
        item.title,
        description=item.description or None,
        state=str((raw.get("state") or {}).get("name") or (raw.get("state") or {}).get("type")),
        priority=priority if isinstance(priority, int) and not isinstance(priority, bool) else 0,
        estimate=item.estimate,
        labels=[_label(workspace, label) for label in _label_nodes(raw)],
        project=_project(workspace, raw, team),
        parent=parent,
        created_at=item.created,
        updated_at=item.updated,
        number=int(number),
        closed_at=item.resolved,
    )


def _label_nodes(raw: dict[str, Any]) -> list[dict[str, Any]]:
    labels = raw.get("labels")
    nodes = labels.get("nodes") if isinstance(labels, dict) else None
    return [node for node in nodes or () if isinstance(node, dict) and isinstance(node.get("name"), str)]


def _label(workspace: LinearWorkspace, node: dict[str, Any]) -> str:
    """The label's id in the workspace, created (with its group) on first sight."""
    group_name = (node.get("parent") or {}).get("name")
    group = None
    if isinstance(group_name, str):
        group = _find(workspace, group_name, None) or workspace.add_label_group(group_name).id
    return _find(workspace, node["name"], group) or workspace.add_label(node["name"], group=group).id


def _find(workspace: LinearWorkspace, name: str, group: str | None) -> str | None:
    for label in workspace.store.labels.values():
        if label.name == name and label.parent_id == group and label.archived_at is None:
            return label.id
    return None


def _project(workspace: LinearWorkspace, raw: dict[str, Any], team: str) -> str | None:
    project = raw.get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str):
        return None
    for existing in workspace.store.projects.values():
        if existing.name == name:
            return existing.id
    return workspace.add_project(name, teams=[team]).id
