"""``syncd init`` against the emulated trackers: from credentials to files that ``check`` and ``sync
--dry-run`` accept, by an answers file and by a person at a pseudo-terminal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.settings import load_settings
from syncd.strategy import load_strategy
from tests.integration.harness import JiraHarness, LinearHarness
from tests.support.terminal import Terminal


@pytest.fixture
def jira() -> Iterator[JiraHarness]:
    with JiraHarness("cloud") as started:
        yield started


def jira_answers(tmp_path: Path, jira: JiraHarness, **extra: object) -> Path:
    email, _ = jira.site.basic_auth
    answers = {
        "version": 1,
        "tracker": {"kind": "jira", "name": "acme", "url": jira.site.url, "email": email, "scope": ["GROW", "ENT"]},
        "period": "2026-Q4",
        "report_issue": "STRAT-1",
        "objectives": [
            {"name": "Grow self-serve revenue", "target": 0.4, "groups": ["project:GROW"]},
            {"name": "Enterprise", "id": "enterprise", "target": 0.3, "groups": ["component:SSO", "epic:ENT-1"]},
        ],
        **extra,
    }
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers))
    return path


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=env)
    return result.exit_code, result.stdout + result.stderr


def token_env(jira: JiraHarness) -> dict[str, str]:
    _, token = jira.site.basic_auth
    return {"SYNCD_JIRA__ACME__API_TOKEN": token}


def test_an_answers_file_gives_settings_and_a_strategy_that_sync_accepts(tmp_path: Path, jira: JiraHarness) -> None:
    code, out = invoke("init", "--answers", str(jira_answers(tmp_path, jira)), env=token_env(jira))
    assert code == 0, out
    assert f"Wrote {tmp_path / 'syncd.toml'} and {tmp_path / 'strategy.yaml'}." in out
    strategy = load_strategy(tmp_path / "strategy.yaml")
    assert [o.id for o in strategy.objectives] == ["grow-self-serve-revenue", "enterprise"]
    assert strategy.objectives[1].match.jira.epics == ("ENT-1",)
    assert "api_token =" not in (tmp_path / "syncd.toml").read_text(), "the secret stays in the environment"
    assert oct((tmp_path / "syncd.toml").stat().st_mode & 0o777) == "0o600"

    code, out = invoke("--config", str(tmp_path / "syncd.toml"), "sync", "--dry-run", env=token_env(jira))
    assert code == 0, out
    assert "GROW-1: +objective:grow-self-serve-revenue" in out
    assert "ENT-2: +objective:enterprise" in out
    assert jira.writes() == 0


def test_a_group_the_tracker_does_not_hold_is_named_and_nothing_is_written(tmp_path: Path, jira: JiraHarness) -> None:
    path = jira_answers(tmp_path, jira, objectives=[{"name": "Ops", "target": 0.2, "groups": ["project:OPERATIONS"]}])
    code, out = invoke("init", "--answers", str(path), env=token_env(jira))
    assert code == 2
    assert "objectives[0].groups[0]" in out
    assert "known: project:GROW, project:ENT" in out
    assert not (tmp_path / "syncd.toml").exists()


def test_files_are_kept_unless_replacing_is_asked_for(tmp_path: Path, jira: JiraHarness) -> None:
    (tmp_path / "strategy.yaml").write_text("mine\n")
    answers = str(jira_answers(tmp_path, jira))
    code, out = invoke("init", "--answers", answers, env=token_env(jira))
    assert code == 2
    assert "exists and was kept: nothing was written" in out
    assert (tmp_path / "strategy.yaml").read_text() == "mine\n"
    assert not (tmp_path / "syncd.toml").exists()
    code, out = invoke("init", "--answers", answers, "--replace", env=token_env(jira))
    assert code == 0, out
    assert load_strategy(tmp_path / "strategy.yaml").period == "2026-Q4"


def test_a_missing_secret_names_its_variable_and_refused_credentials_exit_3(tmp_path: Path, jira: JiraHarness) -> None:
    answers = str(jira_answers(tmp_path, jira))
    code, out = invoke("init", "--answers", answers, env={"SYNCD_JIRA__ACME__API_TOKEN": ""})
    assert code == 2
    assert "SYNCD_JIRA__ACME__API_TOKEN: not set" in out
    code, out = invoke("init", "--answers", answers, env={"SYNCD_JIRA__ACME__API_TOKEN": "wrong-token"})
    assert code == 3, out
    assert not (tmp_path / "syncd.toml").exists()


def test_linear_teams_projects_and_initiatives(tmp_path: Path) -> None:
    with LinearHarness() as linear:
        answers = {
            "tracker": {"kind": "linear", "name": "acme", "url": linear.emulator.graphql_url},
            "objectives": [
                {"name": "Self-serve", "target": 0.5, "groups": ["initiative:Self-serve", "team:GRO"]},
                {"name": "Data", "target": 0.2, "groups": ["linear-project:Warehouse migration"]},
            ],
        }
        path = tmp_path / "answers.json"
        path.write_text(json.dumps(answers))
        env = {"SYNCD_LINEAR__ACME__API_KEY": linear.api_key}
        code, out = invoke("init", "--answers", str(path), env=env)
        assert code == 0, out
        strategy = load_strategy(tmp_path / "strategy.yaml")
        assert strategy.objectives[0].match.linear.initiatives == ("Self-serve",)
        assert strategy.objectives[0].match.linear.teams == ("GRO",)
        assert strategy.objectives[1].match.linear.projects == ("Warehouse migration",)
        code, out = invoke("--config", str(tmp_path / "syncd.toml"), "sync", "--dry-run", env=env)
        assert code == 0, out
        assert "+objective:data" in out


def test_a_person_at_a_terminal_is_guided_from_credentials_to_files(
    tmp_path: Path, jira: JiraHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    email, token = jira.site.basic_auth
    term = Terminal("init", cwd=tmp_path, env={"SYNCD_JIRA__ACME__API_TOKEN": ""})
    term.answer("Tracker (jira or linear)", "jira")
    term.answer("Jira site URL", jira.site.url)
    term.answer("Email of the account", email)
    term.answer("A short name for this tracker", "acme")
    term.answer("Project keys to sync", "GROW OPS")
    term.answer_secret("API token (not shown", token)
    term.expect("✓ authenticated as Sync Bot")
    term.expect("What the tracker holds:")
    term.expect("Name your objectives")
    table = term.screen
    number = next(line.split()[0] for line in table.splitlines() if " project " in line and " GROW " in line)
    term.answer("Objective 1 name", "Grow self-serve")
    term.answer("Target share of the effort", "150")
    term.expect("between 0 and 100")
    term.answer("Target share of the effort", "40")
    term.answer("Which numbers serve it", "999")
    term.expect("numbers from the table")
    term.answer("Which numbers serve it", number)
    term.expect("✓ Grow self-serve (grow-self-serve): 40%, project:GROW")
    term.answer("Objective 2 name", "")
    term.answer("Period the strategy covers", "")
    term.answer("Issue to hold the drift report", "")
    term.answer("Settings file to write", "")
    term.answer("Strategy file to write", "")
    term.answer("Keep the api_token in syncd.toml", "n")
    term.expect("export SYNCD_JIRA__ACME__API_TOKEN=")
    assert term.finish() == 0, term.screen
    assert token not in term.screen, "the token was not echoed"
    monkeypatch.setenv("SYNCD_JIRA__ACME__API_TOKEN", token)
    settings = load_settings(tmp_path / "syncd.toml")
    assert settings.jira["acme"].projects == ("GROW", "OPS")
    strategy = load_strategy(tmp_path / "strategy.yaml")
    assert strategy.objectives[0].match.jira.projects == ("GROW",)
    assert strategy.report.jira is None


def test_off_a_terminal_init_asks_for_an_answers_file() -> None:
    code, out = invoke("init")
    assert code == 2
    assert "run it on a terminal, or pass --answers FILE" in out
