"""The programmatic face of the Linear emulator, for tests, the demo and the benchmarks.

:class:`LinearWorkspace` builds a workspace (users and API keys, teams and their workflow states,
workspace and team labels and label groups, initiatives, projects, cycles, issues) and, through
:class:`~syncd.sandbox.linear.people.PersonActions`, acts in it as a person would in Linear's app.
Creation follows Linear's rules as the API does (:mod:`.edits`): an issue's labels must be usable by
its team and at most one per group; a label's parent must be a group of its scope; names are unique
in a scope. References are forgiving (:mod:`.lookups`).
"""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime

from syncd.sandbox.clock import to_ms
from syncd.sandbox.linear.edits import check_labels, state_timestamps
from syncd.sandbox.linear.errors import input_error, not_found
from syncd.sandbox.linear.lookups import Ref, ms_or, ref_id
from syncd.sandbox.linear.people import PersonActions
from syncd.sandbox.linear.records import (
    STATE_TYPES,
    ApiKey,
    Cycle,
    Initiative,
    Issue,
    Label,
    Project,
    Team,
    User,
    WorkflowState,
)
from syncd.sandbox.linear.store import new_id

__all__ = ["DEFAULT_STATES", "LinearWorkspace"]

DEFAULT_STATES: tuple[tuple[str, str], ...] = (
    ("Backlog", "backlog"),
    ("Todo", "unstarted"),
    ("In Progress", "started"),
    ("In Review", "started"),
    ("Done", "completed"),
    ("Canceled", "canceled"),
    ("Duplicate", "canceled"),
)
"""The workflow of a new team, as ``(name, type)``; a team with triage also gets ``Triage``. Linear moves
an issue marked as a duplicate to the team's ``Duplicate`` state, of the canceled type
(https://linear.app/docs/configuring-workflows)."""

_STATE_COLORS = {
    "triage": "#fc7840",
    "backlog": "#bec2c8",
    "unstarted": "#e2e2e2",
    "started": "#f2c94c",
    "completed": "#5e6ad2",
    "canceled": "#95a2b3",
}


