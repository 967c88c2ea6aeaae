"""Connectors: the I/O shell that talks to each tracker in syncd's value types and errors."""

from __future__ import annotations

import json
from typing import Any

from syncd.connectors.base import Connector, Identity, OpResult, Skipped
from syncd.connectors.jira import JiraConnector
from syncd.connectors.jira_issues import JiraProfile
from syncd.connectors.linear import LinearConnector
from syncd.logging import get_logger
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import JiraSite, TrackerSettings
from syncd.strategy import LabelScheme, Strategy

__all__ = ["Connector", "Identity", "OpResult", "Skipped", "connect", "open_connector"]

_log = get_logger("syncd.connectors")


def open_connector(
    name: str,
    tracker: TrackerSettings,
    strategy: Strategy,
    *,
    policy: RetryPolicy,
    stats: CallStats,
    saved: str | None = None,
) -> Connector:
    """The connector for a configured tracker, primed with the profile the last sync saved (as JSON).

    The saved profile is only a hint: the Jira connector applies the settings over it and asks the site
    again when it is stale (see :class:`~syncd.connectors.jira_issues.JiraProfile`); an unreadable one is
    treated as none.
    """
    return connect(name, tracker, strategy.labels, policy=policy, stats=stats, saved=_parsed_profile(saved))


def connect(
    name: str,
    tracker: TrackerSettings,
    labels: LabelScheme,
    *,
    policy: RetryPolicy,
    stats: CallStats,
    saved: dict[str, Any] | None = None,
) -> Connector:
    """The connector for a tracker, before any strategy exists (``syncd init``) or with the one given."""
    _warn_if_insecure(name, tracker)
    if isinstance(tracker, JiraSite):
        return JiraConnector(name, tracker, labels, policy=policy, stats=stats, profile=_jira_profile(saved))
    return LinearConnector(name, tracker, labels, policy=policy, stats=stats, profile=saved)


def _warn_if_insecure(name: str, tracker: TrackerSettings) -> None:
    """Say loudly, every time, that credentials will cross the network unencrypted: ``allow_insecure_http``
    is an explicit opt-in, and an opt-in nobody is reminded of outlives the reason it was given."""
    if tracker.allow_insecure_http and tracker.unencrypted_over_network:
        _log.warning(
            "connector.insecure_http",
            tracker=name,
            url=tracker.url,
            detail="allow_insecure_http is set: credentials and issues cross the network unencrypted",
        )


def _parsed_profile(saved: str | None) -> dict[str, Any] | None:
    if not saved:
        return None
    try:
        data = json.loads(saved)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _jira_profile(saved: dict[str, Any] | None) -> JiraProfile | None:
    if saved is None:
        return None
    try:
        return JiraProfile.from_json(saved)
    except (KeyError, TypeError, ValueError):
        return None
