"""The emulated Jira's records: deployments, users, projects, issues and comments.

Records are frozen: the store replaces an issue on every edit instead of mutating it, so a snapshot a test
holds never changes under it and the search index can compare the old and new sort keys of an edit.
Catalogues (issue types, statuses, priorities, custom field ids) mirror what a fresh Jira Software
site ships with, so syncd meets the names and ids it will meet in production.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

__all__ = [
    "CLOUD_STORY_POINTS",
    "CLOUD_STORY_POINT_ESTIMATE",
    "DC_EPIC_LINK",
    "DC_STORY_POINTS",
    "ISSUE_TYPES",
    "PRIORITIES",
    "RESOLUTIONS",
    "STATUSES",
    "Comment",
    "Component",
    "Deployment",
    "Issue",
    "IssueType",
    "Project",
    "Status",
    "StatusCategory",
    "Text",
    "User",
    "epoch_ms",
    "resolution_for",
]

Text = str | dict[str, Any]
"""A rich-text value: wiki markup or plain text (``str``) or an ADF document (``dict``)."""

CLOUD_STORY_POINT_ESTIMATE = "customfield_10016"
CLOUD_STORY_POINTS = "customfield_10028"
DC_STORY_POINTS = "customfield_10002"
DC_EPIC_LINK = "customfield_10008"


class Deployment(Enum):
    """Which Jira the emulator impersonates."""

    CLOUD = "cloud"
    DATA_CENTER = "datacenter"

    @property
    def api_versions(self) -> frozenset[int]:
        """REST versions served: Cloud speaks v2 and v3, Data Center only v2."""
        return frozenset({2, 3}) if self is Deployment.CLOUD else frozenset({2})

    @property
    def deployment_type(self) -> str:
        """``serverInfo.deploymentType``; Data Center still reports ``Server``."""
        return "Cloud" if self is Deployment.CLOUD else "Server"


class StatusCategory(Enum):
    """Jira's three fixed status categories: (key, id, name, colour)."""

    NEW = ("new", 2, "To Do", "blue-gray")
    INDETERMINATE = ("indeterminate", 4, "In Progress", "yellow")
    DONE = ("done", 3, "Done", "green")

    @property
    def key(self) -> str:
        return self.value[0]

    @property
    def id(self) -> int:
        return self.value[1]

    @property
    def display_name(self) -> str:
        return self.value[2]

    @property
    def colour(self) -> str:
        return self.value[3]


@dataclass(frozen=True, slots=True)
class IssueType:
    id: str
    name: str
    subtask: bool
    hierarchy_level: int
    description: str


@dataclass(frozen=True, slots=True)
class Status:
    id: str
    name: str
    category: StatusCategory


ISSUE_TYPES: dict[str, IssueType] = {
    t.name.lower(): t
    for t in (
        IssueType("10000", "Epic", False, 1, "A big user story that needs to be broken down."),
        IssueType("10001", "Story", False, 0, "Functionality or a feature expressed as a user goal."),
        IssueType("10002", "Task", False, 0, "A small, distinct piece of work."),
        IssueType("10003", "Bug", False, 0, "A problem or error."),
        IssueType("10004", "Sub-task", True, -1, "A small piece of work that's part of a larger task."),
    )
}

STATUSES: dict[str, Status] = {
    s.name.lower(): s
    for s in (
        Status("10000", "To Do", StatusCategory.NEW),
        Status("10001", "Backlog", StatusCategory.NEW),
        Status("3", "In Progress", StatusCategory.INDETERMINATE),
        Status("10002", "In Review", StatusCategory.INDETERMINATE),
        Status("10003", "Done", StatusCategory.DONE),
        Status("10004", "Won't Do", StatusCategory.DONE),
    )
}

RESOLUTIONS: dict[str, str] = {
    # Jira Cloud's stock resolutions (ids 10000–10003 on a fresh site), then Data Center's (1–5).
    "Done": "10000",
    "Won't Do": "10001",
    "Duplicate": "10002",
    "Cannot Reproduce": "10003",
    "Fixed": "1",
    "Won't Fix": "2",
    "Incomplete": "4",
}


def resolution_for(status: Status) -> str | None:
    """The resolution a stock workflow's transition into ``status`` sets."""
    if status.category is not StatusCategory.DONE:
        return None
    return "Won't Do" if status.name == "Won't Do" else "Done"


PRIORITIES: dict[str, str] = {
    "Highest": "1",
    "High": "2",
    "Medium": "3",
    "Low": "4",
    "Lowest": "5",
    # The priorities of sites set up before Jira 7.6, still the scheme of many Data Center sites (ASF's).
    "Blocker": "10001",
    "Critical": "10002",
    "Major": "10003",
    "Minor": "10004",
    "Trivial": "10005",
}


def epoch_ms(instant: datetime) -> int:
    """Milliseconds since the epoch, the unit the search index sorts and compares in."""
    return int(instant.timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class User:
    """An account that can call the API.

    Attributes:
        account_id: the Cloud account id (also kept on Data Center, where it is not shown).
        username: the Data Center login name (``name``); on Cloud it is not shown.
        user_key: the Data Center user key (``key``), e.g. ``JIRAUSER10000``.
        token: the Cloud API token or the Data Center personal access token.
        can_edit: without it the user may read but every edit answers 403.
        bulk_change: the global *Bulk change* permission, without which Cloud's bulk edit answers 403.
    """

    account_id: str
    username: str
    user_key: str
    email: str
    display_name: str
    time_zone: str
    token: str
    can_edit: bool = True
    active: bool = True
    bulk_change: bool = True


@dataclass(frozen=True, slots=True)
class Component:
    id: int
    name: str
    project_id: int


@dataclass(frozen=True, slots=True)
class Project:
    """A Jira project; ``story_points_field`` is the custom field its issues are estimated in."""

    id: int
    key: str
    name: str
    story_points_field: str
    components: tuple[Component, ...] = ()


@dataclass(frozen=True, slots=True)
class Issue:
    """One issue as stored; ``created_ms``/``updated_ms`` are derived for the search index.

    ``parent_id`` is the parent of a sub-task and, on Cloud, also the epic of a story. ``epic_id`` is the
    Data Center *Epic Link*; on Cloud it is always None. ``resolution`` is the resolution's name (None:
    unresolved); ``status_changed`` is when the status category last changed (None: at ``created``).
    """

    id: int
    key: str
    project_id: int
    number: int
    summary: str
    description: Text | None
    issue_type: IssueType
    status: Status
    priority: str
    labels: tuple[str, ...]
    component_ids: tuple[int, ...]
    parent_id: int | None
    epic_id: int | None
    story_points: float | None
    created: datetime
    updated: datetime
    resolutiondate: datetime | None
    reporter: str
    resolution: str | None = None
    status_changed: datetime | None = None
    created_ms: int = field(init=False, repr=False, compare=False)
    updated_ms: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_ms", epoch_ms(self.created))
        object.__setattr__(self, "updated_ms", epoch_ms(self.updated))


@dataclass(frozen=True, slots=True)
class Comment:
    id: int
    issue_id: int
    author: str
    body: Text
    created: datetime
    updated: datetime
    update_author: str
