"""Checks on a strategy that span fields: what a schema alone cannot say.

Each check returns problems with the location of the offending key, so one run of ``syncd check`` lists
every mistake. Rules that can never match are errors, not warnings: a rule that silently matches nothing
makes an objective look starved when the strategy file is what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

from syncd.errors import Problem
from syncd.strategy.keyword_checks import keyword_warnings
from syncd.text.keywords import keyword_key

if TYPE_CHECKING:
    from syncd.strategy.document import LabelScheme, Match, Objective, ReportOptions, Strategy, TeamPlan, Value

__all__ = ["JIRA_LABEL_MAX", "check_parts", "check_strategy", "strategy_warnings"]

JIRA_LABEL_MAX = 255
_JIRA_PROJECT = re.compile(r"^[A-Z][A-Z0-9_]{0,254}$")
_ISSUE_KEY = re.compile(r"^[A-Z][A-Z0-9_]*-[1-9][0-9]*$")
_LINEAR_TEAM = re.compile(r"^[A-Z][A-Z0-9]{0,19}$")
_WORD = re.compile(r"\w")
_TARGET_SUM_SLACK = 1e-9

_Check = Callable[[str], str | None]


def check_strategy(strategy: Strategy) -> list[Problem]:
    """Every cross-field problem of a schema-valid strategy, in file order."""
    problems = check_parts(
        objectives=list(enumerate(strategy.objectives)),
        values=list(enumerate(strategy.values)),
        labels=strategy.labels,
        report=strategy.report,
    )
    return problems + list(_team_plans(strategy.teams, {o.id for o in strategy.objectives}))


def check_parts(
    *,
    objectives: Sequence[tuple[int, Objective]],
    values: Sequence[tuple[int, Value]],
    labels: LabelScheme,
    report: ReportOptions | None,
) -> list[Problem]:
    """The cross-field checks over the parts of a strategy that are valid on their own, each with its index
    in the file: when the schema rejects one objective, the others are still checked, so one run lists
    every problem."""
    problems: list[Problem] = []
    problems += _duplicate_ids("objectives", objectives)
    problems += _duplicate_ids("values", values)
    problems += _target_sum([objective for _, objective in objectives])
    problems += _label_scheme(labels)
    for index, objective in objectives:
        where = f"objectives[{index}]"
        problems += _label_length(f"{where}.id", labels.objective_label(objective.id))
        problems += _match_rules(f"{where}.match", objective.match, labels)
    for index, value in values:
        where = f"values[{index}]"
        problems += _label_length(f"{where}.id", labels.value_label(value.id))
        problems += _match_rules(f"{where}.match", value.match, labels)
    if report is not None:
        problems += _report_targets(report)
    return problems


def strategy_warnings(strategy: Strategy) -> list[Problem]:
    """Things that are allowed but probably not meant, for ``syncd check`` to mention."""
    warnings = [
        Problem(f"objectives[{i}].match", "has no rules: only a person's pin can select this objective")
        for i, objective in enumerate(strategy.objectives)
        if objective.match.empty
    ]
    warnings += [
        Problem(f"values[{i}].match", "has no rules: only a person's pin can select this value")
        for i, value in enumerate(strategy.values)
        if value.match.empty
    ]
    warnings += keyword_warnings(strategy)
    if strategy.report.jira is None and strategy.report.linear is None:
        warnings.append(Problem("report", "names no issue: drift reports will not be posted"))
    return warnings


def _duplicate_ids(section: str, entries: Sequence[tuple[int, Objective | Value]]) -> Iterator[Problem]:
    first_seen: dict[str, int] = {}
    for index, entry in entries:
        if entry.id in first_seen:
            yield Problem(
                f"{section}[{index}].id",
                f"duplicate id {entry.id!r} (first used at {section}[{first_seen[entry.id]}])",
            )
        else:
            first_seen[entry.id] = index


def _target_sum(objectives: Sequence[Objective]) -> Iterator[Problem]:
    total = sum(o.target for o in objectives)
    if total > 1 + _TARGET_SUM_SLACK:
        shares = " + ".join(f"{o.target:g}" for o in objectives)
        yield Problem("objectives", f"targets sum to {total:.2f} ({shares}); they must sum to at most 1")


def _label_scheme(scheme: LabelScheme) -> Iterator[Problem]:
    fields = {
        "labels.objective_prefix": scheme.objective_prefix,
        "labels.value_prefix": scheme.value_prefix,
        "labels.unaligned": scheme.unaligned,
    }
    for where, text in fields.items():
        if not text:
            yield Problem(where, "must not be empty")
        elif any(ch.isspace() for ch in text):
            yield Problem(where, f"{text!r} contains white space, which Jira labels cannot")
        elif not text.isprintable():
            yield Problem(where, f"{text!r} contains an invisible or control character")
        elif len(text) > JIRA_LABEL_MAX:
            yield Problem(where, f"is longer than Jira's {JIRA_LABEL_MAX}-character label limit")
    obj, val = scheme.objective_prefix, scheme.value_prefix
    if obj and val and (obj.startswith(val) or val.startswith(obj)):
        yield Problem(
            "labels.value_prefix",
            f"{val!r} and objective_prefix {obj!r} overlap: a label could be read as either",
        )
    for where, prefix in (("labels.objective_prefix", obj), ("labels.value_prefix", val)):
        if prefix and scheme.unaligned.startswith(prefix):
            yield Problem("labels.unaligned", f"{scheme.unaligned!r} starts with {where} {prefix!r}")


def _label_length(where: str, label: str) -> Iterator[Problem]:
    if len(label) > JIRA_LABEL_MAX:
        yield Problem(where, f"the label {label[:40]!r}… would exceed Jira's {JIRA_LABEL_MAX} characters")


def _match_rules(where: str, match: Match, scheme: LabelScheme) -> Iterator[Problem]:
    yield from _never_matching(f"{where}.keywords", match.keywords, _keyword_problem)
    yield from _never_matching(f"{where}.title_keywords", match.title_keywords, _keyword_problem)
    yield from _never_matching(f"{where}.exclude", match.exclude, _keyword_problem)
    yield from _weights(f"{where}.weights", match)
    yield from _never_matching(f"{where}.labels", match.labels, lambda v: _label_problem(v, scheme))
    jira, linear = match.jira, match.linear
    yield from _never_matching(f"{where}.jira.projects", jira.projects, _jira_project_problem)
    yield from _never_matching(f"{where}.jira.epics", jira.epics, _issue_key_problem)
    yield from _never_matching(
        f"{where}.jira.labels",
        jira.labels,
        lambda v: _label_problem(v, scheme) or _jira_label_problem(v),
    )
    yield from _never_matching(f"{where}.jira.components", jira.components, _blank_problem)
    yield from _never_matching(f"{where}.jira.issue_types", jira.issue_types, _blank_problem)
    yield from _never_matching(f"{where}.linear.teams", linear.teams, _linear_team_problem)
    yield from _never_matching(f"{where}.linear.projects", linear.projects, _blank_problem)
    yield from _never_matching(f"{where}.linear.initiatives", linear.initiatives, _blank_problem)
    yield from _never_matching(f"{where}.linear.labels", linear.labels, lambda v: _label_problem(v, scheme))


def _never_matching(where: str, values: Iterable[str], check: _Check) -> Iterator[Problem]:
    seen: set[str] = set()
    for index, value in enumerate(values):
        problem = check(value)
        if problem:
            yield Problem(f"{where}[{index}]", f"{value!r} can never match: {problem}")
        elif value.casefold() in seen:
            yield Problem(f"{where}[{index}]", f"{value!r} is listed twice")
        seen.add(value.casefold())


def _weights(where: str, match: Match) -> Iterator[Problem]:
    """A weight must name one of the match's own keywords (in any inflection), or it weighs nothing."""
    listed = {keyword_key(k) for k in (*match.keywords, *match.title_keywords)}
    for keyword in match.weights:
        if keyword_key(keyword) not in listed:
            yield Problem(f"{where}.{keyword}", f"{keyword!r} is not among this match's keywords or title_keywords")


