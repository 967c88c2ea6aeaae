"""Shared fixtures: the example strategy, an item factory, Hypothesis profiles."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from syncd.model import StatusCategory, TrackerKind, WorkItem
from syncd.strategy import Strategy, load_strategy

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_STRATEGY = REPO / "config" / "strategy.example.yaml"
EXAMPLE_SETTINGS = REPO / "config" / "syncd.example.toml"

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def make_item(key: str = "GROW-1", **fields: Any) -> WorkItem:
    """A Jira item with sensible defaults; Linear when ``kind`` says so."""
    kind = fields.pop("kind", TrackerKind.JIRA)
    defaults: dict[str, Any] = {
        "tracker": "jira.acme" if kind is TrackerKind.JIRA else "linear.acme",
        "kind": kind,
        "id": f"id-{key}",
        "key": key,
        "title": "An issue",
        "status": StatusCategory.IN_PROGRESS,
        "created": T0,
        "updated": T0,
    }
    defaults.update(fields)
    if "labels" in defaults:
        defaults["labels"] = frozenset(defaults["labels"])
    return WorkItem(**defaults)


@pytest.fixture(scope="session")
def example_strategy() -> Strategy:
    return load_strategy(EXAMPLE_STRATEGY)


# -- no secret in any output ---------------------------------------------------------------------------
# Every credential the tests hand to syncd. Whatever the suite captures (stdout, stderr, log records of
# every test, passed or failed) must never contain one; the session fails if it does.
TEST_SECRETS = (
    "cloud-api-token",
    "dc-personal-access-token",
    "lin_api_contract0000000000000000000000000000",
    "lin_api_demo0000000000000000000000000000000",
    "tok-3f9a7c-example-secret",
    "example-token-never-printed",
    "reader-token",
)
_leaks: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    from syncd.logging import configure_logging

    configure_logging(format="json", level="debug")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for title, content in report.sections:
        for secret in TEST_SECRETS:
            if secret in content:
                _leaks.append(f"{report.nodeid} ({report.when}, {title}): {secret!r}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _leaks:
        print("\nSecrets found in captured output:\n  " + "\n  ".join(_leaks))
        session.exitstatus = 1
