"""Drift reports posted as tracker comments, over HTTP against every emulator: one comment, edited in
place only when its figures change, never duplicated — not by a retry, a crash or a lost state file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli import app
from tests.integration.contract import run_sync
from tests.integration.harness import Harness, JiraHarness, LinearHarness


@pytest.fixture(params=["jira-cloud", "jira-datacenter", "linear"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    kind = request.param
    started: Harness = LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))
    with started:
        yield started


def report_comments(harness: Harness) -> list[str]:
    """The report comments on the report issue, with wiki and Markdown escapes removed for reading."""
    texts = [text.replace("\\", "") for text in harness.comments(harness.report_issue)]
    return [text for text in texts if "syncd:drift:report" in text]


def test_first_sync_posts_one_report_in_the_trackers_format(tmp_path: Path, harness: Harness) -> None:
    outcome = run_sync(tmp_path, harness)
    assert outcome.report is not None
    assert outcome.report.posted
    [text] = report_comments(harness)
    assert "Strategy drift — 2026" in text
    assert "Grow self-serve revenue" in text
    assert f"syncd:drift:report:{harness.tracker}" in text
    [sent] = harness.comment_requests()
    body = sent["body"] if "body" in sent else sent["variables"]["input"]["body"]
    if isinstance(harness, JiraHarness) and harness.deployment == "cloud":
        assert body["type"] == "doc", "ADF on Jira Cloud"
    elif isinstance(harness, JiraHarness):
        assert body.startswith("h2. Strategy drift"), "wiki markup on Data Center"
    else:
        assert body.startswith("## Strategy drift"), "Markdown on Linear"


def test_unchanged_figures_write_no_comment_and_changes_edit_in_place(tmp_path: Path, harness: Harness) -> None:
    run_sync(tmp_path, harness)
    run_sync(tmp_path, harness)
    harness.log.clear()
    outcome = run_sync(tmp_path, harness)
    assert outcome.report is not None
    assert outcome.report.unchanged
    assert harness.comment_requests() == []
    key, pin, _ = harness.pin
    harness.person_labels(key, add=[pin])
    run_sync(tmp_path, harness)
    assert len(harness.comment_requests()) == 1
    assert len(report_comments(harness)) == 1, "edited in place"


def test_lost_state_finds_the_comment_by_its_marker(tmp_path: Path, harness: Harness) -> None:
    run_sync(tmp_path, harness)
    (tmp_path / "state.db").unlink()
    for extra in tmp_path.glob("state.db-*"):
        extra.unlink()
    run_sync(tmp_path, harness)
    assert len(report_comments(harness)) == 1


def test_a_dropped_answer_and_a_crash_before_the_state_write_leave_one_comment(
    tmp_path: Path, harness: Harness
) -> None:
    config = harness.settings_file(tmp_path)
    config.write_text(config.read_text().replace("max_attempts = 8", "max_attempts = 1"))
    harness.faults.paths = harness.comment_paths
    harness.faults.drop_burst = 1
    result = CliRunner().invoke(app, ["--config", str(config), "sync"])
    assert result.exit_code == 1, "the post's answer never came"
    assert len(report_comments(harness)) == 1, "the tracker did create it"
    harness.faults.reset()
    result = CliRunner().invoke(app, ["--config", str(config), "sync"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert len(report_comments(harness)) == 1, "found by its marker and edited, not posted again"


def test_retries_of_a_comment_post_never_duplicate_it(tmp_path: Path, harness: Harness) -> None:
    harness.faults.paths = harness.comment_paths
    harness.faults.drop_burst = 1
    outcome = run_sync(tmp_path, harness)
    assert outcome.report is not None
    assert outcome.report.error is None
    assert len(report_comments(harness)) == 1


def test_append_mode_starts_a_new_comment_each_period(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    strategy = tmp_path / "strategy.yaml"
    source = Path(config.read_text().split('strategy = "')[1].split('"')[0])
    shutil.copy(source, strategy)
    strategy.write_text(strategy.read_text().replace("mode: update", "mode: append"))
    config.write_text(config.read_text().replace(str(source), str(strategy)))
    CliRunner().invoke(app, ["--config", str(config), "sync"])
    strategy.write_text(strategy.read_text().replace('period: "2026-Q4"', 'period: "2027-Q1"'))
    CliRunner().invoke(app, ["--config", str(config), "sync"])
    texts = report_comments(harness)
    assert len(texts) == 2
    assert "2026-Q4" in texts[0]
    assert "2027-Q1" in texts[1]


def test_notices_on_unaligned_work_are_posted_once_and_capped(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    strategy = tmp_path / "strategy.yaml"
    source = Path(config.read_text().split('strategy = "')[1].split('"')[0])
    shutil.copy(source, strategy)
    strategy.write_text(
        strategy.read_text()
        .replace("notify_unaligned: false", "notify_unaligned: true")
        .replace("max_notices: 10", "max_notices: 1")
    )
    config.write_text(config.read_text().replace(str(source), str(strategy)))
    for _ in range(3):
        CliRunner().invoke(app, ["--config", str(config), "sync"])
    notices = [key for key in harness.labels() for text in harness.comments(key) if "found no objective" in text]
    assert 1 <= len(notices) <= 3, "at most one a run"
    assert len(notices) == len(set(notices)), "once per issue"


def test_report_command_renders_from_the_state_without_requests(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    run_sync(tmp_path, harness)
    harness.log.clear()
    output = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["--config", str(config), "report", "--format", "html", "--output", str(output)])
    assert result.exit_code == 0, result.stderr
    assert "<svg" in output.read_text()
    assert oct(output.stat().st_mode & 0o777) == "0o600"
    result = CliRunner().invoke(app, ["--config", str(config), "report", "--format", "json"])
    assert '"schema": 1' in result.stdout
    assert harness.log.records() == []
