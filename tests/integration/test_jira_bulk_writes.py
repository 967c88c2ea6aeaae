"""Label writes on Jira Cloud through bulk edit, over real HTTP against the emulator.

The connector groups ops by delta, submits each group once, follows the task and reports each op from the
per-issue answer; it falls back to one edit per issue on Data Center, without the Bulk change permission,
and for a task that fails as a whole.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from syncd.connectors.jira import JiraConnector
from syncd.errors import BadRequest, LeaseLost, NotFound, TransientError
from syncd.model import LabelOp
from syncd.retry import CallStats, RetryPolicy
from syncd.sandbox.jira import JiraEmulator
from syncd.settings import JiraSite
from syncd.strategy import LabelScheme
from tests.sandbox.jira_openapi import validate_exchanges

ISSUES = 7


@pytest.fixture
def site() -> Iterator[JiraEmulator]:
    with JiraEmulator("cloud") as emulator:
        emulator.store.create_project("GROW", "Growth")
        for number in range(1, ISSUES + 1):
            emulator.store.create_issue("GROW", f"Issue {number}", labels=["person"])
        yield emulator
        validate_exchanges(emulator.log.records())


def _connector(site: JiraEmulator, *, bulk_change: bool = True, deployment: str = "cloud") -> JiraConnector:
    store = site.store
    user = store.create_user(display_name="Sync", email="sync@example.com", token="sync-token", bulk_change=bulk_change)
    settings = JiraSite(  # type: ignore[call-arg]
        url=site.url, allow_insecure_http=True, deployment=deployment, email=user.email, api_token=user.token
    )
    policy = RetryPolicy(max_attempts=2, base_wait=0.01, max_wait=0.05)
    return JiraConnector("jira.acme", settings, LabelScheme(), policy=policy, stats=CallStats())


def _op(site: JiraEmulator, key: str, *, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> LabelOp:
    issue = site.store.issue(key)
    return LabelOp("jira.acme", str(issue.id), key, frozenset(add), frozenset(remove))


def _ops(site: JiraEmulator) -> list[LabelOp]:
    """Three deltas: five issues swap one objective for another, one gains the first, one the second."""
    ops = [_op(site, f"GROW-{n}", add=("objective:trust",), remove=("objective:growth",)) for n in range(1, 6)]
    ops.append(_op(site, "GROW-6", add=("objective:trust",)))
    ops.append(_op(site, "GROW-7", add=("objective:growth",)))
    return ops


def _labels(site: JiraEmulator, key: str) -> set[str]:
    return set(site.store.labels(key))


def test_ops_with_one_delta_share_a_submission_and_each_is_reported(site: JiraEmulator) -> None:
    for n in range(1, 6):
        site.store.edit_labels(f"GROW-{n}", add=["objective:growth"])
    connector = _connector(site)

    results = list(connector.apply(_ops(site)))

    assert [r.error for r in results] == [None] * ISSUES
    assert site.log.count("bulk_edit") == 2, "one submission per verb of the five issues' delta"
    assert site.log.count("bulk_progress") == 2
    assert site.log.count("issue_edit") == 2, "a delta of one issue is cheaper as one edit"
    assert _labels(site, "GROW-3") == {"person", "objective:trust"}
    assert _labels(site, "GROW-6") == {"person", "objective:trust"}
    assert _labels(site, "GROW-7") == {"person", "objective:growth"}


def test_a_group_is_cut_at_a_thousand_issues(site: JiraEmulator) -> None:
    connector = _connector(site)
    ops = [_op(site, "GROW-1", add=("a",))] * 1003

    results = list(connector.apply(ops))

    assert len(results) == 1003
    assert site.log.count("bulk_edit") == 2


def test_an_issue_gone_before_its_task_ran_fails_only_its_op(site: JiraEmulator) -> None:
    connector = _connector(site)
    ops = [_op(site, key, add=("objective:growth",)) for key in ("GROW-1", "GROW-2", "GROW-3")]
    site.store.delete_issue("GROW-2")

    results = {r.op.key: r.error for r in connector.apply(ops)}

    assert site.log.count("bulk_edit") == 1
    assert results["GROW-1"] is None
    assert results["GROW-3"] is None
    assert isinstance(results["GROW-2"], NotFound)
    assert "objective:growth" in _labels(site, "GROW-1")


def test_a_refused_label_is_a_definite_refusal_of_that_op(site: JiraEmulator) -> None:
    connector = _connector(site)
    ops = [_op(site, f"GROW-{n}", add=("has space",)) for n in (1, 2, 3)]

    results = list(connector.apply(ops))

    assert site.log.count("bulk_edit") == 1
    for result in results:
        assert isinstance(result.error, BadRequest)
        assert not result.error.may_have_landed
        assert "has space" not in _labels(site, result.op.key)


class _Lease:
    """A fence that lets ``allowed`` writes through, then refuses every one as a lapsed lease does."""

    def __init__(self, allowed: int) -> None:
        self.allowed = allowed
        self.asked = 0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            self.asked += 1
            if self.asked > self.allowed:
                raise LeaseLost("this replica's lease on jira.acme was taken over")
            return math.inf


def test_a_refusing_fence_stops_the_edits_of_a_batch_handed_back(site: JiraEmulator) -> None:
    """Bulk edit refused, the five issues' batch goes out one edit per issue, in one job: each edit is fenced."""
    connector = _connector(site, bulk_change=False)
    lease = _Lease(allowed=3)

    with pytest.raises(LeaseLost):
        list(connector.apply(_ops(site), fence=lease))

    assert site.log.count("bulk_edit") + site.log.count("issue_edit") == 3, "the refused submission and two edits"
    assert lease.asked > 3
    assert sum("objective:trust" in _labels(site, f"GROW-{n}") for n in range(1, 7)) <= 2


