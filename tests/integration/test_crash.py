"""Crash safety in CI: a few trials of syncs killed with SIGKILL at random points (the soak run in
tests/soak does a hundred)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.crash import assert_nothing_lost, run_trial


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_killed_syncs_converge_without_loss_or_duplicates(seed: int, tmp_path: Path) -> None:
    assert_nothing_lost(run_trial(seed, tmp_path))
