"""``syncd init``'s pure parts: the inventory of what a tracker holds, the answers, the drafted files, and
the command a hint names."""

from __future__ import annotations

import json
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest

from syncd.cli.init.answers import Answers, current_quarter, read_answers, secret_variable, slug_of
from syncd.cli.init.draft import settings_text, strategy_text
from syncd.cli.init.inventory import GroupKind, take_inventory
from syncd.cli.init.wizard import check_groups, inventory_lines
from syncd.errors import ConfigError
from syncd.model import StatusCategory, TrackerKind
from syncd.settings import load_settings
from syncd.strategy import LabelScheme, parse_strategy
from syncd.text.invocation import command_line, invocation
from tests.conftest import T0, make_item

SINCE = T0 - timedelta(days=90)


def jira_inventory():  # type: ignore[no-untyped-def]
    items = [
        make_item("GROW-1", title="Checkout epic", type="Epic", project="GROW"),
        make_item("GROW-2", project="GROW", epic="GROW-1", components=("Billing",), updated=T0 + timedelta(days=1)),
        make_item("GROW-3", project="GROW", labels=frozenset({"pricing", "objective:x"}), status=StatusCategory.TODO),
        make_item("OPS-1", project="OPS", components=("Billing",)),
    ]
    return take_inventory(items, kind=TrackerKind.JIRA, since=SINCE, labels=LabelScheme())


def answers(**overrides: object) -> Answers:
    data: dict[str, object] = {
        "tracker": {"kind": "jira", "name": "acme", "url": "https://acme.atlassian.net", "email": "bot@acme.test"},
        "period": "2026-Q4",
        "objectives": [
            {"name": "Grow self-serve", "target": 0.5, "groups": ["project:GROW", "epic:GROW-1"]},
            {"name": 'Billing: "done right"', "target": 0.25, "groups": ["component:Billing"], "kpis": ["MRR"]},
        ],
    }
    data.update(overrides)
    return Answers.model_validate(data)


def test_the_inventory_counts_recent_issues_per_group_and_leaves_syncds_own_labels_out() -> None:
    inventory = jira_inventory()
    by_ref = {g.ref: g for g in inventory.groups}
    assert inventory.issues == 4
    assert by_ref["project:GROW"].issues == 3
    assert by_ref["project:GROW"].in_progress == 2
    assert by_ref["project:GROW"].last_updated == T0 + timedelta(days=1)
    assert by_ref["component:Billing"].issues == 2
    assert by_ref["epic:GROW-1"].title == "Checkout epic"
    assert "label:pricing" in by_ref
    assert "label:objective:x" not in by_ref, "syncd's own namespace is what it writes, not a person's grouping"
    kinds = [g.kind for g in inventory.groups]
    assert kinds == sorted(kinds, key=list(GroupKind).index), "grouped by kind, projects first"


def test_a_linear_inventory_has_teams_projects_initiatives_and_labels() -> None:
    item = make_item(
        "ENG-1",
        kind=TrackerKind.LINEAR,
        project="ENG",
        linear_project="Checkout",
        initiatives=("Self-serve",),
        labels=frozenset({"bug"}),
    )
    inventory = take_inventory([item], kind=TrackerKind.LINEAR, since=SINCE, labels=LabelScheme())
    assert [g.ref for g in inventory.groups] == [
        "team:ENG",
        "linear-project:Checkout",
        "initiative:Self-serve",
        "linear-label:bug",
    ]


def test_the_table_numbers_every_group() -> None:
    lines = inventory_lines(jira_inventory())
    assert lines[0].startswith("What the tracker holds: 4 issues")
    assert lines[2].split()[:4] == ["1", "project", "GROW", "3"]
    assert any("GROW-1 Checkout epic" in line for line in lines)


def test_the_drafted_strategy_is_valid_and_says_where_its_rules_come_from() -> None:
    text = strategy_text(answers(report_issue="STRAT-1"), jira_inventory())
    strategy = parse_strategy(text)
    grow, billing = strategy.objectives
    assert grow.id == "grow-self-serve"
    assert grow.match.jira.projects == ("GROW",)
    assert grow.match.jira.epics == ("GROW-1",)
    assert billing.name == 'Billing: "done right"', "quotes and colons survive"
    assert billing.match.jira.components == ("Billing",)
    assert [k.name for k in billing.kpis] == ["MRR"]
    assert strategy.report.jira is not None
    assert strategy.report.jira.issue == "STRAT-1"
    assert "#   GROW: 3 issues, last updated" in text
    assert "25% of the effort is left" in text


