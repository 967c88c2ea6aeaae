"""Data to serve: the demo organisation and synthetic workspaces of any size.

The demo organisation matches ``config/strategy.example.yaml``: teams ENG, GRO and INF, the projects
and initiatives the example objectives name, a workspace label group, team and workspace labels, a
cycle, sub-issues, and the issue that receives the drift report (ENG-1). Synthetic workspaces are
deterministic for a seed and are built in bulk (one index sort at the end), so 100k issues take
seconds, not minutes.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

from syncd.sandbox.linear.records import Issue
from syncd.sandbox.linear.workspace import LinearWorkspace

__all__ = ["DemoOrg", "seed_demo", "seed_synthetic"]

_DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class DemoOrg:
    """What a caller of :func:`seed_demo` needs to connect and find its way."""

    api_key: str
    read_only_key: str
    report_issue: str
    teams: tuple[str, ...]


_DEMO_ISSUES: tuple[tuple[str, str, str, float | None, str | None, tuple[str, ...]], ...] = (
    # team, title, state type, estimate, project, labels
    ("GRO", "Redesign the checkout page", "started", 5, "Checkout revamp", ("Frontend",)),
    ("GRO", "Show annual pricing on the upgrade flow", "started", 3, "Checkout revamp", ("pricing",)),
    ("GRO", "Trial expiry emails are sent twice", "completed", 2, None, ("bug", "customer-reported")),
    ("GRO", "A/B test the trial length", "unstarted", 3, None, ()),
    ("GRO", "Coupon codes in checkout", "backlog", 5, "Checkout revamp", ("Backend",)),
    ("ENG", "SAML SSO with Okta", "started", 8, "SAML SSO", ("Backend",)),
    ("ENG", "SCIM user provisioning", "unstarted", 8, "SAML SSO", ()),
    ("ENG", "Audit log export to CSV", "started", 3, "Audit log", ()),
    ("ENG", "Audit log retention settings", "backlog", 2, "Audit log", ()),
    (
        "ENG",
        "Customer cannot reset password (support ticket)",
        "started",
        1,
        None,
        ("bug", "customer-reported"),
    ),
    ("ENG", "Refactor the settings page", "started", 3, None, ("Frontend",)),
    ("ENG", "Upgrade the web framework", "unstarted", None, None, ()),
    ("ENG", "Dark mode", "backlog", 5, None, ("Frontend",)),
    ("INF", "Page load latency above 2s on the dashboard", "started", 3, None, ("incident",)),
    ("INF", "Flaky deploy pipeline timeout", "started", 2, None, ("Infra",)),
    ("INF", "Outage postmortem: database failover", "completed", 1, None, ("incident",)),
    ("INF", "Move nightly jobs to the new warehouse", "started", 5, "Warehouse migration", ("Infra",)),
    ("INF", "dbt models for the analytics pipeline", "unstarted", 3, "Warehouse migration", ()),
    ("INF", "Rotate TLS certificates", "canceled", 1, None, ()),
    ("INF", "Triage: alerts are noisy at night", "triage", None, None, ()),
)


def seed_demo(workspace: LinearWorkspace, *, api_key: str | None = None) -> DemoOrg:
    """Fill an empty workspace with the demo organisation.

    Args:
        workspace: an empty workspace.
        api_key: the secret of the demo's API key (generated when None).
    """
    ws = workspace
    now = ws.clock.now()
    bot = ws.add_user("Sync Bot", email="syncd@acme.example", admin=True)
    people = [ws.add_user(name) for name in ("Ada Lovelace", "Grace Hopper", "Linus Torvalds")]
    key = ws.add_api_key(user=bot, token=api_key)
    read_only = ws.add_api_key(user=people[0], can_write=False)
    teams = {
        "ENG": ws.add_team("ENG", "Engineering", cycles=True),
        "GRO": ws.add_team("GRO", "Growth"),
        "INF": ws.add_team("INF", "Infrastructure", triage=True),
    }
    for name in ("bug", "pricing", "incident", "customer-reported"):
        ws.add_label(name)
    area = ws.add_label_group("Area")
    for name in ("Frontend", "Backend", "Infra"):
        ws.add_label(name, group=area)
    ws.add_label("flaky-test", team="ENG")
    self_serve = ws.add_initiative("Self-serve", description="Buy without talking to sales.")
    enterprise = ws.add_initiative("Enterprise", description="Pass security reviews.")
    projects = {
        "Checkout revamp": ws.add_project("Checkout revamp", teams=["GRO"], initiatives=[self_serve]),
        "SAML SSO": ws.add_project("SAML SSO", teams=["ENG"], initiatives=[enterprise]),
        "Audit log": ws.add_project("Audit log", teams=["ENG"], initiatives=[enterprise]),
        "Warehouse migration": ws.add_project("Warehouse migration", teams=["INF"]),
    }
    cycle = ws.add_cycle("ENG", starts_at=now - timedelta(days=7), ends_at=now + timedelta(days=7))
    report = ws.add_issue("ENG", "Strategy drift report", description="syncd posts its drift report here.")
    made = {}
    for index, (team, title, state, estimate, project, labels) in enumerate(_DEMO_ISSUES):
        made[title] = ws.add_issue(
            team,
            title,
            state=state,
            estimate=estimate,
            project=projects[project] if project else None,
            labels=labels,
            cycle=cycle if team == "ENG" and state == "started" else None,
            assignee=people[index % len(people)],
            priority=index % 5,
            created_at=now - timedelta(days=30 - index),
        )
    epic = made["SAML SSO with Okta"]
    ws.add_issue("ENG", "Just-in-time provisioning", parent=epic, estimate=2, project=projects["SAML SSO"])
    return DemoOrg(key, read_only, report.identifier, tuple(teams))


def seed_synthetic(
    workspace: LinearWorkspace,
    count: int,
    *,
    seed: int = 0,
    teams: tuple[str, ...] = ("ENG", "GRO", "INF", "OPS"),
    days: int = 365,
) -> None:
    """Add ``count`` synthetic issues spread over ``teams`` and the last ``days`` days.

    Teams, a label group with three labels and a few workspace labels are created when missing.
    Issues get varied states, estimates, priorities, projects and at most one label per group.
    """
    ws = workspace
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    for key in teams:
        if ws.store.find_team(key) is None:
            ws.add_team(key)
    owned = [ws.team(key) for key in teams]
    group = next((lbl for lbl in ws.store.labels.values() if lbl.is_group and lbl.name == "Kind"), None)
    if group is None:
        group = ws.add_label_group("Kind")
        for name in ("Feature", "Defect", "Chore"):
            ws.add_label(name, group=group)
    kinds = [lbl.id for lbl in ws.store.label_children(group.id)]
    loose = [lbl.id for lbl in ws.store.labels.values() if lbl.team_id is None and lbl.parent_id is None]
    loose = [i for i in loose if not ws.store.labels[i].is_group][:6]
    projects = [ws.add_project(f"Synthetic project {n}", teams=[owned[n % len(owned)]]) for n in range(8)]
    states = {team.id: ws.store.team_states(team.id) for team in owned}
    now = ws.clock.now_ms()
    words = ("checkout", "sso", "latency", "audit", "pricing", "onboarding", "search", "export", "alerts")
    with ws.store.bulk():
        for n in range(count):
            team = owned[n % len(owned)]
            created = now - rng.randrange(days * _DAY_MS)
            updated = created + rng.randrange(max(1, now - created))
            state = rng.choice(states[team.id])
            labels = ([rng.choice(kinds)] if rng.random() < 0.7 else []) + rng.sample(loose, k=min(len(loose), 1))
            project = rng.choice(projects) if rng.random() < 0.4 else None
            number = ws.store.next_issue_number(team.id)
            ws.store.put_issue(
                Issue(
                    str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    team.id,
                    number,
                    f"{team.key}-{number}",
                    f"{rng.choice(words).capitalize()} {rng.choice(words)} task {n}",
                    state.id,
                    created,
                    updated,
                    description=f"Synthetic issue {n} about {rng.choice(words)}.",
                    priority=rng.randrange(5),
                    estimate=rng.choice((None, 1.0, 2.0, 3.0, 5.0, 8.0)),
                    project_id=project.id if project and team.id in project.team_ids else None,
                    label_ids=tuple(dict.fromkeys(labels)),
                    started_at=created if state.type in ("started", "completed") else None,
                    completed_at=updated if state.type == "completed" else None,
                    canceled_at=updated if state.type == "canceled" else None,
                )
            )
