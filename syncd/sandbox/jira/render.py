"""Issues, comments and users in the JSON shapes Jira's REST API uses, per deployment and version.

The shapes follow Atlassian's OpenAPI description (``IssueBean``, ``Comment``, ``User``, ``StatusDetails``
...) and the tests validate them against it. What differs by version is the rich text: v3 carries ADF
documents, v2 wiki-markup strings. What differs by deployment is identity (Cloud ``accountId``, Data
Center ``name``/``key``), the issue type's ``hierarchyLevel`` (Cloud only) and the epic (Cloud ``parent``,
Data Center the *Epic Link* field). Timestamps use Jira's format in the viewing user's time zone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from syncd.sandbox.jira import adf
from syncd.sandbox.jira.fields import Selection
from syncd.sandbox.jira.model import (
    CLOUD_STORY_POINT_ESTIMATE,
    CLOUD_STORY_POINTS,
    DC_EPIC_LINK,
    DC_STORY_POINTS,
    PRIORITIES,
    RESOLUTIONS,
    Comment,
    Deployment,
    Issue,
    IssueType,
    Project,
    Status,
    Text,
    User,
)

__all__ = ["ISSUE_EXPAND", "Lookup", "View", "comment_json", "issue_json", "timestamp", "user_json"]

ISSUE_EXPAND = "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"


class Lookup(Protocol):
    """The records an issue refers to."""

    def project(self, project_id: int) -> Project: ...

    def issue_by_id(self, issue_id: int) -> Issue | None: ...

    def user(self, account_id: str) -> User | None: ...

    def comments_of(self, issue_id: int) -> list[Comment]: ...

    def corruption(self, key: str) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True)
class Links:
    """What URLs and shapes depend on; small and hashable so rendered fragments can be cached by it."""

    base_url: str
    api: str
    cloud: bool


@dataclass(frozen=True, slots=True)
class View:
    """Who is looking, through which API: decides URLs, text format, identity fields and time zone."""

    base_url: str
    version: int
    deployment: Deployment
    viewer: User
    links: Links = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        api = f"{self.base_url}/rest/api/{self.version}"
        object.__setattr__(self, "links", Links(self.base_url, api, self.deployment is Deployment.CLOUD))

    @property
    def api(self) -> str:
        return self.links.api

    @property
    def cloud(self) -> bool:
        return self.links.cloud


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def timestamp(instant: datetime | None, time_zone: str) -> str | None:
    """Jira's timestamp format, ``2026-11-01T10:00:00.000+0000``, in ``time_zone``."""
    if instant is None:
        return None
    local = instant.astimezone(_zone(time_zone))
    offset = local.utcoffset()
    minutes = int(offset.total_seconds()) // 60 if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}T{local.hour:02d}:{local.minute:02d}:"
        f"{local.second:02d}.{local.microsecond // 1000:03d}{sign}{minutes // 60:02d}{minutes % 60:02d}"
    )


def text_json(value: Text | None, view: View) -> Any:
    """A rich-text value as the API version carries it: ADF on v3, wiki markup on v2."""
    if value is None:
        return None
    if view.version >= 3:
        return value if isinstance(value, dict) else _document(value)
    return adf.to_wiki(value)


@lru_cache(maxsize=4096)
def _document(text: str) -> dict[str, Any]:
    return adf.to_document(text)


def _avatars(links: Links, seed: str) -> dict[str, str]:
    return {
        size: f"{links.base_url}/secure/useravatar?size={size}&ownerId={seed}"
        for size in ("48x48", "24x24", "16x16", "32x32")
    }


def user_json(user: User, view: View, *, full: bool = False) -> dict[str, Any]:
    """A user as ``UserDetails`` (author fields) or, with ``full``, as ``User`` (``GET /myself``)."""
    return _user(user, view.links, full)


