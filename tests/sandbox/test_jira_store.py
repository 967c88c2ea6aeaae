"""The test-facing API of the Jira emulator: arranging data, edits as a person, the clock, the CLI."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests

from syncd.sandbox.jira import Clock, Deployment, IssueEdit, JiraStore, seed_synthetic
from syncd.sandbox.jira.handlers import PAGE_LIMITS
from syncd.sandbox.jira.jql import parse
from syncd.sandbox.jira.search import compile_query
from tests.support.sandbox_command import sandbox_command

from .jira_support import T0, serving


def _store(deployment: Deployment = Deployment.CLOUD) -> JiraStore:
    store = JiraStore(deployment, clock=Clock(T0))
    store.create_project("GROW", "Growth", components=["Billing"])
    store.create_project("CORE", "Core Platform")
    return store


def test_cloud_links_stories_to_epics_through_parent() -> None:
    store = _store()
    epic = store.create_issue("GROW", "Epic", issue_type="Epic")
    story = store.create_issue("GROW", "Story", epic=epic.key)
    subtask = store.create_issue("GROW", "Sub", issue_type="Sub-task", parent=story.key)

    assert (story.parent_id, story.epic_id) == (epic.id, None)
    assert subtask.parent_id == story.id
    with pytest.raises(ValueError, match="cannot be the parent"):
        store.create_issue("GROW", "Story", parent=story.key)


def test_data_center_links_epics_through_epic_link_and_parents_only_subtasks() -> None:
    store = _store(Deployment.DATA_CENTER)
    epic = store.create_issue("GROW", "Epic", issue_type="Epic")
    story = store.create_issue("GROW", "Story", epic=epic.key)

    assert (story.parent_id, story.epic_id) == (None, epic.id)
    with pytest.raises(ValueError, match="cannot be the parent"):
        store.create_issue("GROW", "Story", parent=epic.key)
    with pytest.raises(ValueError, match="is not an epic"):
        store.create_issue("GROW", "Story", epic=story.key)


def test_edits_as_a_person_move_updated_and_resolution() -> None:
    store = _store()
    issue = store.create_issue("GROW", "Story", labels=["a"])
    store.clock.advance(timedelta(minutes=3))

    done = store.edit_issue(issue.key, IssueEdit(status="Done", story_points=2.0, components=("Billing",)))
    store.clock.advance(60)
    reopened = store.edit_issue(issue.key, IssueEdit(status="In Progress"))

    assert done.updated == done.resolutiondate == T0 + timedelta(minutes=3)
    assert store.project_by_key("GROW").components[0].id in done.component_ids
    assert reopened.resolutiondate is None
    assert reopened.updated == T0 + timedelta(minutes=4)
    with pytest.raises(ValueError, match="contains spaces"):
        store.edit_labels(issue.key, add=["two words"])


def test_delete_unlinks_children_and_move_keeps_the_old_key_resolving() -> None:
    store = _store()
    epic = store.create_issue("GROW", "Epic", issue_type="Epic")
    story = store.create_issue("GROW", "Story", epic=epic.key, components=["Billing"])
    subtask = store.create_issue("GROW", "Sub", issue_type="Sub-task", parent=story.key)

    moved = store.move_issue(story.key, "CORE")
    store.delete_issue(epic.key)

    assert moved.key == "CORE-1"
    assert store.issue("GROW-2").key == "CORE-1"
    assert store.issue(str(subtask.id)).key == "CORE-2"
    assert store.issue("CORE-1").parent_id is None
    assert store.issue("CORE-1").component_ids == ()
    assert store.find(epic.key) is None
    assert len(store) == 2


def test_comments_as_a_person() -> None:
    store = _store(Deployment.DATA_CENTER)
    issue = store.create_issue("GROW", "Story", created=T0 - timedelta(days=1))
    author = store.create_user(display_name="Pat", email="pat@example.com", token="pat")

    comment = store.add_comment(issue.key, "h1. Hello", author=author)
    store.clock.advance(5)
    edited = store.edit_comment(issue.key, comment.id, "h1. Hello again")

    assert store.issue(issue.key).updated == T0 + timedelta(seconds=5)
    assert (edited.author, edited.update_author) == (author.account_id, store.default_user.account_id)
    assert [store.comment_text(c) for c in store.comments(issue.key)] == ["h1. Hello again"]


def test_the_clock_follows_real_time_until_set() -> None:
    clock = Clock()
    before = datetime.now(UTC)

    assert before - timedelta(seconds=1) <= clock.now() <= datetime.now(UTC) + timedelta(seconds=1)
    assert clock.advance(timedelta(hours=1)) >= before + timedelta(hours=1, milliseconds=-1)
    clock.set(datetime(2026, 1, 1, 12, 0, 0, 123456))
    assert clock.frozen
    assert clock.now() == datetime(2026, 1, 1, 12, 0, 0, 123000, tzinfo=UTC)
    clock.resume()
    assert not clock.frozen


def test_synthetic_seed_is_deterministic_and_realistic() -> None:
    first, second = _store(), _store()

    one = seed_synthetic(first, 400, seed=3)
    two = seed_synthetic(second, 400, seed=3)

    assert [(i.key, i.summary, i.labels) for i in one] == [(i.key, i.summary, i.labels) for i in two]
    kinds = {i.issue_type.name for i in one}
    assert kinds >= {"Epic", "Story", "Sub-task"}
    assert any(i.parent_id for i in one if i.issue_type.name == "Story")
    assert any(i.story_points is None for i in one)
    assert any(i.story_points for i in one)


def test_searches_and_edits_can_run_concurrently() -> None:
    store = _store()
    seed_synthetic(store, 3000, seed=1)
    query = parse("project in (GROW, CORE, OPS) ORDER BY created ASC")
    failures: list[BaseException] = []

    def read() -> None:
        try:
            for _ in range(20):
                with store.lock:
                    plan = compile_query(query, resolver=store, zone=ZoneInfo("UTC"), now=T0)
                    page = store.engine.page_after(plan, None, PAGE_LIMITS["search_jql_fields"])
                assert len(page.issues) == 100
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    for issue in store.issues()[:300]:
        store.edit_labels(issue.key, add=["concurrent"])
    for thread in readers:
        thread.join()

    assert failures == []


def test_command_line_serves_and_prints_credentials() -> None:
    with sandbox_command("jira", "--port", "0", "--deployment", "datacenter", "--issues", "20") as banner:
        url = re.search(r"on (http://\S+)", banner)
        token = re.search(r"token: '([^']+)'", banner)
        assert url is not None
        assert token is not None
        assert "(20 issues)" in banner

        response = requests.get(
            f"{url.group(1)}/rest/api/2/search",
            params={"jql": "project in (GROW, CORE, OPS)", "maxResults": "0"},
            headers={"Authorization": f"Bearer {token.group(1)}"},
            timeout=10,
        )

    assert response.json()["total"] == 20


def test_pages_of_a_large_backlog_stay_fast_after_edits() -> None:
    with serving("cloud", validate=False, keep_bodies=False) as site:
        seed_synthetic(site.store, 30_000, seed=5)
        session = requests.Session()
        session.auth = site.basic_auth
        url = f"{site.url}/rest/api/3/search/jql"
        params = {"jql": "project in (GROW, CORE, OPS) ORDER BY created", "maxResults": "100", "fields": "summary"}
        first = session.get(url, params=params).json()
        site.store.edit_labels(first["issues"][0]["key"], add=["between-pages"])

        started = datetime.now(UTC)
        for _ in range(20):
            page = session.get(url, params={**params, "nextPageToken": first["nextPageToken"]}).json()
        elapsed = (datetime.now(UTC) - started).total_seconds()

    assert len(page["issues"]) == 100
    assert elapsed < 5
