"""Syncing the configured trackers, one after another, each failure contained to its tracker.

``syncd sync`` and the service loop both come through here: pick the trackers, open each connector with
what the state store already knows of it, run the engine, and report per tracker. A tracker that fails
(refused credentials, a tracker that stays down) never stops the others; the outcome says what happened
so the caller can pick the exit code or the health status.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from syncd.connectors import open_connector
from syncd.diagnosis import EXIT_OK, EXIT_PARTIAL, describe_error
from syncd.engine import Engine, SyncOptions, SyncResult
from syncd.errors import ConfigError, Problem
from syncd.logging import get_logger
from syncd.mapper import Mapper
from syncd.retry import RetryPolicy, RetryStats
from syncd.settings import Settings, TrackerSettings
from syncd.state import StateStore
from syncd.strategy import Strategy

__all__ = ["TrackerOutcome", "select_trackers", "sync_trackers"]

_log = get_logger("syncd.trackers")


@dataclass(frozen=True, slots=True)
class TrackerOutcome:
    """One tracker's sync: the result when it ran, else the error in words and its exit code."""

    name: str
    result: SyncResult | None
    error: str | None = None
    exit_code: int = EXIT_OK


def select_trackers(settings: Settings, names: Iterable[str] = ()) -> dict[str, TrackerSettings]:
    """The trackers named (``jira.acme``, or ``acme`` when that is unambiguous), or all of them.

    Raises:
        ConfigError: a name matches no configured tracker, or none is configured.
    """
    configured = settings.trackers()
    wanted = list(names)
    if not configured:
        raise ConfigError("settings", [Problem("", "no trackers configured: add a [jira.<name>] or [linear.<name>]")])
    if not wanted:
        return configured
    chosen: dict[str, TrackerSettings] = {}
    problems: list[Problem] = []
    for name in wanted:
        matches = [full for full in configured if full == name or full.split(".", 1)[1] == name]
        if len(matches) == 1:
            chosen[matches[0]] = configured[matches[0]]
        else:
            known = ", ".join(configured)
            why = "is ambiguous" if matches else "is not configured"
            problems.append(Problem("--tracker", f"{name!r} {why} (configured: {known})"))
    if problems:
        raise ConfigError("command line", problems)
    return chosen


def sync_trackers(
    settings: Settings,
    strategy: Strategy,
    store: StateStore,
    trackers: dict[str, TrackerSettings],
    options: SyncOptions,
    *,
    stats: RetryStats | None = None,
    policy: RetryPolicy | None = None,
) -> list[TrackerOutcome]:
    """Sync each tracker once; never raises for one tracker's failure."""
    stats = stats or RetryStats()
    policy = policy or RetryPolicy(
        max_attempts=settings.retry.max_attempts, max_wait=settings.retry.max_wait, deadline=settings.retry.deadline
    )
    mapper = Mapper(strategy)
    outcomes: list[TrackerOutcome] = []
    for name, tracker in trackers.items():
        connector = open_connector(name, tracker, strategy, policy=policy, stats=stats, store=store)
        try:
            engine = Engine(strategy=strategy, store=store, connector=connector, stats=stats, mapper=mapper)
            result = engine.sync(options)
        except Exception as exc:
            diagnosis = describe_error(exc)
            _log.error("sync.failed", tracker=name, error=diagnosis.message)
            outcomes.append(TrackerOutcome(name, None, diagnosis.message, diagnosis.exit_code))
        else:
            code = EXIT_OK if result.status == "ok" else EXIT_PARTIAL
            outcomes.append(TrackerOutcome(name, result, exit_code=code))
        finally:
            connector.close()
    return outcomes
