"""The JQL that clients other than syncd send, searched by the real ``jira`` client over HTTP: labels,
status, statusCategory, issue type, component, priority, resolution, ``text ~``, ``IN``, ``IS EMPTY``,
``AND``/``OR``/``NOT`` and ``ORDER BY`` on these."""

from __future__ import annotations

from collections.abc import Iterator

import jira
import pytest

from syncd.sandbox.jira import JiraEmulator

from .jira_support import adf, client, serving


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest) -> Iterator[JiraEmulator]:
    with serving(request.param) as emulator:
        store = emulator.store
        store.create_project("GROW", "Growth", components=["Billing", "Checkout"])
        store.create_issue("GROW", "Pricing page copy", labels=["pricing"], priority="High")
        store.create_issue("GROW", "Checkout button", components=["Checkout"], status="In Progress", priority="Low")
        store.create_issue(
            "GROW", "Dark mode", status="Won't Do", issue_type="Task", description=adf("the invoice page")
        )
        store.create_issue(
            "GROW", "Invoice export", status="Done", labels=["pricing", "customer"], components=["Billing"]
        )
        yield emulator


def keys(site: JiraEmulator, jql: str) -> list[str]:
    return [issue.key for issue in client(site).search_issues(jql, maxResults=50)]


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ("labels = pricing ORDER BY key", ["GROW-1", "GROW-4"]),
        ("labels in (customer, nope)", ["GROW-4"]),
        ("labels is EMPTY ORDER BY key", ["GROW-2", "GROW-3"]),
        ("labels != customer ORDER BY key", ["GROW-1"]),
        ('status = "In Progress"', ["GROW-2"]),
        ('status in ("won\'t do", done) ORDER BY key', ["GROW-3", "GROW-4"]),
        ("statusCategory = Done ORDER BY key", ["GROW-3", "GROW-4"]),
        ('statusCategory = "To Do"', ["GROW-1"]),
        ("statusCategory = 4", ["GROW-2"]),
        ("issuetype = Task", ["GROW-3"]),
        ("type != Task ORDER BY key", ["GROW-1", "GROW-2", "GROW-4"]),
        ("component = Checkout", ["GROW-2"]),
        ("component is not EMPTY ORDER BY key", ["GROW-2", "GROW-4"]),
        ("priority in (High, Low) ORDER BY priority DESC", ["GROW-2", "GROW-1"]),
        ('resolution = "Won\'t Do"', ["GROW-3"]),
        ("resolution is EMPTY ORDER BY key", ["GROW-1", "GROW-2"]),
        ('text ~ "invoice" ORDER BY key', ["GROW-3", "GROW-4"]),
        ('text ~ "invoice page"', ["GROW-3"]),
        ("NOT labels = pricing AND (status = Done OR component = Checkout)", ["GROW-2"]),
        ("project = GROW ORDER BY status ASC, key DESC", ["GROW-4", "GROW-2", "GROW-1", "GROW-3"]),
    ],
)
def test_client_queries_find_what_jira_would(site: JiraEmulator, jql: str, expected: list[str]) -> None:
    assert keys(site, jql) == expected


def test_a_field_it_cannot_search_is_refused_with_jiras_words(site: JiraEmulator) -> None:
    with pytest.raises(jira.JIRAError) as raised:
        keys(site, "labels is pricing")
    assert raised.value.status_code == 400
    assert "The operator 'IS' only supports EMPTY or NULL for field 'labels'." in str(raised.value.text)
