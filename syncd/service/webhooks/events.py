"""Which issues a verified delivery names: the only thing syncd takes from a webhook's body.

Nothing else in the payload is believed (fields, labels, who did it): syncd reads the named issues again
with its own credentials. Payload shapes:

- Jira: ``{"webhookEvent": "jira:issue_updated", "issue": {"id": "10001", "key": "GROW-1", ...}, ...}``;
  comment events carry the issue too (https://developer.atlassian.com/server/jira/platform/webhooks/).
- Linear: ``{"action": "update", "type": "Issue", "data": {"id": ..., "identifier": "ENG-7", ...},
  "webhookTimestamp": ...}``; a ``Comment`` names its issue by ``data.issueId``; an ``IssueLabel`` event is
  about a label itself, not an issue, and is left to the next poll (https://linear.app/developers/webhooks).
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["jira_keys", "linear_keys"]

_JIRA_KEY = re.compile(r"^[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]{0,17}$")
_LINEAR_KEY = re.compile(r"^[A-Z][A-Z0-9]{0,19}-[1-9][0-9]{0,17}$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def jira_keys(body: Any) -> tuple[str, ...]:
    """The issue key a Jira event names, or nothing (a project or user event, or a malformed key)."""
    issue = body.get("issue") if isinstance(body, dict) else None
    key = issue.get("key") if isinstance(issue, dict) else None
    return (key,) if isinstance(key, str) and _JIRA_KEY.fullmatch(key) else ()


def linear_keys(body: Any) -> tuple[str, ...]:
    """The issue a Linear event names, by identifier where it has one, else by id."""
    if not isinstance(body, dict) or not isinstance(body.get("data"), dict):
        return ()
    data, kind = body["data"], body.get("type")
    if kind == "Issue":
        identifier = data.get("identifier")
        if isinstance(identifier, str) and _LINEAR_KEY.fullmatch(identifier):
            return (identifier,)
        return _uuid(data.get("id"))
    if kind == "Comment":
        issue = data.get("issue")
        return _uuid(data.get("issueId") or (issue.get("id") if isinstance(issue, dict) else None))
    return ()


def _uuid(value: Any) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) and _UUID.fullmatch(value) else ()
