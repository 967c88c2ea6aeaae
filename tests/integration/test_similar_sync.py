"""``mapping.similar_items`` over real HTTP against the Jira emulator: a full pull learns the model from the
items it stored and tags what they resemble at once, saves it, and every later sync and webhook refresh
tags with that model until the next full pull."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.connectors import open_connector
from syncd.model import Rule
from syncd.retry import CallStats, RetryPolicy
from syncd.sandbox.jira.changes import IssueEdit
from syncd.settings import load_settings
from syncd.state import Mark, StateStore
from syncd.strategy import LabelScheme, load_strategy
from syncd.sync.engine import Engine
from tests.conftest import EXAMPLE_STRATEGY
from tests.integration.contract import run_sync
from tests.integration.harness import JiraHarness

GROWTH = "objective:self-serve-growth"


@pytest.fixture
def harness() -> Iterator[JiraHarness]:
    with JiraHarness("cloud") as started:
        store = started.site.store
        store.create_issue("MISC", "Coupon banner at checkout", description="coupon discount basket")
        store.create_issue("MISC", "Coupon field in the checkout", description="basket discount")
        yield started


def _with_similar_items(tmp_path: Path, harness: JiraHarness, on: bool) -> None:
    strategy = tmp_path / "strategy.yaml"
    mapping = "  min_margin: 0 "
    strategy.write_text(EXAMPLE_STRATEGY.read_text().replace(mapping, f"  similar_items: {str(on).lower()}\n{mapping}"))
    harness.tweak(str(EXAMPLE_STRATEGY), str(strategy))


def test_the_first_sync_tags_an_item_no_rule_names_by_the_items_it_pulled(tmp_path: Path, harness: JiraHarness) -> None:
    target = harness.site.store.create_issue("MISC", "Coupon expiry", description="the discount basket")
    owns = LabelScheme().owns
    pinned = sum(any(map(owns, labels)) for labels in harness.labels().values())

    first = run_sync(tmp_path, harness)

    assert first.result is not None
    assert first.result.status == "ok", first.result.errors
    assert GROWTH in harness.labels()[target.key]
    assert first.result.history_reads == pinned, "only a person's labels need history; an item planned again none"
    with StateStore.open(tmp_path / "state.db") as state:
        stored = state.items.get(harness.tracker, target.key)
        saved = json.loads(state.marks.get(harness.tracker, Mark.SIMILAR_ITEMS) or "{}")
    assert stored is not None
    assert stored.alignment is not None
    assert (stored.alignment.decided_by, stored.alignment.strength) == (Rule.RESEMBLANCE, "resemblance")
    assert stored.alignment.reasons[-1].detail.startswith("like the items tagged by rules")
    assert saved["model"]["objectives"][0] == "self-serve-growth"
    assert "coupon" in saved["model"]["words"]


def test_later_syncs_and_webhook_refreshes_tag_with_the_saved_model(tmp_path: Path, harness: JiraHarness) -> None:
    target = harness.site.store.create_issue("MISC", "Coupon expiry", description="the discount basket")
    assert run_sync(tmp_path, harness).result is not None
    writes = harness.writes()
    harness.site.store.edit_issue(target.key, IssueEdit(summary="Coupon expiry date"))

    incremental = run_sync(tmp_path, harness)
    assert incremental.result is not None
    assert incremental.result.pulled >= 1
    assert incremental.result.changed == 0, "an incremental sync tags with the model the full pull saved"

    settings = load_settings(harness.settings_file(tmp_path))
    strategy = load_strategy(settings.strategy)
    tracker = settings.trackers()[harness.tracker]
    with StateStore.connect(settings.state_target()) as store:
        connector = open_connector(harness.tracker, tracker, strategy, policy=RetryPolicy(), stats=CallStats())
        try:
            engine = Engine(strategy=strategy, store=store, connector=connector, stats=CallStats())
            refreshed = engine.sync_keys([target.key])
        finally:
            connector.close()
    assert (refreshed.pulled, refreshed.changed) == (1, 0), "a webhook's refresh keeps the tag the sync gave"
    assert harness.writes() == writes
    assert GROWTH in harness.labels()[target.key]


def test_off_an_item_no_rule_names_stays_unaligned(tmp_path: Path, harness: JiraHarness) -> None:
    _with_similar_items(tmp_path, harness, on=False)
    target = harness.site.store.create_issue("MISC", "Coupon expiry", description="the discount basket")

    assert run_sync(tmp_path, harness).result is not None

    assert "alignment:none" in harness.labels()[target.key]
    with StateStore.open(tmp_path / "state.db") as state:
        assert state.marks.get(harness.tracker, Mark.SIMILAR_ITEMS) is None


def test_explain_reads_the_tag_with_the_saved_model(tmp_path: Path, harness: JiraHarness) -> None:
    target = harness.site.store.create_issue("MISC", "Coupon expiry", description="the discount basket")
    assert run_sync(tmp_path, harness).result is not None

    config = harness.settings_file(tmp_path)
    result = CliRunner().invoke(app, ["--config", str(config), "explain", target.key])

    assert result.exit_code == 0, result.output
    assert "like the items tagged by rules" in result.output
    assert "strength: resemblance" in result.output
