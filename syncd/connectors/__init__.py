"""Connectors: the I/O shell that talks to each tracker in syncd's value types and errors."""

from __future__ import annotations

import json

from syncd.connectors.base import Connector, Identity, OpResult, Skipped
from syncd.connectors.jira import JiraConnector
from syncd.connectors.jira_issues import JiraProfile
from syncd.connectors.linear import LinearConnector
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import JiraSite, TrackerSettings
from syncd.state import StateStore
from syncd.strategy import Strategy

__all__ = ["Connector", "Identity", "OpResult", "Skipped", "open_connector"]


def open_connector(
    name: str,
    tracker: TrackerSettings,
    strategy: Strategy,
    *,
    policy: RetryPolicy,
    stats: CallStats,
    store: StateStore | None = None,
) -> Connector:
    """The connector for a configured tracker, primed with what the state store already knows of it."""
    saved = store.cursors.get(name, "profile") if store is not None else None
    if isinstance(tracker, JiraSite):
        profile = JiraProfile.from_json(json.loads(saved)) if saved else None
        return JiraConnector(name, tracker, strategy.labels, policy=policy, stats=stats, profile=profile)
    profile_data = json.loads(saved) if saved else None
    return LinearConnector(name, tracker, strategy.labels, policy=policy, stats=stats, profile=profile_data)
