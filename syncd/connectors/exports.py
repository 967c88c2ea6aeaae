"""A tracker's own issue JSON, read offline: what a team exports before it grants syncd a token.

Accepted shapes: a Jira REST search answer (``{"issues": [...]}``, v2 or v3, with ``names`` when it was
asked with ``expand=names``) or one Jira issue; a Linear GraphQL answer (``{"data": {"issues": {"nodes":
[...]}}}`` or ``{"data": {"issue": {...}}}``), a bare ``nodes`` list or one Linear issue node. Each issue is
read by the same normaliser a sync uses, so an export maps exactly as the site would. An issue without a
``key`` takes it from its ``self`` URL when that names one, else from its ``id``; estimates are read
from the fields ``names`` calls story points, else from the usual story points fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from syncd.connectors.base import Skipped
from syncd.connectors.jira_issues import JiraProfile
from syncd.connectors.jira_issues import to_work_item as jira_work_item
from syncd.connectors.linear_issues import LabelNaming
from syncd.connectors.linear_issues import to_work_item as linear_work_item
from syncd.model import WorkItem
from syncd.strategy import LabelScheme

__all__ = ["LoadedExport", "export_entries", "export_item"]

JIRA_EXPORT = "jira.export"
LINEAR_EXPORT = "linear.export"
_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
_STORY_POINT_NAMES = ("story point estimate", "story points")
# Where Jira keeps story points when the export does not say: Cloud's "Story point estimate" and the two
# usual ids of "Story Points" on Cloud, and Data Center's.
_USUAL_POINTS = ("customfield_10016", "customfield_10026", "customfield_10028", "customfield_10002")


@dataclass(frozen=True, slots=True)
class LoadedExport:
    """What loading an export into an emulator did: the issue keys and the projects or teams it created,
    and one line per issue or field that could not be loaded."""

    keys: tuple[str, ...]
    projects: tuple[str, ...]
    problems: tuple[str, ...]


def export_entries(data: Any) -> tuple[list[Any], Mapping[str, Any]]:
    """The issues of an export, and the field names it carries (Jira's ``names``; empty otherwise)."""
    if isinstance(data, list):
        return data, {}
    if not isinstance(data, dict):
        return [data], {}
    names: Mapping[str, Any] = data["names"] if isinstance(data.get("names"), dict) else {}
    if isinstance(data.get("issues"), list):
        return data["issues"], names
    inner = data.get("data")
    if isinstance(inner, dict):
        issues = inner.get("issues")
        if isinstance(issues, dict) and isinstance(issues.get("nodes"), list):
            return issues["nodes"], {}
        if isinstance(inner.get("issue"), dict):
            return [inner["issue"]], {}
    if isinstance(data.get("nodes"), list):
        return data["nodes"], {}
    return [data], names


def export_item(entry: Any, *, names: Mapping[str, Any], scheme: LabelScheme) -> WorkItem | Skipped | None:
    """One exported issue as a WorkItem (or Skipped, with why); None when it is neither tracker's shape."""
    if not isinstance(entry, dict):
        return None
    if isinstance(entry.get("fields"), dict):
        return _jira(entry, names)
    if "identifier" in entry and "state" in entry:
        naming = LabelNaming(scheme, "Objective", "Value")
        return linear_work_item(entry, tracker=LINEAR_EXPORT, naming=naming, initiatives={})
    return None


def _jira(entry: dict[str, Any], names: Mapping[str, Any]) -> WorkItem | Skipped:
    raw = entry if entry.get("key") else {**entry, "key": _key_of(entry)}
    fields: dict[str, Any] = raw["fields"]
    named = {str(field).casefold(): key for key, field in names.items() if isinstance(field, str)}
    points = tuple(named[name] for name in _STORY_POINT_NAMES if name in named) or _USUAL_POINTS
    cloud = isinstance(fields.get("description"), dict) or "/rest/api/3/" in str(raw.get("self", ""))
    profile = JiraProfile(
        deployment="cloud" if cloud else "datacenter",
        time_zone=None,
        account="",
        story_points_fields=points,
        epic_link_field=named.get("epic link"),
    )
    return jira_work_item(raw, profile=profile, tracker=JIRA_EXPORT, server=_server(raw))


def _key_of(entry: dict[str, Any]) -> str | None:
    """A missing key from what else names the issue: the last part of ``self``, when it is a key, else
    the id."""
    last = str(entry.get("self") or "").rstrip("/").rpartition("/")[2]
    if _KEY.fullmatch(last):
        return last
    issue_id = entry.get("id")
    return str(issue_id) if isinstance(issue_id, str | int) and not isinstance(issue_id, bool) else None


def _server(entry: dict[str, Any]) -> str:
    """The site's base URL, for the issue's browse link: what ``self`` says before ``/rest/``."""
    url = str(entry.get("self") or "")
    parts = urlsplit(url)
    if parts.scheme in {"https", "http"} and "/rest/" in parts.path:
        return f"{parts.scheme}://{parts.netloc}{parts.path.split('/rest/')[0]}"
    return ""
