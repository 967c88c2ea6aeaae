"""The strategy file: the example loads, and every kind of mistake gets its own located message."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from syncd.errors import ConfigError
from syncd.strategy import Strategy, load_strategy, parse_strategy
from syncd.strategy.checks import strategy_warnings
from tests.conftest import EXAMPLE_STRATEGY

VALID = """
version: 1
period: "2026-Q4"
objectives:
  - id: growth
    name: Growth
    target: 0.5
    match: {keywords: [checkout]}
  - id: reliability
    name: Reliability
    target: 0.3
    match: {jira: {projects: [OPS]}}
"""


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_strategy(textwrap.dedent(text))
    return [str(p) for p in caught.value.problems]


def test_example_strategy_loads_with_every_section(example_strategy: Strategy) -> None:
    assert example_strategy.period == "2026-Q4"
    assert [o.id for o in example_strategy.objectives] == [
        "self-serve-growth",
        "enterprise-readiness",
        "reliability",
        "data-platform",
    ]
    assert [v.id for v in example_strategy.values] == ["customer-first", "quality"]
    assert example_strategy.unaligned_target == pytest.approx(0.10)
    assert example_strategy.report.jira is not None
    assert example_strategy.report.jira.issue == "STRAT-1"
    assert strategy_warnings(example_strategy) == []


def test_minimal_strategy_gets_defaults() -> None:
    strategy = parse_strategy(VALID)
    assert strategy.labels.objective_prefix == "objective:"
    assert strategy.drift.tolerance == pytest.approx(0.10)
    assert strategy.report.mode == "update"
    assert strategy.unaligned_target == pytest.approx(0.2)


def test_target_out_of_range_is_located() -> None:
    assert problems_of(VALID.replace("target: 0.3", "target: 1.5")) == [
        "objectives[1].target: must be at most 1 (got 1.5)"
    ]


def test_targets_summing_above_one() -> None:
    [problem] = problems_of(VALID.replace("target: 0.3", "target: 0.6"))
    assert problem.startswith("objectives: targets sum to 1.10 (0.5 + 0.6)")


def test_duplicate_ids_name_both_places() -> None:
    assert problems_of(VALID.replace("id: reliability", "id: growth")) == [
        "objectives[1].id: duplicate id 'growth' (first used at objectives[0])"
    ]


@pytest.mark.parametrize("bad", ["Growth", "growth fast", "growth--x", "-growth", "a" * 65])
def test_ids_must_be_label_slugs(bad: str) -> None:
    [problem] = problems_of(VALID.replace("id: growth", f"id: '{bad}'"))
    assert problem.startswith("objectives[0].id: ")
    assert "not a valid id" in problem


def test_unknown_key_suggests_the_right_one() -> None:
    [problem] = problems_of(VALID.replace("match: {keywords", "matchs: {keywords"))
    assert problem.startswith("objectives[0].matchs: unknown key")
    assert "did you mean 'match'?" in problem


def test_unknown_nested_key() -> None:
    [problem] = problems_of(VALID.replace("{jira: {projects: [OPS]}}", "{jira: {project: [OPS]}}"))
    assert problem.startswith("objectives[1].match.jira.project: unknown key")
    assert "did you mean 'projects'?" in problem


@pytest.mark.parametrize(
    ("rule", "where", "why"),
    [
        ("{keywords: ['--']}", "objectives[0].match.keywords[0]", "at least one letter"),
        ("{keywords: ['  ']}", "objectives[0].match.keywords[0]", "at least one letter"),
        ("{jira: {projects: [ops]}}", "objectives[0].match.jira.projects[0]", "did you mean 'OPS'"),
        ("{jira: {epics: [GROW12]}}", "objectives[0].match.jira.epics[0]", "issue key"),
        ("{jira: {labels: ['two words']}}", "objectives[0].match.jira.labels[0]", "cannot contain spaces"),
        ("{labels: ['objective:x']}", "objectives[0].match.labels[0]", "own label namespace"),
        ("{linear: {teams: [eng]}}", "objectives[0].match.linear.teams[0]", "did you mean 'ENG'"),
        ("{jira: {components: ['']}}", "objectives[0].match.jira.components[0]", "blank"),
    ],
)
def test_rules_that_can_never_match(rule: str, where: str, why: str) -> None:
    [problem] = problems_of(VALID.replace("{keywords: [checkout]}", rule))
    assert problem.startswith(f"{where}: ")
    assert "can never match" in problem
    assert why in problem


def test_keyword_listed_twice() -> None:
    [problem] = problems_of(VALID.replace("[checkout]", "[checkout, Checkout]"))
    assert problem == "objectives[0].match.keywords[1]: 'Checkout' is listed twice"


def test_every_problem_is_reported_at_once() -> None:
    text = VALID.replace("target: 0.3", "target: -1").replace("id: growth", "id: Growth")
    text = text.replace("match: {keywords: [checkout]}", "match: {keywords: [checkout]}\n    colour: red")
    assert len(problems_of(text)) == 3


def test_label_scheme_must_be_unambiguous() -> None:
    text = VALID + "labels: {objective_prefix: 'o:', value_prefix: 'o:v', unaligned: 'o:none'}\n"
    found = problems_of(text)
    assert any(p.startswith("labels.value_prefix:") and "overlap" in p for p in found)
    assert any(p.startswith("labels.unaligned:") for p in found)


def test_label_scheme_rejects_spaces() -> None:
    [problem] = problems_of(VALID + "labels: {unaligned: 'not aligned'}\n")
    assert problem.startswith("labels.unaligned:")
    assert "white space" in problem


def test_label_scheme_rejects_invisible_characters() -> None:
    [problem] = problems_of(VALID + 'labels: {objective_prefix: "\\u202eobjective:"}\n')
    assert problem.startswith("labels.objective_prefix:")
    assert "invisible or control character" in problem


def test_report_issue_must_be_a_key() -> None:
    [problem] = problems_of(VALID + "report: {jira: {issue: 'strategy'}}\n")
    assert problem.startswith("report.jira.issue:")


def test_version_and_required_keys() -> None:
    found = problems_of("version: 2\nobjectives: []\n")
    assert "period: is required" in found
    assert any(p.startswith("version: must be one of 1") for p in found)
    assert any(p.startswith("objectives:") for p in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "must be a mapping"),
        ("version: [1\n", "not valid YAML"),
        ("version: 1\nversion: 1\n", "duplicate key 'version'"),
    ],
)
def test_malformed_files(text: str, expected: str) -> None:
    [problem] = problems_of(text)
    assert expected in problem


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_strategy(tmp_path / "nope.yaml")
    assert str(caught.value).endswith("nope.yaml: file not found")


def test_warnings_for_objectives_without_rules() -> None:
    strategy = parse_strategy(VALID.replace("    match: {keywords: [checkout]}\n", ""))
    assert [str(w) for w in strategy_warnings(strategy)] == [
        "objectives[0].match: has no rules: only a person's pin can select this objective",
        "report: names no issue: drift reports will not be posted",
    ]


def test_example_file_is_the_documented_one() -> None:
    text = EXAMPLE_STRATEGY.read_text()
    assert "objective_prefix" in text
    assert text.count("#") > 20, "the example is meant to be read: keep its comments"


def test_schema_errors_and_cross_field_problems_are_reported_in_one_run() -> None:
    problems = problems_of(
        """
        version: 1
        period: "2026-Q4"
        objectives:
          - {id: growth, name: Growth, target: 0.6, match: {keywords: [checkout]}}
          - {id: reliability, name: Reliability, target: lots}
          - {id: growth, name: Growth again, target: 0.5, match: {jira: {projects: [ops]}}}
        report: {jira: {issue: strategy}}
        """
    )
    assert problems[0].startswith("objectives[1].target:")
    assert "objectives[2].id: duplicate id 'growth' (first used at objectives[0])" in problems
    assert any(p.startswith("objectives: targets sum to 1.10") for p in problems)
    assert any(p.startswith("objectives[2].match.jira.projects[0]:") for p in problems)
    assert any(p.startswith("report.jira.issue:") for p in problems)
    assert sum(p.startswith("objectives[1].target") for p in problems) == 1


def test_kpis_take_a_name_or_a_name_with_link_and_figure() -> None:
    strategy = parse_strategy(
        "version: 1\nperiod: Q\nobjectives:\n  - {id: a, name: A, target: 0.5, kpis: "
        "[MRR, {name: Churn, url: 'https://grafana.example.com/d/churn', current: '2.1%'}]}\n"
    )
    assert [(k.name, k.url, k.current) for k in strategy.objectives[0].kpis] == [
        ("MRR", None, None),
        ("Churn", "https://grafana.example.com/d/churn", "2.1%"),
    ]


def test_bad_kpis_are_located() -> None:
    with pytest.raises(ConfigError) as error:
        parse_strategy(
            "version: 1\nperiod: Q\nobjectives:\n  - {id: a, name: A, target: 0.5, kpis: "
            "[{name: X, url: 'javascript:alert(1)'}, {url: 'https://x.example'}, {name: Y, colour: red}]}\n"
        )
    locations = [problem.location for problem in error.value.problems]
    assert locations == ["objectives[0].kpis[0].url", "objectives[0].kpis[1].name", "objectives[0].kpis[2].colour"]


TEAMS = """version: 1
period: Q
objectives:
  - {id: growth, name: Growth, target: 0.5}
  - {id: reliability, name: Reliability, target: 0.3}
