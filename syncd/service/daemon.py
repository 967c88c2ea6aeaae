"""``syncd run``: the service loop under systemd.

Every tracker is synced every ``interval`` (± ``jitter``), each on its own schedule, so one failing
tracker never holds up the others; a failure retries after a growing pause (30 s, 1 min, 2 min, … up to
the interval) instead of spinning. Every ``full_sweep_every``-th sync of a tracker reads all its issues,
to notice deleted and moved ones (counted in the state, so a restart does not put a sweep off).

With PostgreSQL state, several replicas share the trackers out: each holds at most the trackers divided by
the live replicas, rounded up, and gives up the extra ones after a sync when a replica joins.

Signals: SIGTERM and SIGINT stop at the next safe point — after the page or write in flight, with
everything done so far recorded — even in the middle of a retry's wait, and exit 0. A request in flight
gets ``STOP_GRACE`` seconds to finish, then it is cut, so no tracker can hold a stop up. SIGHUP reloads the
strategy; a file with problems keeps the old strategy and logs why. systemd hears ``READY=1``,
``STATUS=``, ``WATCHDOG=1`` (while the loop beats: every page and write of a sync, and every watchdog
interval between syncs) and ``STOPPING=1``.
"""

from __future__ import annotations

import random
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from syncd.connectors.deadline import cut_short
from syncd.diagnosis import describe_error
from syncd.errors import ConfigError
from syncd.logging import get_logger
from syncd.retry import CallStats, RetryPolicy
from syncd.service.health import Health, HealthServer
from syncd.service.metrics import Metrics
from syncd.service.notify import Notifier, watchdog_interval
from syncd.service.signals import SignalRelay
from syncd.service.webhooks.service import WebhookService
from syncd.settings import Settings
from syncd.state import StateStore
from syncd.strategy import Strategy, load_strategy
from syncd.sync.all_trackers import TrackerOutcome, select_trackers, sync_trackers
from syncd.sync.model import RunControl, SyncOptions
from syncd.sync.reports import build_report

__all__ = ["Service"]

_log = get_logger("syncd.service.daemon")
_FIRST_BACKOFF = 30.0
_IDLE_BEAT = 30.0
STOP_GRACE = 5.0
"""Seconds a request in flight at SIGTERM may still take, whatever the tracker does (a dripping answer,
a hang): then it is cut, and its write, if it was one, stays in the outbox as of unknown outcome."""


@dataclass
class _Schedule:
    due: float = 0.0
    runs: int = 0
    failures: int = 0