def test_the_drafted_settings_name_the_secrets_variable_and_hold_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = settings_text(answers(), secret=None, today=date(2026, 12, 3))
    assert "api_token =" not in text
    assert "SYNCD_JIRA__ACME__API_TOKEN" in text
    (tmp_path / "strategy.yaml").write_text(strategy_text(answers(), jira_inventory()))
    config = tmp_path / "syncd.toml"
    config.write_text(text)
    monkeypatch.setenv("SYNCD_JIRA__ACME__API_TOKEN", "a-token-from-the-environment")
    settings = load_settings(config)
    site = settings.jira["acme"]
    assert site.api_token is not None
    assert site.api_token.get_secret_value() == "a-token-from-the-environment"
    assert settings.strategy == tmp_path / "strategy.yaml"


def test_a_secret_is_written_only_when_asked_for() -> None:
    text = settings_text(answers(), secret='tok"en', today=date(2026, 12, 3))
    assert tomllib.loads(text)["jira"]["acme"]["api_token"] == 'tok"en'


def test_answers_are_validated_with_every_problem_named(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(
        json.dumps(
            {
                "tracker": {"kind": "jira", "api_token": "no secrets here"},
                "objectives": [{"name": "A", "target": 1.5, "groups": []}],
            }
        )
    )
    with pytest.raises(ConfigError) as caught:
        read_answers(path)
    text = str(caught.value)
    assert "tracker.api_token" in text
    assert "objectives[0].target" in text
    assert "objectives[0].groups" in text


def test_targets_over_100_percent_and_clashing_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="add up to 110%"):
        answers(
            objectives=[
                {"name": "A", "target": 0.6, "groups": ["project:GROW"]},
                {"name": "B", "target": 0.5, "groups": ["project:OPS"]},
            ]
        )
    with pytest.raises(ValueError, match="the id 'grow'"):
        answers(
            objectives=[
                {"name": "Grow", "target": 0.1, "groups": ["project:GROW"]},
                {"name": "grow!", "target": 0.1, "groups": ["project:OPS"]},
            ]
        )


def test_groups_the_tracker_does_not_hold_are_named_with_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        check_groups(answers(objectives=[{"name": "A", "target": 0.1, "groups": ["project:GROWTH"]}]), jira_inventory())
    assert "objectives[0].groups[0]" in str(caught.value)
    assert "known: project:GROW, project:OPS" in str(caught.value)


def test_relative_paths_of_an_answers_file_are_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "answers.json"
    path.write_text(
        json.dumps(
            {
                "tracker": {"kind": "linear"},
                "objectives": [{"name": "A", "target": 0.1, "groups": ["team:ENG"]}],
                "settings_file": "out/syncd.toml",
            }
        )
    )
    read = read_answers(path)
    assert read.settings_file == tmp_path / "out" / "syncd.toml"
    assert read.strategy_file == tmp_path / "strategy.yaml"
    assert secret_variable(read.tracker) == "SYNCD_LINEAR__MAIN__API_KEY"


def test_small_helpers() -> None:
    assert slug_of("Grow self-serve revenue!") == "grow-self-serve-revenue"
    assert slug_of("???") == "objective"
    assert current_quarter(date(2026, 12, 3)) == "2026-Q4"
    assert current_quarter(date(2027, 1, 1)) == "2027-Q1"


def test_hints_name_the_program_as_it_can_be_pasted(tmp_path: Path) -> None:
    script = tmp_path / ".venv" / "bin" / "syncd"
    script.parent.mkdir(parents=True)
    script.write_text("#!/bin/sh\n")
    assert invocation(str(script), cwd=tmp_path, path_lookup="") == ".venv/bin/syncd"
    assert invocation(str(script), cwd=tmp_path, path_lookup=str(script)) == "syncd", "on PATH: the bare name"
    assert invocation(str(script), cwd=script.parent, path_lookup="") == "./syncd", "a bare name would be looked up"
    elsewhere = invocation(str(script), cwd=tmp_path / "elsewhere", path_lookup="")
    assert elsewhere == str(script)
    assert invocation("-c", cwd=tmp_path).endswith(" -m syncd"), "python -c or -m: the interpreter"
    line = command_line("--config", tmp_path / "my dir" / "syncd.toml", "check", argv0=str(script), cwd=tmp_path)
    assert line == ".venv/bin/syncd --config 'my dir/syncd.toml' check"
