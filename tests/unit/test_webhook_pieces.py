"""The pure pieces of webhooks: signatures, the keys an event names, repeats, the debounced queue."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from syncd.service.webhooks.deliveries import DeliveryLog
from syncd.service.webhooks.events import jira_keys, linear_keys
from syncd.service.webhooks.queue import KeyQueue, Offer
from syncd.service.webhooks.verify import (
    Accepted,
    Refusal,
    Refused,
    UnsignedPolicy,
    hub_signature,
    linear_signature,
    verify_jira,
    verify_linear,
    verify_unsigned,
)

SECRET = "It's a Secret to Everybody"
BODY = b'{"webhookEvent":"jira:issue_updated","issue":{"id":"10001","key":"GROW-1"}}'
NOW = 1_800_000_000.0


def test_hub_signature_is_the_hex_hmac_sha256_of_the_raw_body() -> None:
    expected = hmac.new(SECRET.encode(), BODY, hashlib.sha256).hexdigest()
    assert hub_signature(SECRET, BODY) == f"sha256={expected}"
    assert linear_signature(SECRET, BODY) == expected


def test_jira_accepts_a_signed_body_and_keeps_the_delivery_id() -> None:
    headers = {"x-hub-signature": hub_signature(SECRET, BODY), "X-Atlassian-Webhook-Identifier": "d-1"}
    verdict = verify_jira(secret=SECRET, body=BODY, headers=headers, max_body=10_000)
    assert isinstance(verdict, Accepted)
    assert verdict.delivery == "d-1"
    assert jira_keys(verdict.body) == ("GROW-1",)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({}, Refusal.UNSIGNED),
        ({"X-Hub-Signature": "sha256=" + "0" * 64}, Refusal.BAD_SIGNATURE),
        ({"X-Hub-Signature": hub_signature("another secret", BODY)}, Refusal.BAD_SIGNATURE),
        ({"X-Hub-Signature": hub_signature(SECRET, BODY + b" ")}, Refusal.BAD_SIGNATURE),
        ({"X-Hub-Signature": "sha256=\u00e9"}, Refusal.BAD_SIGNATURE),
    ],
)
def test_jira_refuses_a_missing_or_wrong_signature_with_401(headers: dict[str, str], reason: Refusal) -> None:
    verdict = verify_jira(secret=SECRET, body=BODY, headers=headers, max_body=10_000)
    assert isinstance(verdict, Refused)
    assert verdict.reason is reason
    assert reason.status == 401


def test_an_oversized_body_is_refused_before_its_signature_is_computed() -> None:
    headers = {"X-Hub-Signature": hub_signature(SECRET, BODY)}
    verdict = verify_jira(secret=SECRET, body=BODY, headers=headers, max_body=len(BODY) - 1)
    assert isinstance(verdict, Refused)
    assert verdict.reason is Refusal.TOO_LARGE
    assert verdict.reason.status == 413


def test_a_signed_body_that_is_not_json_is_malformed() -> None:
    body = b"not json"
    verdict = verify_jira(
        secret=SECRET, body=body, headers={"X-Hub-Signature": hub_signature(SECRET, body)}, max_body=99
    )
    assert isinstance(verdict, Refused)
    assert verdict.reason is Refusal.MALFORMED


def _linear(stamp_ms: float, *, data: dict[str, object] | None = None) -> bytes:
    payload = {
        "action": "update",
        "type": "Issue",
        "data": data or {"id": "5c1e6f62-6c43-4b0e-9d1a-0d1f7f3c1a11", "identifier": "ENG-7"},
        "webhookTimestamp": stamp_ms,
    }
    return json.dumps(payload).encode()


def test_linear_accepts_a_fresh_signed_delivery() -> None:
    body = _linear(NOW * 1000 - 59_000)
    headers = {"Linear-Signature": linear_signature(SECRET, body), "Linear-Delivery": "del-9"}
    verdict = verify_linear(secret=SECRET, body=body, headers=headers, max_body=10_000, now=NOW)
    assert isinstance(verdict, Accepted)
    assert verdict.delivery == "del-9"
    assert linear_keys(verdict.body) == ("ENG-7",)


@pytest.mark.parametrize(
    ("stamp", "reason"),
    [(NOW * 1000 - 61_000, Refusal.STALE), (NOW * 1000 + 61_000, Refusal.STALE), ("soon", Refusal.MALFORMED)],
)
def test_linear_refuses_a_timestamp_over_a_minute_away(stamp: object, reason: Refusal) -> None:
    body = json.dumps({"type": "Issue", "data": {}, "webhookTimestamp": stamp}).encode()
    headers = {"Linear-Signature": linear_signature(SECRET, body)}
    verdict = verify_linear(secret=SECRET, body=body, headers=headers, max_body=10_000, now=NOW)
    assert isinstance(verdict, Refused)
    assert verdict.reason is reason


def test_linear_refuses_a_wrong_or_missing_signature() -> None:
    body = _linear(NOW * 1000)
    for headers in ({}, {"Linear-Signature": linear_signature("nope", body)}):
        verdict = verify_linear(secret=SECRET, body=body, headers=headers, max_body=10_000, now=NOW)
        assert isinstance(verdict, Refused)
        assert verdict.reason.status == 401


def test_unsigned_deliveries_need_the_path_secret() -> None:
    policy = UnsignedPolicy(path_secret="p4th")
    common = {"source": "10.0.0.9", "body": BODY, "headers": {}, "max_body": 10_000}
    assert isinstance(verify_unsigned(policy=policy, path_secret="p4th", **common), Accepted)  # type: ignore[arg-type]
    for wrong in (None, "p4t", "p4thh"):
        verdict = verify_unsigned(policy=policy, path_secret=wrong, **common)  # type: ignore[arg-type]
        assert isinstance(verdict, Refused)
        assert verdict.reason is Refusal.BAD_SIGNATURE


def test_unsigned_deliveries_from_an_allowed_network_only() -> None:
    policy = UnsignedPolicy(allow_from=("10.0.0.0/24", "192.0.2.7"))
    for source, ok in (("10.0.0.9", True), ("192.0.2.7", True), ("10.0.1.9", False), ("not-an-ip", False)):
        verdict = verify_unsigned(policy=policy, path_secret=None, source=source, body=BODY, headers={}, max_body=99)
        assert isinstance(verdict, Accepted) is ok, source


def test_event_keys_come_only_from_well_formed_issue_references() -> None:
    assert jira_keys({"issue": {"key": "GROW-12"}}) == ("GROW-12",)
    assert jira_keys({"issue": {"key": "GROW-12 OR project = X"}}) == ()
    assert jira_keys({"webhookEvent": "project_created"}) == ()
    uuid = "5c1e6f62-6c43-4b0e-9d1a-0d1f7f3c1a11"
    assert linear_keys({"type": "Comment", "data": {"issueId": uuid}}) == (uuid,)
    assert linear_keys({"type": "Issue", "data": {"id": uuid}}) == (uuid,)
    assert linear_keys({"type": "IssueLabel", "data": {"id": uuid, "name": "x"}}) == ()
    assert linear_keys({"type": "Issue", "data": {"identifier": "eng-7; drop"}}) == ()


def test_a_delivery_is_taken_once_per_tracker_and_memory_is_bounded() -> None:
    log = DeliveryLog(capacity=2)
    assert log.first_time("jira.acme", "a")
    assert not log.first_time("jira.acme", "a")
    assert log.first_time("linear.acme", "a")
    assert log.first_time("jira.acme", "b")
    assert log.first_time("jira.acme", "a")  # forgotten: the oldest went first


def test_a_burst_on_one_key_is_one_read_after_the_quiet_period() -> None:
    queue = KeyQueue(limit=10, debounce=1.0, max_delay=5.0)
    assert queue.offer("j", "A-1", 0.0) is Offer.QUEUED
    for moment in (0.2, 0.4, 0.6):
        assert queue.offer("j", "A-1", moment) is Offer.COALESCED
    assert queue.take_ready(1.5) == {}
    assert queue.next_ready() == pytest.approx(1.6)
    assert queue.take_ready(1.6) == {"j": ["A-1"]}
    assert len(queue) == 0
    assert queue.next_ready() is None


def test_a_steadily_edited_key_is_still_read_after_max_delay() -> None:
    queue = KeyQueue(limit=10, debounce=1.0, max_delay=3.0)
    queue.offer("j", "A-1", 0.0)
    for tick in range(1, 6):
        queue.offer("j", "A-1", tick * 0.5)
    assert queue.take_ready(3.0) == {"j": ["A-1"]}


def test_a_full_queue_drops_and_marks_the_tracker_until_its_next_poll() -> None:
    queue = KeyQueue(limit=2, debounce=0.0, max_delay=0.0)
    assert queue.offer("j", "A-1", 0.0) is Offer.QUEUED
    assert queue.offer("j", "A-2", 0.0) is Offer.QUEUED
    assert queue.offer("j", "A-1", 0.0) is Offer.COALESCED
    assert queue.offer("l", "E-1", 0.0) is Offer.DROPPED
    assert queue.overflowed() == {"l"}
    mark = queue.drops("l")
    assert queue.offer("l", "E-2", 1.0) is Offer.DROPPED, "dropped while the poll runs"
    assert not queue.polled("l", mark), "a poll that started before the drop does not cover it"
    assert queue.overflowed() == {"l"}
    assert queue.polled("l", queue.drops("l"))
    assert queue.overflowed() == frozenset()


def test_a_thousand_events_on_a_hundred_issues_queue_a_hundred_reads() -> None:
    queue = KeyQueue(limit=10_000, debounce=0.5, max_delay=5.0)
    offers = [queue.offer("j", f"A-{n % 100 + 1}", n * 0.001) for n in range(1000)]
    assert offers.count(Offer.QUEUED) == 100
    assert offers.count(Offer.COALESCED) == 900
    assert sum(len(keys) for keys in queue.take_ready(10.0).values()) == 100
