"""A sync with ``mapping.similar_items`` learns from the items the state held when it began, over real HTTP
against the Jira emulator: the first sync has nothing to learn from, the next tags what it resembles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.model import Rule
from syncd.state import StateStore
from tests.conftest import EXAMPLE_STRATEGY
from tests.integration.contract import run_sync
from tests.integration.harness import JiraHarness


@pytest.fixture
def harness() -> Iterator[JiraHarness]:
    with JiraHarness("cloud") as started:
        yield started


def test_a_sync_tags_an_item_no_rule_names_by_the_items_it_held(tmp_path: Path, harness: JiraHarness) -> None:
    strategy = tmp_path / "strategy.yaml"
    mapping = "  min_margin: 0 "
    strategy.write_text(EXAMPLE_STRATEGY.read_text().replace(mapping, f"  similar_items: true\n{mapping}"))
    harness.tweak(str(EXAMPLE_STRATEGY), str(strategy))
    store = harness.site.store
    store.create_issue("MISC", "Coupon banner at checkout", description="coupon discount basket")
    store.create_issue("MISC", "Coupon field in the checkout", description="basket discount")
    target = store.create_issue("MISC", "Coupon expiry", description="the discount basket")

    first = run_sync(tmp_path, harness)
    assert first.result is not None
    assert "alignment:none" in harness.labels()[target.key], "nothing held yet, nothing learnt"

    second = run_sync(tmp_path, harness, full=True)
    assert second.result is not None
    assert second.result.status == "ok", second.result.errors
    assert "objective:self-serve-growth" in harness.labels()[target.key]
    with StateStore.open(tmp_path / "state.db") as state:
        stored = state.items.get(harness.tracker, target.key)
    assert stored is not None
    assert stored.alignment is not None
    assert (stored.alignment.decided_by, stored.alignment.strength) == (Rule.KEYWORD, "keyword")
    assert stored.alignment.reasons[-1].detail.startswith("resembles the items tagged by rules")
