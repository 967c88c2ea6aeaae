"""Jira admin webhooks in the emulator: registered over ``/rest/webhooks/1.0/webhook``, signed, delivered.

Registration follows Jira's admin webhook REST resource
(https://developer.atlassian.com/cloud/jira/platform/webhooks/#registering-a-webhook-using-the-jira-rest-api-for-admins):
``POST`` takes ``{"name", "url", "events", "filters": {"issue-related-events-section": JQL}, "excludeBody",
"secret"}`` and answers 201 with the webhook and its ``self`` link; ``GET`` lists them; ``DELETE .../{id}``
removes one. Every change to an issue that matches a webhook's JQL is delivered as Jira does: a JSON body
with ``timestamp``, ``webhookEvent`` (``jira:issue_created``/``_updated``/``_deleted``),
``issue_event_type_name``, the ``issue`` and, for an update, a ``changelog`` of the labels that changed;
headers ``X-Atlassian-Webhook-Identifier`` (kept on a repeat) and, with a secret,
``X-Hub-Signature: sha256=<hex HMAC-SHA256 of the body>``
(https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks). Data Center has no
webhook secret (https://confluence.atlassian.com/adminjiraserver/managing-webhooks-938846912.html): its
deliveries are never signed, whatever the registration says.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from syncd.sandbox.deliveries import Deliverer, hmac_sha256
from syncd.sandbox.jira import jql
from syncd.sandbox.jira.model import Deployment, Issue
from syncd.sandbox.jira.search import compile_query
from syncd.sandbox.jira.store import JiraStore
from syncd.sandbox.server import Request, Response

__all__ = ["JiraWebhooks", "Webhook"]

_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted")
_FILTER = "issue-related-events-section"


@dataclass(frozen=True, slots=True)
class Webhook:
    id: int
    name: str
    url: str
    events: tuple[str, ...]
    jql: str
    secret: str | None
    exclude_body: bool = False

    def view(self, base_url: str) -> dict[str, Any]:
        """The webhook as Jira lists it; the secret is never shown back."""
        return {
            "name": self.name,
            "url": self.url,
            "excludeBody": self.exclude_body,
            "filters": {_FILTER: self.jql},
            "events": list(self.events),
            "enabled": True,
            "self": f"{base_url}/rest/webhooks/1.0/webhook/{self.id}",
        }


class JiraWebhooks:
    """The site's registered webhooks, watching the store and delivering through a :class:`Deliverer`."""

    def __init__(self, store: JiraStore, deliverer: Deliverer | None = None) -> None:
        self.store = store
        self.deliverer = deliverer or Deliverer()
        self._hooks: dict[int, Webhook] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        store.watchers.append(self.changed)

    def hooks(self) -> list[Webhook]:
        with self._lock:
            return list(self._hooks.values())

    # -- the REST resource ------------------------------------------------------------------------

    def handle(self, request: Request, hook_id: str | None, base_url: str) -> Response:
        if request.method == "GET":
            if hook_id is None:
                return Response.json_body(200, [hook.view(base_url) for hook in self.hooks()])
            found = self._find(hook_id)
            return Response.json_body(200, found.view(base_url)) if found else _missing(hook_id)
        if request.method == "DELETE" and hook_id is not None:
            with self._lock:
                removed = self._hooks.pop(int(hook_id), None) if hook_id.isdigit() else None
            return Response(204) if removed else _missing(hook_id)
        if request.method == "POST" and hook_id is None:
            return self._register(request, base_url)
        return Response.json_body(405, {"errorMessages": [f"Method {request.method} is not allowed here."]})

    def _register(self, request: Request, base_url: str) -> Response:
        try:
            body = request.json()
        except ValueError:
            return _bad("The request body is not valid JSON.")
        if not isinstance(body, dict) or not isinstance(body.get("name"), str) or not isinstance(body.get("url"), str):
            return _bad("A webhook needs a name and a url.")
        events = body.get("events") or []
        if not isinstance(events, list) or not all(isinstance(e, str) for e in events):
            return _bad("events must be a list of event names.")
        filters = body.get("filters") or {}
        query = filters.get(_FILTER, "") if isinstance(filters, dict) else ""
        if query:
            try:
                jql.parse(query)
            except ValueError as exc:
                return _bad(f"The JQL filter is not valid: {exc}")
        secret = body.get("secret") if self.store.deployment is Deployment.CLOUD else None
        with self._lock:
            hook = Webhook(
                id=next(self._ids),
                name=body["name"],
                url=body["url"],
                events=tuple(events),
                jql=str(query),
                secret=secret if isinstance(secret, str) and secret else None,
                exclude_body=bool(body.get("excludeBody", False)),
            )
            self._hooks[hook.id] = hook
        return Response.json_body(201, hook.view(base_url))

    def handle_registration(self, *, url: str, secret: str | None, jql: str = "") -> Webhook:
        """Register a webhook for every issue event directly, as an administrator would in Jira's UI."""
        with self._lock:
            hook = Webhook(next(self._ids), "registered in the UI", url, _EVENTS, jql, secret)
            self._hooks[hook.id] = hook
        return hook

    def _find(self, hook_id: str) -> Webhook | None:
        with self._lock:
            return self._hooks.get(int(hook_id)) if hook_id.isdigit() else None

    # -- deliveries ---------------------------------------------------------------------------------

    def changed(self, old: Issue | None, new: Issue | None) -> None:
        """Called by the store, under its lock, after every change of an issue."""
        event = "jira:issue_created" if old is None else "jira:issue_deleted" if new is None else "jira:issue_updated"
        issue = new or old
        if issue is None:
            return
        for hook in self.hooks():
            if event in hook.events and self._matches(hook, issue):
                body = json.dumps(self._payload(event, old, new, issue), separators=(",", ":")).encode()
                delivery = self.deliverer.delivery_id()
                self.deliverer.send(hook.url, body, _signer(hook.secret, delivery))

    def _matches(self, hook: Webhook, issue: Issue) -> bool:
        if not hook.jql:
            return True
        try:
            plan = compile_query(
                jql.parse(hook.jql),
                resolver=self.store,
                zone=ZoneInfo("UTC"),
                now=self.store.clock.now().astimezone(UTC),
                strict=False,
            )
        except ValueError:
            return False
        return plan.predicate(issue)

    def _payload(self, event: str, old: Issue | None, new: Issue | None, issue: Issue) -> dict[str, Any]:
        project = self.store.project(issue.project_id)
        payload: dict[str, Any] = {
            "timestamp": int(self.store.clock.now().timestamp() * 1000),
            "webhookEvent": event,
            "issue_event_type_name": event.split(":", 1)[1],
            "issue": {
                "id": str(issue.id),
                "self": f"/rest/api/2/issue/{issue.id}",
                "key": issue.key,
                "fields": {
                    "summary": issue.summary,
                    "labels": list(issue.labels),
                    "project": {"id": str(project.id), "key": project.key},
                },
            },
        }
        if old is not None and new is not None and old.labels != new.labels:
            payload["changelog"] = {
                "items": [
                    {
                        "field": "labels",
                        "fieldtype": "jira",
                        "from": None,
                        "fromString": " ".join(old.labels),
                        "to": None,
                        "toString": " ".join(new.labels),
                    }
                ]
            }
        return payload


def _signer(secret: str | None, delivery: str) -> Any:
    def sign(body: bytes, wrong: bool) -> Mapping[str, str]:
        headers = {"X-Atlassian-Webhook-Identifier": delivery}
        if secret is not None:
            headers["X-Hub-Signature"] = "sha256=" + hmac_sha256(secret + ("-wrong" if wrong else ""), body)
        return headers

    return sign


def _bad(message: str) -> Response:
    return Response.json_body(400, {"errorMessages": [message], "errors": {}})


def _missing(hook_id: str) -> Response:
    return Response.json_body(404, {"errorMessages": [f"No webhook with id {hook_id}."], "errors": {}})
