"""The workspace's entities, as immutable records.

The store replaces a record on every change instead of mutating it, so whatever a test or a resolver
holds is a consistent snapshot, and the store alone keeps its indexes in step with the data. Field
names are the snake_case forms of Linear's GraphQL fields, so most fields resolve by name.
Timestamps are epoch milliseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "PRIORITY_LABELS",
    "STATE_TYPES",
    "ApiKey",
    "Comment",
    "Cycle",
    "Initiative",
    "Issue",
    "Label",
    "Organization",
    "Project",
    "Team",
    "User",
    "WorkflowState",
]

STATE_TYPES = ("triage", "backlog", "unstarted", "started", "completed", "canceled")
"""Linear's workflow state types, in board order."""

PRIORITY_LABELS = {0: "No priority", 1: "Urgent", 2: "High", 3: "Medium", 4: "Low"}

_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Organization:
    id: str
    name: str
    url_key: str
    created_at: int
    updated_at: int
    # One of 'off', 'suggest' or 'autoOnMerge' (the schema's description of the field); never "".
    pull_request_issue_mode: str = "suggest"


@dataclass(frozen=True, slots=True)
class User:
    id: str
    name: str
    email: str
    created_at: int
    updated_at: int
    admin: bool = False
    active: bool = True

    @property
    def display_name(self) -> str:
        return self.name.split(" ")[0].lower()


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A credential: a personal API key (sent bare) or an OAuth token (sent as ``Bearer``).

    Attributes:
        token: the secret the client sends.
        user_id: the user the key acts as (``viewer``).
        can_write: False for a read-only key; mutations are then forbidden.
        oauth: True for an OAuth access token.
    """

    token: str
    user_id: str
    can_write: bool = True
    oauth: bool = False


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    key: str
    name: str
    created_at: int
    updated_at: int
    description: str | None = None
    archived_at: int | None = None
    cycles_enabled: bool = False
    triage_enabled: bool = False
    # The schema's documented default, and one of "notUsed", "exponential", "fibonacci", "linear", "tShirt":
    # a client that switches on these strings must never see "".
    timezone: str = "America/Los_Angeles"
    issue_estimation_type: str = "fibonacci"


@dataclass(frozen=True, slots=True)
class WorkflowState:
    id: str
    team_id: str
    name: str
    type: str
    position: float
    color: str
    created_at: int
    updated_at: int
    archived_at: int | None = None


@dataclass(frozen=True, slots=True)
class Label:
    """An issue label; ``team_id`` None makes it a workspace label, ``is_group`` a label group."""

    id: str
    name: str
    created_at: int
    updated_at: int
    team_id: str | None = None
    parent_id: str | None = None
    is_group: bool = False
    color: str = "#bec2c8"
    description: str | None = None
    archived_at: int | None = None
    creator_id: str | None = None


@dataclass(frozen=True, slots=True)
class Initiative:
    id: str
    name: str
    created_at: int
    updated_at: int
    description: str | None = None
    status: str = "Active"
    archived_at: int | None = None


@dataclass(frozen=True, slots=True)
class Project:
    id: str
    name: str
    created_at: int
    updated_at: int
    team_ids: tuple[str, ...] = ()
    initiative_ids: tuple[str, ...] = ()
    description: str = ""
    state: str = "started"
    archived_at: int | None = None

    @property
    def slug_id(self) -> str:
        return self.id.replace("-", "")[:12]


@dataclass(frozen=True, slots=True)
class Cycle:
    id: str
    team_id: str
    number: int
    starts_at: int
    ends_at: int
    created_at: int
    updated_at: int
    name: str | None = None
    completed_at: int | None = None
    archived_at: int | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """An issue; ``identifier`` is ``TEAMKEY-number`` and changes when the issue moves team."""

    id: str
    team_id: str
    number: int
    identifier: str
    title: str
    state_id: str
    created_at: int
    updated_at: int
    description: str | None = None
    priority: int = 0
    estimate: float | None = None
    project_id: str | None = None
    cycle_id: str | None = None
    parent_id: str | None = None
    label_ids: tuple[str, ...] = ()
    assignee_id: str | None = None
    creator_id: str | None = None
    started_at: int | None = None
    completed_at: int | None = None
    canceled_at: int | None = None
    archived_at: int | None = None
    trashed: bool = False
    due_date: str | None = None
    sort_order: float = 0.0
    previous_identifiers: tuple[str, ...] = ()

    @property
    def priority_label(self) -> str:
        return PRIORITY_LABELS.get(self.priority, "No priority")

    @property
    def slug(self) -> str:
        """The title as it appears in the issue's URL and branch name."""
        return _NOT_SLUG.sub("-", self.title.lower()).strip("-")[:40].rstrip("-")

    @property
    def branch_name(self) -> str:
        return f"{self.identifier.lower()}-{self.slug}".rstrip("-")


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    issue_id: str
    body: str
    created_at: int
    updated_at: int
    user_id: str | None = None
    parent_id: str | None = None
    edited_at: int | None = None
    archived_at: int | None = None
