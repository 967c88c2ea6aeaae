"""Prometheus metrics of the service: alignment, drift, API traffic, writes and sync health.

Each service owns its registry (no process-global state), filled from plain results after every sync:
the drift report, the per-tracker outcome, and the request/retry counters the connectors keep. It also
holds ``syncd_build_info`` (the version that runs) and the standard ``process_*`` metrics (CPU, memory,
open files, start time), so a dashboard needs no other exporter to see the service itself.
"""

from __future__ import annotations

import platform

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info, ProcessCollector, generate_latest

from syncd import __version__
from syncd.core.drift_model import DriftReport
from syncd.retry import CallStats
from syncd.sync.all_trackers import TrackerOutcome

__all__ = ["Metrics"]

_DURATION_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600)


class Metrics:
    """The service's metrics; :meth:`exposition` is what ``/metrics`` serves."""

    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=registry)
        Info("syncd_build", "The syncd version that runs", registry=registry).info(
            {"version": __version__, "python": platform.python_version()}
        )
        self.share = Gauge(
            "syncd_objective_share",
            "Actual share of effort in scope per objective",
            ["scope", "objective"],
            registry=registry,
        )
        self.target = Gauge(
            "syncd_objective_target", "Target share of effort per objective", ["objective"], registry=registry
        )
        self.drift = Gauge(
            "syncd_objective_drift",
            "Actual minus target share per objective",
            ["scope", "objective"],
            registry=registry,
        )
        self.tolerance = Gauge(
            "syncd_drift_tolerance",
            "How far a share may be from its target before it counts as drift",
            registry=registry,
        )
        self.score = Gauge("syncd_alignment_score", "Alignment score (1 is on plan)", ["scope"], registry=registry)
        self.unaligned = Gauge(
            "syncd_unaligned_share", "Share of effort serving no objective", ["scope"], registry=registry
        )
        self.items = Gauge("syncd_items", "Issues pulled by the last sync", ["tracker"], registry=registry)
        self.requests = Counter(
            "syncd_api_requests", "API requests by tracker and outcome status", ["tracker", "status"], registry=registry
        )
        self.retries = Counter(
            "syncd_retries", "Retried requests by tracker and reason", ["tracker", "reason"], registry=registry
        )
        self.ops = Counter(
            "syncd_label_ops", "Label writes by tracker and result", ["tracker", "result"], registry=registry
        )
        self.last_success = Gauge(
            "syncd_last_success_timestamp_seconds",
            "When the tracker last synced successfully",
            ["tracker"],
            registry=registry,
        )
        self.up = Gauge("syncd_tracker_up", "1 when the tracker's last sync succeeded", ["tracker"], registry=registry)
        self.duration = Histogram(
            "syncd_sync_duration_seconds",
            "Duration of one tracker's sync",
            ["tracker"],
            buckets=_DURATION_BUCKETS,
            registry=registry,
        )
        self._seen_requests: dict[tuple[str, str], int] = {}
        self._seen_retries: dict[tuple[str, str], int] = {}

    def observe_sync(self, outcome: TrackerOutcome, *, duration: float, finished: float) -> None:
        tracker = outcome.name
        self.duration.labels(tracker).observe(duration)
        result = outcome.result
        self.up.labels(tracker).set(1 if result is not None else 0)
        if result is None:
            return
        self.items.labels(tracker).set(result.pulled)
        self.ops.labels(tracker, "applied").inc(result.applied)
        self.ops.labels(tracker, "failed").inc(result.failed)
        self.last_success.labels(tracker).set(finished)

    def observe_calls(self, stats: CallStats) -> None:
        """Add what the counters gained since the last call (Prometheus counters only go up)."""
        requests, retries = stats.snapshot()
        _add_new(self.requests, requests, self._seen_requests)
        _add_new(self.retries, retries, self._seen_retries)

    def observe_report(self, report: DriftReport) -> None:
        self.tolerance.set(report.tolerance)
        for figures in (report.overall, *report.trackers):
            for objective in figures.objectives:
                self.share.labels(figures.scope, objective.id).set(objective.actual)
                self.drift.labels(figures.scope, objective.id).set(objective.drift)
                self.target.labels(objective.id).set(objective.target)
            self.unaligned.labels(figures.scope).set(figures.unaligned.actual)
            if figures.score is not None:
                self.score.labels(figures.scope).set(figures.score)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def _add_new(counter: Counter, totals: dict[tuple[str, str], int], seen: dict[tuple[str, str], int]) -> None:
    for labels, total in totals.items():
        gained = total - seen.get(labels, 0)
        if gained > 0:
            counter.labels(*labels).inc(gained)
        seen[labels] = total
