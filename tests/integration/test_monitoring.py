"""The dashboard and alerts in ``monitoring/``: the rules pass promtool's checks and unit tests, the
dashboard file is what its builder makes, and every metric either of them queries is one that a running
syncd serves on ``/metrics``.

promtool comes from Debian's ``prometheus`` package (``.ci/run`` installs it); without it the promtool
tests are skipped, saying why, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import REPO
from tests.integration.harness import JiraHarness
from tests.integration.test_service import Unit

MONITORING = REPO / "monitoring"
_METRIC = re.compile(r"\b((?:syncd|process)_[a-z0-9_]+)\b")
_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "info": ("_info",)}


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        reason = "promtool is not installed (apt-get install prometheus)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the alert tests: {reason}")
        pytest.skip(reason)
    return found


def _dashboard_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("syncd_dashboard", MONITORING / "dashboard.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rule_queries() -> list[str]:
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def _dashboard_queries() -> list[str]:
    document = json.loads((MONITORING / "syncd-dashboard.json").read_text())
    queries: list[str] = _dashboard_module().queries(document)
    return queries


def _served(exposition: str) -> set[str]:
    """The metric names an exposition serves, those of declared families with no sample yet included."""
    names: set[str] = set()
    for family in text_string_to_metric_families(exposition):
        names.add(family.name)
        names.update(sample.name for sample in family.samples)
        names.update(family.name + suffix for suffix in _SUFFIXES.get(family.type, ()))
    return names


def test_the_rules_pass_promtool_check() -> None:
    result = subprocess.run(
        [_promtool(), "check", "rules", "alerts.yml"], cwd=MONITORING, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout


def test_every_alert_has_a_unit_test_and_they_pass() -> None:
    result = subprocess.run(
        [_promtool(), "test", "rules", "alerts.test.yml"], cwd=MONITORING, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    tests = yaml.safe_load((MONITORING / "alerts.test.yml").read_text())["tests"]
    firing = {case["alertname"] for test in tests for case in test["alert_rule_test"] if case["exp_alerts"]}
    rules = yaml.safe_load((MONITORING / "alerts.yml").read_text())
    assert firing == {rule["alert"] for group in rules["groups"] for rule in group["rules"]}


def test_the_dashboard_file_is_what_its_builder_makes() -> None:
    built = _dashboard_module().to_json()
    assert built == (MONITORING / "syncd-dashboard.json").read_text(), (
        "regenerate it: python monitoring/dashboard.py > monitoring/syncd-dashboard.json"
    )
    titles = [panel["title"] for panel in json.loads(built)["panels"]]
    for wanted in ("Alignment score over time", "Drift per objective against the tolerance", "Tracker health"):
        assert wanted in titles


@pytest.fixture
def metrics_text(tmp_path: Path) -> Iterator[str]:
    with JiraHarness("cloud") as harness:
        unit = Unit(tmp_path, harness)
        try:
            unit.wait_for("STATUS=jira.acme: ok")
            status, body = unit.get("/metrics")
            assert status == 200
            yield body.decode()
        finally:
            unit.close()


def test_every_metric_the_dashboard_and_the_alerts_query_is_served(metrics_text: str) -> None:
    served = _served(metrics_text)
    queried = {name for query in (*_dashboard_queries(), *_rule_queries()) for name in _METRIC.findall(query)}
    assert len(queried) >= 14
    assert sorted(queried - served) == []
    assert "process_resident_memory_bytes" in served
    assert "syncd_build_info" in served
