"""``syncd explain`` says where an item counts in the drift report, beside its reasons and labels."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.cli.texts import drift_bucket, explain_item, summarise_outcome
from syncd.core.mapper import map_items
from syncd.core.reconcile import plan_item
from syncd.model import Alignment, JournalEntry, StatusCategory
from syncd.strategy import Strategy, TrackerLabels
from syncd.sync.all_trackers import TrackerOutcome
from syncd.sync.engine import SyncResult
from syncd.sync.reports import PostResult
from tests.conftest import EXAMPLE_STRATEGY, T0, make_item

NOW = T0 + timedelta(days=30)
GROWTH = Alignment("GROW-1", objectives=("self-serve-growth",))


def test_in_progress_work_counts_in_the_actual_allocation_with_its_estimate(example_strategy: Strategy) -> None:
    item = make_item(estimate=3.0)
    assert drift_bucket(item, GROWTH, example_strategy, now=NOW) == (
        "counts in the actual allocation as self-serve-growth, effort 3 (its estimate)"
    )


def test_to_do_work_counts_in_the_planned_allocation_and_unaligned_work_as_unaligned(
    example_strategy: Strategy,
) -> None:
    item = make_item(status=StatusCategory.TODO)
    line = drift_bucket(item, Alignment("GROW-1"), example_strategy, now=NOW)
    default = example_strategy.drift.default_estimate
    assert (
        line == f"counts in the planned allocation (to do) as unaligned, effort {default:g} (no estimate: the default)"
    )


def test_work_done_before_the_window_is_not_counted(example_strategy: Strategy) -> None:
    window = example_strategy.drift.window_days
    done_long_ago = make_item(status=StatusCategory.DONE, resolved=NOW - timedelta(days=window + 1))
    done_lately = make_item(status=StatusCategory.DONE, resolved=NOW - timedelta(days=1), estimate=0.0)
    assert drift_bucket(done_long_ago, GROWTH, example_strategy, now=NOW) == (
        f"not counted: closed before the {window}-day window"
    )
    assert drift_bucket(done_lately, GROWTH, example_strategy, now=NOW).startswith(
        "counts in the actual allocation as self-serve-growth, effort 0"
    )


def test_the_command_prints_the_drift_line_and_puts_it_in_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, example_strategy: Strategy
) -> None:
    monkeypatch.chdir(tmp_path)
    item = make_item("GROW-7", title="Trial users cannot reach checkout", project="GROW", estimate=5.0)
    path = tmp_path / "item.json"
    path.write_text(json.dumps(item.to_json()))
    text = CliRunner().invoke(app, ["explain", "--item", str(path), "-s", str(EXAMPLE_STRATEGY)])
    assert text.exit_code == 0, text.output
    assert "drift report: counts in the actual allocation as self-serve-growth, effort 5 (its estimate)" in text.stdout
    as_json = CliRunner().invoke(app, ["explain", "--item", str(path), "--json", "-s", str(EXAMPLE_STRATEGY)])
    assert json.loads(as_json.stdout)["drift"].startswith("counts in the actual allocation as self-serve-growth")


def test_the_sync_summary_counts_the_notices_sent_and_those_that_were_not() -> None:
    result = SyncResult("jira.acme", pulled=12, changed=3, applied=3, requests=9)
    post = PostResult("jira.acme", "STRAT-1", posted=True, notices=2, notice_failures=1)
    lines = summarise_outcome(TrackerOutcome("jira.acme", result, report=post))
    assert lines == [
        "jira.acme: ok: pulled 12, changed 3, applied 3, failed 0, skipped 0, forgotten 0; 9 API requests, 0 retries",
        "  drift report on STRAT-1: posted",
        "  notices on unaligned issues: 2, 1 not sent (see the log)",
    ]


def test_a_keyword_outranked_by_a_field_rule_says_why(example_strategy: Strategy) -> None:
    item = make_item("GROW-2", project="GROW", title="Trial banner upsell")
    alignment = map_items([item], example_strategy)[item.key]
    plan = plan_item(item, alignment, JournalEntry(), TrackerLabels(example_strategy.labels))
    lines = explain_item(item, alignment, plan, example_strategy, now=NOW)
    keyword = next(line for line in lines if line.strip().startswith("keyword"))
    assert "not used: a field rule outranks a keyword rule, whatever the scores" in keyword
