"""On a terminal, ``syncd sync`` shows a progress line and clears it before its summary; with JSON logs, or
off a terminal, it shows none."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.integration.harness import JiraHarness

CLEAR = "\r\033[K"


@pytest.fixture
def harness() -> Iterator[JiraHarness]:
    with JiraHarness("cloud") as started:
        yield started


def on_a_terminal(*args: str) -> tuple[int, str]:
    """Run ``python -m syncd ARGS`` with a pseudo-terminal as stdout and stderr; return its exit code and
    everything it wrote."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "syncd", *args], cwd=REPO, stdin=subprocess.DEVNULL, stdout=follower, stderr=follower
    )
    os.close(follower)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode()


def test_progress_shows_on_a_terminal_and_is_cleared_before_the_summary(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    code, out = on_a_terminal("--config", str(config), "--log-level", "warning", "sync")
    assert code == 0, out
    assert f"{CLEAR}jira.acme: pulled 12" in out
    progress_ends = out.rindex(CLEAR) + len(CLEAR)
    assert out[progress_ends:].startswith("jira.acme: ok: pulled 12"), "the summary starts on a clean line"


def test_json_logs_show_no_progress(tmp_path: Path, harness: JiraHarness) -> None:
    config = harness.settings_file(tmp_path)
    code, out = on_a_terminal("--config", str(config), "--log-format", "json", "sync")
    assert code == 0, out
    assert CLEAR not in out
