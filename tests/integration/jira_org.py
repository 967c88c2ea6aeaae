"""A small Jira organisation for the example strategy, and settings pointing syncd at an emulated site."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta

from syncd.sandbox.jira import JiraEmulator

DAY = timedelta(days=1)


def seed(site: JiraEmulator) -> None:
    """GROW, OPS, ENT, MISC and STRAT with epics, sub-tasks, components, labels and story points."""
    store = site.store
    now = datetime.now(UTC)
    store.create_project("GROW", "Growth", components=["Billing", "Checkout", "Onboarding"])
    store.create_project("OPS", "Operations")
    store.create_project("ENT", "Enterprise", components=["SSO", "Audit"])
    store.create_project("MISC", "Miscellaneous")
    store.create_project("STRAT", "Strategy")
    store.create_issue("STRAT", "Q4 strategy and drift reports", issue_type="Task", created=now - 30 * DAY)
    epic = store.create_issue("GROW", "Self-serve checkout", issue_type="Epic", status="In Progress")
    story = store.create_issue(
        "GROW", "Trial to paid flow", epic=epic.key, story_points=5, status="In Progress", components=["Checkout"]
    )
    store.create_issue("GROW", "Wire the upgrade button", issue_type="Sub-task", parent=story.key, story_points=1)
    store.create_issue("GROW", "Pricing page copy", labels=["pricing"], story_points=2)
    store.create_issue("OPS", "Pager rota for Q4", issue_type="Task", status="In Progress", story_points=1)
    store.create_issue("OPS", "Dashboard latency above 2s", issue_type="Bug", story_points=3)
    ent_epic = store.create_issue("ENT", "Enterprise readiness", issue_type="Epic")
    store.create_issue("ENT", "SAML login", epic=ent_epic.key, components=["SSO"], story_points=8)
    store.create_issue("MISC", "Office plants rota", issue_type="Task", labels=["facilities"])
    store.create_issue("MISC", "Customer asked for a CSV export", labels=["customer-reported"], story_points=2)
    store.create_issue("MISC", "Flaky checkout test", issue_type="Bug", status="Done", story_points=1)
    store.create_issue(
        "MISC", "Offsite planning", issue_type="Task", status="In Progress", description="Book the venue."
    )


EXPECTED = {
    "GROW-1": {"objective:self-serve-growth"},
    "GROW-3": {"objective:self-serve-growth"},
    "ENT-2": {"objective:enterprise-readiness"},
    "OPS-2": {"objective:reliability", "value:quality"},
    "MISC-1": {"facilities", "alignment:none"},
    "MISC-2": {"customer-reported", "alignment:none", "value:customer-first"},
    "STRAT-1": set(),
}


def settings_table(site: JiraEmulator, *, token: str | None = None, deployment: str | None = None) -> str:
    """The ``[jira.acme]`` table for the emulated site (credentials inline: it is a test)."""
    if site.deployment.value == "cloud":
        email, api_token = site.basic_auth
        credentials = f'email = "{email}"\napi_token = "{token or api_token}"'
    else:
        credentials = f'token = "{token or site.token}"'
    table = textwrap.dedent(
        f"""
        [jira.acme]
        url = "{site.url}"
        deployment = "{deployment or site.deployment.value}"
        projects = ["GROW", "OPS", "ENT", "MISC"]
        page_size = 50
        """
    )
    return table + credentials + "\n"


def refused_table(site: JiraEmulator, name: str = "refused") -> str:
    """A ``[jira.<name>]`` table for the same Cloud site whose API token the site refuses (401)."""
    email, _ = site.basic_auth
    return textwrap.dedent(
        f"""
        [jira.{name}]
        url = "{site.url}"
        deployment = "cloud"
        projects = ["GROW"]
        email = "{email}"
        api_token = "not-the-token"
        """
    )
