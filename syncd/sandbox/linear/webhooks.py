"""Linear webhooks in the emulator: ``webhookCreate``, ``webhooks`` and ``webhookDelete`` as in Linear's
schema, and signed deliveries of every change of an issue or a comment.

A delivery is what Linear sends (https://linear.app/developers/webhooks): ``POST`` with the headers
``Linear-Delivery`` (a UUID per delivery), ``Linear-Event`` (``Issue`` or ``Comment``) and
``Linear-Signature`` (hex HMAC-SHA256 of the raw body with the webhook's secret), and a body
``{"action": "create" | "update" | "remove", "type": "Issue", "createdAt", "data": {the issue},
"updatedFrom": {the changed fields' previous values}, "url", "organizationId", "webhookId",
"webhookTimestamp"}`` (milliseconds); a comment's ``data`` names its issue by ``issueId``. A webhook scoped
to a team only hears that team's issues and their comments. Creating one needs an admin, as in Linear.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from syncd.sandbox.deliveries import Deliverer, hmac_sha256
from syncd.sandbox.linear.context import Args, Info, Registry, context_of, record_connection
from syncd.sandbox.linear.datetimes import format_ms
from syncd.sandbox.linear.errors import forbidden, input_error, not_found, unsupported
from syncd.sandbox.linear.records import Comment, Issue, Team
from syncd.sandbox.linear.store import LinearStore, new_id

__all__ = ["RESOLVERS", "LinearWebhooks", "Webhook"]

_types = Registry()
on = _types.on
_INPUT = frozenset({"url", "label", "resourceTypes", "secret", "teamId", "allPublicTeams", "enabled", "id"})


@dataclass(frozen=True, slots=True)
class Webhook:
    id: str
    url: str
    label: str | None
    resource_types: tuple[str, ...]
    secret: str
    team_id: str | None
    all_public_teams: bool
    enabled: bool
    created_at: int
    updated_at: int
    archived_at: int | None = None


class LinearWebhooks:
    """One workspace's webhooks; :meth:`of` finds (or makes) the one watching a store."""

    def __init__(self, store: LinearStore, deliverer: Deliverer | None = None) -> None:
        self.store = store
        self.deliverer = deliverer or Deliverer()
        self.hooks: dict[str, Webhook] = {}
        store.watchers.append(self.changed)
        store.comment_watchers.append(self.comment_changed)

    @classmethod
    def of(cls, store: LinearStore) -> LinearWebhooks:
        with _REGISTRIES_LOCK:
            found = _REGISTRIES.get(store)
            if found is None:
                found = _REGISTRIES[store] = cls(store)
            return found

    def changed(self, old: Issue | None, new: Issue | None) -> None:
        """Called by the store, under its lock, after an issue was put or removed."""
        issue = new or old
        if issue is None:
            return
        action = "create" if old is None else "remove" if new is None else "update"
        for hook in list(self.hooks.values()):
            if hook.enabled and "Issue" in hook.resource_types and self._in_scope(hook, issue):
                body = json.dumps(self._payload(hook, action, old, new, issue), separators=(",", ":")).encode()
                self.deliverer.send(hook.url, body, _signer(hook.secret, new_id(), "Issue"))

    def comment_changed(self, old: Comment | None, new: Comment | None) -> None:
        """Called by the store, under its lock, after a comment was put or removed."""
        comment = new or old
        issue = self.store.issues.get(comment.issue_id) if comment is not None else None
        if comment is None or issue is None:
            return
        action = "create" if old is None else "remove" if new is None else "update"
        for hook in list(self.hooks.values()):
            if hook.enabled and "Comment" in hook.resource_types and self._in_scope(hook, issue):
                payload = self._envelope(hook, action, "Comment", _comment_data(comment), issue)
                body = json.dumps(payload, separators=(",", ":")).encode()
                self.deliverer.send(hook.url, body, _signer(hook.secret, new_id(), "Comment"))

    def _envelope(self, hook: Webhook, action: str, kind: str, data: dict[str, Any], issue: Issue) -> dict[str, Any]:
        stamp = self.store.clock.now_ms()
        return {
            "action": action,
            "type": kind,
            "createdAt": format_ms(stamp),
            "data": data,
            "url": f"https://linear.app/{self.store.organization.url_key}/issue/{issue.identifier}",
            "organizationId": self.store.organization.id,
            "webhookId": hook.id,
            "webhookTimestamp": stamp,
        }

    def _in_scope(self, hook: Webhook, issue: Issue) -> bool:
        return hook.all_public_teams or hook.team_id is None or hook.team_id == issue.team_id

    def _payload(
        self, hook: Webhook, action: str, old: Issue | None, new: Issue | None, issue: Issue
    ) -> dict[str, Any]:
        payload = self._envelope(hook, action, "Issue", _issue_data(issue), issue)
        if old is not None and new is not None:
            changed = {
                name: value
                for name, value in _issue_data(old).items()
                if name != "updatedAt" and _issue_data(new).get(name) != value
            }
            payload["updatedFrom"] = {**changed, "updatedAt": format_ms(old.updated_at)}
        return payload


