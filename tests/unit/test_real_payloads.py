"""Real Jira Cloud payloads (``tests/fixtures/jira``, with their source and licence) through the export
reader and the connectors' normaliser, the mapper, ``syncd explain`` and every report format."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.connectors.base import Skipped
from syncd.connectors.exports import export_entries, export_item
from syncd.core.drift import analyse
from syncd.core.mapper import map_items
from syncd.model import Rule, StatusCategory, WorkItem
from syncd.render import FORMATS, render
from syncd.strategy import LabelScheme, parse_strategy
from tests.conftest import EXAMPLE_STRATEGY, REPO

FIXTURES = REPO / "tests" / "fixtures" / "jira"
V2_SEARCH = FIXTURES / "demisto-cloud-v2-search.json"
V3_ISSUE = FIXTURES / "demisto-cloud-v3-issue.json"
STRATEGY = parse_strategy(
    """
    version: 1
    period: "2023-Q2"
    objectives:
      - {id: integrations, name: Integrations, target: 0.5, match: {jira: {components: [Integration]}}}
      - {id: mirroring, name: Mirroring, target: 0.3, match: {keywords: [mirroring]}}
    """
)


def items(path: Path) -> list[WorkItem | Skipped]:
    entries, names = export_entries(json.loads(path.read_text()))
    read = [export_item(entry, names=names, scheme=LabelScheme()) for entry in entries]
    assert all(item is not None for item in read)
    return [item for item in read if item is not None]


def test_a_v3_issue_reads_every_field_syncd_uses() -> None:
    [item] = items(V3_ISSUE)
    assert isinstance(item, WorkItem), item
    assert (item.key, item.id, item.project, item.type, item.priority) == (
        "COMPANYSA-35",
        "21487",
        "COMPANYSA",
        "Story",
        "Low",
    )
    assert item.status is StatusCategory.IN_PROGRESS
    assert item.description == "XSOAR description stam"
    assert item.components == ("Almost-Done", "dummy-comp", "Integration", "New-Component")
    assert item.labels == {"Demisto", "XSOAR", "dummy-label", "dummy-label2", "xsoar-mirror"}
    assert item.estimate == 1.0, "customfield_10028, Cloud's company-managed Story Points"
    assert (item.resolution, item.resolved) == (None, None)
    assert item.url == "https://api.atlassian.com/ex/jira/dummy_cloud_id/browse/COMPANYSA-35"


def test_a_v2_search_answer_keeps_its_real_oddities() -> None:
    """VIK-3 is in To Do with the resolution Done: a workflow that left the resolution behind."""
    [item] = items(V2_SEARCH)
    assert isinstance(item, WorkItem), item
    assert (item.key, item.title, item.description, item.type) == ("VIK-3", "JiraTestMohitM", "hello", "Task")
    assert item.status is StatusCategory.TODO
    assert item.resolution == "Done"
    assert item.estimate is None


def test_an_export_without_keys_takes_them_from_self_or_id_and_a_bare_category_id_will_do() -> None:
    data = json.loads(V2_SEARCH.read_text())
    issue = data["issues"][0]
    del issue["key"]
    del issue["fields"]["status"]["statusCategory"]["key"]
    issue["fields"]["status"]["statusCategory"]["id"] = 4
    entries, names = export_entries(data)
    item = export_item(entries[0], names=names, scheme=LabelScheme())
    assert isinstance(item, WorkItem), item
    assert (item.key, item.status) == ("12652", StatusCategory.IN_PROGRESS)
    keyed = copy.deepcopy(issue)
    keyed["self"] = "https://demistodev.atlassian.net/rest/api/2/issue/VIK-3"
    item = export_item(keyed, names=names, scheme=LabelScheme())
    assert isinstance(item, WorkItem)
    assert item.key == "VIK-3"


def test_the_mapper_aligns_real_issues_by_component_and_keyword() -> None:
    read = [item for path in (V3_ISSUE, V2_SEARCH) for item in items(path) if isinstance(item, WorkItem)]
    alignments = map_items(read, STRATEGY, applied={}, known={i.key: i for i in read})
    company = alignments["COMPANYSA-35"]
    assert company.objectives[0] == "integrations"
    assert company.decided_by is Rule.FIELD
    assert "mirroring" in {r.target for r in company.reasons if r.rule is Rule.KEYWORD}
    assert not alignments["VIK-3"].aligned


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_report_format_renders_real_issues(fmt: str) -> None:
    read = [item for path in (V3_ISSUE, V2_SEARCH) for item in items(path) if isinstance(item, WorkItem)]
    alignments = map_items(read, STRATEGY, applied={}, known={i.key: i for i in read})
    now = datetime(2023, 4, 21, tzinfo=UTC)
    url = read[0].url.replace("COMPANYSA-35", "COMPANYSA-70")
    unaligned = WorkItem(**{**_fields(read[0]), "key": "COMPANYSA-70", "components": (), "url": url})
    entries = [(item, alignments[item.key]) for item in read] + [(unaligned, None)]
    report = analyse(entries, STRATEGY, now=now)
    body = render(report, fmt, scope="jira.export")  # type: ignore[arg-type]
    assert "Integrations" in body
    assert "browse/COMPANYSA-70" in body, "the largest unaligned work links the real issue"


def _fields(item: WorkItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in WorkItem.__dataclass_fields__}


def test_explain_accepts_jiras_own_issue_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for path, key in ((V3_ISSUE, "COMPANYSA-35"), (V2_SEARCH, "VIK-3")):
        result = CliRunner().invoke(app, ["explain", "--item", str(path), "-s", str(EXAMPLE_STRATEGY)])
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"{key}  ")


def test_an_issue_that_cannot_be_read_is_one_clear_line_naming_it(tmp_path: Path) -> None:
    data = json.loads(V2_SEARCH.read_text())
    broken = copy.deepcopy(data["issues"][0])
    broken["key"] = "VIK-4"
    broken["fields"]["created"] = "yesterday"
    data["issues"].append(broken)
    path = tmp_path / "export.json"
    path.write_text(json.dumps(data))
    result = CliRunner().invoke(app, ["explain", "--item", str(path), "-s", str(EXAMPLE_STRATEGY)])
    assert result.exit_code == 2
    assert "[1]: issue VIK-4: malformed issue payload" in result.output


def test_explain_accepts_linears_own_issue_json(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tests.unit.test_fuzz_payloads import LINEAR

    monkeypatch.chdir(tmp_path)
    path = tmp_path / "linear.json"
    path.write_text(json.dumps({"data": {"issue": {**LINEAR, "title": "Okta SAML login"}}}))
    result = CliRunner().invoke(app, ["explain", "--item", str(path), "-s", str(EXAMPLE_STRATEGY)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("ENG-7  Okta SAML login")
    assert "objective: enterprise-readiness" in result.stdout
