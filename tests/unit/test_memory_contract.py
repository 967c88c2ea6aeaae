"""The in-memory tracker of the engine tests keeps the connector contract the real connectors keep."""

from __future__ import annotations

import pytest

from syncd.connectors.upsert import comment_text
from tests.contracts.connector import ConnectorContract, Subject
from tests.support.memory_tracker import MemoryTracker


def refused() -> MemoryTracker:
    tracker = MemoryTracker()
    tracker.refuse_credentials = True
    return tracker


@pytest.mark.parametrize("exclusive", [False, True], ids=["jira-like", "linear-like"])
class TestMemoryTracker(ConnectorContract):
    @pytest.fixture
    def subject(self, exclusive: bool) -> Subject:
        tracker = MemoryTracker(exclusive=exclusive)
        for key in ("GROW-1", "GROW-2", "OPS-1"):
            tracker.create(key, labels={"pricing"} if key == "GROW-2" else set())
        return Subject(
            connector=tracker,
            key="OPS-1",
            comment_issue="STRAT-1",
            person_labels=lambda key, labels: tracker.person_labels(key, add=labels),
            delete=tracker.delete,
            comments=lambda key: [comment_text(body) for body in tracker.comments.get(key, {}).values()],
            refused=refused,
        )