_REGISTRIES: weakref.WeakKeyDictionary[LinearStore, LinearWebhooks] = weakref.WeakKeyDictionary()
_REGISTRIES_LOCK = threading.Lock()


def _issue_data(issue: Issue) -> dict[str, Any]:
    return {
        "id": issue.id,
        "identifier": issue.identifier,
        "number": issue.number,
        "title": issue.title,
        "teamId": issue.team_id,
        "stateId": issue.state_id,
        "labelIds": list(issue.label_ids),
        "priority": issue.priority,
        "estimate": issue.estimate,
        "createdAt": format_ms(issue.created_at),
        "updatedAt": format_ms(issue.updated_at),
    }


def _comment_data(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "body": comment.body,
        "issueId": comment.issue_id,
        "userId": comment.user_id,
        "createdAt": format_ms(comment.created_at),
        "updatedAt": format_ms(comment.updated_at),
    }


def _signer(secret: str, delivery: str, event: str) -> Any:
    def sign(body: bytes, wrong: bool) -> Mapping[str, str]:
        return {
            "Linear-Delivery": delivery,
            "Linear-Event": event,
            "Linear-Signature": hmac_sha256(secret + ("-wrong" if wrong else ""), body),
        }

    return sign


@on("Query", "webhooks")
def _webhooks(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Webhook", LinearWebhooks.of(ctx.store).hooks.values(), args)


@on("Webhook", "team")
def _team(hook: Webhook, info: Info, _args: Args) -> Team | None:
    return context_of(info).store.teams.get(hook.team_id) if hook.team_id else None


@on("Mutation", "webhookCreate")
def _create(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    if not ctx.viewer.admin:
        raise forbidden("Only admins can create webhooks")
    data = args["input"]
    extra = sorted(set(data) - _INPUT)
    if extra:
        raise unsupported(f'The WebhookCreateInput field "{extra[0]}"')
    if not str(data.get("url", "")).startswith(("http://", "https://")):
        raise input_error("url must be an http(s) URL")
    team_id = None
    if data.get("teamId"):
        team = ctx.store.find_team(data["teamId"])
        if team is None:
            raise not_found("Team")
        team_id = team.id
    registry = LinearWebhooks.of(ctx.store)
    with ctx.store.lock:
        hook = Webhook(
            id=data.get("id") or new_id(),
            url=data["url"],
            label=data.get("label"),
            resource_types=tuple(data.get("resourceTypes") or ()),
            secret=data.get("secret") or new_id().replace("-", ""),
            team_id=team_id,
            all_public_teams=bool(data.get("allPublicTeams")),
            enabled=data.get("enabled", True) is not False,
            created_at=ctx.now_ms,
            updated_at=ctx.now_ms,
        )
        registry.hooks[hook.id] = hook
    return {"success": True, "lastSyncId": float(ctx.store.next_sync_id()), "webhook": hook}


@on("Mutation", "webhookDelete")
def _delete(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    if not ctx.viewer.admin:
        raise forbidden("Only admins can delete webhooks")
    with ctx.store.lock:
        removed = LinearWebhooks.of(ctx.store).hooks.pop(args["id"], None)
    if removed is None:
        raise not_found("Webhook")
    return {"success": True, "lastSyncId": float(ctx.store.next_sync_id()), "entityId": removed.id}


RESOLVERS = _types.resolvers
