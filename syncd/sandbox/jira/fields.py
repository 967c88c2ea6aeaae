"""The issue fields each deployment knows, and which of them a request asked for.

``GET /field`` is how syncd finds the story points field by name, so the catalogue carries the names and
custom field types a fresh Jira Software site has: on Cloud *Story point estimate* (team-managed) and
*Story Points* (company-managed), on Data Center *Story Points* and *Epic Link* (Data Center links stories
to epics through that field; Cloud uses ``parent``). The ``fields`` request parameter (``*all``,
``*navigable``, ``-name`` exclusions, repeated or comma-separated) is resolved against the same catalogue.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from syncd.sandbox.jira.model import (
    CLOUD_STORY_POINT_ESTIMATE,
    CLOUD_STORY_POINTS,
    DC_EPIC_LINK,
    DC_STORY_POINTS,
    Deployment,
)

__all__ = ["FieldDef", "Selection", "catalogue", "field_json", "select"]


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One field of ``GET /field``; ``schema`` is Jira's JsonTypeBean for it (None for the issue key)."""

    id: str
    name: str
    clause_names: tuple[str, ...]
    schema: dict[str, Any] | None
    navigable: bool = True
    orderable: bool = True
    searchable: bool = True

    @property
    def custom(self) -> bool:
        return self.id.startswith("customfield_")


def _system(field_id: str, name: str, schema_type: str, **extra: Any) -> FieldDef:
    schema: dict[str, Any] = {"type": schema_type, "system": field_id}
    if "items" in extra:
        schema["items"] = extra.pop("items")
    return FieldDef(field_id, name, extra.pop("clauses", (field_id,)), schema, **extra)


def _custom(field_id: str, name: str, schema_type: str, custom_type: str) -> FieldDef:
    number = int(field_id.removeprefix("customfield_"))
    schema = {"type": schema_type, "custom": custom_type, "customId": number}
    return FieldDef(field_id, name, (f"cf[{number}]", name), schema)


_SYSTEM = (
    FieldDef("issuekey", "Key", ("id", "issue", "issuekey", "key"), None, orderable=False, searchable=False),
    _system("summary", "Summary", "string"),
    _system("description", "Description", "string"),
    _system("issuetype", "Issue Type", "issuetype", clauses=("issuetype", "type")),
    _system("status", "Status", "status"),
    _system("priority", "Priority", "priority"),
    _system("labels", "Labels", "array", items="string"),
    _system("components", "Components", "array", items="component", clauses=("component",)),
    _system("project", "Project", "project"),
    _system("parent", "Parent", "issuelink"),
    _system("reporter", "Reporter", "user"),
    _system("created", "Created", "datetime", clauses=("created", "createdDate"), orderable=False),
    _system("updated", "Updated", "datetime", clauses=("updated", "updatedDate"), orderable=False),
    _system("resolution", "Resolution", "resolution"),
    _system("resolutiondate", "Resolved", "datetime", clauses=("resolutiondate", "resolved"), orderable=False),
    _system(
        "statuscategorychangedate",
        "Status Category Changed",
        "datetime",
        clauses=("statusCategoryChangedDate",),
        orderable=False,
    ),
    _system("comment", "Comment", "comments-page", navigable=False),
)
_CLOUD_CUSTOM = (
    _custom(
        CLOUD_STORY_POINT_ESTIMATE,
        "Story point estimate",
        "number",
        "com.pyxis.greenhopper.jira:jsw-story-points",
    ),
    _custom(
        CLOUD_STORY_POINTS,
        "Story Points",
        "number",
        "com.atlassian.jira.plugin.system.customfieldtypes:float",
    ),
)
_DC_CUSTOM = (
    _custom(DC_STORY_POINTS, "Story Points", "number", "com.atlassian.jira.plugin.system.customfieldtypes:float"),
    _custom(DC_EPIC_LINK, "Epic Link", "any", "com.pyxis.greenhopper.jira:gh-epic-link"),
)


def catalogue(deployment: Deployment) -> tuple[FieldDef, ...]:
    """Every field of the deployment, in the order issues list them."""
    return _SYSTEM + (_CLOUD_CUSTOM if deployment is Deployment.CLOUD else _DC_CUSTOM)


def field_json(field: FieldDef) -> dict[str, Any]:
    """The ``GET /field`` entry of ``field``."""
    entry: dict[str, Any] = {
        "id": field.id,
        "key": field.id,
        "name": field.name,
        "custom": field.custom,
        "orderable": field.orderable,
        "navigable": field.navigable,
        "searchable": field.searchable,
        "clauseNames": list(field.clause_names),
    }
    if field.schema is not None:
        entry["schema"] = field.schema
    return entry


@dataclass(frozen=True, slots=True)
class Selection:
    """The fields to render: ``ids`` in catalogue order; ``bare`` when only the issue id was asked for."""

    ids: tuple[str, ...]
    bare: bool


def select(deployment: Deployment, requested: Iterable[str], *, default: str) -> Selection:
    """Resolve ``fields`` request values (repeated and/or comma-separated) to a :class:`Selection`.

    Unknown names are ignored, as Jira ignores them; ``id`` alone (the enhanced search's default) asks
    for bare issues.
    """
    names = [name.strip() for value in requested for name in value.split(",") if name.strip()] or [default]
    fields = catalogue(deployment)
    chosen: set[str] = set()
    excluded: set[str] = set()
    for name in names:
        if name == "*all":
            chosen.update(f.id for f in fields)
        elif name == "*navigable":
            chosen.update(f.id for f in fields if f.navigable)
        elif name.startswith("-"):
            excluded.add(name[1:])
        else:
            chosen.add(name)
    chosen -= excluded
    ids = tuple(f.id for f in fields if f.id in chosen and f.id != "issuekey")
    bare = not ids and not (chosen & {"key", "issuekey"})
    return Selection(ids, bare)
