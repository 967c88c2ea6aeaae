"""Drift analysis (pure): where effort goes against where the strategy says it should (DESIGN §6).

Scope: items in progress, plus items done within ``window_days``. Work closed within the window with a
declining resolution (``drift.declined_resolutions``: won't do, duplicate, Linear's canceled …) is not
effort towards anything: it is counted apart, as declined, and left out of the allocation. Effort is the
estimate, ``default_estimate`` when there is none (an estimate of 0 counts as 0), or 1 per item with
``measure: count``. ``actual(o)`` is the share of the
effort in scope whose *primary* objective is ``o``; the unaligned bucket's target is the slack the
strategy leaves (``1 − Σ targets``), so actual and target both sum to 1 and the alignment score
``1 − ½·Σ|actual − target|`` is 1 exactly on plan. The to-do backlog is shown beside as the planned
allocation. An objective is starved when it has a target and nothing in progress or done within
``starved_after_days``.

One pass over the items fills an accumulator per scope (all trackers, each tracker, and optionally each
team or project), so the analysis streams over any number of stored items.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from syncd.core.drift_model import DriftReport, Figures, ObjectiveFigures, UnalignedItem, ValueCoverage
from syncd.model import Alignment, StatusCategory, WorkItem
from syncd.strategy import Strategy

__all__ = ["ALL", "LARGEST_UNALIGNED", "UNALIGNED", "Placement", "analyse", "effort_of", "placement", "window_start_of"]

ALL = "all"
UNALIGNED = "unaligned"
LARGEST_UNALIGNED = 10


def effort_of(item: WorkItem, strategy: Strategy) -> float:
    """The effort an item counts for under the strategy's drift options."""
    options = strategy.drift
    if options.measure == "count":
        return 1.0
    return options.default_estimate if item.estimate is None else max(item.estimate, 0.0)


Placement = Literal["actual", "planned", "declined", "outside"]


def placement(item: WorkItem, *, window_start: datetime, strategy: Strategy | None = None) -> Placement:
    """Where an item's effort counts (DESIGN §6): in the actual allocation when it is in progress or was
    done within the window, in the planned one while it is to do, apart as declined when it was closed
    within the window with a declining resolution (the strategy's; without a strategy nothing is declined),
    nowhere once it was closed before the window (or closed with no resolution time)."""
    if item.status is StatusCategory.TODO:
        return "planned"
    closed = item.status is StatusCategory.DONE or item.resolution is not None
    if closed and strategy is not None and strategy.drift.declines(item.resolution):
        recent = item.resolved is not None and item.resolved >= window_start
        return "declined" if recent else "outside"
    if item.status is StatusCategory.IN_PROGRESS or (item.resolved is not None and item.resolved >= window_start):
        return "actual"
    return "outside"


def window_start_of(strategy: Strategy, now: datetime) -> datetime:
    """The start of the drift window that ends ``now``."""
    return now - timedelta(days=strategy.drift.window_days)


@dataclass
class _Scope:
    """Running sums for one scope."""

    effort: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    items: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    planned: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    values: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    value_items: defaultdict[str, int] = field(default_factory=lambda: defaultdict(int))
    on_keywords: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    last_active: dict[str, datetime] = field(default_factory=dict)
    unaligned: list[tuple[float, float, str, UnalignedItem]] = field(default_factory=list)
    total: float = 0.0
    count: int = 0
    declined_effort: float = 0.0
    declined_items: int = 0
    unestimated: int = 0

    def active(self, bucket: str, moment: datetime) -> None:
        if bucket not in self.last_active or self.last_active[bucket] < moment:
            self.last_active[bucket] = moment


def analyse(
    entries: Iterable[tuple[WorkItem, Alignment | None]],
    strategy: Strategy,
    *,
    now: datetime,
    previous: Mapping[str, Any] | None = None,
    per_team: bool = False,
) -> DriftReport:
    """The drift report over the given items.

    Args:
        entries: items with their alignment (None counts as unaligned), from any trackers.
        now: the report's time; scope windows count back from it.
        previous: the previous report's :meth:`~syncd.core.drift_model.DriftReport.to_json`, for the trend.
        per_team: also give figures per tracker team or project.
    """
    scopes: defaultdict[str, _Scope] = defaultdict(_Scope)
    plans: dict[str, dict[str, float]] = {}
    window_start = window_start_of(strategy, now)
    for item, alignment in entries:
        names = [ALL, item.tracker]
        if per_team and item.project:
            team = f"{item.tracker} {item.project}"
            names.append(team)
            if team not in plans and (plan := strategy.plan_for(item.tracker, item.project)) is not None:
                plans[team] = plan.targets
        for name in names:
            _add(scopes[name], item, alignment, strategy, now=now, window_start=window_start)
    trackers = sorted({name for name in scopes if name != ALL and " " not in name})
    teams = sorted(name for name in scopes if " " in name)
    trend = _Trend(previous)
    return DriftReport(
        period=strategy.period,
        generated_at=now,
        measure=strategy.drift.measure,
        tolerance=strategy.drift.tolerance,
        window_days=strategy.drift.window_days,
        starved_after_days=strategy.drift.starved_after_days,
        overall=_figures(ALL, scopes[ALL], strategy, now, trend),
        trackers=tuple(_figures(name, scopes[name], strategy, now, trend) for name in trackers),
        teams=tuple(_figures(name, scopes[name], strategy, now, trend, plans.get(name)) for name in teams),
        previous_at=trend.at,
    )