@lru_cache(maxsize=1024)
def _user(user: User, view: Links, full: bool) -> dict[str, Any]:
    if view.cloud:
        body: dict[str, Any] = {
            "self": f"{view.api}/user?accountId={user.account_id}",
            "accountId": user.account_id,
            "accountType": "atlassian",
        }
    else:
        body = {
            "self": f"{view.api}/user?username={user.username}",
            "name": user.username,
            "key": user.user_key,
        }
    body.update(
        {
            "emailAddress": user.email,
            "avatarUrls": _avatars(view, user.account_id),
            "displayName": user.display_name,
            "active": user.active,
            "timeZone": user.time_zone,
        }
    )
    if full:
        body.update(
            {
                "locale": "en_US",
                "groups": {"size": 1, "items": []},
                "applicationRoles": {"size": 1, "items": []},
                "expand": "groups,applicationRoles",
            }
        )
    return body


@lru_cache(maxsize=4096)
def _issue_type(issue_type: IssueType, view: Links) -> dict[str, Any]:
    body: dict[str, Any] = {
        "self": f"{view.api}/issuetype/{issue_type.id}",
        "id": issue_type.id,
        "description": issue_type.description,
        "iconUrl": f"{view.base_url}/images/icons/issuetypes/{issue_type.name.lower()}.svg",
        "name": issue_type.name,
        "subtask": issue_type.subtask,
        "avatarId": 10300 + int(issue_type.id) % 100,
    }
    if view.cloud:
        body["hierarchyLevel"] = issue_type.hierarchy_level
    return body


@lru_cache(maxsize=4096)
def _status(status: Status, view: Links) -> dict[str, Any]:
    category = status.category
    return {
        "self": f"{view.api}/status/{status.id}",
        "description": "",
        "iconUrl": f"{view.base_url}/images/icons/statuses/generic.png",
        "name": status.name,
        "id": status.id,
        "statusCategory": {
            "self": f"{view.api}/statuscategory/{category.id}",
            "id": category.id,
            "key": category.key,
            "colorName": category.colour,
            "name": category.display_name,
        },
    }


@lru_cache(maxsize=4096)
def _priority(name: str, view: Links) -> dict[str, Any]:
    priority_id = PRIORITIES[name]
    return {
        "self": f"{view.api}/priority/{priority_id}",
        "iconUrl": f"{view.base_url}/images/icons/priorities/{name.lower()}.svg",
        "name": name,
        "id": priority_id,
    }


def _project(project: Project, view: Links) -> dict[str, Any]:
    return _project_json(project.id, project.key, project.name, view)


@lru_cache(maxsize=4096)
def _project_json(project_id: int, key: str, name: str, view: Links) -> dict[str, Any]:
    body: dict[str, Any] = {
        "self": f"{view.api}/project/{project_id}",
        "id": str(project_id),
        "key": key,
        "name": name,
        "projectTypeKey": "software",
        "avatarUrls": _avatars(view, f"project-{project_id}"),
    }
    if view.cloud:
        body["simplified"] = False
    return body


def _parent(parent: Issue, view: View) -> dict[str, Any]:
    return {
        "id": str(parent.id),
        "key": parent.key,
        "self": f"{view.api}/issue/{parent.id}",
        "fields": {
            "summary": parent.summary,
            "status": _status(parent.status, view.links),
            "priority": _priority(parent.priority, view.links),
            "issuetype": _issue_type(parent.issue_type, view.links),
        },
    }


def comment_json(comment: Comment, view: View, lookup: Lookup) -> dict[str, Any]:
    """A comment as the ``Comment`` schema describes it, body in the version's text format."""
    author = lookup.user(comment.author)
    editor = lookup.user(comment.update_author)
    zone = view.viewer.time_zone
    body: dict[str, Any] = {
        "self": f"{view.api}/issue/{comment.issue_id}/comment/{comment.id}",
        "id": str(comment.id),
    }
    if author is not None:
        body["author"] = user_json(author, view)
    body["body"] = text_json(comment.body, view)
    if editor is not None:
        body["updateAuthor"] = user_json(editor, view)
    body["created"] = timestamp(comment.created, zone)
    body["updated"] = timestamp(comment.updated, zone)
    if view.cloud:
        body["jsdPublic"] = True
    return body


_FieldRenderer = Callable[[Issue, View, Lookup], Any]


