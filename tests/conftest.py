"""Shared fixtures: the example strategy, an item factory, Hypothesis profiles."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from pydantic import SecretStr

from syncd.model import StatusCategory, TrackerKind, WorkItem
from syncd.strategy import Strategy, load_strategy
from tests.support.outputs import OUTPUTS
from tests.support.outputs import install as install_output_audit
from tests.support.postgres import fresh_database, fresh_schema, server_url

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_STRATEGY = REPO / "config" / "strategy.example.yaml"
EXAMPLE_SETTINGS = REPO / "config" / "syncd.example.toml"

settings.register_profile("ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile("deep", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("SYNCD_HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

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


# -- the state on both engines -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """This run's own database on the test server (see tests/support/postgres.py), dropped at the end."""
    with fresh_database(server_url()) as url:
        yield url


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[SecretStr]:
    """A state URL for one test: its own schema in the run's database."""
    with fresh_schema(postgres_database) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def state_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | SecretStr:
    """Where a test's state lives, once per engine: a SQLite file, then a PostgreSQL schema."""
    if request.param == "sqlite":
        return tmp_path / "state" / "syncd.db"
    url: SecretStr = request.getfixturevalue("postgres_url")
    return url


# -- no secret in any output ---------------------------------------------------------------------------
# The credentials the tests configure syncd with, for trackers it syncs: they look real and must never
# appear in anything the suite captures (see tests/support/outputs.py for what that covers), stdout,
# stderr and log records of every test, passed or failed; the session fails if one does.
#
# Deliberately absent: the emulators' built-in credentials and the demo's Linear key
# (``cloud-api-token``, ``dc-personal-access-token``, ``lin_api_demo0...``). They are constants in syncd's
# own source, valid only against an emulator on loopback for as long as it runs, and ``syncd demo
# --keep-running`` and the sandbox CLI print them on purpose so a person can call the emulators. The
# harnesses therefore never configure syncd with them (tests/integration/harness.py).
JIRA_CLOUD_TOKEN = "ATATT3xFfGF0-harness-cloud-api-token-7f3c9e1a"
JIRA_DC_TOKEN = "NzE4MjY0MTk5-harness-dc-personal-access-token-2b9d"
#: the Basic credential of the Jira Cloud harness as it travels, base64 of ``email:token`` (unpadded, so
#: the padded form is caught too)
JIRA_CLOUD_BASIC = base64.b64encode(f"syncd@example.com:{JIRA_CLOUD_TOKEN}".encode()).decode().rstrip("=")
WEBHOOK_SECRET = "whsec-harness-webhook-secret-4e1b77"
TEST_SECRETS = (
    WEBHOOK_SECRET,
    JIRA_CLOUD_TOKEN,
    JIRA_DC_TOKEN,
    JIRA_CLOUD_BASIC,
    "lin_api_contract0000000000000000000000000000",
    "tok-3f9a7c-example-secret",
    "example-token-never-printed",
    "reader-token",
)
_leaks: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    from syncd.logging import configure_logging

    configure_logging(format="json", level="debug")
    install_output_audit()


def leaks_in_sections(nodeid: str, when: str, sections: list[tuple[str, str]]) -> list[str]:
    """The secrets in what pytest captured for one phase of one test."""
    return [
        f"{nodeid} ({when}, {title}): {secret!r}"
        for title, content in sections
        for secret in TEST_SECRETS
        if secret in content
    ]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    _leaks.extend(leaks_in_sections(report.nodeid, report.when, report.sections))
    _leaks.extend(OUTPUTS.leaks(TEST_SECRETS))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _leaks.extend(OUTPUTS.leaks(TEST_SECRETS, final=True))
    OUTPUTS.close()
    worker_output = getattr(session.config, "workeroutput", None)
    if worker_output is not None:
        worker_output["leaks"] = _leaks  # a pytest-xdist worker: the controller reports (pytest_testnodedown)
        return
    if _leaks:
        print("\nSecrets found in captured output:\n  " + "\n  ".join(dict.fromkeys(_leaks)))
        session.exitstatus = 1


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """pytest-xdist: a worker finished; what it found joins the controller's audit."""
    _leaks.extend(getattr(node, "workeroutput", {}).get("leaks", []))
