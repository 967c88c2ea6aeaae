"""The people and projects of an emulated Jira site.

Users carry what authentication and JQL need: Cloud logs in with an email and API token, Data Center with a
personal access token, and each user's profile time zone is the zone JQL dates are read in and timestamps
are shown in. Projects carry their components and the story points field their issues are estimated in.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from syncd.sandbox.clock import Clock
from syncd.sandbox.jira.model import (
    CLOUD_STORY_POINT_ESTIMATE,
    CLOUD_STORY_POINTS,
    DC_STORY_POINTS,
    Component,
    Deployment,
    Project,
    User,
)

__all__ = ["Directory"]

_PERSON_TOKEN = "robin-api-token"  # noqa: S105 - a public test credential, like the built-in ones


class Directory:
    """Users and projects, under the site's lock; :class:`~syncd.sandbox.jira.store.JiraStore` builds on it.

    Args:
        deployment: Cloud or Data Center; decides credentials and the default story points field.
        clock: the clock every timestamp comes from (real time unless a test sets it).
    """

    def __init__(self, deployment: Deployment = Deployment.CLOUD, *, clock: Clock | None = None) -> None:
        self.deployment = deployment
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self._users: dict[str, User] = {}
        self._projects: dict[int, Project] = {}
        self._project_keys: dict[str, int] = {}
        self._numbers: dict[int, int] = {}
        self._next_id = {"issue": 10000, "project": 10000, "component": 10000, "comment": 10000, "user": 10000}
        cloud = deployment is Deployment.CLOUD
        self.default_user = self.create_user(
            display_name="Sync Bot",
            email="syncd@example.com",
            username="syncd",
            token="cloud-api-token" if cloud else "dc-personal-access-token",
        )
        #: who edits issues when a test or the demo acts as a person (the store's edits without ``by``)
        self.person = self.create_user(display_name="Robin Person", email="robin@example.com", token=_PERSON_TOKEN)

    def _new_id(self, kind: str) -> int:
        value = self._next_id[kind]
        self._next_id[kind] = value + 1
        return value

    def create_user(
        self,
        *,
        display_name: str,
        email: str,
        token: str,
        username: str | None = None,
        time_zone: str = "UTC",
        can_edit: bool = True,
        bulk_change: bool = True,
    ) -> User:
        """Add an account that can call the API (Cloud: ``email`` + API ``token``; DC: PAT ``token``)."""
        ZoneInfo(time_zone)
        with self.lock:
            number = self._new_id("user")
            user = User(
                account_id=f"5b10ac8d82e05b22cc7d{number:04x}",
                username=username or email.partition("@")[0],
                user_key=f"JIRAUSER{number}",
                email=email,
                display_name=display_name,
                time_zone=time_zone,
                token=token,
                can_edit=can_edit,
                bulk_change=bulk_change,
            )
            self._users[user.account_id] = user
            return user

    def set_time_zone(self, user: User | str, time_zone: str) -> User:
        """Change a user's profile time zone (the zone JQL dates and timestamps are read in)."""
        ZoneInfo(time_zone)
        with self.lock:
            account_id = user if isinstance(user, str) else user.account_id
            updated = dataclasses.replace(self._users[account_id], time_zone=time_zone)
            self._users[account_id] = updated
            if account_id == self.default_user.account_id:
                self.default_user = updated
            return updated

    def user(self, account_id: str) -> User | None:
        with self.lock:
            return self._users.get(account_id)

    def authenticate_basic(self, email: str, token: str) -> User | None:
        with self.lock:
            return next((u for u in self._users.values() if u.email == email and u.token == token), None)

    def authenticate_bearer(self, token: str) -> User | None:
        with self.lock:
            return next((u for u in self._users.values() if u.token == token), None)

    def create_project(
        self, key: str, name: str, *, components: Iterable[str] = (), story_points_field: str | None = None
    ) -> Project:
        """Add a project; Cloud projects estimate in *Story point estimate* unless told otherwise."""
        default = CLOUD_STORY_POINT_ESTIMATE if self.deployment is Deployment.CLOUD else DC_STORY_POINTS
        allowed = (
            {CLOUD_STORY_POINT_ESTIMATE, CLOUD_STORY_POINTS}
            if self.deployment is Deployment.CLOUD
            else {DC_STORY_POINTS}
        )
        field = story_points_field or default
        if field not in allowed:
            raise ValueError(f"{field} is not a story points field of this deployment")
        with self.lock:
            if key.upper() in self._project_keys:
                raise ValueError(f"project {key} exists")
            project = Project(self._new_id("project"), key.upper(), name, field)
            self._projects[project.id] = project
            self._project_keys[project.key] = project.id
            self._numbers[project.id] = 0
            for component in components:
                self.add_component(project.key, component)
            return self._projects[project.id]

    def add_component(self, project_key: str, name: str) -> Component:
        with self.lock:
            project = self.project_by_key(project_key)
            existing = next((c for c in project.components if c.name == name), None)
            if existing is not None:
                return existing
            component = Component(self._new_id("component"), name, project.id)
            self._projects[project.id] = dataclasses.replace(project, components=(*project.components, component))
            return component

    def project(self, project_id: int) -> Project:
        with self.lock:
            return self._projects[project_id]

    def project_by_key(self, key: str) -> Project:
        with self.lock:
            project_id = self._project_keys.get(key.upper())
            if project_id is None:
                raise KeyError(f"no project {key}")
            return self._projects[project_id]

    def project_id_for(self, value: str) -> int | None:
        """A project named in JQL by key, name or id (case-insensitive, as Jira matches them)."""
        with self.lock:
            if value.upper() in self._project_keys:
                return self._project_keys[value.upper()]
            if value.isdigit() and int(value) in self._projects:
                return int(value)
            return next((p.id for p in self._projects.values() if p.name.lower() == value.lower()), None)
