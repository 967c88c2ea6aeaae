"""Jira Cloud, Jira Data Center and Linear keep the connector contract, method by method, over real HTTP
against their emulators (the in-memory tracker passes the same class in ``tests/unit``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.connectors import Connector, connect
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import load_settings
from syncd.strategy import load_strategy
from tests.contracts.connector import ConnectorContract, Subject
from tests.integration.harness import Harness, JiraHarness, LinearHarness

WRONG = "lin_api_wrong0000000000000000000000000000"


def opened(harness: Harness, directory: Path, *, credential: str | None = None) -> Connector:
    directory.mkdir(exist_ok=True)
    settings = load_settings(harness.settings_file(directory, credential=credential))
    labels = load_strategy(settings.strategy).labels
    policy = RetryPolicy(max_attempts=3, max_wait=1, deadline=20)
    tracker = settings.trackers()[harness.tracker]
    return connect(harness.tracker, tracker, labels, policy=policy, stats=CallStats())


def subject_of(harness: Harness, tmp_path: Path) -> Iterator[Subject]:
    with harness:
        subject = Subject(
            connector=opened(harness, tmp_path / "syncd"),
            key=harness.pin[0],
            comment_issue=harness.report_issue,
            person_labels=lambda key, labels: harness.person_labels(key, add=labels),
            delete=harness.delete_issue,
            comments=harness.comments,
            refused=lambda: opened(harness, tmp_path / "refused", credential=WRONG),
        )
        subject.opened.append(subject.connector)
        try:
            yield subject
        finally:
            for connector in subject.opened:
                connector.close()


class TestJiraCloudConnector(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Iterator[Subject]:
        yield from subject_of(JiraHarness("cloud"), tmp_path)


class TestJiraDataCenterConnector(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Iterator[Subject]:
        yield from subject_of(JiraHarness("datacenter"), tmp_path)


class TestLinearConnector(ConnectorContract):
    @pytest.fixture
    def subject(self, tmp_path: Path) -> Iterator[Subject]:
        yield from subject_of(LinearHarness(), tmp_path)