class LinearWorkspace(PersonActions):
    """One emulated Linear workspace: what it holds, built up by these methods, and people's actions.

    Args:
        store: the data to act on; a fresh empty workspace by default.
        clock: the clock of a fresh store (ignored when ``store`` is given).
        comments_touch_issue: whether a new comment moves its issue's ``updatedAt`` (off by default).
    """

    # -- people and credentials --------------------------------------------------------------------

    def add_user(self, name: str, *, email: str | None = None, admin: bool = False) -> User:
        now = self.clock.now_ms()
        address = email or f"{name.split(' ')[0].lower()}@{self.store.organization.url_key}.example"
        return self.store.put(self.store.users, User(new_id(), name, address, now, now, admin=admin))

    def add_api_key(
        self,
        *,
        user: Ref | None = None,
        token: str | None = None,
        can_write: bool = True,
        oauth: bool = False,
    ) -> str:
        """Issue a credential and return the secret to send.

        Args:
            user: who the key acts as; the first user (created on demand) by default.
            token: the secret; generated in Linear's format (``lin_api_…`` or ``lin_oauth_…``) if None.
            can_write: False for a key without write access (mutations are forbidden).
            oauth: an OAuth access token, sent as ``Authorization: Bearer <token>``.
        """
        with self.store.lock:
            if user is None:
                owner = next(iter(self.store.users.values()), None) or self.add_user("Sync Bot", admin=True)
            else:
                owner = self.record(self.store.users, user, "User")
            secret = token or f"lin_{'oauth' if oauth else 'api'}_{secrets.token_hex(20)}"
            self.store.api_keys[secret] = ApiKey(secret, owner.id, can_write=can_write, oauth=oauth)
            return secret

    def revoke_api_key(self, token: str) -> None:
        with self.store.lock:
            self.store.api_keys.pop(token, None)

    # -- structure ---------------------------------------------------------------------------------

    def add_team(
        self,
        key: str,
        name: str | None = None,
        *,
        states: Sequence[tuple[str, str]] = DEFAULT_STATES,
        triage: bool = False,
        cycles: bool = False,
    ) -> Team:
        """A team with its workflow states."""
        with self.store.lock:
            if self.store.find_team(key) is not None:
                raise input_error("Team key already exists", f"A team with key {key} already exists.")
            now = self.clock.now_ms()
            team = Team(
                new_id(),
                key.upper(),
                name or key.title(),
                now,
                now,
                cycles_enabled=cycles,
                triage_enabled=triage,
            )
            self.store.put(self.store.teams, team)
            flow = ((("Triage", "triage"),) if triage else ()) + tuple(states)
            for position, (state_name, state_type) in enumerate(flow):
                self.add_state(team, state_name, state_type, position=float(position))
            return team

    def add_state(
        self, team: Ref, name: str, type: str, *, position: float | None = None, color: str | None = None
    ) -> WorkflowState:
        if type not in STATE_TYPES:
            raise ValueError(f"state type must be one of {STATE_TYPES}, not {type!r}")
        with self.store.lock:
            owner = self.team(team)
            now = self.clock.now_ms()
            if position is None:
                position = float(len(self.store.team_states(owner.id)))
            state = WorkflowState(new_id(), owner.id, name, type, position, color or _STATE_COLORS[type], now, now)
            return self.store.put(self.store.states, state)

    def add_label(
        self,
        name: str,
        *,
        team: Ref | None = None,
        group: Ref | None = None,
        is_group: bool = False,
        color: str | None = None,
        description: str | None = None,
        creator: Ref | None = None,
    ) -> Label:
        """A workspace label (no ``team``) or a team label, optionally inside a label ``group``."""
        with self.store.lock:
            team_id = self.team(team).id if team is not None else None
            parent_id = self.label(group, team=team).id if group is not None else None
            creator_id = ref_id(creator) if creator is not None else None
            return self.create_label(
                name=name,
                team_id=team_id,
                parent_id=parent_id,
                is_group=is_group,
                color=color,
                description=description,
                creator_id=creator_id,
            )

    def add_label_group(self, name: str, *, team: Ref | None = None, color: str | None = None) -> Label:
        return self.add_label(name, team=team, is_group=True, color=color)

    def create_label(
        self,
        *,
        name: str,
        team_id: str | None = None,
        parent_id: str | None = None,
        is_group: bool = False,
        color: str | None = None,
        description: str | None = None,
        creator_id: str | None = None,
        label_id: str | None = None,
    ) -> Label:
        """Create a label under Linear's rules (also what ``issueLabelCreate`` runs).

        Raises:
            LinearApiError: unknown team or parent, a parent that is not a group, a group inside a
                group, a team group holding a workspace label, or a duplicate name in the same scope.
        """
        with self.store.lock:
            if team_id is not None and team_id not in self.store.teams:
                raise not_found("Team")
            if parent_id is not None:
                parent = self.store.labels.get(parent_id)
                if parent is None:
                    raise not_found("IssueLabel")
                if not parent.is_group:
                    raise input_error("Parent label is not a group", f"The label '{parent.name}' is not a group.")
                if is_group:
                    raise input_error("Label groups cannot be nested", "A label group cannot be inside another.")
                if parent.team_id is not None and parent.team_id != team_id:
                    raise input_error(
                        "Parent label belongs to another team",
                        f"The group '{parent.name}' belongs to another team.",
                    )
            clash = next(
                (
                    other
                    for other in self.store.labels.values()
                    if other.archived_at is None
                    and other.name.lower() == name.lower()
                    and other.team_id in {team_id, None}
                ),
                None,
            )
            if clash is not None:
                raise input_error("duplicate label name", f"A label named '{name}' already exists.")
            if label_id is not None and label_id in self.store.labels:
                raise input_error("Entity already exists", "A label with this id already exists.")
            now = self.clock.now_ms()
            label = Label(
                label_id or new_id(),
                name,
                now,
                now,
                team_id=team_id,
                parent_id=parent_id,
                is_group=is_group,
                color=color or "#bec2c8",
                description=description,
                creator_id=creator_id,
            )
            return self.store.put(self.store.labels, label)

    def add_initiative(self, name: str, *, description: str | None = None) -> Initiative:
        now = self.clock.now_ms()
        initiative = Initiative(new_id(), name, now, now, description=description)
        return self.store.put(self.store.initiatives, initiative)

    def add_project(
        self,
        name: str,
        *,
        teams: Iterable[Ref] = (),
        initiatives: Iterable[Ref] = (),
        description: str = "",
        state: str = "started",
    ) -> Project:
        with self.store.lock:
            now = self.clock.now_ms()
            project = Project(
                new_id(),
                name,
                now,
                now,
                team_ids=tuple(self.team(t).id for t in teams),
                initiative_ids=tuple(self.record(self.store.initiatives, i, "Initiative").id for i in initiatives),
                description=description,
                state=state,
            )
            return self.store.put(self.store.projects, project)

    def add_cycle(
        self,
        team: Ref,
        *,
        starts_at: datetime,
        ends_at: datetime,
        number: int | None = None,
        name: str | None = None,
    ) -> Cycle:
        with self.store.lock:
            owner = self.team(team)
            count = sum(1 for c in self.store.cycles.values() if c.team_id == owner.id)
            now = self.clock.now_ms()
            cycle = Cycle(
                new_id(),
                owner.id,
                number if number is not None else count + 1,
                to_ms(starts_at),
                to_ms(ends_at),
                now,
                now,
                name=name,
            )
            return self.store.put(self.store.cycles, cycle)

    # -- issues ------------------------------------------------------------------------------------

    def add_issue(
        self,
        team: Ref,
        title: str,
        *,
        description: str | None = None,
        state: Ref | None = None,
        priority: int = 0,
        estimate: float | None = None,
        labels: Iterable[Ref] = (),
        project: Ref | None = None,
        cycle: Ref | None = None,
        parent: Ref | None = None,
        assignee: Ref | None = None,
        creator: Ref | None = None,
        created_at: datetime | None = None,
        updated_at: datetime | None = None,
        issue_id: str | None = None,
        number: int | None = None,
        closed_at: datetime | None = None,
    ) -> Issue:
        """Create an issue as a person would; labels go through the API's rules (one per group).
        ``number`` keeps an imported issue's own identifier, ``closed_at`` its completion or cancel time."""
        with self.store.lock:
            owner = self.team(team)
            chosen = self.state(owner, state) if state is not None else self.default_state(owner.id)
            now = self.clock.now_ms()
            created = ms_or(created_at, now)
            if number is not None and self.store.find_issue(f"{owner.key}-{number}") is not None:
                raise input_error("Issue exists", f"Issue {owner.key}-{number} already exists.")
            number = self.store.next_issue_number(owner.id, number)
            label_ids = tuple(dict.fromkeys(self.label(ref, team=owner).id for ref in labels))
            check_labels(self.store, label_ids, owner.id)
            issue = Issue(
                issue_id or new_id(),
                owner.id,
                number,
                f"{owner.key}-{number}",
                title,
                chosen.id,
                created,
                max(ms_or(updated_at, created), created),
                description=description,
                priority=priority,
                estimate=estimate,
                project_id=self.record(self.store.projects, project, "Project").id if project else None,
                cycle_id=self.record(self.store.cycles, cycle, "Cycle").id if cycle else None,
                parent_id=self.issue(parent).id if parent is not None else None,
                label_ids=label_ids,
                assignee_id=ref_id(assignee) if assignee is not None else None,
                creator_id=ref_id(creator) if creator is not None else None,
            )
            issue = dataclasses.replace(issue, **state_timestamps(issue, chosen, ms_or(closed_at, created)))
            return self.store.put_issue(issue)
