"""Registering syncd's webhook endpoint on each tracker, idempotently: ``syncd webhooks install|list|remove``.

- Jira: the admin webhook resource, ``/rest/webhooks/1.0/webhook`` (``POST`` with name, URL, events, a JQL
  filter and the secret; ``GET``; ``DELETE .../{id}``), which needs the *Administer Jira* permission
  (https://developer.atlassian.com/cloud/jira/platform/webhooks/#registering-a-webhook-using-the-jira-rest-api-for-admins).
- Linear: ``webhookCreate`` with ``resourceTypes`` Issue, IssueLabel and Comment, one per synced team (or
  all public teams), ``webhooks`` and ``webhookDelete`` (https://linear.app/developers/webhooks).

A webhook is syncd's when its URL is the endpoint's public URL; install registers one only where none is,
and remove deletes only those, never another integration's webhook.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from syncd.errors import AuthError, BadRequest, ConfigError, NotFound, PermissionDenied, Problem, TrackerError
from syncd.service.webhooks.endpoints import Endpoint, endpoints
from syncd.settings import JiraSite, LinearWorkspace, Settings, TrackerSettings

__all__ = ["JIRA_EVENTS", "LINEAR_RESOURCES", "Registered", "install", "listed", "remove", "target_url"]

JIRA_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created")
LINEAR_RESOURCES = ("Issue", "IssueLabel", "Comment")
_NAME = "syncd"
_ADMIN = "/rest/webhooks/1.0/webhook"
_LIST = "query Webhooks { webhooks(first: 100) { nodes { id url label enabled resourceTypes team { key } } } }"
_CREATE = (
    "mutation WebhookCreate($input: WebhookCreateInput!) { webhookCreate(input: $input) { success webhook { id } } }"
)
_DELETE = "mutation WebhookDelete($id: String!) { webhookDelete(id: $id) { success } }"


@dataclass(frozen=True, slots=True)
class Registered:
    """One of syncd's webhooks on a tracker."""

    tracker: str
    id: str
    url: str
    scope: str


def target_url(settings: Settings, endpoint: Endpoint) -> str:
    """The public URL the tracker posts to: ``service.webhooks.public_url`` and the endpoint's path."""
    public = settings.service.webhooks.public_url
    if not public:
        problem = Problem("service.webhooks.public_url", "set it to the https URL of the reverse proxy")
        raise ConfigError("settings", [problem])
    url = public.rstrip("/") + endpoint.path
    if endpoint.unsigned is not None and endpoint.unsigned.path_secret:
        url += "/" + endpoint.unsigned.path_secret
    return url


def _endpoint(settings: Settings, name: str) -> Endpoint:
    for endpoint in endpoints(settings).values():
        if endpoint.tracker == name:
            return endpoint
    hint = "webhook_secret" if name.startswith("linear.") else "webhook_secret (or webhook_unsigned for Data Center)"
    raise ConfigError("settings", [Problem(name, f"no webhook endpoint: set {hint}")])


def listed(settings: Settings, name: str, tracker: TrackerSettings) -> list[Registered]:
    """syncd's webhooks registered on ``tracker``."""
    url = target_url(settings, _endpoint(settings, name))
    if isinstance(tracker, JiraSite):
        hooks = _jira(tracker, name, "GET", _ADMIN)
        return [
            Registered(name, str(hook["self"]).rsplit("/", 1)[1], url, (hook.get("filters") or {}).get(_FILTER, ""))
            for hook in hooks or []
            if hook.get("url") == url
        ]
    nodes = _linear(tracker, name, _LIST, {})["webhooks"]["nodes"]
    return [
        Registered(name, node["id"], url, (node.get("team") or {}).get("key") or "all public teams")
        for node in nodes
        if node.get("url") == url
    ]


_FILTER = "issue-related-events-section"


def install(settings: Settings, name: str, tracker: TrackerSettings) -> tuple[list[Registered], bool]:
    """Register the endpoint on ``tracker`` unless it already is; (syncd's webhooks, whether one was added)."""
    existing = listed(settings, name, tracker)
    if existing:
        return existing, False
    endpoint = _endpoint(settings, name)
    url = target_url(settings, endpoint)
    secret = endpoint.secret.get_secret_value() if endpoint.secret else None
    if isinstance(tracker, JiraSite):
        jql = f"project in ({', '.join(tracker.projects)})" if tracker.projects else ""
        body: dict[str, Any] = {
            "name": _NAME,
            "url": url,
            "events": list(JIRA_EVENTS),
            "filters": {_FILTER: jql},
            "excludeBody": False,
        }
        if secret:
            body["secret"] = secret
        _jira(tracker, name, "POST", _ADMIN, body)
    else:
        for team in tracker.teams or (None,):
            scope: dict[str, Any] = {"teamId": team} if team else {"allPublicTeams": True}
            variables = {"input": {"url": url, "label": _NAME, "resourceTypes": list(LINEAR_RESOURCES), **scope}}
            if secret:
                variables["input"]["secret"] = secret
            _linear(tracker, name, _CREATE, variables)
    return listed(settings, name, tracker), True


def remove(settings: Settings, name: str, tracker: TrackerSettings) -> list[Registered]:
    """Delete syncd's webhooks from ``tracker``; returns what was deleted."""
    found = listed(settings, name, tracker)
    for hook in found:
        if isinstance(tracker, JiraSite):
            _jira(tracker, name, "DELETE", f"{_ADMIN}/{hook.id}")
        else:
            _linear(tracker, name, _DELETE, {"id": hook.id})
    return found


def _raise_for(name: str, status: int, text: str) -> None:
    if status < 400:
        return
    detail = text.strip()[:300] or f"HTTP {status}"
    if status == 401:
        raise AuthError("the credentials were refused", tracker=name, status=status)
    if status == 403:
        raise PermissionDenied(f"registering webhooks needs administrator rights: {detail}", tracker=name, status=403)
    if status == 404:
        raise NotFound(f"no webhook resource here: {detail}", tracker=name, status=status)
    if status < 500:
        raise BadRequest(detail, tracker=name, status=status)
    raise TrackerError(f"the tracker failed: {detail}", tracker=name, status=status)


def _jira(site: JiraSite, name: str, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
    headers = {"Accept": "application/json"}
    auth: tuple[str, str] | None = None
    if site.email and site.api_token is not None:
        auth = (site.email, site.api_token.get_secret_value())
    elif site.token is not None:
        headers["Authorization"] = f"Bearer {site.token.get_secret_value()}"
    response = requests.request(
        method, site.url + path, json=body, headers=headers, auth=auth, timeout=site.timeout, verify=site.verify_tls
    )
    _raise_for(name, response.status_code, response.text)
    return response.json() if response.content else None


def _linear(workspace: LinearWorkspace, name: str, query: str, variables: Mapping[str, Any]) -> Any:
    response = requests.post(
        workspace.url,
        json={"query": query, "variables": dict(variables)},
        headers={"Authorization": workspace.api_key.get_secret_value(), "Content-Type": "application/json"},
        timeout=workspace.timeout,
        verify=workspace.verify_tls,
    )
    _raise_for(name, response.status_code, response.text)
    document = response.json()
    errors = document.get("errors")
    if errors:
        message = "; ".join(str(error.get("message")) for error in errors)
        if any((error.get("extensions") or {}).get("code") == "FORBIDDEN" for error in errors):
            raise PermissionDenied(f"registering webhooks needs an admin's API key: {message}", tracker=name)
        raise BadRequest(message, tracker=name)
    return document["data"]
