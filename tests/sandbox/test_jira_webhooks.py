"""The Jira emulator's admin webhooks: registration over REST, the JQL filter, payload shapes, signatures."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from syncd.sandbox.jira import JiraEmulator
from syncd.service.webhooks.verify import hub_signature

SECRET = "emulator-webhook-secret"


class Inbox:
    """A loopback receiver keeping every delivery's headers and body."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], bytes]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                inbox.received.append((dict(self.headers.items()), body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    box.thread.start()
    yield box
    box.server.shutdown()
    box.server.server_close()


@pytest.fixture
def site() -> Iterator[JiraEmulator]:
    with JiraEmulator("cloud") as started:
        started.store.create_project("GROW", "Growth")
        started.store.create_project("OPS", "Operations")
        yield started


def _register(site: JiraEmulator, inbox: Inbox, jql: str) -> requests.Response:
    body = {
        "name": "syncd",
        "url": inbox.url,
        "events": ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"],
        "filters": {"issue-related-events-section": jql},
        "excludeBody": False,
        "secret": SECRET,
    }
    return requests.post(f"{site.url}/rest/webhooks/1.0/webhook", json=body, auth=site.basic_auth, timeout=5)


def test_registration_lists_and_deletes_and_never_shows_the_secret(site: JiraEmulator, inbox: Inbox) -> None:
    created = _register(site, inbox, "project = GROW")
    assert created.status_code == 201
    hook = created.json()
    assert hook["filters"] == {"issue-related-events-section": "project = GROW"}
    assert "secret" not in hook
    listed = requests.get(f"{site.url}/rest/webhooks/1.0/webhook", auth=site.basic_auth, timeout=5)
    assert [h["self"] for h in listed.json()] == [hook["self"]]
    assert requests.delete(hook["self"], auth=site.basic_auth, timeout=5).status_code == 204
    assert requests.delete(hook["self"], auth=site.basic_auth, timeout=5).status_code == 404
    assert requests.get(f"{site.url}/rest/webhooks/1.0/webhook", timeout=5).status_code == 401


def test_a_bad_jql_filter_is_refused(site: JiraEmulator, inbox: Inbox) -> None:
    assert _register(site, inbox, "project = = GROW").status_code == 400


def test_every_change_of_a_matching_issue_is_delivered_signed_in_jira_shape(site: JiraEmulator, inbox: Inbox) -> None:
    _register(site, inbox, "project = GROW")
    issue = site.store.create_issue("GROW", "Pricing page")
    site.store.create_issue("OPS", "Pager rota")  # outside the filter
    site.store.edit_labels(issue.key, add=["pricing"])
    site.store.delete_issue(issue.key)
    site.app.webhooks.deliverer.drain()
    bodies = inbox.bodies()
    assert [b["webhookEvent"] for b in bodies] == ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"]
    assert {b["issue"]["key"] for b in bodies} == {issue.key}
    [change] = bodies[1]["changelog"]["items"]
    assert (change["field"], change["fromString"], change["toString"]) == ("labels", "", "pricing")
    for headers, body in inbox.received:
        assert headers["X-Hub-Signature"] == hub_signature(SECRET, body)
    assert len({headers["X-Atlassian-Webhook-Identifier"] for headers, _ in inbox.received}) == 3


def test_the_knobs_lose_duplicate_reorder_and_mis_sign(site: JiraEmulator, inbox: Inbox) -> None:
    _register(site, inbox, "")
    knobs = site.app.webhooks.deliverer.knobs
    knobs.duplicate_every, knobs.reorder_every, knobs.wrong_signature_every, knobs.lose_every = 2, 3, 4, 5
    keys = [site.store.create_issue("GROW", f"Issue {n}").key for n in range(5)]
    site.app.webhooks.deliverer.drain()
    delivered = [(headers, json.loads(body)["issue"]["key"], body) for headers, body in inbox.received]
    order = [key for _, key, _ in delivered]
    assert keys[4] not in order, "the fifth is lost"
    assert order.count(keys[1]) == 2, "the second is sent twice"
    assert order.index(keys[2]) > order.index(keys[3]), "the third is held until after the fourth"
    wrong = [key for headers, key, body in delivered if headers["X-Hub-Signature"] != hub_signature(SECRET, body)]
    assert wrong == [keys[3], keys[3]], "the fourth, sent twice (every second is), is mis-signed both times"


def test_data_center_never_signs_its_deliveries(inbox: Inbox) -> None:
    with JiraEmulator("datacenter") as site:
        site.store.create_project("GROW", "Growth")
        body = {"name": "syncd", "url": inbox.url, "events": ["jira:issue_created"], "secret": SECRET}
        response = requests.post(
            f"{site.url}/rest/webhooks/1.0/webhook",
            json=body,
            headers={"Authorization": f"Bearer {site.token}"},
            timeout=5,
        )
        assert response.status_code == 201
        site.store.create_issue("GROW", "Pricing page")
        site.app.webhooks.deliverer.drain()
    [(headers, _)] = inbox.received
    assert "X-Hub-Signature" not in headers
    assert headers["X-Atlassian-Webhook-Identifier"]
