"""Syncing the configured trackers, one after another, each failure contained to its tracker, then
posting the drift reports.

``syncd sync`` and the service loop both come through here: pick the trackers, open each connector with
what the state store already knows of it, run the engine, and report per tracker. A tracker that fails
(refused credentials, a tracker that stays down) never stops the others; the outcome says what happened
so the caller can pick the exit code or the health status.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime

from syncd.connectors import Connector, open_connector
from syncd.connectors.base import Check
from syncd.core.drift_model import DriftReport
from syncd.core.mapper import Mapper
from syncd.diagnosis import EXIT_AUTH, EXIT_OK, EXIT_PARTIAL, describe_error, worst_exit_code
from syncd.errors import ConfigError, Problem, TrackerError
from syncd.logging import get_logger
from syncd.model import TrackerKind
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import Settings, TrackerSettings
from syncd.state import Mark, StateStore, TrackerBusy
from syncd.strategy import Strategy
from syncd.sync.engine import Engine, sweep_due
from syncd.sync.model import RunControl, SyncOptions, SyncResult
from syncd.sync.reports import PostResult, build_report, post_reports

__all__ = ["TrackerOutcome", "checks_exit_code", "post_now", "probe_trackers", "select_trackers", "sync_trackers"]

_log = get_logger("syncd.sync.all_trackers")


@dataclass(frozen=True, slots=True)
class TrackerOutcome:
    """One tracker's sync: the result when it ran, else the error in words and its exit code."""

    name: str
    result: SyncResult | None
    error: str | None = None
    exit_code: int = EXIT_OK
    report: PostResult | None = None
    #: another replica holds the tracker's lease: not synced here, and not a failure of this replica
    elsewhere: bool = False
    #: the drift report of every tracker built for posting after the syncs; None when none was built
    drift: DriftReport | None = None


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
    stats: CallStats | None = None,
    policy: RetryPolicy | None = None,
    report: bool = True,
    control: RunControl | None = None,
) -> list[TrackerOutcome]:
    """Sync each tracker once, then post the drift reports; never raises for one tracker's failure.

    Args:
        report: post the drift report comments after the syncs (never in a dry run).
        control: the service's stop switch and heartbeat.
    """
    stats = stats or CallStats()
    policy = policy or RetryPolicy.configured(settings.retry)
    mapper = Mapper(strategy)
    outcomes: list[TrackerOutcome] = []
    synced: dict[str, Connector] = {}
    opened: list[Connector] = []
    try:
        for name, tracker in trackers.items():
            try:
                connector = open_connector(
                    name, tracker, strategy, policy=policy, stats=stats, saved=store.marks.get(name, Mark.PROFILE)
                )
            except Exception as exc:
                outcomes.append(_failed(name, exc))
                continue
            opened.append(connector)
            sweep = not (options.full or options.dry_run) and sweep_due(store, name, settings.service.full_sweep_every)
            chosen = dataclasses.replace(options, full=True) if sweep else options
            outcome = _sync_one(name, connector, strategy, store, stats, mapper, chosen, control)
            outcomes.append(outcome)
            if outcome.result is not None:
                synced[name] = connector
        if report and not options.dry_run and synced:
            outcomes = _with_reports(outcomes, strategy, store, synced, settings)
    finally:
        for connector in opened:
            connector.close()
    return outcomes


def _sync_one(
    name: str,
    connector: Connector,
    strategy: Strategy,
    store: StateStore,
    stats: CallStats,
    mapper: Mapper,
    options: SyncOptions,
    control: RunControl | None,
) -> TrackerOutcome:
    try:
        engine = Engine(
            strategy=strategy, store=store, connector=connector, stats=stats, mapper=mapper, control=control
        )
        result = engine.sync(options)
    except TrackerBusy as busy:
        _log.info("sync.elsewhere", tracker=name, reason=str(busy))
        diagnosis = describe_error(busy)
        return TrackerOutcome(name, None, diagnosis.message, diagnosis.exit_code, elsewhere=True)
    except Exception as exc:
        return _failed(name, exc)
    return TrackerOutcome(name, result, exit_code=EXIT_OK if result.status == "ok" else EXIT_PARTIAL)


def _failed(name: str, error: Exception) -> TrackerOutcome:
    """A tracker that could not be opened or synced, in words; the other trackers go on."""
    diagnosis = describe_error(error)
    _log.error("sync.failed", tracker=name, error=diagnosis.message)
    return TrackerOutcome(name, None, diagnosis.message, diagnosis.exit_code)


def _with_reports(
    outcomes: list[TrackerOutcome],
    strategy: Strategy,
    store: StateStore,
    connectors: dict[str, Connector],
    settings: Settings,
) -> list[TrackerOutcome]:
    drift: DriftReport | None = None
    try:
        drift = build_report(
            store, strategy, settings.trackers(), now=datetime.now(UTC), per_team=strategy.report.per_team
        )
        posts = {post.tracker: post for post in post_reports(drift, strategy, store, connectors)}
    except Exception as exc:
        message = describe_error(exc).message
        _log.error("report.failed", error=message)
        posts = {name: PostResult(tracker=name, target=None, posted=False, error=message) for name in connectors}
    updated = []
    for outcome in outcomes:
        post = posts.get(outcome.name)
        if post is not None and post.error is not None:
            outcome = dataclasses.replace(outcome, exit_code=worst_exit_code([outcome.exit_code, EXIT_PARTIAL]))
        updated.append(dataclasses.replace(outcome, report=post, drift=drift))
    return updated


def post_now(
    settings: Settings,
    strategy: Strategy,
    store: StateStore,
    trackers: dict[str, TrackerSettings],
    report: DriftReport,
) -> list[PostResult]:
    """Post an already computed report to the given trackers (``syncd report --post``)."""
    stats = CallStats()
    policy = RetryPolicy.configured(settings.retry)
    connectors = {
        name: open_connector(
            name, tracker, strategy, policy=policy, stats=stats, saved=store.marks.get(name, Mark.PROFILE)
        )
        for name, tracker in trackers.items()
    }
    try:
        with ExitStack() as leases:
            for name in connectors:
                leases.enter_context(store.posting_lease(name))
            return post_reports(report, strategy, store, connectors)
    finally:
        for connector in connectors.values():
            connector.close()


def probe_trackers(settings: Settings, strategy: Strategy) -> dict[str, list[Check]]:
    """``syncd check``'s reads against every configured tracker: credentials, scope, permissions."""
    stats = CallStats()
    policy = RetryPolicy(max_attempts=2, max_wait=5, deadline=30)
    results: dict[str, list[Check]] = {}
    for name, tracker in settings.trackers().items():
        connector = open_connector(name, tracker, strategy, policy=policy, stats=stats)
        target = strategy.report.jira if connector.kind is TrackerKind.JIRA else strategy.report.linear
        try:
            results[name] = connector.probe(target.issue if target else None)
        except TrackerError as error:
            results[name] = [Check("reach the tracker", False, error.message)]
        finally:
            connector.close()
    return results


def checks_exit_code(checks: Iterable[Check]) -> int:
    """3 when the credentials were refused, 1 when anything else failed, else 0."""
    failed = [check for check in checks if check.ok is False]
    if any(check.name == "credentials" for check in failed):
        return EXIT_AUTH
    return EXIT_PARTIAL if failed else EXIT_OK