def _components(issue: Issue, view: View, lookup: Lookup) -> list[dict[str, Any]]:
    by_id = {c.id: c for c in lookup.project(issue.project_id).components}
    return [
        {"self": f"{view.api}/component/{c}", "id": str(c), "name": by_id[c].name}
        for c in issue.component_ids
        if c in by_id
    ]


def _parent_field(issue: Issue, view: View, lookup: Lookup) -> Any:
    parent = lookup.issue_by_id(issue.parent_id) if issue.parent_id is not None else None
    return _parent(parent, view) if parent is not None else None


def _epic_link(issue: Issue, view: View, lookup: Lookup) -> Any:
    epic = lookup.issue_by_id(issue.epic_id) if issue.epic_id is not None else None
    return epic.key if epic is not None else None


def _story_points(field_id: str) -> _FieldRenderer:
    def render(issue: Issue, view: View, lookup: Lookup) -> Any:
        return issue.story_points if lookup.project(issue.project_id).story_points_field == field_id else None

    return render


def _comment_page(issue: Issue, view: View, lookup: Lookup) -> dict[str, Any]:
    comments = [comment_json(c, view, lookup) for c in lookup.comments_of(issue.id)]
    return {
        "comments": comments,
        "self": f"{view.api}/issue/{issue.id}/comment",
        "maxResults": len(comments),
        "total": len(comments),
        "startAt": 0,
    }


def _resolution(issue: Issue, view: View, lookup: Lookup) -> Any:
    if issue.resolution is None:
        return None
    resolution_id = RESOLUTIONS.get(issue.resolution, "10100")
    return {"self": f"{view.api}/resolution/{resolution_id}", "id": resolution_id, "name": issue.resolution}


def _reporter(issue: Issue, view: View, lookup: Lookup) -> Any:
    reporter = lookup.user(issue.reporter)
    return user_json(reporter, view) if reporter is not None else None


_RENDERERS: dict[str, _FieldRenderer] = {
    "summary": lambda issue, view, lookup: issue.summary,
    "description": lambda issue, view, lookup: text_json(issue.description, view),
    "issuetype": lambda issue, view, lookup: _issue_type(issue.issue_type, view.links),
    "status": lambda issue, view, lookup: _status(issue.status, view.links),
    "priority": lambda issue, view, lookup: _priority(issue.priority, view.links),
    "labels": lambda issue, view, lookup: list(issue.labels),
    "components": _components,
    "project": lambda issue, view, lookup: _project(lookup.project(issue.project_id), view.links),
    "parent": _parent_field,
    "reporter": _reporter,
    "created": lambda issue, view, lookup: timestamp(issue.created, view.viewer.time_zone),
    "updated": lambda issue, view, lookup: timestamp(issue.updated, view.viewer.time_zone),
    "resolution": _resolution,
    "resolutiondate": lambda issue, view, lookup: timestamp(issue.resolutiondate, view.viewer.time_zone),
    "statuscategorychangedate": lambda issue, view, lookup: timestamp(
        issue.status_changed or issue.created, view.viewer.time_zone
    ),
    "comment": _comment_page,
    DC_EPIC_LINK: _epic_link,
    **{
        field_id: _story_points(field_id)
        for field_id in (CLOUD_STORY_POINT_ESTIMATE, CLOUD_STORY_POINTS, DC_STORY_POINTS)
    },
}


def issue_json(issue: Issue, view: View, lookup: Lookup, selection: Selection) -> dict[str, Any]:
    """An issue as ``IssueBean``, with the selected fields (a bare ``{"id"}`` when only the id was asked)."""
    if selection.bare:
        return {"id": str(issue.id)}
    fields: dict[str, Any] = {}
    for field_id in selection.ids:
        value = _RENDERERS[field_id](issue, view, lookup)
        if field_id == "parent" and value is None:
            continue
        fields[field_id] = value
    fields.update(lookup.corruption(issue.key))
    return {
        "expand": ISSUE_EXPAND,
        "id": str(issue.id),
        "self": f"{view.api}/issue/{issue.id}",
        "key": issue.key,
        "fields": fields,
    }