@dataclass
class Service:
    """One running service: settings, strategy and state open, trackers on their schedules."""

    settings: Settings
    strategy: Strategy
    strategy_path: Path
    store: StateStore
    notifier: Notifier = field(default_factory=Notifier)
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        self.trackers = select_trackers(self.settings)
        self.stop = threading.Event()
        self.wake = threading.Event()
        self._reload = threading.Event()
        self._beat = time.monotonic()
        watchdog = watchdog_interval()
        self._idle_beat = watchdog if watchdog is not None else _IDLE_BEAT
        self.stats = CallStats()
        self.policy = RetryPolicy.configured(self.settings.retry, stop=self.stop)
        self.control = RunControl(stop=self.stop, heartbeat=self._heartbeat)
        self.health = Health(list(self.trackers), self.settings.service.health.stale_after)
        self.schedule = {name: _Schedule() for name in self.trackers}
        self.webhooks = (
            WebhookService(self.settings, self.trackers, registry=self.metrics.registry, wake=self.wake.set)
            if self.settings.service.webhooks.enabled
            else None
        )
        if self.webhooks is not None:
            self.health.webhooks = self.webhooks.health

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT; returns the exit code (0 after a clean stop)."""
        signals = self._install_signals()
        server = self._start_health()
        if self.webhooks is not None:
            self.webhooks.start()
            self.store.on_handoff(self.wake.set)
        watchdog = self._start_watchdog()
        self.store.share_trackers(list(self.trackers))
        self.notifier.ready(f"syncing {len(self.trackers)} trackers every {self.settings.service.interval:g}s")
        _log.info("service.started", trackers=list(self.trackers), interval=self.settings.service.interval)
        try:
            while not self.stop.is_set():
                if self._reload.is_set():
                    self._reload_strategy()
                for name in self._due():
                    if self.stop.is_set():
                        break
                    self._sync(name)
                self._drain_webhooks()
                self._heartbeat()
                until_due = min(s.due for s in self.schedule.values()) - time.monotonic()
                if self.webhooks is not None and (ready := self.webhooks.next_due()) is not None:
                    until_due = min(until_due, ready - time.monotonic())
                self.wake.wait(timeout=min(max(0.0, until_due), self._idle_beat))
                self.wake.clear()
        finally:
            self.notifier.stopping("stopping: the sync in flight has been checkpointed")
            _log.info("service.stopped")
            if server is not None:
                server.stop()
            if self.webhooks is not None:
                self.webhooks.stop()
            if watchdog is not None:
                watchdog.join(timeout=2)
            self.notifier.close()
            signals.close()
        return 0

    def _due(self) -> list[str]:
        now = time.monotonic()
        return [name for name, schedule in self.schedule.items() if schedule.due <= now]

    def _sync(self, name: str) -> None:
        schedule = self.schedule[name]
        started = time.monotonic()
        self._heartbeat()
        mark = self.webhooks.poll_starts(name) if self.webhooks is not None else 0
        try:
            [outcome] = sync_trackers(
                self.settings,
                self.strategy,
                self.store,
                {name: self.trackers[name]},
                SyncOptions(),
                stats=self.stats,
                policy=self.policy,
                control=self.control,
            )
        finally:
            self._heartbeat()
        schedule.runs += 1
        self._record(outcome, duration=time.monotonic() - started)
        self._shed()
        if self.stop.is_set():
            return
        ok = outcome.result is not None or outcome.elsewhere
        schedule.failures = 0 if ok else schedule.failures + 1
        pause = self._pause(schedule.failures)
        if self.webhooks is not None and ok:
            self.webhooks.polled(name, mark)
            pause = self.webhooks.interval(name, pause)
        schedule.due = time.monotonic() + pause

    def _record(self, outcome: TrackerOutcome, *, duration: float) -> None:
        finished = time.time()
        if outcome.elsewhere:  # another replica syncs it: healthy here, and nothing to measure
            self.health.elsewhere(outcome.name, finished, outcome.error or "held by another replica")
            return
        self.metrics.observe_sync(outcome, duration=duration, finished=finished)
        self.metrics.observe_calls(self.stats)
        if outcome.result is None:
            self.health.failed(outcome.name, outcome.error or "the sync failed")
        else:
            self.health.succeeded(outcome.name, finished, problems="; ".join(outcome.result.errors[:3]) or None)
        try:
            report = outcome.drift  # built by the sync to post; built here only when the sync built none
            if report is None:
                report = build_report(self.store, self.strategy, self.trackers, now=datetime.now(UTC))
            self.metrics.observe_report(report)
        except Exception as error:  # metrics must never stop the service
            _log.warning("metrics.report_failed", error=str(error))
        self.notifier.status(_status_line(outcome))

    def _shed(self) -> None:
        """Give up the trackers above this replica's share (another replica joined); each is then left to
        the replica that takes it, and synced from here again only if none does and a share frees up."""
        try:
            for name in self.store.shed_extra_trackers():
                self.health.elsewhere(name, time.time(), "left to another replica: this one holds its share")
        except Exception as error:  # sharing is an optimisation: a failure keeps the leases, never the loop down
            _log.warning("lease.shed_failed", error=str(error))

    def _drain_webhooks(self) -> None:
        """Read the issues webhooks named whose debounce is over (a failure is logged, polling covers it)."""
        if self.webhooks is None or self.stop.is_set():
            return
        self.webhooks.drain(
            strategy=self.strategy, store=self.store, stats=self.stats, policy=self.policy, control=self.control
        )
        self.metrics.observe_calls(self.stats)

    def _pause(self, failures: int) -> float:
        interval = self.settings.service.interval
        if failures:
            return float(min(interval, _FIRST_BACKOFF * 2.0 ** (failures - 1)))
        jitter = self.settings.service.jitter
        return interval * (1 + random.uniform(-jitter, jitter))  # noqa: S311 - spreading load, not security

    def _reload_strategy(self) -> None:
        self._reload.clear()
        try:
            self.strategy = load_strategy(self.strategy_path)
        except ConfigError as error:
            _log.error("strategy.reload_refused", error=describe_error(error).message, kept="the previous strategy")
            self.notifier.status("strategy reload refused: the file has problems; the previous strategy is in use")
            return
        _log.info("strategy.reloaded", period=self.strategy.period, objectives=len(self.strategy.objectives))
        self.notifier.status(f"strategy reloaded: {self.strategy.period}")

    def _heartbeat(self) -> None:
        self._beat = time.monotonic()

    def _install_signals(self) -> SignalRelay:
        def stop(number: signal.Signals) -> None:
            _log.info("service.stopping", signal=number.name)
            self.stop.set()
            self.wake.set()
            cut_short(STOP_GRACE)

        def reload(number: signal.Signals) -> None:
            self._reload.set()
            self.wake.set()

        return SignalRelay({signal.SIGTERM: stop, signal.SIGINT: stop, signal.SIGHUP: reload}).install()

    def _start_health(self) -> HealthServer | None:
        options = self.settings.service.health
        if not options.enabled:
            return None
        server = HealthServer(self.health, self.metrics.exposition, host=options.host, port=options.port).start()
        host, port = server.address
        _log.info("health.listening", url=f"http://{host}:{port}/healthz")
        if not options.loopback:
            _log.warning(
                "health.exposed",
                host=options.host,
                detail="/metrics names objectives and figures; reachable beyond this machine, without auth",
            )
        return server

    def _start_watchdog(self) -> threading.Thread | None:
        interval = watchdog_interval()
        if interval is None:
            return None
        patience = interval * 2

        def ping() -> None:
            """Ping only while the loop beats: between syncs it wakes every watchdog interval to beat, and
            during a sync every page and write beats, so a loop that hangs anywhere stops the pings and
            systemd restarts the service."""
            while not self.stop.wait(interval):
                if time.monotonic() - self._beat <= patience:
                    self.notifier.watchdog()

        thread = threading.Thread(target=ping, name="watchdog", daemon=True)
        thread.start()
        return thread


def _status_line(outcome: TrackerOutcome) -> str:
    result = outcome.result
    if result is None:
        return f"{outcome.name}: failed: {(outcome.error or '').splitlines()[0] if outcome.error else 'error'}"
    return (
        f"{outcome.name}: {result.status}, pulled {result.pulled}, applied {result.applied}, "
        f"failed {result.failed}, {result.requests} requests"
    )
