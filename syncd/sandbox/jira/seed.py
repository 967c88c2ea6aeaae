"""Synthetic issues for benchmarks and for a hand-started emulator (``--issues N``).

The data is deterministic for a given seed and shaped like a real backlog: a few projects with
components, epics that stories hang under, sub-tasks, a spread of statuses and estimates (some missing),
labels from a small vocabulary, and creation dates spread over the last months, so incremental pulls
and drift figures have something realistic to chew on.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from syncd.sandbox.jira.model import Issue
from syncd.sandbox.jira.store import JiraStore

__all__ = ["PROJECTS", "seed_synthetic"]

PROJECTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "GROW": ("Growth", ("Billing", "Onboarding", "Checkout")),
    "CORE": ("Core Platform", ("API", "Storage", "Auth")),
    "OPS": ("Operations", ("Monitoring", "Deploys")),
}
_VERBS = ("Add", "Fix", "Improve", "Refactor", "Document", "Remove", "Speed up", "Harden")
_NOUNS = (
    "checkout flow",
    "pricing page",
    "trial signup",
    "invoice export",
    "login rate limit",
    "audit log",
    "search index",
    "deploy pipeline",
    "alerting rules",
    "support ticket triage",
    "customer import",
)
_LABELS = ("customer-reported", "pricing", "tech-debt", "security", "quick-win", "ux")
_STATUSES = ("To Do", "Backlog", "In Progress", "In Review", "Done", "Done", "Won't Do")
_ESTIMATES = (1.0, 2.0, 3.0, 5.0, 8.0, 13.0, None)


def seed_synthetic(store: JiraStore, count: int, *, seed: int = 0, days: int = 120) -> list[Issue]:
    """Create the projects of :data:`PROJECTS` (when missing) and ``count`` issues spread across them.

    Roughly one issue in forty is an epic and one in ten a sub-task; stories are linked to the latest
    epic of their project. ``created`` is spread over the last ``days`` days of the store's clock.
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    now = store.clock.now()
    for key, (name, components) in PROJECTS.items():
        try:
            store.project_by_key(key)
        except KeyError:
            store.create_project(key, name, components=components)
    keys = list(PROJECTS)
    epics: dict[str, str] = {}
    parents: dict[str, str] = {}
    starts = sorted(now - timedelta(seconds=rng.uniform(0, days * 86400)) for _ in range(count))
    created_issues: list[Issue] = []
    for position, created in enumerate(starts):
        project = keys[position % len(keys)]
        kind = rng.random()
        summary = f"{rng.choice(_VERBS)} {rng.choice(_NOUNS)}"
        spec = _Spec(store, rng, project, created, now)
        if kind < 0.025 or project not in epics:
            issue = spec.create(f"Epic: {summary}", "Epic")
            epics[project] = issue.key
        elif kind < 0.125 and project in parents:
            issue = spec.create(summary, "Sub-task", parent=parents[project])
        else:
            issue = spec.create(
                summary,
                rng.choice(("Story", "Story", "Task", "Bug")),
                epic=epics[project] if rng.random() < 0.8 else None,
                story_points=rng.choice(_ESTIMATES),
                description=f"{summary} for the {rng.choice(PROJECTS[project][1])} area.",
            )
            parents[project] = issue.key
        created_issues.append(issue)
    return created_issues


@dataclass(frozen=True, slots=True)
class _Spec:
    """What the issues of one seeding step share: where, when, and the random source."""

    store: JiraStore
    rng: random.Random
    project: str
    created: datetime
    now: datetime

    def create(self, summary: str, issue_type: str, /, **links: Any) -> Issue:
        rng = self.rng
        components = PROJECTS[self.project][1]
        return self.store.create_issue(
            self.project,
            summary,
            issue_type=issue_type,
            status=rng.choice(_STATUSES),
            priority=rng.choice(("Highest", "High", "Medium", "Medium", "Low")),
            created=self.created,
            updated=self.created + (self.now - self.created) * rng.random(),
            components=(rng.choice(components),) if rng.random() < 0.7 else (),
            labels=tuple(rng.sample(_LABELS, k=rng.choice((0, 0, 1, 1, 2)))),
            **links,
        )
