"""The drift report as plain data: what every renderer and the metrics read.

A :class:`DriftReport` holds one :class:`Figures` per scope — all trackers together, each tracker, and
optionally each team or project — so a tracker's comment, the JSON for scripts and the HTML page are all
views of the same numbers. :meth:`DriftReport.to_json` is the stable, versioned schema documented in
the README (section "Report JSON"); snapshots of it in the state store give the next report its trend.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from syncd.core.drift_history import HistoryPoint
from syncd.core.review_figures import ReviewFigures
from syncd.strategy import Kpi

__all__ = [
    "REPORT_SCHEMA_VERSION",
    "DriftReport",
    "Figures",
    "ObjectiveFigures",
    "UnalignedItem",
    "ValueCoverage",
]

REPORT_SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class ObjectiveFigures:
    """One objective (or the unaligned bucket, id ``unaligned``) in one scope.

    Attributes:
        actual: share of the effort in scope whose primary objective this is.
        drift: ``actual - target``; ``flagged`` when its size exceeds the tolerance.
        planned: share of the to-do backlog's effort (None when the backlog is empty).
        previous: ``actual`` at the previous report (None: no previous report, or the objective is new).
        starved: a target above 0 and no effort in scope for ``starved_after_days``.
        last_active: when work on it was last in progress or done (None: never, in what syncd knows).
        kpis: the strategy's KPIs of the objective, shown beside it; not part of the JSON, which holds
            figures only.
        keyword_effort: the part of ``effort`` whose tag rests on keywords alone (strength ``keyword``,
            ``tie`` or ``resemblance``), not on a pin, structure or a field rule: how much of the share is inference.
    """

    id: str
    name: str
    target: float
    actual: float
    drift: float
    flagged: bool
    effort: float
    items: int
    planned: float | None = None
    previous: float | None = None
    starved: bool = False
    last_active: datetime | None = None
    kpis: tuple[Kpi, ...] = ()
    keyword_effort: float = 0.0

    @property
    def on_keywords(self) -> float | None:
        """The share of this objective's effort tagged by keywords alone (None: no effort)."""
        return self.keyword_effort / self.effort if self.effort else None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "target": _round(self.target),
            "actual": _round(self.actual),
            "drift": _round(self.drift),
            "flagged": self.flagged,
            "effort": _round(self.effort),
            "items": self.items,
            "planned": _round(self.planned),
            "previous": _round(self.previous),
            "starved": self.starved,
            "last_active": self.last_active.isoformat() if self.last_active else None,
            "keyword_effort": _round(self.keyword_effort),
            "on_keywords": _round(self.on_keywords),
        }


@dataclass(frozen=True, slots=True)
class UnalignedItem:
    """An in-scope item that serves no objective, for the "largest unaligned work" list."""

    key: str
    title: str
    url: str
    tracker: str
    effort: float

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "title": self.title, "url": self.url, "tracker": self.tracker, "effort": self.effort}


@dataclass(frozen=True, slots=True)
class ValueCoverage:
    """Share of the effort in scope tagged with a value."""

    id: str
    name: str
    share: float
    effort: float
    items: int

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "share": _round(self.share),
            "effort": _round(self.effort),
            "items": self.items,
        }