def _blank_problem(value: str) -> str | None:
    return "it is blank" if not value.strip() else None


def _keyword_problem(value: str) -> str | None:
    if not _WORD.search(value):
        return "a keyword needs at least one letter or digit"
    return None


def _label_problem(value: str, scheme: LabelScheme) -> str | None:
    if not value.strip():
        return "it is blank"
    if scheme.owns(value):
        return "it is in syncd's own label namespace (a person's pin already selects the objective)"
    return None


def _jira_label_problem(value: str) -> str | None:
    if any(ch.isspace() for ch in value):
        return "Jira labels cannot contain spaces"
    return None


def _jira_project_problem(value: str) -> str | None:
    if _JIRA_PROJECT.fullmatch(value):
        return None
    if _JIRA_PROJECT.fullmatch(value.upper()):
        return f"Jira project keys are upper case (did you mean {value.upper()!r}?)"
    return "a Jira project key is a letter followed by letters, digits or underscores"


def _issue_key_problem(value: str) -> str | None:
    if _ISSUE_KEY.fullmatch(value):
        return None
    if _ISSUE_KEY.fullmatch(value.upper()):
        return f"issue keys are upper case (did you mean {value.upper()!r}?)"
    return "an epic is named by its issue key, like GROW-12"


def _linear_team_problem(value: str) -> str | None:
    if _LINEAR_TEAM.fullmatch(value):
        return None
    if _LINEAR_TEAM.fullmatch(value.upper()):
        return f"Linear team keys are upper case (did you mean {value.upper()!r}?)"
    return "a Linear team key is upper-case letters and digits, like ENG"


def _team_plans(plans: Sequence[TeamPlan], objective_ids: set[str]) -> Iterator[Problem]:
    """Each team plan names objectives of the strategy, sums to at most 1, and is the only one for its team."""
    first_seen: dict[tuple[str | None, str], int] = {}
    for index, plan in enumerate(plans):
        where = f"teams[{index}]"
        team = (plan.tracker, plan.project)
        if team in first_seen:
            yield Problem(f"{where}.project", f"{plan.project!r} has a plan already at teams[{first_seen[team]}]")
        first_seen.setdefault(team, index)
        for objective in plan.targets:
            if objective not in objective_ids:
                yield Problem(f"{where}.targets.{objective}", "is not an objective id of this strategy")
        total = sum(plan.targets.values())
        if total > 1 + _TARGET_SUM_SLACK:
            yield Problem(f"{where}.targets", f"sum to {total:.2f}; they must sum to at most 1")


def _report_targets(report: ReportOptions) -> Iterator[Problem]:
    for where, target in (("report.jira.issue", report.jira), ("report.linear.issue", report.linear)):
        if target is not None and not _ISSUE_KEY.fullmatch(target.issue):
            yield Problem(where, f"{target.issue!r} is not an issue key like STRAT-1")
