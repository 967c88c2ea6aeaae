"""Words for people: why an item maps where it does, and what a strategy and its trackers look like.

Pure formatting of plain data into lines, so ``syncd explain`` and ``syncd check`` print the same text
the tests assert on, without a tracker or a terminal.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime

from syncd.connectors.base import Check
from syncd.core.drift import UNALIGNED, effort_of, placement, window_start_of
from syncd.model import Alignment, ItemPlan, Rule, TargetKind, WorkItem
from syncd.settings import JiraSite, Settings
from syncd.strategy import Match, Strategy
from syncd.sync.all_trackers import TrackerOutcome
from syncd.text.plural import plural
from syncd.text.printable import printable

__all__ = [
    "checklist",
    "drift_bucket",
    "explain_item",
    "nothing_synced",
    "strength_words",
    "summarise_outcome",
    "summarise_settings",
    "summarise_strategy",
]


def explain_item(
    item: WorkItem, alignment: Alignment, plan: ItemPlan, strategy: Strategy, *, now: datetime
) -> list[str]:
    """The reasons, the decision, the label plan and where the item counts in the drift report."""
    lines = [f"{item.key}  {item.title}", f"  tracker {item.tracker}, status {item.status.value}"]
    if alignment.aligned:
        names = ", ".join(_objective_name(strategy, o) for o in alignment.objectives)
        lines.append(f"  objective: {_objective_name(strategy, alignment.objectives[0])} (primary)")
        if len(alignment.objectives) > 1:
            lines.append(f"  all objectives: {names}")
    else:
        lines.append("  objective: none (unaligned)")
    lines.append(f"  values: {', '.join(alignment.values) or 'none'}")
    lines.append(f"  decided by: {alignment.decided_by.label if alignment.decided_by else 'no rule matched'}")
    if alignment.aligned:
        lines.append(f"  strength: {strength_words(alignment)}")
    if alignment.reasons:
        lines.append("  reasons (strongest rule first):")
        lines += [f"    {line}" for line in _reason_lines(alignment)]
    lines.append("  labels:")
    lines += [f"    {line}" for line in _plan_lines(plan)]
    lines.append(f"  drift report: {drift_bucket(item, alignment, strategy, now=now)}")
    return [printable(line) for line in lines]


def strength_words(alignment: Alignment) -> str:
    """How firmly the primary stands, in words."""
    strength = alignment.strength
    if strength == "firm":
        return "firm (a person's pin, structure or a field rule)"
    if strength == "tie":
        return "tie (keywords only, level with the runner-up; the evidence written first decided)"
    if strength == "keyword":
        return f"keyword (words in the text, leading the runner-up by {alignment.margin or 0:g})"
    if strength == "resemblance":
        return (
            "resemblance (no rule named an objective, or only the description's keywords did; the item's words "
            f"resemble items tagged with it, leading the runner-up by {alignment.margin or 0:g} in log-odds)"
        )
    return "none"


def drift_bucket(item: WorkItem, alignment: Alignment, strategy: Strategy, *, now: datetime) -> str:
    """Which allocation of the drift report the item counts in, under which objective, with what effort."""
    bucket = alignment.primary or UNALIGNED
    where = placement(item, window_start=window_start_of(strategy, now), strategy=strategy)
    if where == "outside":
        return f"not counted: closed before the {strategy.drift.window_days}-day window"
    if where == "declined":
        return f"not counted: declined ({item.resolution}), shown apart as declined work"
    allocation = "actual allocation" if where == "actual" else "planned allocation (to do)"
    effort = f"effort {effort_of(item, strategy):g} ({_effort_source(item, strategy)})"
    return f"counts in the {allocation} as {bucket}, {effort}"


def _effort_source(item: WorkItem, strategy: Strategy) -> str:
    if strategy.drift.measure == "count":
        return "counting items"
    if item.estimate is None:
        return "no estimate: the default"
    return "its estimate"


def _reason_lines(alignment: Alignment) -> Iterator[str]:
    for reason in alignment.reasons:
        target = "unaligned" if reason.kind is TargetKind.UNALIGNED else f"{reason.kind.value} {reason.target}"
        deciding = reason.rule is alignment.decided_by and reason.kind is not TargetKind.VALUE
        overridden = reason.kind is not TargetKind.VALUE and not deciding
        note = f" ({_outranked(reason.rule, alignment.decided_by)})" if overridden else ""
        yield f"{reason.rule.label:<9} {target}: {reason.detail} [+{reason.weight:g}]{note}"


def _outranked(rule: Rule, decided_by: Rule | None) -> str:
    """Why a reason did not decide: a stronger kind of rule matched, and kinds outrank scores."""
    if decided_by is None or decided_by is rule:
        return "outscored by another objective"
    if decided_by is Rule.RESEMBLANCE:
        return "not used: the description's keywords alone yield to what the item's words resemble"
    return f"not used: a {decided_by.label} rule outranks a {rule.label} rule, whatever the scores"


def _plan_lines(plan: ItemPlan) -> Iterator[str]:
    yield f"wanted: {_join(plan.desired)}"
    if plan.op.empty:
        yield "nothing to write"
    if plan.op.add:
        yield f"add: {_join(plan.op.add)}"
    if plan.op.remove:
        yield f"remove: {_join(plan.op.remove)}"
    if plan.pins:
        yield f"kept, set by a person: {_join(plan.pins)}"
    if plan.declined:
        yield f"not put back, a person removed them: {_join(plan.declined)}"
    if plan.blocked:
        yield f"not added, a person's label holds the group: {_join(plan.blocked)}"


def _join(labels: frozenset[str]) -> str:
    return ", ".join(sorted(labels)) or "none"


def _objective_name(strategy: Strategy, objective_id: str) -> str:
    objective = strategy.objective(objective_id)
    return f"{objective_id} ({objective.name})" if objective else objective_id


def summarise_strategy(strategy: Strategy, source: str) -> list[str]:
    """What ``syncd check`` says about a valid strategy."""
    total = sum(o.target for o in strategy.objectives)
    lines = [
        f"Strategy: {source} (period {strategy.period})",
        f"  objectives: {len(strategy.objectives)}, targets sum to {total:.0%}, "
        f"{strategy.unaligned_target:.0%} left for unaligned work",
    ]
    width = max(len(o.id) for o in strategy.objectives)
    for objective in strategy.objectives:
        lines.append(
            f"    {objective.id:<{width}}  {objective.target:>4.0%}  {objective.name}"
            f"  [{_rule_counts(objective.match)}]"
        )
    if strategy.values:
        lines.append(f"  values: {', '.join(v.id for v in strategy.values)}")
    scheme = strategy.labels
    lines.append(f"  labels: {scheme.objective_prefix}<objective>, {scheme.value_prefix}<value>, {scheme.unaligned}")
    drift = strategy.drift
    lines.append(
        f"  drift: by {drift.measure}, tolerance ±{drift.tolerance * 100:g} pp, window {drift.window_days} days, "
        f"starved after {drift.starved_after_days} days"
    )
    targets = [
        f"{kind} {t.issue}" for kind, t in (("jira", strategy.report.jira), ("linear", strategy.report.linear)) if t
    ]
    lines.append(f"  reports: {', '.join(targets) or 'none'} (mode {strategy.report.mode})")
    return lines


def _rule_counts(match: Match) -> str:
    structure = len(match.jira.epics) + len(match.linear.projects) + len(match.linear.initiatives)
    fields = (
        len(match.jira.projects)
        + len(match.jira.components)
        + len(match.jira.labels)
        + len(match.jira.issue_types)
        + len(match.linear.teams)
        + len(match.linear.labels)
        + len(match.labels)
    )
    counts = {"structure": structure, "field": fields, "keyword": len(match.keywords)}
    parts = [f"{count} {kind}" for kind, count in counts.items() if count]
    return ", ".join(parts) if parts else "pins only"


def summarise_settings(settings: Settings, source: str) -> list[str]:
    """What ``syncd check`` says about the settings; never a secret."""
    trackers = settings.trackers()
    lines = [f"Settings: {source}", f"  state file: {settings.state_file()}"]
    if not trackers:
        lines.append("  trackers: none configured")
    for name, tracker in trackers.items():
        if isinstance(tracker, JiraSite):
            auth = "email + API token" if tracker.api_token is not None else "personal access token"
            scope = f"projects {', '.join(tracker.projects)}" if tracker.projects else "all projects"
            lines.append(f"  {name}: Jira {tracker.deployment} at {tracker.url}, {auth}, {scope}")
        else:
            scope = f"teams {', '.join(tracker.teams)}" if tracker.teams else "all teams"
            lines.append(f"  {name}: Linear at {tracker.url}, API key, {scope}")
    return lines


def nothing_synced(outcomes: Iterable[TrackerOutcome]) -> str:
    """Why a sync synced nothing (exit 4): trackers that stayed down, or that other replicas hold."""
    held = [outcome.name for outcome in outcomes if outcome.elsewhere]
    down = [outcome.name for outcome in outcomes if not outcome.elsewhere]
    if not held:
        return "Nothing could be synced: every tracker stayed unavailable after every retry. Run the sync again later."
    said = f"Nothing was synced here: {', '.join(held)} {'is' if len(held) == 1 else 'are'} synced by another replica"
    if down:
        said += f", and {', '.join(down)} stayed unavailable after every retry"
    return f"{said}. Run the sync again later."


def summarise_outcome(outcome: TrackerOutcome, *, dry_run: bool = False) -> list[str]:
    """What ``syncd sync`` prints for one tracker."""
    if outcome.result is None:
        return [
            printable(f"{outcome.name}: {'held by another replica' if outcome.elsewhere else 'failed'}"),
            *(f"  {printable(line)}" for line in (outcome.error or "").splitlines()),
        ]
    result = outcome.result
    lines: list[str] = []
    if dry_run:
        lines.append(f"{outcome.name}: dry run, {len(result.changes)} issues would change (nothing was written)")
        for change in result.changes:
            delta = " ".join([*(f"+{label}" for label in change.add), *(f"-{label}" for label in change.remove)])
            lines.append(f"  {change.key}: {delta}  ({change.why})")
    lines.append(
        f"{outcome.name}: {result.status}: pulled {result.pulled}, changed {result.changed}, "
        f"applied {result.applied}, failed {result.failed}, skipped {result.skipped}, "
        f"forgotten {result.forgotten}; {plural(result.requests, 'API request')}, "
        f"{plural(result.retries, 'retry', 'retries')}"
    )
    lines += [f"  {error}" for error in result.errors[:20]]
    if len(result.errors) > 20:
        lines.append(f"  … and {len(result.errors) - 20} more")
    post = outcome.report
    if post is not None and post.target is not None:
        if post.error:
            lines.append(f"  drift report on {post.target}: not posted ({post.error}); retried next run")
        else:
            lines.append(f"  drift report on {post.target}: {'posted' if post.posted else 'unchanged'}")
    if post is not None and (post.notices or post.notice_failures):
        failed = f", {post.notice_failures} not sent (see the log)" if post.notice_failures else ""
        lines.append(f"  notices on unaligned issues: {post.notices}{failed}")
    return [printable(line) for line in lines]


def checklist(checks: Iterable[Check]) -> list[str]:
    """``syncd check``'s lines for one tracker: ✓ works, ✗ does not, ? could not be told."""
    marks = {True: "✓", False: "✗", None: "?"}
    return [printable(f"{marks[check.ok]} {check.name}: {check.detail}") for check in checks]
