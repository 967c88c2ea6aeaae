"""``syncd demo --jira-export FILE --strategy FILE``: a team's own Jira issues, loaded into the emulator
with their real keys, mapped with its own strategy, labelled and reported, offline."""

from __future__ import annotations

import copy
import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.load import load_jira_export
from tests.conftest import REPO
from tests.integration.test_demo import SYNCD

FIXTURES = REPO / "tests" / "fixtures" / "jira"
STRATEGY = """\
version: 1
period: "2023-Q2"
objectives:
  - {id: integrations, name: Integrations, target: 0.5, match: {jira: {components: [Integration]}}}
  - {id: mirroring, name: Mirroring, target: 0.3, match: {keywords: [mirroring]}}
"""


def export() -> dict[str, object]:
    """Both real payloads in one search answer, and a copy of VIK-3 whose creation date is not a date."""
    data = json.loads((FIXTURES / "demisto-cloud-v2-search.json").read_text())
    issue = json.loads((FIXTURES / "demisto-cloud-v3-issue.json").read_text())
    issue.pop("names")
    broken = copy.deepcopy(data["issues"][0])
    broken["key"], broken["fields"]["created"] = "VIK-4", "yesterday"
    data["issues"] += [issue, broken]
    return data


def test_an_export_loads_with_its_real_keys_types_statuses_and_fields() -> None:
    with JiraEmulator("cloud") as site:
        loaded = load_jira_export(site.store, export())
        assert loaded.keys == ("COMPANYSA-35", "VIK-3")
        assert loaded.projects == ("COMPANYSA", "VIK")
        [problem] = loaded.problems
        assert problem.startswith("issue VIK-4: malformed issue payload")
        company = site.store.issue("COMPANYSA-35")
        assert (company.status.name, company.issue_type.name, company.priority) == ("In Progress", "Story", "Low")
        assert company.story_points == 1.0
        vik = site.store.issue("VIK-3")
        assert (vik.status.name, vik.resolution, vik.priority) == ("To Do", "Done", "High")


def test_the_demo_runs_the_whole_loop_on_an_export_with_the_users_strategy(tmp_path: Path) -> None:
    source = tmp_path / "export.json"
    source.write_text(json.dumps(export()))
    strategy = tmp_path / "mine.yaml"
    strategy.write_text(STRATEGY)
    directory = tmp_path / "out"
    command = [*SYNCD, "demo", "--dir", str(directory), "--jira-export", str(source), "--strategy", str(strategy)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "projects COMPANYSA, VIK  (2 issues loaded)" in out
    assert "not loaded: issue VIK-4: malformed issue payload" in out
    assert "jira.acme: pulled 2, labelled 2 issues" in out
    assert "COMPANYSA-35 Testing summary XSOAR mirroring" in out
    assert "Integrations (objective:integrations)                                     1" in out
    explained = subprocess.run(
        [*SYNCD, "--config", str(directory / "syncd.toml"), "explain", "COMPANYSA-35"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert 'component "Integration"' in explained.stdout
    assert "objective: integrations (Integrations) (primary)" in explained.stdout


def linear_export() -> dict[str, object]:
    """Linear's GraphQL answer: an issue, its sub-issue in a state of the team's own, and a canceled one."""
    from tests.unit.test_fuzz_payloads import LINEAR

    recently = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    parent = {**LINEAR, "parent": None, "project": {"id": "p1", "name": "SAML SSO"}}
    child = {
        **LINEAR,
        "id": "c1",
        "identifier": "ENG-12",
        "title": "Mirroring of SSO settings",
        "parent": {"identifier": "ENG-7"},
        "state": {"type": "started", "name": "In QA"},
        "labels": {"nodes": [{"id": "l9", "name": "Backend", "parent": {"name": "Area"}}]},
    }
    canceled = {
        **LINEAR,
        "id": "c2",
        "identifier": "ENG-13",
        "title": "Old SSO page",
        "parent": None,
        "state": {"type": "canceled", "name": "Canceled"},
        "updatedAt": recently,
        "canceledAt": recently,
    }
    return {"data": {"issues": {"nodes": [child, canceled, parent]}}}


def test_the_demo_runs_on_a_linear_export(tmp_path: Path) -> None:
    source = tmp_path / "linear.json"
    source.write_text(json.dumps(linear_export()))
    strategy = tmp_path / "mine.yaml"
    strategy.write_text(STRATEGY.replace("match: {jira: {components: [Integration]}}", "match: {labels: [Backend]}"))
    directory = tmp_path / "out"
    command = [*SYNCD, "demo", "--dir", str(directory), "--linear-export", str(source), "--strategy", str(strategy)]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "teams ENG  (3 issues loaded)" in result.stdout
    assert "linear.acme: pulled 3" in result.stdout
    assert "Declined (won't do, duplicate, canceled; in no share): 1 issues" in result.stdout
    explained = subprocess.run(
        [*SYNCD, "--config", str(directory / "syncd.toml"), "explain", "ENG-12"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert explained.stdout.startswith("ENG-12  Mirroring of SSO settings")
    assert "objective: integrations (Integrations) (primary)" in explained.stdout, "its Area › Backend label"
