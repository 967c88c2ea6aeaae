"""Webhooks end to end: the emulated Jira site delivers signed events to ``syncd run``'s receiver, which
reads the named issues again and writes their labels in seconds, whatever the delivery knobs do."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncd.sandbox.deliveries import DeliveryKnobs
from tests.integration.harness import JiraHarness
from tests.integration.webhook_unit import WebhookUnit

GROWTH = "objective:self-serve-growth"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[JiraHarness, WebhookUnit]]:
    with JiraHarness("cloud") as harness:
        unit = WebhookUnit(tmp_path_factory.mktemp("webhooks"), harness)
        try:
            unit.wait_synced()
            unit.register()
            yield harness, unit
        finally:
            unit.close()


@pytest.fixture
def knobs(running: tuple[JiraHarness, WebhookUnit]) -> Iterator[DeliveryKnobs]:
    harness, _ = running
    deliverer = harness.site.app.webhooks.deliverer
    yield deliverer.knobs
    deliverer.drain()
    deliverer.knobs.reset()


def _pricing(harness: JiraHarness, key: str) -> None:
    harness.person_labels(key, add=["pricing"])


def _labelled(harness: JiraHarness, key: str) -> bool:
    return GROWTH in harness.labels()[key]


def test_a_person_edit_is_labelled_in_seconds_and_the_echo_costs_no_write(
    running: tuple[JiraHarness, WebhookUnit], knobs: DeliveryKnobs
) -> None:
    harness, unit = running
    _pricing(harness, "MISC-1")
    took = unit.wait(lambda: _labelled(harness, "MISC-1"), "MISC-1 labelled")
    assert took < 5
    assert "alignment:none" not in harness.labels()["MISC-1"]
    unit.wait(lambda: unit.metric('syncd_webhook_events_total{tracker="jira.acme"}') >= 2, "the echo arrived")
    harness.site.app.webhooks.deliverer.drain()
    unit.wait(lambda: unit.metric("syncd_webhook_queue_depth") == 0, "the echo was read")
    assert harness.writes_per_issue()["MISC-1"] == 2, "the first sync's write and this one; the echo wrote nothing"
    assert unit.metric('syncd_webhook_keys_queued_total{tracker="jira.acme"}') >= 2


def test_a_wrong_signature_is_refused_and_reads_nothing(
    running: tuple[JiraHarness, WebhookUnit], knobs: DeliveryKnobs
) -> None:
    harness, unit = running
    knobs.wrong_signature_every = 1
    issue = harness.site.store.issue("OPS-1")

    def reads() -> int:  # of this issue: an earlier test's refresh may still read others
        paths = (f"/issue/{issue.key}", f"/issue/{issue.id}")
        return sum(1 for r in harness.log.records() if r.endpoint == "issue_get" and r.path.endswith(paths))

    before = reads()
    _pricing(harness, "OPS-1")
    harness.site.app.webhooks.deliverer.drain()
    refused = 'syncd_webhook_refused_total{reason="bad_signature",tracker="jira.acme"}'
    unit.wait(lambda: unit.metric(refused) >= 1, "the refusal")
    assert reads() == before
    assert not _labelled(harness, "OPS-1")
    assert all(d.status == 401 for d in harness.site.app.webhooks.deliverer.sent[-1:])


def test_a_lost_event_writes_nothing_and_the_next_event_catches_up(
    running: tuple[JiraHarness, WebhookUnit], knobs: DeliveryKnobs
) -> None:
    harness, unit = running
    knobs.lose_every = 1
    _pricing(harness, "MISC-4")
    harness.site.app.webhooks.deliverer.drain()
    assert harness.site.app.webhooks.deliverer.sent[-1].lost
    assert not _labelled(harness, "MISC-4")
    knobs.lose_every = 0
    harness.site.store.edit_issue("MISC-4", _summary("Offsite planning, pricing workshop"))
    unit.wait(lambda: _labelled(harness, "MISC-4"), "MISC-4 labelled after the next event")


def test_a_duplicate_delivery_is_taken_once(running: tuple[JiraHarness, WebhookUnit], knobs: DeliveryKnobs) -> None:
    harness, unit = running
    knobs.duplicate_every = 1
    repeated = 'syncd_webhook_refused_total{reason="repeated",tracker="jira.acme"}'
    before = unit.metric(repeated)
    _pricing(harness, "MISC-2")
    unit.wait(lambda: _labelled(harness, "MISC-2"), "MISC-2 labelled")
    unit.wait(lambda: unit.metric(repeated) > before, "the repeat refused")


def test_reordered_and_delayed_deliveries_still_label_both_issues(
    running: tuple[JiraHarness, WebhookUnit], knobs: DeliveryKnobs
) -> None:
    harness, unit = running
    knobs.reorder_every = 2
    knobs.delay = 0.5
    _pricing(harness, "OPS-2")
    _pricing(harness, "ENT-1")
    took = unit.wait(lambda: _labelled(harness, "OPS-2") and _labelled(harness, "ENT-1"), "both labelled")
    assert took >= 0.5


def test_healthz_says_how_webhooks_stand(running: tuple[JiraHarness, WebhookUnit]) -> None:
    _, unit = running
    import json

    status, body = unit.get("/healthz")
    webhooks = json.loads(body)["webhooks"]
    assert status == 200
    assert webhooks["overflowed"] == []
    assert "jira.acme" in webhooks["last_event"]


def _summary(text: str):  # type: ignore[no-untyped-def]
    from syncd.sandbox.jira.changes import IssueEdit

    return IssueEdit(summary=text)


def test_data_center_unsigned_webhooks_are_taken_only_with_the_path_secret(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    path_secret = "dc-path-secret-5d1c"
    with JiraHarness("datacenter") as harness:
        harness.tweak(
            'deployment = "datacenter"',
            f'deployment = "datacenter"\nwebhook_unsigned = true\nwebhook_path_secret = "{path_secret}"',
        )
        unit = WebhookUnit(tmp_path_factory.mktemp("dc-webhooks"), harness, signed=False)
        try:
            unit.wait_synced()
            hooks = harness.site.app.webhooks
            hooks.handle_registration(url=unit.hook_url, secret=None)
            harness.person_labels("MISC-1", add=["pricing"])
            hooks.deliverer.drain()
            unit.wait(
                lambda: unit.metric('syncd_webhook_refused_total{reason="bad_signature",tracker="jira.acme"}') >= 1,
                "refused without the path secret",
            )
            assert not _labelled(harness, "MISC-1")
            hooks.handle_registration(url=f"{unit.hook_url}/{path_secret}", secret=None)
            harness.person_labels("MISC-2", add=["pricing"])
            unit.wait(lambda: _labelled(harness, "MISC-2"), "MISC-2 labelled through the path secret")
        finally:
            unit.close()
