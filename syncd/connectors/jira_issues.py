"""Turning Jira's issue JSON into WorkItems (pure).

Jira Cloud (REST v3) and Data Center (REST v2) differ in what matters here: the description is an ADF
document on v3 and wiki text on v2; Cloud names an issue's epic as its ``parent`` (an issue type at
hierarchy level 1), Data Center in the "Epic Link" custom field. Anything missing or mistyped makes the
issue :class:`~syncd.connectors.base.Skipped` with the reason, never an exception that ends the pull.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from syncd.connectors.base import Skipped
from syncd.connectors.payload import estimate, identifier, malformed, prose, storable, strings, text, timestamp
from syncd.model import StatusCategory, TrackerKind, WorkItem

__all__ = ["PROFILE_MAX_AGE", "JiraProfile", "adf_text", "base_fields", "field_named", "fields_named", "to_work_item"]

_CATEGORIES = {
    "new": StatusCategory.TODO,
    "undefined": StatusCategory.TODO,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.DONE,
}
_CATEGORY_IDS = {"1": "undefined", "2": "new", "3": "done", "4": "indeterminate"}
_EPIC_LEVEL = 1
PROFILE_MAX_AGE = timedelta(days=1)
"""How long a learnt profile stands in for asking the site: a time zone edited in the user's Jira profile
moves JQL's ``updated`` bound by hours, far past the two-minute overlap, so it is asked again at least
daily (and on every full sweep), at the price of three requests a day."""
_BASE_FIELDS = (
    "summary",
    "description",
    "issuetype",
    "status",
    "priority",
    "labels",
    "components",
    "project",
    "parent",
    "created",
    "updated",
    "resolutiondate",
    "resolution",
    "statuscategorychangedate",
)


@dataclass(frozen=True, slots=True)
class JiraProfile:
    """What syncd learns about a site and keeps in the state store, so warm syncs skip asking.

    Only what the site said is kept, never a configured value: the settings are applied on top each time
    (:meth:`configured`), so a later change of the settings wins over what an earlier sync saved.

    Attributes:
        deployment: ``cloud`` or ``datacenter``.
        time_zone: the syncd user's time zone, in which JQL reads dates.
        account: the syncd user's account id (Cloud) or user name (Data Center).
        story_points_fields: the custom fields that may hold an issue's estimate, preferred first. A Cloud
            site often has both "Story point estimate" (team-managed and newer company-managed projects)
            and the older "Story Points", each project using one; an issue's estimate is the first of
            them it has a value in.
        epic_link_field: Data Center's "Epic Link" custom field, if any.
        checked_at: when the site was asked; None for a profile saved before syncd kept the time.
    """

    deployment: str
    time_zone: str | None
    account: str
    story_points_fields: tuple[str, ...] = ()
    epic_link_field: str | None = None
    checked_at: datetime | None = None

    @property
    def cloud(self) -> bool:
        return self.deployment == "cloud"

    def reusable(self, *, deployment: str, now: datetime) -> bool:
        """Whether this saved profile may stand in for asking the site: asked within
        :data:`PROFILE_MAX_AGE`, and of the deployment the settings name (``auto`` takes either)."""
        if self.checked_at is None or not timedelta(0) <= now - self.checked_at < PROFILE_MAX_AGE:
            return False
        return deployment in {"auto", self.deployment}

    def configured(self, story_points_field: str | None) -> JiraProfile:
        """The profile with the configured story points field, when one is configured, over the detected ones."""
        if story_points_field is None or self.story_points_fields == (story_points_field,):
            return self
        return replace(self, story_points_fields=(story_points_field,))

    def estimate_of(self, fields: Mapping[str, Any]) -> float | None:
        """The issue's estimate: the first story points field with a value."""
        for name in self.story_points_fields:
            value = estimate(fields.get(name))
            if value is not None:
                return value
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "deployment": self.deployment,
            "time_zone": self.time_zone,
            "account": self.account,
            "story_points_fields": list(self.story_points_fields),
            "epic_link_field": self.epic_link_field,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> JiraProfile:
        return cls(
            deployment=str(data["deployment"]),
            time_zone=data.get("time_zone"),
            account=str(data.get("account", "")),
            story_points_fields=_field_ids(data),
            epic_link_field=data.get("epic_link_field"),
            checked_at=_aware(data.get("checked_at")),
        )


