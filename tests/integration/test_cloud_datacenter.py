"""The same issues on a Jira Cloud site (ADF descriptions over REST v3) and a Data Center site (wiki
markup over REST v2) get the same labels: a description's line breaks, mentions, statuses, dates, cards
and expand titles are words on both."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from syncd.sandbox.jira.load import load_jira_export
from syncd.settings import load_settings
from syncd.state import StateStore
from syncd.strategy import load_strategy
from syncd.sync.all_trackers import sync_trackers
from syncd.sync.engine import SyncOptions
from tests.integration.contract import run_sync
from tests.integration.harness import JiraHarness


def _doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def _para(*parts: str | dict[str, Any]) -> dict[str, Any]:
    content = [{"type": "text", "text": part} if isinstance(part, str) else part for part in parts]
    return {"type": "paragraph", "content": content}


BREAK = {"type": "hardBreak"}
MENTION = {"type": "mention", "attrs": {"id": "5b10ac8d82e05b22cc7d4ef5", "text": "@Ana"}}
DESCRIPTIONS: list[tuple[str, dict[str, Any]]] = [
    ("Broken page", _doc(_para("Steps: open the pricing", BREAK, "checkout page, pay", BREAK, "nothing happens"))),
    ("Login loop", _doc(_para("Reported by ", MENTION, ":", BREAK, "SAML", BREAK, "redirects forever"))),
    (
        "Nightly job",
        _doc(
            {"type": "expand", "attrs": {"title": "Outage notes"}, "content": [_para("see the log")]},
            _para("Status ", {"type": "status", "attrs": {"text": "latency", "color": "red"}}),
        ),
    ),
    ("Spreadsheet", _doc(_para("Numbers", BREAK, "warehouse", BREAK, "sync"))),
    ("Plain", _doc(_para("Nothing to see", BREAK, "here"))),
]


def _synced_labels(tmp_path: Path, deployment: str) -> dict[str, set[str]]:
    with JiraHarness(deployment) as harness:
        for title, description in DESCRIPTIONS:
            harness.site.store.create_issue("MISC", title, status="In Progress", description=description)
        (tmp_path / deployment).mkdir()
        outcome = run_sync(tmp_path / deployment, harness, report=False)
        assert outcome.result is not None
        assert outcome.result.status == "ok"
        return harness.labels()


def test_cloud_and_data_center_label_the_same_issues_alike(tmp_path: Path) -> None:
    cloud = _synced_labels(tmp_path, "cloud")
    data_center = _synced_labels(tmp_path, "datacenter")
    assert cloud == data_center
    added = {key: labels for key, labels in cloud.items() if key.startswith("MISC-") and int(key[5:]) > 4}
    assert added["MISC-5"] == {"objective:self-serve-growth"}, "checkout after a line break is a word"
    assert added["MISC-6"] == {"objective:enterprise-readiness"}
    assert added["MISC-7"] == {"objective:reliability"}, "words in an expand title and a status"
    assert added["MISC-8"] == {"objective:data-platform"}


def _real_labels(tmp_path: Path, deployment: str) -> dict[str, set[str]]:
    """The real payloads of ``tests/fixtures/jira`` loaded into the deployment's emulator, then synced."""
    fixtures = Path(__file__).parents[1] / "fixtures" / "jira"
    data = json.loads((fixtures / "demisto-cloud-v2-search.json").read_text())
    data["issues"].append(json.loads((fixtures / "demisto-cloud-v3-issue.json").read_text()))
    with JiraHarness(deployment) as harness:
        loaded = load_jira_export(harness.site.store, data)
        assert loaded.problems == ()
        config = harness.settings_file(tmp_path / deployment)
        config.write_text(config.read_text().replace('projects = ["GROW", "OPS", "ENT", "MISC"]', "projects = []"))
        strategy = tmp_path / deployment / "strategy.yaml"
        strategy.write_text(REAL_STRATEGY)
        text = config.read_text()
        config.write_text(re.sub(r'strategy = ".*"', f'strategy = "{strategy}"', text))
        settings = load_settings(config)
        with StateStore.open(settings.state_file()) as store:
            [outcome] = sync_trackers(settings, load_strategy(strategy), store, settings.trackers(), SyncOptions())
        assert outcome.result is not None
        assert outcome.result.skipped == 0
        return {key: labels for key, labels in harness.labels().items() if key in loaded.keys}


REAL_STRATEGY = """\
version: 1
period: "2023-Q2"
objectives:
  - {id: integrations, name: Integrations, target: 0.5, match: {jira: {components: [Integration]}}}
  - {id: mirroring, name: Mirroring, target: 0.3, match: {keywords: [mirroring, stam]}}
"""


def test_real_issues_get_the_same_labels_on_cloud_and_data_center(tmp_path: Path) -> None:
    (tmp_path / "cloud").mkdir()
    (tmp_path / "datacenter").mkdir()
    cloud = _real_labels(tmp_path, "cloud")
    assert cloud == _real_labels(tmp_path, "datacenter")
    own = {"Demisto", "XSOAR", "dummy-label", "dummy-label2", "xsoar-mirror"}
    assert cloud == {"COMPANYSA-35": {*own, "objective:integrations"}, "VIK-3": {"alignment:none"}}
