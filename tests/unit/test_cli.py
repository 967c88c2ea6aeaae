"""The command line: check, explain, state, exit codes and messages — never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.cli.session import hoist_global_options
from syncd.model import JournalEntry
from syncd.state import Mark, StateStore
from tests.conftest import EXAMPLE_SETTINGS, EXAMPLE_STRATEGY, REPO, make_item

ITEM = {
    "tracker": "jira.acme",
    "kind": "jira",
    "id": "10007",
    "key": "GROW-7",
    "title": "Trial users cannot reach checkout",
    "status": "in_progress",
    "created": "2026-11-01T10:00:00Z",
    "updated": "2026-11-01T10:00:00Z",
    "project": "GROW",
    "labels": ["customer-reported", "frontend"],
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("SYNCD_") or name in {"CREDENTIALS_DIRECTORY", "STATE_DIRECTORY"}:
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_help_lists_every_command() -> None:
    code, out, _ = run("--help")
    assert code == 0
    for command in ("check", "explain", "sync", "run", "report", "demo", "state"):
        assert command in out


def test_check_on_the_example_strategy() -> None:
    code, out, _ = run("check", "--offline", "--strategy", str(EXAMPLE_STRATEGY))
    assert code == 0
    assert "self-serve-growth      40%  Grow self-serve revenue" in out
    assert "10% left for unaligned work" in out
    assert out.rstrip().endswith("OK: settings and strategy are valid.")


def test_check_on_the_example_settings_with_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "example-token-never-printed"
    monkeypatch.setenv("SYNCD_JIRA__ACME__API_TOKEN", secret)
    monkeypatch.setenv("SYNCD_LINEAR__ACME__API_KEY", secret + "-linear")
    code, out, err = run("--config", str(EXAMPLE_SETTINGS), "check", "--offline")
    assert code == 0, err
    assert "jira.acme: Jira auto at https://acme.atlassian.net, email + API token" in out
    assert "linear.acme: Linear at https://api.linear.app/graphql, API key" in out
    assert secret not in out + err


def test_check_reports_every_problem_and_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "strategy.yaml"
    bad.write_text(EXAMPLE_STRATEGY.read_text().replace("target: 0.40", "target: 4.0").replace("id: quality", "id: Q"))
    code, out, err = run("check", "-s", str(bad))
    assert code == 2
    assert "objectives[0].target: must be at most 1 (got 4.0)" in err
    assert "values[1].id: 'Q' is not a valid id" in err
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "file not found"),
        ("objectives: [", "not valid YAML"),
        ("[1, 2]", "must be a mapping"),
    ],
)
def test_check_bad_strategy_files(tmp_path: Path, content: str | None, expected: str) -> None:
    path = tmp_path / "s.yaml"
    if content is not None:
        path.write_text(content)
    code, _, err = run("check", "-s", str(path))
    assert code == 2
    assert expected in err


def test_check_bad_settings_file(tmp_path: Path) -> None:
    path = tmp_path / "syncd.toml"
    path.write_text("[service]\ninterval = 'often'\n")
    code, _, err = run("-c", str(path), "check", "-s", str(EXAMPLE_STRATEGY))
    assert code == 2
    assert "service.interval: input should be a valid number" in err


def test_explain_an_item_from_json(tmp_path: Path) -> None:
    path = tmp_path / "item.json"
    path.write_text(json.dumps(ITEM))
    code, out, _ = run("explain", "--item", str(path), "-s", str(EXAMPLE_STRATEGY))
    assert code == 0
    assert "objective: self-serve-growth (Grow self-serve revenue) (primary)" in out
    assert "decided by: field" in out
    assert 'keyword   objective self-serve-growth: keyword "checkout" after the title\'s verb [+12]' in out
    assert "strength: firm (a person's pin, structure or a field rule)" in out
    assert "add: objective:self-serve-growth, value:customer-first" in out


def test_explain_from_stdin_as_json_with_ancestors() -> None:
    child = dict(ITEM, key="MISC-2", project="MISC", title="Copy edits", parent="MISC-1", labels=[])
    parent = dict(ITEM, key="MISC-1", project="MISC", title="SAML login for big customers", labels=[])
    code, out, _ = run(
        "explain",
        "MISC-2",
        "--item",
        "-",
        "--json",
        "-s",
        str(EXAMPLE_STRATEGY),
        stdin=json.dumps([child, parent]),
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["alignment"]["objectives"] == ["enterprise-readiness"]
    assert payload["alignment"]["decided_by"] == "structure"
    assert payload["plan"]["add"] == ["objective:enterprise-readiness"]


def test_explain_a_linear_item_uses_label_groups() -> None:
    item = dict(
        ITEM,
        kind="linear",
        tracker="linear.acme",
        key="GRO-3",
        project="GRO",
        labels=["bug"],
        title="pricing outage",
    )
    code, out, _ = run("explain", "--item", "-", "--json", "-s", str(EXAMPLE_STRATEGY), stdin=json.dumps(item))
    assert code == 0
    payload = json.loads(out)
    assert payload["alignment"]["objectives"] == ["self-serve-growth"]
    assert payload["plan"]["add"] == ["objective:self-serve-growth", "value:quality"]


def test_explain_bad_item_is_located(tmp_path: Path) -> None:
    code, _, err = run("explain", "--item", "-", "-s", str(EXAMPLE_STRATEGY), stdin='[{"key": "A-1"}]')
    assert code == 2
    assert "[0].tracker: is required" in err
    code, _, err = run("explain", "--item", "-", "-s", str(EXAMPLE_STRATEGY), stdin="{nope")
    assert code == 2
    assert "not valid JSON" in err


def test_explain_from_the_state_store(tmp_path: Path) -> None:
    item = make_item("OPS-4", project="OPS", labels={"objective:reliability", "alignment:none"})
    with StateStore.open(tmp_path / ".syncd" / "state.db") as store:
        store.items.put("jira.acme", [(item, None)])
        store.journal.put("jira.acme", {"OPS-4": JournalEntry(frozenset({"objective:reliability", "alignment:none"}))})
    code, out, _ = run("explain", "OPS-4", "-s", str(EXAMPLE_STRATEGY))
    assert code == 0
    assert "decided by: field" in out
    assert "remove: alignment:none" in out
    code, _, err = run("explain", "OPS-5", "-s", str(EXAMPLE_STRATEGY))
    assert code == 2
    assert "no issue 'OPS-5' has been synced yet" in err


def test_state_show_and_reset(tmp_path: Path) -> None:
    with StateStore.open(tmp_path / ".syncd" / "state.db") as store:
        store.marks.set("jira.acme", Mark.PULL_CURSOR, "2026-11-01T10:00:00+00:00")
        store.outbox.enqueue("jira.acme", "labels", [("GROW-1", {})])
        store.runs.finish(store.runs.start("jira.acme"), "ok", {"pulled": 12})
    code, out, _ = run("state", "show")
    assert code == 0
    assert "jira.acme: cursor 2026-11-01T10:00:00+00:00, 0 items, 1 pending writes" in out
    assert "ok pulled 12" in out
    code, _, _ = run("state", "reset", stdin="n\n")
    assert code == 1, "declining the prompt aborts"
    code, out, _ = run("state", "reset", "--yes")
    assert code == 0
    _, out, _ = run("state", "show")
    assert "nothing synced yet" in out


def test_usage_error_exits_2() -> None:
    code, _, _ = run("check", "--no-such-flag")
    assert code == 2


def test_python_dash_m_and_console_script_work() -> None:
    module = subprocess.run(
        [sys.executable, "-m", "syncd", "check", "--offline", "-s", str(EXAMPLE_STRATEGY)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert module.returncode == 0, module.stderr
    script = Path(sys.executable).with_name("syncd")
    version = subprocess.run([str(script), "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0
    assert version.stdout.startswith("syncd ")


def test_check_without_trackers_refuses_as_sync_does_unless_offline() -> None:
    code, out, err = run("check", "--strategy", str(EXAMPLE_STRATEGY))
    assert code == 2
    assert "OK: settings and strategy are valid." in out
    assert "no trackers configured" in err
    assert "`syncd init` writes one for you" in err
    assert "Fix the file" not in err, "check does not send people to check"


def test_without_a_settings_file_the_missing_strategy_says_where_syncd_looked() -> None:
    code, _, err = run("check", "--offline")
    assert code == 2
    assert "error: strategy.yaml: file not found" in err
    assert "No settings file was given (--config FILE or SYNCD_CONFIG)" in err


def test_a_key_never_synced_is_not_a_file_to_fix(tmp_path: Path) -> None:
    config = tmp_path / "syncd.toml"
    config.write_text(f'strategy = "{EXAMPLE_STRATEGY}"\n')
    with StateStore.open(tmp_path / ".syncd" / "state.db"):
        pass
    code, _, err = run("--config", str(config), "explain", "GROW-999")
    assert code == 2
    assert "no issue 'GROW-999' has been synced yet" in err
    assert "Fix the file" not in err


def test_state_show_in_an_empty_directory_creates_nothing(tmp_path: Path) -> None:
    code, out, _ = run("state", "show")
    assert code == 0
    assert "No state yet: .syncd/state.db does not exist" in out
    assert not (tmp_path / ".syncd").exists()


def test_global_options_are_understood_after_the_subcommand_too() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "syncd", "check", "--offline", "--config", str(EXAMPLE_SETTINGS), "--log-level=error"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "SYNCD_JIRA__ACME__API_TOKEN": "t0ken-x", "SYNCD_LINEAR__ACME__API_KEY": "k3y-x"},
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "jira.acme: Jira auto at https://acme.atlassian.net" in result.stdout


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        (["check", "--config", "f.toml"], ["--config", "f.toml", "check"]),
        (["-c", "a", "sync", "--dry-run", "--log-level=debug"], ["-c", "a", "--log-level=debug", "sync", "--dry-run"]),
        (["state", "show", "-c", "f"], ["-c", "f", "state", "show"]),
        (["explain", "--", "--config"], ["explain", "--", "--config"]),
        (
            ["--strategy", "s.yaml", "check", "--log-format", "json"],
            ["--strategy", "s.yaml", "--log-format", "json", "check"],
        ),
        (["--version"], ["--version"]),
        ([], []),
    ],
)
def test_hoisting_global_options(given: list[str], meant: list[str]) -> None:
    assert hoist_global_options(given) == meant


def test_shell_completion_is_offered() -> None:
    code, out, _ = run("--show-completion", "bash")
    assert code == 0
    assert "_SYNCD_COMPLETE" in out


def test_rules_over_the_stored_items(tmp_path: Path) -> None:
    items = [
        make_item("GROW-1", title="Checkout is slow", project="GROW"),
        make_item("MISC-1", title="The checkout incident", project="MISC"),
        make_item("MISC-2", title="Fix the warehouse pipeline", project="MISC"),
        make_item("MISC-3", title="Tidy the wiki", project="MISC", description="{code}checkout{code}"),
        make_item("MISC-4", title="Tidy the office", project="MISC"),
    ]
    with StateStore.open(tmp_path / ".syncd" / "state.db") as store:
        store.items.put("jira.acme", [(item, None) for item in items])
    code, out, _ = run("rules", "-s", str(EXAMPLE_STRATEGY))
    assert code == 0
    assert out.startswith("5 items: 2 tagged by keywords, 2 unaligned, 1 ties")
    assert "Ties: MISC-1" in out, "checkout and incident, each 3 in the title"
    assert "checkout                 self-serve-growth        2       1  self-serve-growth (firm) 1" in out
    assert "  checkout: 1 items there, 2 in the prose" not in out, "fires more in the prose than in code"
    assert "  tidy: 2 / 0" in out
    code, out, _ = run("rules", "--json", "-s", str(EXAMPLE_STRATEGY))
    data = json.loads(out)
    assert data["unaligned"] == 2
    [checkout] = [k for k in data["keywords"] if k["keyword"] == "checkout"]
    assert checkout == {
        "keyword": "checkout",
        "objective": "self-serve-growth",
        "fires": 2,
        "decided": 1,
        "lost": {"self-serve-growth (firm)": 1},
        "in_noise": 1,
    }


def test_check_warns_about_keywords_that_will_not_work() -> None:
    strategy = REPO / "tests" / "data" / "mesos" / "strategy.mesos.yaml"
    code, out, _ = run("check", "--offline", "-s", str(strategy))
    assert code == 0
    assert "warning: objectives[2].match.keywords[16]: 'https' is a common word of logs" in out
    assert "warning: objectives[3].match.keywords[24]: 'doc' is hidden wherever capability's 'design doc'" in out
