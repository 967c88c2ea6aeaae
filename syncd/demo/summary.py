"""What the demo prints after its sync: what was labelled and why, and the drift report as a table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence

from syncd.core.drift_model import DriftReport, Figures
from syncd.model import Rule
from syncd.render.comment import percent, points
from syncd.state import StateStore, StoredItem
from syncd.strategy import Strategy
from syncd.sync.all_trackers import TrackerOutcome
from syncd.text.plural import plural
from syncd.text.printable import printable

__all__ = ["drift_table", "summary_lines"]

_EXAMPLES_PER_RULE = 2


def summary_lines(
    store: StateStore, strategy: Strategy, outcomes: Sequence[TrackerOutcome], report: DriftReport
) -> Iterator[str]:
    yield "Synced:"
    for outcome in outcomes:
        yield f"  {_sync_line(outcome)}"
    stored = [s for outcome in outcomes for s in store.items.all(outcome.name)]
    yield ""
    yield from _labelled(stored, strategy)
    yield ""
    yield from _examples(stored)
    yield ""
    yield from drift_table(report.overall, report)


def _sync_line(outcome: TrackerOutcome) -> str:
    result = outcome.result
    if result is None:
        return f"{outcome.name}: failed: {outcome.error}"
    line = (
        f"{outcome.name}: pulled {result.pulled}, labelled {result.applied} issues "
        f"({plural(result.requests, 'API request')}, {plural(result.retries, 'retry', 'retries')})"
    )
    post = outcome.report
    if post is not None and post.target:
        line += f"; drift report {'posted on' if post.posted else 'unchanged on'} {post.target}"
    return line


def _labelled(stored: Sequence[StoredItem], strategy: Strategy) -> Iterator[str]:
    primary = Counter((s.alignment.primary if s.alignment else None) for s in stored)
    scheme = strategy.labels
    yield "What was labelled (by primary objective):"
    for objective in strategy.objectives:
        label = f"{objective.name} ({scheme.objective_label(objective.id)})"
        yield f"  {label:<70} {primary.get(objective.id, 0):>4}"
    yield f"  {'Unaligned (' + scheme.unaligned + ')':<70} {primary.get(None, 0):>4}"
    pins = sorted(s.item.key for s in stored if s.alignment and s.alignment.decided_by is Rule.PIN)
    if pins:
        yield f"  Kept as a person set them: {len(pins)} pins ({', '.join(pins)})"


def _examples(stored: Sequence[StoredItem]) -> Iterator[str]:
    yield "Examples, with the rule that decided:"
    shown: Counter[Rule | None] = Counter()
    places: set[tuple[Rule | None, str]] = set()
    for entry in sorted(stored, key=_natural):
        alignment = entry.alignment
        rule = alignment.decided_by if alignment else None
        place = (rule, entry.item.project or "")
        if shown[rule] >= _EXAMPLES_PER_RULE or place in places:
            continue
        shown[rule] += 1
        places.add(place)
        target = alignment.primary if alignment and alignment.primary else "unaligned"
        why = "no rule matched"
        if alignment and rule is not None:
            detail = next(r.detail for r in alignment.reasons if r.rule is rule)
            why = detail if detail.startswith(rule.label) else f"{rule.label}: {detail}"
        title = printable(" ".join(entry.item.title.split()))
        title = title if len(title) <= 44 else title[:43] + "…"
        yield printable(f"  {entry.item.key:<8} {title:<45} → {target:<22} {why}")


def drift_table(figures: Figures, report: DriftReport) -> Iterator[str]:
    """The figures of one scope as a plain-text table."""
    basis = "item count" if report.measure == "count" else "estimate"
    yield f"Drift, all trackers (in progress + done in the last {report.window_days} days, by {basis}):"
    yield f"  {'Objective':<44} {'Target':>7} {'Actual':>7} {'Drift':>8} {'Planned':>8}"
    for objective in (*figures.objectives, figures.unaligned):
        flags = " ".join(flag for flag, on in (("⚠", objective.flagged), ("starved", objective.starved)) if on)
        yield (
            f"  {objective.name[:44]:<44} {percent(objective.target):>7} {percent(objective.actual):>7} "
            f"{points(objective.drift):>8} {percent(objective.planned):>8}  {flags}"
        ).rstrip()
    score = "–" if figures.score is None else f"{figures.score:.2f}"
    yield f"  Alignment score: {score} (1.00 is on plan; ⚠ marks drift beyond ±{report.tolerance * 100:.0f} pp)"
    if figures.starved:
        names = ", ".join(o.name for o in figures.starved)
        yield f"  Starved (nothing for {report.starved_after_days}+ days): {names}"
    if figures.declined_items:
        yield (
            f"  Declined (won't do, duplicate, canceled; in no share): {figures.declined_items} issues, "
            f"effort {figures.declined_effort:g}"
        )
    if figures.largest_unaligned:
        largest = ", ".join(f"{u.key} ({u.effort:g})" for u in figures.largest_unaligned[:5])
        yield f"  Largest unaligned work: {largest}"


def _natural(entry: StoredItem) -> tuple[str, str, int]:
    """Tracker, then project, then issue number: GROW-2 before GROW-10."""
    project, _, number = entry.item.key.rpartition("-")
    return entry.item.tracker, project, int(number) if number.isdigit() else 0
