"""``syncd explain`` says where an item counts in the drift report, beside its reasons and labels."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from syncd.explain import drift_bucket
from syncd.model import Alignment, StatusCategory
from syncd.strategy import Strategy
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
        f"not counted: done before the {window}-day window"
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