def _add(
    scope: _Scope,
    item: WorkItem,
    alignment: Alignment | None,
    strategy: Strategy,
    *,
    now: datetime,
    window_start: datetime,
) -> None:
    bucket = (alignment.primary if alignment else None) or UNALIGNED
    effort = effort_of(item, strategy)
    where = placement(item, window_start=window_start, strategy=strategy)
    if where == "planned":
        scope.planned[bucket] += effort
        return
    if where == "declined":
        scope.declined_effort += effort
        scope.declined_items += 1
        return
    if item.status is StatusCategory.IN_PROGRESS:
        scope.active(bucket, now)
    elif item.resolved is not None:
        scope.active(bucket, item.resolved)
    if where == "outside":
        return
    scope.total += effort
    scope.count += 1
    if item.estimate is None and strategy.drift.measure == "estimate":
        scope.unestimated += 1
    scope.effort[bucket] += effort
    scope.items[bucket] += 1
    if alignment is not None and alignment.inferred:
        scope.on_keywords[bucket] += effort
    for value in alignment.values if alignment else ():
        scope.values[value] += effort
        scope.value_items[value] += 1
    if bucket == UNALIGNED:
        entry = UnalignedItem(item.key, item.title, item.url, item.tracker, effort)
        rank = (effort, item.updated.timestamp(), _reverse(f"{item.key} {item.tracker}"), entry)
        heapq.heappush(scope.unaligned, rank)
        if len(scope.unaligned) > LARGEST_UNALIGNED:
            heapq.heappop(scope.unaligned)


def _reverse(key: str) -> str:
    """A sort key under which heap order keeps the alphabetically first of equal efforts updated at once."""
    return "".join(chr(0x10FFFF - ord(ch)) for ch in key)


class _Trend:
    """The previous report's figures by scope."""

    def __init__(self, previous: Mapping[str, Any] | None) -> None:
        self.at = datetime.fromisoformat(previous["generated_at"]) if previous else None
        self._scopes: dict[str, Mapping[str, Any]] = {}
        if previous:
            for figures in (previous["overall"], *previous.get("trackers", ()), *previous.get("teams", ())):
                self._scopes[figures["scope"]] = figures

    def score(self, scope: str) -> float | None:
        figures = self._scopes.get(scope)
        score = figures.get("score") if figures else None
        return float(score) if score is not None else None

    def actual(self, scope: str, bucket: str) -> float | None:
        figures = self._scopes.get(scope)
        if figures is None:
            return None
        if bucket == UNALIGNED:
            return float(figures["unaligned"]["actual"])
        return next((float(o["actual"]) for o in figures["objectives"] if o["id"] == bucket), None)

    def removed(self, scope: str, current: set[str]) -> tuple[str, ...]:
        figures = self._scopes.get(scope)
        if figures is None:
            return ()
        return tuple(o["id"] for o in figures["objectives"] if o["id"] not in current)


def _figures(
    name: str, scope: _Scope, strategy: Strategy, now: datetime, trend: _Trend, plan: Mapping[str, float] | None = None
) -> Figures:
    """One scope's figures against the strategy's targets, or a team's own ``plan`` when it has one."""
    total = scope.total
    backlog = sum(scope.planned.values())
    starve_before = now - timedelta(days=strategy.drift.starved_after_days)
    tolerance = strategy.drift.tolerance

    def bucket(bucket_id: str, label: str, target: float) -> ObjectiveFigures:
        effort = scope.effort.get(bucket_id, 0.0)
        actual = effort / total if total else 0.0
        last = scope.last_active.get(bucket_id)
        drift = actual - target
        return ObjectiveFigures(
            id=bucket_id,
            name=label,
            target=target,
            actual=actual,
            drift=drift,
            flagged=bool(total) and abs(drift) > tolerance + 1e-9,
            effort=effort,
            items=scope.items.get(bucket_id, 0),
            planned=scope.planned.get(bucket_id, 0.0) / backlog if backlog else None,
            previous=trend.actual(name, bucket_id),
            starved=bucket_id != UNALIGNED and target > 0 and (last is None or last < starve_before),
            last_active=last,
            keyword_effort=scope.on_keywords.get(bucket_id, 0.0),
        )

    targets = {o.id: o.target for o in strategy.objectives} if plan is None else plan
    objectives = tuple(replace(bucket(o.id, o.name, targets.get(o.id, 0.0)), kpis=o.kpis) for o in strategy.objectives)
    slack = strategy.unaligned_target if plan is None else max(0.0, 1.0 - sum(plan.values()))
    unaligned = bucket(UNALIGNED, "Unaligned work", slack)
    score = 1 - 0.5 * sum(abs(o.drift) for o in (*objectives, unaligned)) if total else None
    # Equal efforts (typically every issue unestimated) are listed by last update, latest first: keys
    # sorted as text (NUTCH-586 before NUTCH-59) would say nothing.
    ranked = sorted(scope.unaligned, key=lambda e: (-e[0], -e[1], e[3].key, e[3].tracker))
    largest = tuple(entry for *_, entry in ranked)
    values = tuple(
        ValueCoverage(
            v.id,
            v.name,
            scope.values.get(v.id, 0.0) / total if total else 0.0,
            scope.values.get(v.id, 0.0),
            scope.value_items.get(v.id, 0),
        )
        for v in strategy.values
    )
    return Figures(
        scope=name,
        total_effort=total,
        items=scope.count,
        objectives=objectives,
        unaligned=unaligned,
        largest_unaligned=largest,
        values=values,
        score=score,
        previous_score=trend.score(name),
        backlog_effort=backlog,
        removed=trend.removed(name, {o.id for o in strategy.objectives}),
        own_plan=plan is not None,
        keyword_effort=sum(scope.on_keywords.values()),
        declined_effort=scope.declined_effort,
        declined_items=scope.declined_items,
        unestimated=scope.unestimated,
    )