def _field_ids(data: Mapping[str, Any]) -> tuple[str, ...]:
    """The saved story points fields; a profile saved before several were kept names one, or none."""
    saved = data.get("story_points_fields", data.get("story_points_field"))
    if isinstance(saved, str):
        return (saved,)
    return tuple(name for name in saved if isinstance(name, str)) if isinstance(saved, list) else ()


def _aware(value: Any) -> datetime | None:
    """A saved ISO time with its offset; anything else counts as never asked, so the site is asked again."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def field_named(fields: list[dict[str, Any]], names: tuple[str, ...]) -> str | None:
    return next(iter(fields_named(fields, names)), None)


def fields_named(fields: list[dict[str, Any]], names: tuple[str, ...]) -> tuple[str, ...]:
    """The ids of the custom fields with these names (any case), in the order of ``names``."""
    by_name = {
        str(f.get("name", "")).casefold(): str(f.get("id")) for f in fields if isinstance(f, dict) and f.get("custom")
    }
    return tuple(by_name[name] for name in names if name in by_name)


def base_fields(profile: JiraProfile) -> list[str]:
    """Only the fields the mapper and drift analysis read."""
    extra = [*profile.story_points_fields, *([profile.epic_link_field] if profile.epic_link_field else [])]
    return [*_BASE_FIELDS, *extra]


def to_work_item(raw: Any, *, profile: JiraProfile, tracker: str, server: str) -> WorkItem | Skipped:
    """One search result as a WorkItem, or Skipped with the reason."""
    key = raw.get("key") if isinstance(raw, dict) else None
    if not isinstance(key, str) or not key:
        return Skipped(str(raw.get("id", "?")) if isinstance(raw, dict) else "?", "the issue has no key")
    try:
        return _work_item(raw, key, profile, tracker, server)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Skipped(key, malformed(exc))


def _work_item(raw: dict[str, Any], key: str, profile: JiraProfile, tracker: str, server: str) -> WorkItem:
    fields: dict[str, Any] = raw["fields"]
    summary = fields["summary"]
    if not isinstance(summary, str):
        raise TypeError("summary is not text")
    category = _category_key(fields["status"]["statusCategory"])
    parent = fields.get("parent") or None
    parent_key = text(parent.get("key")) if parent else None
    epic = _epic(fields, parent, parent_key, profile)
    item = WorkItem(
        tracker=tracker,
        kind=TrackerKind.JIRA,
        id=identifier(raw["id"]),
        key=key,
        url=f"{server}/browse/{key}",
        title=prose(summary),
        description=prose(_description(fields.get("description"))),
        type=text((fields.get("issuetype") or {}).get("name")) or "",
        status=_CATEGORIES[category],
        priority=text((fields.get("priority") or {}).get("name")),
        estimate=profile.estimate_of(fields),
        labels=frozenset(strings(fields.get("labels"))),
        project=text((fields.get("project") or {}).get("key")),
        components=tuple(text(c.get("name")) or "" for c in fields.get("components") or ()),
        parent=parent_key if parent_key != epic else None,
        epic=epic,
        created=timestamp(fields["created"]),
        updated=timestamp(fields["updated"]),
        resolved=_closed_at(fields, category),
        resolution=text((fields.get("resolution") or {}).get("name")),
    )
    storable(item.id, item.key, item.parent, item.epic)
    return item


def _category_key(category: dict[str, Any]) -> str:
    """The status category's key; its id alone will do, since Jira's four categories have fixed ids
    (1 undefined, 2 new, 3 done, 4 indeterminate) and some exports keep only the id."""
    key = category.get("key")
    if key is None and "id" in category:
        key = _CATEGORY_IDS.get(str(category["id"]))
    if key not in _CATEGORIES:
        raise ValueError(f"status category {_short_text(key)} is unknown")
    return str(key)


def _short_text(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def _closed_at(fields: dict[str, Any], category: str) -> datetime | None:
    """When the issue was resolved; for a done issue that a workflow without a resolution screen left with
    no resolution date, when its status category last changed (else its last update), so done work is
    never mistaken for work closed long ago."""
    if fields.get("resolutiondate"):
        return timestamp(fields["resolutiondate"])
    if _CATEGORIES[category] is not StatusCategory.DONE:
        return None
    changed = fields.get("statuscategorychangedate") or fields["updated"]
    return timestamp(changed)


def _epic(
    fields: dict[str, Any], parent: dict[str, Any] | None, parent_key: str | None, profile: JiraProfile
) -> str | None:
    if profile.epic_link_field and isinstance(fields.get(profile.epic_link_field), str):
        return str(fields[profile.epic_link_field])
    if parent and parent_key:
        parent_type = (parent.get("fields") or {}).get("issuetype") or {}
        if parent_type.get("hierarchyLevel") == _EPIC_LEVEL or parent_type.get("name") == "Epic":
            return parent_key
    return None


def _description(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return adf_text(value)
    raise TypeError("description is neither text nor an ADF document")


def adf_text(document: dict[str, Any]) -> str:
    """The plain text of an Atlassian Document Format document, one line per block.

    Every node that shows text counts, as the ADF structure defines them
    (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/): a ``hardBreak`` is a
    line break, not nothing (``page`` and ``checkout`` stay two words); ``mention``, ``emoji`` and
    ``status`` show their ``attrs.text`` (an emoji without one its ``shortName``), ``date`` its
    ``attrs.timestamp`` (milliseconds since the epoch) as a day, ``inlineCard`` and ``blockCard`` their
    ``attrs.url``, and an ``expand`` or ``nestedExpand`` its ``attrs.title`` above its content. So the
    same issue reads the same on Cloud as on Data Center, whose wiki markup carries all of these as text.
    """
    return "\n".join(line for line in _adf_blocks(document) if line)


_INLINE = frozenset({"text", "hardBreak", "mention", "emoji", "status", "date", "inlineCard"})
_TITLED = frozenset({"expand", "nestedExpand"})


def _adf_blocks(document: Any) -> Iterator[str]:
    """Blocks in document order, walked with a stack: nesting deeper than Python's recursion limit is still text."""
    stack = [document]
    while stack:
        node = stack.pop()
        if not isinstance(node, dict):
            continue
        kind = _kind(node)
        content = node.get("content")
        children = [c for c in content if isinstance(c, dict)] if isinstance(content, list) else []
        if kind in _TITLED:
            yield _attr(node, "title")
        elif kind == "blockCard":
            yield _attr(node, "url")
        if kind in _INLINE:
            yield _adf_text_of(node)
        elif any(_kind(c) in _INLINE for c in children):
            yield "".join(_adf_text_of(c) for c in children)
        else:
            stack.extend(reversed(children))


