"""The drift over a period, from the stored report snapshots (pure).

Every time a report's figures change, its :meth:`~syncd.core.drift_model.DriftReport.to_json` is kept as a
snapshot. Read back in order, those snapshots are the history a report draws: each objective's share and
the alignment score at every change, and how long an objective has been off plan. Only the snapshots of
the report's own period count: a new strategy period starts a new history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["BucketPoint", "HistoryPoint", "ScopePoint", "history_of", "off_plan_since", "series"]


@dataclass(frozen=True, slots=True)
class BucketPoint:
    """One objective (or the unaligned bucket) at one report."""

    id: str
    actual: float
    drift: float
    flagged: bool


@dataclass(frozen=True, slots=True)
class ScopePoint:
    """One scope's figures at one report."""

    scope: str
    score: float | None
    buckets: tuple[BucketPoint, ...]

    def bucket(self, bucket_id: str) -> BucketPoint | None:
        return next((b for b in self.buckets if b.id == bucket_id), None)


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    """Every scope's figures at one report."""

    at: datetime
    scopes: tuple[ScopePoint, ...]

    def scope(self, name: str) -> ScopePoint | None:
        return next((s for s in self.scopes if s.scope == name), None)


def history_of(reports: Iterable[Mapping[str, Any]], *, period: str) -> tuple[HistoryPoint, ...]:
    """The history of a period from report JSON documents, oldest first; other periods' are left out."""
    return tuple(_point(report) for report in reports if report.get("period") == period)


def series(history: Iterable[HistoryPoint], scope: str) -> tuple[tuple[datetime, ScopePoint], ...]:
    """The points of one scope, for the reports that had it."""
    found = ((point.at, point.scope(scope)) for point in history)
    return tuple((at, figures) for at, figures in found if figures is not None)


def off_plan_since(history: Iterable[HistoryPoint], scope: str, bucket_id: str) -> datetime | None:
    """When the bucket's current run outside the tolerance began: the first report of the unbroken run of
    reports, ending with the latest, in which it was flagged on the same side of its target. None when the
    latest report does not flag it."""
    since: datetime | None = None
    side = 0
    for at, figures in reversed(series(history, scope)):
        bucket = figures.bucket(bucket_id)
        if bucket is None or not bucket.flagged:
            break
        direction = 1 if bucket.drift > 0 else -1
        if side and direction != side:
            break
        side, since = direction, at
    return since


def _point(report: Mapping[str, Any]) -> HistoryPoint:
    scopes = (report["overall"], *report.get("trackers", ()), *report.get("teams", ()))
    return HistoryPoint(datetime.fromisoformat(report["generated_at"]), tuple(_scope(s) for s in scopes))


def _scope(figures: Mapping[str, Any]) -> ScopePoint:
    buckets = (*figures["objectives"], figures["unaligned"])
    score = figures.get("score")
    return ScopePoint(
        figures["scope"],
        None if score is None else float(score),
        tuple(BucketPoint(b["id"], float(b["actual"]), float(b["drift"]), bool(b["flagged"])) for b in buckets),
    )
