"""Linear webhooks end to end: ``syncd webhooks install`` registers the receiver through ``webhookCreate``,
the emulated workspace delivers signed events, and ``syncd run`` labels the issue in seconds."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from syncd.sandbox.deliveries import Deliverer, DeliveryKnobs
from syncd.sandbox.linear.webhooks import LinearWebhooks
from tests.integration.harness import LinearHarness
from tests.integration.webhook_unit import WebhookUnit

GROWTH = "objective:self-serve-growth"


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LinearHarness, WebhookUnit]]:
    with LinearHarness() as harness:
        unit = WebhookUnit(tmp_path_factory.mktemp("linear-webhooks"), harness)
        try:
            unit.wait_synced()
            yield harness, unit
        finally:
            unit.close()


def _deliverer(harness: LinearHarness) -> Deliverer:
    return LinearWebhooks.of(harness.workspace.store).deliverer


@pytest.fixture
def knobs(running: tuple[LinearHarness, WebhookUnit]) -> Iterator[DeliveryKnobs]:
    deliverer = _deliverer(running[0])
    yield deliverer.knobs
    deliverer.drain()
    deliverer.knobs.reset()


def test_install_registers_one_webhook_per_synced_team_and_is_idempotent(
    running: tuple[LinearHarness, WebhookUnit],
) -> None:
    harness, unit = running
    assert "linear.acme: registered" in unit.install()
    hooks = LinearWebhooks.of(harness.workspace.store).hooks.values()
    teams = {harness.workspace.store.teams[h.team_id].key for h in hooks if h.team_id}
    assert teams == {"ENG", "GRO", "INF"}
    assert all(h.resource_types == ("Issue", "IssueLabel", "Comment") for h in hooks)
    assert "already registered" in unit.install()
    assert len(LinearWebhooks.of(harness.workspace.store).hooks) == 3


def test_a_person_label_is_answered_in_seconds_and_the_echo_writes_nothing(
    running: tuple[LinearHarness, WebhookUnit], knobs: DeliveryKnobs
) -> None:
    harness, unit = running
    writes = harness.writes()
    harness.person_labels("ENG-4", add=["pricing"])
    took = unit.wait(lambda: GROWTH in harness.labels()["ENG-4"], "ENG-4 labelled")
    assert took < 5
    _deliverer(harness).drain()
    unit.wait(lambda: unit.metric("syncd_webhook_queue_depth") == 0, "the echo was read")
    assert harness.writes() == writes + 1


def test_a_wrong_signature_or_a_repeat_is_refused(
    running: tuple[LinearHarness, WebhookUnit], knobs: DeliveryKnobs
) -> None:
    harness, unit = running
    created = harness.workspace.add_issue("ENG", "Rename the build bot").identifier
    unit.wait(lambda: "alignment:none" in harness.labels()[created], "a created issue labelled")
    _deliverer(harness).drain()
    knobs.wrong_signature_every = 1
    harness.person_labels(created, add=["pricing"])
    _deliverer(harness).drain()
    bad = 'syncd_webhook_refused_total{reason="bad_signature",tracker="linear.acme"}'
    unit.wait(lambda: unit.metric(bad) >= 1, "the refusal")
    assert GROWTH not in harness.labels()[created]
    knobs.wrong_signature_every = 0
    knobs.duplicate_every = 1
    harness.person_labels(created, add=["customer-reported"])
    unit.wait(lambda: GROWTH in harness.labels()[created], "labelled on the next, well-signed event")
    repeated = 'syncd_webhook_refused_total{reason="repeated",tracker="linear.acme"}'
    unit.wait(lambda: unit.metric(repeated) >= 1, "the repeat refused")


def test_a_comment_event_reads_its_issue_and_writes_nothing(
    running: tuple[LinearHarness, WebhookUnit], knobs: DeliveryKnobs
) -> None:
    harness, unit = running
    _deliverer(harness).drain()
    unit.wait(lambda: unit.metric("syncd_webhook_queue_depth") == 0, "the queue is empty")
    writes = harness.writes()
    issue = harness.workspace.store.find_issue("GRO-1")
    assert issue is not None
    synced = len([e for e in unit.events() if e.get("event") == "webhook.synced"])
    harness.workspace.add_comment("GRO-1", "Could this ship before the pricing change?")
    _deliverer(harness).drain()
    assert json.loads(_deliverer(harness).sent[-1].body)["data"]["issueId"] == issue.id
    unit.wait(lambda: len([e for e in unit.events() if e.get("event") == "webhook.synced"]) > synced, "the read")
    assert harness.writes() == writes


def test_a_delivery_stamped_over_a_minute_away_is_refused_as_stale(
    running: tuple[LinearHarness, WebhookUnit], knobs: DeliveryKnobs
) -> None:
    harness, unit = running
    harness.workspace.store.clock.advance(120)
    harness.person_labels("GRO-3", add=["customer-reported"])
    _deliverer(harness).drain()
    stale = 'syncd_webhook_refused_total{reason="stale",tracker="linear.acme"}'
    unit.wait(lambda: unit.metric(stale) >= 1, "the stale delivery refused")