teams:
"""


def test_a_team_may_have_its_own_targets() -> None:
    strategy = parse_strategy(
        TEAMS + "  - {project: OPS, targets: {reliability: 0.8}}\n"
        "  - {project: OPS, tracker: linear.acme, targets: {reliability: 0.6, growth: 0.2}}\n"
    )
    assert strategy.plan_for("jira.acme", "OPS") == strategy.teams[0]
    assert strategy.plan_for("linear.acme", "OPS") == strategy.teams[1], "the tracker's own plan comes first"
    assert strategy.plan_for("jira.acme", "GROW") is None


def test_bad_team_plans_are_located() -> None:
    with pytest.raises(ConfigError) as error:
        parse_strategy(
            TEAMS + "  - {project: OPS, targets: {reliability: 0.8, growht: 0.1}}\n"
            "  - {project: OPS, targets: {reliability: 0.7, growth: 0.5}}\n"
            "  - {project: WEB, targets: {growth: 1.5}}\n"
            "  - {targets: {growth: 0.5}}\n"
        )
    assert [(p.location, p.message) for p in error.value.problems] == [
        ("teams[2].targets.growth", "must be at most 1 (got 1.5)"),
        ("teams[3].project", "is required"),
    ]
    with pytest.raises(ConfigError) as error:
        parse_strategy(
            TEAMS + "  - {project: OPS, targets: {reliability: 0.8, growht: 0.1}}\n"
            "  - {project: OPS, targets: {reliability: 0.7, growth: 0.5}}\n"
        )
    assert [(p.location, p.message) for p in error.value.problems] == [
        ("teams[0].targets.growht", "is not an objective id of this strategy"),
        ("teams[1].project", "'OPS' has a plan already at teams[0]"),
        ("teams[1].targets", "sum to 1.20; they must sum to at most 1"),
    ]
