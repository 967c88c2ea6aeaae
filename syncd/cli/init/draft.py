"""The files ``syncd init`` writes: a settings file and a strategy file, commented for the person who will
keep them, drawn from the answers and the tracker's inventory.

Pure text from plain data. Strings are written as JSON strings, which are valid in both YAML and TOML, so a
name with quotes, colons or non-ASCII letters can never break either file; the caller still parses both
files back before writing them (:func:`syncd.cli.init.wizard.write_files`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from syncd.cli.init.answers import Answers, ObjectiveAnswer, TrackerAnswer, secret_variable
from syncd.cli.init.inventory import Group, GroupKind, Inventory

__all__ = ["settings_text", "strategy_text"]

_RULE_KEYS: dict[GroupKind, tuple[str, str]] = {
    GroupKind.JIRA_PROJECT: ("jira", "projects"),
    GroupKind.JIRA_COMPONENT: ("jira", "components"),
    GroupKind.JIRA_EPIC: ("jira", "epics"),
    GroupKind.JIRA_LABEL: ("jira", "labels"),
    GroupKind.LINEAR_TEAM: ("linear", "teams"),
    GroupKind.LINEAR_PROJECT: ("linear", "projects"),
    GroupKind.LINEAR_INITIATIVE: ("linear", "initiatives"),
    GroupKind.LINEAR_LABEL: ("linear", "labels"),
}
_WHY = {
    "projects": "field rule",
    "components": "field rule",
    "labels": "field rule",
    "teams": "field rule",
    "epics": "structure: the epic and everything under it",
    "initiatives": "structure: projects of the initiative",
}


def _quoted(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def settings_text(answers: Answers, *, secret: str | None, today: date) -> str:
    """The settings file: the tracker, where the strategy is, and where the secret comes from.

    Args:
        secret: written into the file only when given (the person asked for it); otherwise the file says
            which environment variable or credentials file holds it.
    """
    tracker = answers.tracker
    strategy = answers.strategy_file
    if strategy.parent == answers.settings_file.parent:
        strategy = strategy.relative_to(strategy.parent)
    lines = [
        f"# syncd settings, written by `syncd init` on {today.isoformat()}.",
        "# Every key is explained in syncd.example.toml; `syncd check` validates this file.",
        f"strategy = {_quoted(str(strategy))}",
        "",
        f"[{tracker.kind}.{tracker.name}]",
        *_tracker_lines(tracker, secret),
    ]
    return "\n".join(lines) + "\n"


def _tracker_lines(tracker: TrackerAnswer, secret: str | None) -> Iterator[str]:
    if tracker.url:
        yield f"url = {_quoted(tracker.url)}"
    if tracker.kind == "jira":
        yield f"deployment = {_quoted(tracker.deployment)}"
        if tracker.email:
            yield f"email = {_quoted(tracker.email)}"
    key = tracker.secret_key
    if secret is not None:
        yield "# The secret is kept here, readable by this file's owner only; the environment variable"
        yield f"# {secret_variable(tracker)} overrides it."
        yield f"{key} = {_quoted(secret)}"
    else:
        yield f"# {key}: read from the environment variable {secret_variable(tracker)}, or under systemd from"
        yield f"# the credentials file {tracker.kind}__{tracker.name}__{key}; keep it out of this file."
    if tracker.scope:
        scope_key = "projects" if tracker.kind == "jira" else "teams"
        yield f"{scope_key} = [{', '.join(_quoted(s) for s in tracker.scope)}]"


def strategy_text(answers: Answers, inventory: Inventory) -> str:
    """The strategy file: one objective per answer, with the structure and field rules of its groups."""
    total = sum(o.target for o in answers.objectives)
    lines = [
        "# syncd strategy, drafted by `syncd init` from what the tracker already holds.",
        f"# Issues counted over the {answers.days} days before the draft: {inventory.issues}.",
        "# Check it with `syncd check --offline`, then try it with `syncd sync --dry-run`.",
        "# Every key is explained in strategy.example.yaml; add keywords to reach work no rule covers.",
        "version: 1",
        f"period: {_quoted(answers.period)}",
        "objectives:",
    ]
    for objective in answers.objectives:
        groups = [g for ref in objective.groups if (g := inventory.find(ref)) is not None]
        lines += _objective_lines(objective, groups)
    lines += [
        f"# {1 - total:.0%} of the effort is left for work that serves no objective (labelled alignment:none).",
        'labels: {objective_prefix: "objective:", value_prefix: "value:", unaligned: "alignment:none"}',
        "drift: {measure: estimate, default_estimate: 1, tolerance: 0.10, window_days: 14, starved_after_days: 21}",
    ]
    lines += _report_lines(answers)
    return "\n".join(lines) + "\n"


def _objective_lines(objective: ObjectiveAnswer, groups: Sequence[Group]) -> list[str]:
    lines = [
        f"  - id: {objective.slug}",
        f"    name: {_quoted(objective.name)}",
        f"    target: {objective.target:.2f}",
    ]
    if objective.kpis:
        lines.append(f"    kpis: [{', '.join(_quoted(k) for k in objective.kpis)}]")
    lines.append("    match:")
    for tracker, rules in _rules_by_tracker(groups):
        lines.append(f"      {tracker}:")
        for key, members in rules:
            lines.append(f"        # {_WHY[key]}:")
            lines += [f"        #   {_figures(g)}" for g in members]
            lines.append(f"        {key}: [{', '.join(_quoted(g.name) for g in members)}]")
    return lines


def _rules_by_tracker(groups: Iterable[Group]) -> Iterator[tuple[str, list[tuple[str, list[Group]]]]]:
    by_key: dict[tuple[str, str], list[Group]] = {}
    for group in groups:
        by_key.setdefault(_RULE_KEYS[group.kind], []).append(group)
    for tracker in ("jira", "linear"):
        rules = [(key, members) for (owner, key), members in by_key.items() if owner == tracker]
        if rules:
            yield tracker, rules


def _figures(group: Group) -> str:
    name = f"{group.name} ({group.title})" if group.title else group.name
    return f"{name}: {group.issues} issues, last updated {group.last_updated:%Y-%m-%d}"


def _report_lines(answers: Answers) -> list[str]:
    if answers.report_issue is None:
        return ["# report: {" + answers.tracker.kind + ": {issue: KEY}}   # where the drift report is posted"]
    return [f"report: {{{answers.tracker.kind}: {{issue: {_quoted(answers.report_issue)}}}, mode: update}}"]