def _kind(node: dict[str, Any]) -> str:
    """A node's ``type``; empty for a malformed one (a list, a number), which is then read as a container."""
    kind = node.get("type")
    return kind if isinstance(kind, str) else ""


def _adf_text_of(node: dict[str, Any]) -> str:
    kind = _kind(node)
    if kind == "text":
        return text(node.get("text")) or ""
    if kind == "hardBreak":
        return "\n"
    if kind == "emoji":
        return _attr(node, "text") or _attr(node, "shortName")
    if kind == "inlineCard":
        return _attr(node, "url")
    if kind == "date":
        attrs = node.get("attrs")
        return _day(attrs.get("timestamp") if isinstance(attrs, dict) else None)
    return _attr(node, "text")


def _attr(node: dict[str, Any], name: str) -> str:
    attrs = node.get("attrs")
    value = attrs.get(name) if isinstance(attrs, dict) else None
    return value if isinstance(value, str) else ""


def _day(milliseconds: Any) -> str:
    """A ``date`` node's day (milliseconds since the epoch, a string by the spec); nothing for a malformed one."""
    if isinstance(milliseconds, bool) or not isinstance(milliseconds, str | int):
        return ""
    try:
        return datetime.fromtimestamp(int(milliseconds) / 1000, tz=UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        return ""