def test_a_retry_is_fenced_like_the_first_attempt(site: JiraEmulator) -> None:
    connector = _connector(site, deployment="datacenter")
    site.faults.paths = r"^PUT .*/issue/"
    site.faults.rate_limit_burst = 1
    site.faults.retry_after = 0
    lease = _Lease(allowed=1)

    with pytest.raises(LeaseLost):
        list(connector.apply([_op(site, "GROW-1", add=("objective:trust",))], fence=lease))

    assert site.log.count("issue_edit") == 1, "the rate-limited attempt only"
    assert _labels(site, "GROW-1") == {"person"}


@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_a_write_whose_lease_ran_out_before_it_left_is_not_sent(site: JiraEmulator, deployment: str) -> None:
    """The fence named a moment that passed before the request reached the socket (a process frozen in
    between): the connection refuses to send it, and nothing reaches Jira."""
    connector = _connector(site, deployment=deployment)

    with pytest.raises(LeaseLost, match="was not sent"):
        list(connector.apply(_ops(site), fence=time.monotonic))

    assert site.log.count("bulk_edit") + site.log.count("issue_edit") == 0
    assert not any("objective:trust" in _labels(site, f"GROW-{n}") for n in range(1, 7))


def test_a_write_sent_within_its_lease_goes_out(site: JiraEmulator) -> None:
    connector = _connector(site, deployment="datacenter")

    [result] = connector.apply([_op(site, "GROW-1", add=("objective:trust",))], fence=lambda: time.monotonic() + 60)

    assert result.error is None
    assert "objective:trust" in _labels(site, "GROW-1")


def test_without_the_bulk_change_permission_writes_go_one_issue_at_a_time(site: JiraEmulator) -> None:
    connector = _connector(site, bulk_change=False)

    results = list(connector.apply(_ops(site)))

    assert [r.error for r in results] == [None] * ISSUES
    assert site.log.count("bulk_edit", status=403) == 1, "asked once, then never again"
    assert site.log.count("issue_edit") == ISSUES
    assert _labels(site, "GROW-1") == {"person", "objective:trust"}
    assert _labels(site, "GROW-7") == {"person", "objective:growth"}
    checks = {c.name: c for c in connector.probe(None)}
    assert "lacks the global Bulk change permission" in checks["label writes"].detail


def test_check_says_bulk_edit_is_in_use(site: JiraEmulator) -> None:
    checks = {c.name: c for c in _connector(site).probe(None)}

    assert checks["label writes"].ok is True
    assert checks["label writes"].detail.startswith("bulk edit")


def test_a_task_that_fails_as_a_whole_falls_back_to_per_issue_edits(site: JiraEmulator) -> None:
    connector = _connector(site)
    site.app.bulk.fail_next = 1
    ops = [_op(site, f"GROW-{n}", add=("objective:growth",)) for n in (1, 2, 3)]

    results = list(connector.apply(ops))

    assert [r.error for r in results] == [None] * 3
    assert site.log.count("bulk_edit") == 1
    assert site.log.count("issue_edit") == 3
    assert all("objective:growth" in _labels(site, f"GROW-{n}") for n in (1, 2, 3))


def test_a_task_lost_mid_way_leaves_its_ops_uncertain_and_a_resubmission_applies_nothing_twice(
    site: JiraEmulator,
) -> None:
    connector = _connector(site)
    ops = [_op(site, f"GROW-{n}", add=("objective:growth",)) for n in range(1, 6)]
    site.app.bulk.step = 2
    site.faults.paths = r"^GET .*/bulk/queue/"
    site.faults.error_burst = 100

    lost = list(connector.apply(ops))

    assert all(isinstance(r.error, TransientError) and r.error.may_have_landed for r in lost)
    # the site carries on with the task: four of its five issues are edited before syncd comes back
    site.faults.reset()
    (task,) = site.app.bulk.tasks()
    poll = requests.get(f"{site.url}/rest/api/3/bulk/queue/{task.task_id}", auth=site.basic_auth, timeout=10)
    assert poll.json()["status"] == "RUNNING"
    edited = {n for n in range(1, 6) if "objective:growth" in _labels(site, f"GROW-{n}")}
    assert len(edited) == 4
    changes = {n: len(site.store.changelog.of(site.store.issue(f"GROW-{n}").id)) for n in range(1, 6)}

    site.app.bulk.step = None
    again = list(connector.apply(ops))

    assert [r.error for r in again] == [None] * 5
    for n in range(1, 6):
        issue = site.store.issue(f"GROW-{n}")
        assert site.store.labels(issue.key).count("objective:growth") == 1
        grew = len(site.store.changelog.of(issue.id)) - changes[n]
        assert grew == (0 if n in edited else 1), "an issue the lost task edited is not edited again"


def test_data_center_edits_one_issue_at_a_time() -> None:
    with JiraEmulator("datacenter") as dc:
        dc.store.create_project("GROW", "Growth")
        dc.store.create_issue("GROW", "One")
        user = dc.store.create_user(display_name="Sync", email="s@example.com", token="pat-token")
        settings = JiraSite(url=dc.url, allow_insecure_http=True, deployment="datacenter", token=user.token)  # type: ignore[call-arg]
        connector = JiraConnector("jira.dc", settings, LabelScheme(), policy=RetryPolicy(), stats=CallStats())
        issue = dc.store.issue("GROW-1")
        op = LabelOp("jira.dc", str(issue.id), "GROW-1", frozenset({"a"}), frozenset())

        assert [r.error for r in connector.apply([op])] == [None]
        assert dc.log.count("issue_edit") == 1
        assert dc.log.count("bulk_edit") == 0
        assert {c.name: c for c in connector.probe(None)}["label writes"].detail.startswith("one edit per issue")