@dataclass(frozen=True, slots=True)
class Figures:
    """Every figure for one scope.

    Attributes:
        scope: ``all``, a tracker name (``jira.acme``) or ``<tracker> <team>`` for a team or project.
        score: alignment score, 1 − ½·Σ|actual − target| over the objectives and the unaligned bucket;
            None when there is no effort in scope to judge.
        previous_score: the score at the previous report.
        removed: objectives of the previous report that the strategy no longer has.
        own_plan: the targets are a team's own plan (the strategy's ``teams``), not the company's; in the
            JSON only when true, so figures without a plan read as they always did.
        keyword_effort: the effort in scope whose objective rests on keywords alone.
        declined_effort: effort of the work closed within the window as declined (won't do, duplicate,
            canceled …), which the allocation leaves out; ``declined_items`` counts it.
        unestimated: items in the actual allocation without an estimate, counted at ``default_estimate``
            (always 0 with ``measure: count``).
    """

    scope: str
    total_effort: float
    items: int
    objectives: tuple[ObjectiveFigures, ...]
    unaligned: ObjectiveFigures
    largest_unaligned: tuple[UnalignedItem, ...]
    values: tuple[ValueCoverage, ...]
    score: float | None
    previous_score: float | None
    backlog_effort: float
    removed: tuple[str, ...] = ()
    own_plan: bool = False
    keyword_effort: float = 0.0

    @property
    def on_keywords(self) -> float | None:
        """The share of the aligned effort in scope tagged by keywords alone (None: nothing aligned)."""
        aligned = self.total_effort - self.unaligned.effort
        return self.keyword_effort / aligned if aligned > 0 else None

    declined_effort: float = 0.0
    declined_items: int = 0
    unestimated: int = 0

    @property
    def starved(self) -> tuple[ObjectiveFigures, ...]:
        return tuple(o for o in self.objectives if o.starved)

    @property
    def flagged(self) -> tuple[ObjectiveFigures, ...]:
        return tuple(o for o in (*self.objectives, self.unaligned) if o.flagged)

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "total_effort": _round(self.total_effort),
            "items": self.items,
            "score": _round(self.score),
            "previous_score": _round(self.previous_score),
            "backlog_effort": _round(self.backlog_effort),
            "objectives": [o.to_json() for o in self.objectives],
            "unaligned": self.unaligned.to_json(),
            "largest_unaligned": [u.to_json() for u in self.largest_unaligned],
            "values": [v.to_json() for v in self.values],
            "removed": list(self.removed),
            "keyword_effort": _round(self.keyword_effort),
            "on_keywords": _round(self.on_keywords),
            "declined": {"effort": _round(self.declined_effort), "items": self.declined_items},
            "unestimated": self.unestimated,
        } | ({"own_plan": True} if self.own_plan else {})


@dataclass(frozen=True, slots=True)
class DriftReport:
    """The whole report: the strategy's period and options, and the figures per scope.

    Attributes:
        history: this period's earlier reports and this one, oldest first, from the stored snapshots (empty
            when the report was made without them); not part of the JSON, whose snapshots it is made of.
        review: per scope, what a person's review of sampled keyword tags measured (``syncd review``);
            in the JSON only when there is one.
    """

    period: str
    generated_at: datetime
    measure: str
    tolerance: float
    window_days: int
    starved_after_days: int
    overall: Figures
    trackers: tuple[Figures, ...]
    teams: tuple[Figures, ...] = ()
    previous_at: datetime | None = None
    history: tuple[HistoryPoint, ...] = ()
    review: tuple[ReviewFigures, ...] = ()

    def review_of(self, scope: str) -> ReviewFigures | None:
        return next((r for r in self.review if r.scope == scope), None)

    def scope(self, name: str) -> Figures | None:
        return next((f for f in (self.overall, *self.trackers, *self.teams) if f.scope == name), None)

    def narrowed(self, scope: str) -> DriftReport:
        """The report of one tracker alone (its figures as the whole), or the whole report for ``all``."""
        figures = self.scope(scope)
        if figures is None or figures is self.overall:
            return self
        return replace(self, overall=figures, trackers=(figures,), teams=self.teams_of(scope))

    def teams_of(self, scope: str) -> tuple[Figures, ...]:
        """The team or project figures a scope's comment shows: every team for all trackers together, a
        tracker's own teams for that tracker (empty unless the report was made per team)."""
        if scope == self.overall.scope:
            return self.teams
        return tuple(team for team in self.teams if team.scope.startswith(f"{scope} "))

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA_VERSION,
            "period": self.period,
            "generated_at": self.generated_at.isoformat(),
            "previous_at": self.previous_at.isoformat() if self.previous_at else None,
            "measure": self.measure,
            "tolerance": self.tolerance,
            "window_days": self.window_days,
            "starved_after_days": self.starved_after_days,
            "overall": self.overall.to_json(),
            "trackers": [f.to_json() for f in self.trackers],
            "teams": [f.to_json() for f in self.teams],
        } | ({"review": [r.to_json() for r in self.review]} if self.review else {})


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
