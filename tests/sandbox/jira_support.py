"""Shared helpers of the Jira emulator tests: a served site whose every exchange is schema-checked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import jira
import requests

from syncd.sandbox.jira import Clock, JiraEmulator

from .jira_openapi import validate_exchange

__all__ = ["T0", "adf", "api_session", "backlog", "client", "serving"]

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@contextmanager
def serving(deployment: str, *, validate: bool = True, **options: Any) -> Iterator[JiraEmulator]:
    """A started emulator on a frozen clock at :data:`T0`; on exit every exchange is validated.

    Requests are validated when Jira accepted them (status below 400): the tests that provoke errors
    send malformed requests on purpose. Responses are always validated.
    """
    with JiraEmulator(deployment, clock=Clock(T0), **options) as site:
        yield site
        if validate:
            for record in site.log.records():
                validate_exchange(record)


def client(site: JiraEmulator, *, version: int | None = None, **options: Any) -> jira.JIRA:
    """The real ``jira`` client logged in as the site's built-in user, its own retries off."""
    rest: dict[str, Any] = {"rest_api_version": str(version)} if version else {}
    return jira.JIRA(**site.client_options(**options), max_retries=0, options=rest)


def adf(text: str) -> dict[str, Any]:
    """A one-paragraph ADF document."""
    return {
        "type": "doc",
        "version": 1,
        "content": [{"type": "paragraph", "content": [{"type": "text", "text": text}]}],
    }


def api_session(site: JiraEmulator) -> requests.Session:
    """A ``requests`` session carrying the built-in user's credentials."""
    session = requests.Session()
    if site.deployment.value == "cloud":
        session.auth = site.basic_auth
    else:
        session.headers["Authorization"] = f"Bearer {site.token}"
    return session


def backlog(site: JiraEmulator) -> None:
    """GROW: an epic, a story under it with a sub-task, a done bug; CORE: one task; STRAT: the report issue."""
    store = site.store
    store.create_project("GROW", "Growth", components=["Billing", "Checkout"])
    store.create_project("CORE", "Core Platform")
    store.create_project("STRAT", "Strategy")
    epic = store.create_issue("GROW", "Self-serve checkout", issue_type="Epic", created=T0 - timedelta(days=9))
    story = store.create_issue(
        "GROW",
        "Trial to paid flow",
        epic=epic.key,
        labels=["pricing"],
        components=["Checkout"],
        story_points=5,
        status="In Progress",
        description="Let trials convert.\nWithout support tickets.",
        created=T0 - timedelta(days=8),
    )
    store.create_issue(
        "GROW", "Wire the button", issue_type="Sub-task", parent=story.key, created=T0 - timedelta(days=7)
    )
    store.create_issue("GROW", "Invoice totals off", issue_type="Bug", status="Done", created=T0 - timedelta(days=6))
    store.create_issue("CORE", "Rotate keys", issue_type="Task", priority="High", created=T0 - timedelta(days=5))
    store.create_issue("STRAT", "Strategy report", issue_type="Task", created=T0 - timedelta(days=30))
