"""How issues ended, as each tracker says it: declined work is told apart from work done, and done work
without a resolution date is still done work."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from syncd.model import StatusCategory, WorkItem
from tests.unit.test_fuzz_payloads import JIRA_CLOUD, JIRA_DATA_CENTER, LINEAR, normalise

DONE = {"id": "10003", "name": "Done", "statusCategory": {"id": 3, "key": "done"}}


def jira(base: dict[str, Any], **fields: Any) -> WorkItem:
    payload = copy.deepcopy(base)
    payload["fields"].update(fields)
    item = normalise("cloud" if base is JIRA_CLOUD else "datacenter", payload)
    assert isinstance(item, WorkItem), item
    return item


def linear(**fields: Any) -> WorkItem:
    item = normalise("linear", {**copy.deepcopy(LINEAR), **fields})
    assert isinstance(item, WorkItem), item
    return item


@pytest.mark.parametrize("base", [JIRA_CLOUD, JIRA_DATA_CENTER], ids=["cloud", "datacenter"])
def test_jira_resolution_is_read(base: dict[str, Any]) -> None:
    item = jira(
        base,
        status=DONE,
        resolution={"id": "10001", "name": "Won't Do"},
        resolutiondate="2026-11-03T08:00:00.000+0000",
    )
    assert (item.status, item.resolution) == (StatusCategory.DONE, "Won't Do")
    assert item.resolved == datetime(2026, 11, 3, 8, tzinfo=UTC)


def test_a_done_jira_issue_without_resolution_date_is_done_when_its_status_category_changed() -> None:
    item = jira(
        JIRA_CLOUD,
        status=DONE,
        resolution=None,
        resolutiondate=None,
        statuscategorychangedate="2026-11-02T09:30:00.000+0000",
    )
    assert item.resolution is None
    assert item.resolved == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_without_any_closing_date_the_last_update_stands_in() -> None:
    item = jira(JIRA_DATA_CENTER, resolutiondate=None, updated="2026-11-04T00:00:00.000+0000")
    assert item.resolved == datetime(2026, 11, 4, tzinfo=UTC)


def test_an_issue_in_progress_has_no_closing_date_whatever_its_status_change() -> None:
    item = jira(JIRA_CLOUD, statuscategorychangedate="2026-11-02T09:30:00.000+0000")
    assert (item.resolved, item.resolution) == (None, None)


def test_linear_canceled_and_duplicate_states_are_declined_resolutions() -> None:
    canceled = linear(state={"type": "canceled", "name": "Won't fix"}, canceledAt="2026-11-05T10:00:00.000Z")
    duplicate = linear(state={"type": "canceled", "name": "Duplicate"}, canceledAt="2026-11-06T10:00:00.000Z")
    done = linear(state={"type": "completed", "name": "Done"}, completedAt="2026-11-07T10:00:00.000Z")
    assert (canceled.resolution, canceled.resolved) == ("Canceled", datetime(2026, 11, 5, 10, tzinfo=UTC))
    assert duplicate.resolution == "Duplicate"
    assert (done.resolution, done.resolved) == (None, datetime(2026, 11, 7, 10, tzinfo=UTC))
