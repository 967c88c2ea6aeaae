"""Drift reports posted as tracker comments, over HTTP against every emulator: one comment, edited in
place only when its figures change, never duplicated — not by a retry, a crash or a lost state file —
its trend taken from the previous report's snapshot, and notices on unaligned work kept under their cap."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner, Result

from syncd.cli.main import app
from syncd.render import Format, marker_for, render_blocks
from syncd.render.blocks import Paragraph, Text
from syncd.state import StateStore
from syncd.sync.reports import NOTICE
from tests.integration.contract import run_sync
from tests.integration.harness import Harness, JiraHarness, LinearHarness

NOTICE_TEXT = "found no objective"


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


def with_strategy(tmp_path: Path, harness: Harness, edit: Callable[[str], str] = lambda text: text) -> Path:
    """The harness's settings file, pointing at an edited copy of the example strategy."""
    config = harness.settings_file(tmp_path)
    strategy = tmp_path / "strategy.yaml"
    source = Path(config.read_text().split('strategy = "')[1].split('"')[0])
    shutil.copy(source, strategy)
    strategy.write_text(edit(strategy.read_text()))
    config.write_text(config.read_text().replace(str(source), str(strategy)))
    return config


def notify(max_notices: int) -> Callable[[str], str]:
    return lambda text: text.replace("notify_unaligned: false", "notify_unaligned: true").replace(
        "max_notices: 10", f"max_notices: {max_notices}"
    )


def one_attempt(config: Path) -> Path:
    """No retries: a failed post is left for the next run at once."""
    config.write_text(config.read_text().replace("max_attempts = 8", "max_attempts = 1"))
    return config


def sync(config: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["--config", str(config), "sync", *args])


def add_unaligned_work(harness: Harness, count: int) -> list[str]:
    """Issues in progress that no objective of the example strategy claims, added as a person would."""
    titles = [f"Repaint meeting room {n}" for n in range(1, count + 1)]
    if isinstance(harness, JiraHarness):
        return [harness.site.store.create_issue("MISC", t, issue_type="Task", status="In Progress").key for t in titles]
    assert isinstance(harness, LinearHarness)
    return [harness.workspace.add_issue("ENG", t, state="In Progress").identifier for t in titles]


def noticed(harness: Harness) -> list[str]:
    """The issues carrying a notice, once per notice."""
    return [key for key in harness.labels() for text in harness.comments(key) if NOTICE_TEXT in text]


def notice_posts(harness: Harness) -> int:
    """Notice writes the tracker received (answered or not) since the log was last cleared."""
    return sum(1 for sent in harness.comment_requests() if NOTICE_TEXT in json.dumps(sent))


def pending_notices(tmp_path: Path, tracker: str) -> list[str]:
    with StateStore.open(tmp_path / "state.db") as store:
        return [entry.key for entry in store.outbox.pending(tracker, NOTICE)]


def comment_format(harness: Harness) -> Format:
    if isinstance(harness, JiraHarness):
        return "adf" if harness.deployment == "cloud" else "wiki"
    return "md"


def leave_comment(harness: Harness, key: str, marker: str, text: str) -> None:
    """A comment as syncd wrote it in an earlier run (as syncd's own user), in the tracker's format."""
    body: Any = render_blocks(
        [Paragraph((Text(text),)), Paragraph((Text(marker, muted=True),))], comment_format(harness)
    )
    if isinstance(harness, JiraHarness):
        harness.site.store.add_comment(key, body)
    else:
        assert isinstance(harness, LinearHarness)
        harness.workspace.add_comment(key, body)


def snapshots(tmp_path: Path) -> list[dict[str, Any]]:
    with sqlite3.connect(tmp_path / "state.db") as db:
        rows = db.execute("SELECT report FROM snapshots WHERE tracker = 'report' ORDER BY id").fetchall()
    return [json.loads(row[0]) for row in rows]


def lose_state(tmp_path: Path) -> None:
    for path in tmp_path.glob("state.db*"):
        path.unlink()


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
    config = with_strategy(tmp_path, harness, lambda text: text.replace("mode: update", "mode: append"))
    strategy = tmp_path / "strategy.yaml"
    sync(config)
    strategy.write_text(strategy.read_text().replace('period: "2026-Q4"', 'period: "2027-Q1"'))
    sync(config)
    texts = report_comments(harness)
    assert len(texts) == 2
    assert "2026-Q4" in texts[0]
    assert "2027-Q1" in texts[1]


def test_notices_are_capped_per_run_and_posted_once_per_issue(tmp_path: Path, harness: Harness) -> None:
    added = add_unaligned_work(harness, 4)
    config = with_strategy(tmp_path, harness, notify(2))
    posts = []
    for _ in range(4):
        harness.log.clear()
        assert sync(config).exit_code == 0
        posts.append(notice_posts(harness))
    assert posts == [2, 2, 1, 0], "five unaligned issues in progress, two a run, each once"
    assert sorted(noticed(harness)) == sorted({*added, *noticed(harness)}), "once per issue"
    assert len(noticed(harness)) == 5


def test_notices_left_by_a_failed_run_count_under_the_cap(tmp_path: Path, harness: Harness) -> None:
    """A failed run leaves two notices pending; people then align both issues. The next run posts two new
    notices and not the two stale ones on top: the cap holds across retries, and a notice that no longer
    applies is never sent."""
    add_unaligned_work(harness, 4)
    config = one_attempt(with_strategy(tmp_path, harness, notify(2)))
    harness.faults.paths = harness.comment_paths
    harness.faults.error_burst = 1000
    failed = sync(config)
    assert failed.exit_code == 1, "the report could not be posted"
    harness.faults.reset()
    stale = pending_notices(tmp_path, harness.tracker)
    assert len(stale) == 2
    for key in stale:
        harness.person_labels(key, add=["objective:reliability"])
    harness.log.clear()
    result = sync(config)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert notice_posts(harness) == 2
    assert not set(noticed(harness)) & set(stale), "aligned since: no notice"
    assert len(report_comments(harness)) == 1
    assert pending_notices(tmp_path, harness.tracker) == []


def test_a_failing_notice_never_holds_back_the_report(tmp_path: Path, harness: Harness) -> None:
    [gone, kept] = add_unaligned_work(harness, 2)
    run_sync(tmp_path, harness)
    harness.delete_issue(gone)  # the next incremental pull cannot see that; the notice will be refused
    key, pin, _ = harness.pin
    harness.person_labels(key, add=[pin])  # the figures change: the report must be edited
    config = with_strategy(tmp_path, harness, notify(10))
    harness.log.clear()
    result = sync(config)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "not posted" not in result.stdout + result.stderr
    sent = [r for r in harness.comment_requests() if NOTICE_TEXT not in json.dumps(r)]
    assert len(sent) == 1, "the report was edited"
    assert len(report_comments(harness)) == 1
    assert kept in noticed(harness), "the other notices still go out"
    harness.log.clear()
    assert sync(config).exit_code == 0
    assert harness.comment_requests() == [], "a refused notice is given up, not retried every run"


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


def test_the_trend_comes_from_the_snapshot_of_the_previous_report(tmp_path: Path, harness: Harness) -> None:
    run_sync(tmp_path, harness)
    [first] = snapshots(tmp_path)
    assert first["previous_at"] is None
    run_sync(tmp_path, harness)
    assert len(snapshots(tmp_path)) == 1, "unchanged figures write no snapshot"
    key, pin, _ = harness.pin
    harness.person_labels(key, add=[pin])
    run_sync(tmp_path, harness)
    [_, second] = snapshots(tmp_path)
    assert second["previous_at"] == first["generated_at"]
    before, after = first["overall"], second["overall"]
    assert after["previous_score"] == before["score"]
    assert [o["previous"] for o in after["objectives"]] == [o["actual"] for o in before["objectives"]]
    assert after["unaligned"]["previous"] == before["unaligned"]["actual"]
    assert after["objectives"] != before["objectives"] or after["score"] != before["score"]
    [text] = report_comments(harness)
    assert f"since {first['generated_at'][:10]}" in text, "the comment shows the trend against the first report"
    run_sync(tmp_path, harness)
    assert len(snapshots(tmp_path)) == 2


def test_a_lost_state_never_takes_a_notice_or_a_period_comment_for_the_report(tmp_path: Path, harness: Harness) -> None:
    """The report's marker begins the markers of the same tracker's notices and append-mode comments; only
    the whole marker may find a comment, so neither earlier comment is edited into the report."""
    issue, tracker = harness.report_issue, harness.tracker
    leave_comment(harness, issue, marker_for(f"{tracker}:notice:{issue}"), "syncd found no objective here.")
    leave_comment(harness, issue, marker_for(tracker, "2026-Q3"), "Strategy drift — 2026-Q3, kept for the record.")
    earlier = harness.comments(issue)
    run_sync(tmp_path, harness)
    lose_state(tmp_path)
    key, pin, _ = harness.pin
    harness.person_labels(key, add=[pin])
    run_sync(tmp_path, harness)
    texts = harness.comments(issue)
    assert texts[:2] == earlier, "the notice and the period comment are untouched"
    assert len(texts) == 3, "one report comment, found again by its whole marker after the state was lost"
    assert "Strategy drift — 2026-Q4" in texts[2].replace("\\", "")


def test_report_post_through_the_cli(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    run_sync(tmp_path, harness, report=False)
    assert harness.comment_requests() == []
    result = CliRunner().invoke(app, ["--config", str(config), "report", "--post"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout == f"{harness.tracker}: drift report on {harness.report_issue}: posted\n"
    [sent] = harness.comment_requests()
    body = json.dumps(sent)
    assert "Strategy drift" in body
    assert f"syncd:drift:report:{harness.tracker}" in body
    [text] = report_comments(harness)
    assert "Grow self-serve revenue" in text
    harness.log.clear()
    again = CliRunner().invoke(app, ["--config", str(config), "report", "--post", "--tracker", harness.tracker])
    assert again.exit_code == 0
    assert again.stdout.endswith(": unchanged\n")
    assert harness.comment_requests() == []


def test_report_post_per_team_shows_the_teams_on_the_tracker(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    run_sync(tmp_path, harness)
    listed = CliRunner().invoke(app, ["--config", str(config), "report", "--format", "json", "--per-team"])
    teams = [team["scope"].split(" ", 1)[1] for team in json.loads(listed.stdout)["teams"]]
    assert len(teams) >= 2
    harness.log.clear()
    result = CliRunner().invoke(app, ["--config", str(config), "report", "--post", "--per-team"])
    assert result.exit_code == 0, result.stdout + result.stderr
    assert result.stdout.endswith(": posted\n"), "the teams are new figures for the comment"
    assert len(harness.comment_requests()) == 1
    [text] = report_comments(harness)
    assert "Per team or project" in text
    for team in teams:
        assert team in text


def test_per_team_in_the_strategy_puts_the_teams_in_every_synced_comment(tmp_path: Path, harness: Harness) -> None:
    config = with_strategy(tmp_path, harness, lambda text: text.replace("per_team: false", "per_team: true"))
    assert sync(config).exit_code == 0
    [text] = report_comments(harness)
    assert "Per team or project" in text
    harness.log.clear()
    assert sync(config).exit_code == 0
    assert harness.comment_requests() == [], "the next sync's report has the same teams: nothing to edit"
    posted = CliRunner().invoke(app, ["--config", str(config), "report", "--post"])
    assert posted.stdout.endswith(": unchanged\n"), "report --post follows the strategy's per_team too"


@pytest.mark.parametrize("fmt", ["md", "wiki", "adf", "json", "html"])
def test_report_per_team_in_every_format(tmp_path: Path, fmt: str) -> None:
    with JiraHarness("cloud") as harness:
        config = harness.settings_file(tmp_path)
        run_sync(tmp_path, harness, report=False)
        result = CliRunner().invoke(app, ["--config", str(config), "report", "--format", fmt, "--per-team"])
    assert result.exit_code == 0, result.stderr
    for project in ("GROW", "OPS", "ENT", "MISC"):
        assert f"jira.acme {project}" in result.stdout, (fmt, project)
    plain = CliRunner().invoke(app, ["--config", str(config), "report", "--format", fmt])
    assert "jira.acme GROW" not in plain.stdout, "teams only when asked for"


def test_report_tracker_option_scopes_the_comment_formats(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    run_sync(tmp_path, harness, report=False)
    scoped = CliRunner().invoke(app, ["--config", str(config), "report", "--tracker", harness.tracker])
    assert scoped.exit_code == 0, scoped.stderr
    assert f"{harness.tracker}: work in progress" in scoped.stdout
    assert "syncd:drift:report" not in scoped.stdout, "the comment marker is for the tracker's comment only"
    unknown = CliRunner().invoke(app, ["--config", str(config), "report", "--tracker", "jira.nowhere"])
    assert unknown.exit_code == 2
    assert "jira.nowhere" in unknown.stderr
    assert harness.comment_requests() == []


def test_the_history_is_read_from_the_snapshots_of_the_period(tmp_path: Path) -> None:
    with JiraHarness("cloud") as harness:
        config = harness.settings_file(tmp_path)
        run_sync(tmp_path, harness)
        key, pin, _ = harness.pin
        harness.person_labels(key, add=[pin])
        run_sync(tmp_path, harness)
        [text] = report_comments(harness)
    stored = snapshots(tmp_path)
    assert len(stored) == 2
    with StateStore.open(tmp_path / "state.db") as store:
        store.snapshots.add("report", {**stored[0], "period": "2026-Q3", "generated_at": "2026-09-30T12:00:00+00:00"})
    page = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["--config", str(config), "report", "--format", "html", "--output", str(page)])
    assert result.exit_code == 0, result.output
    table = page.read_text().split("The history as a table", 1)[1].split("</table>", 1)[0]
    dates = [cell[:10] for cell in table.split('<td data-label="Report">')[1:]]
    assert dates[:2] == [stored[0]["generated_at"][:10], stored[1]["generated_at"][:10]]
    assert len(dates) == 3, "the two stored reports of the period and this one; the Q3 snapshot is left out"
    assert "Alignment score over 2026-Q4: " in text, "the comment carries the history in a line"


def add_closed_work(harness: Harness) -> None:
    """Two declined issues of effort 13 each, and one done issue whose workflow set no resolution."""
    if isinstance(harness, JiraHarness):
        store = harness.site.store
        store.create_issue("MISC", "Dark mode for invoices", status="Won't Do", story_points=13)
        store.create_issue("MISC", "Invoice export, again", status="Done", resolution="Duplicate", story_points=13)
        store.create_issue("MISC", "Archive old invoices", status="Done", resolution=None, story_points=2)
        return
    assert isinstance(harness, LinearHarness)
    workspace = harness.workspace
    workspace.add_issue("ENG", "Dark mode for invoices", state="Canceled", estimate=13)
    workspace.add_issue("ENG", "Invoice export, again", state="Duplicate", estimate=13)
    workspace.add_issue("ENG", "Archive old invoices", state="Done", estimate=2)


def report_json(config: Path) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["--config", str(config), "report", "--format", "json"])
    assert result.exit_code == 0, result.stderr
    figures: dict[str, Any] = json.loads(result.stdout)["overall"]
    return figures


def test_declined_work_leaves_the_allocation_and_every_report_says_how_much(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    run_sync(tmp_path, harness)
    before = report_json(config)
    add_closed_work(harness)
    run_sync(tmp_path, harness)
    after = report_json(config)
    assert after["declined"]["items"] == before["declined"]["items"] + 2
    assert after["declined"]["effort"] == before["declined"]["effort"] + 26
    assert (after["items"], after["total_effort"]) == (before["items"] + 1, before["total_effort"] + 2), (
        "done without a resolution date is done work, not dropped"
    )
    [text] = report_comments(harness)
    assert f"Declined: {after['declined']['items']} issues closed in the window without being done" in text.replace(
        "*", ""
    )


ON_POSTGRES = [
    test_first_sync_posts_one_report_in_the_trackers_format,
    test_unchanged_figures_write_no_comment_and_changes_edit_in_place,
    test_a_dropped_answer_and_a_crash_before_the_state_write_leave_one_comment,
    test_retries_of_a_comment_post_never_duplicate_it,
    test_notices_are_capped_per_run_and_posted_once_per_issue,
    test_report_post_through_the_cli,
]


@pytest.mark.parametrize("kind", ["jira-cloud", "linear"])
@pytest.mark.parametrize("check", ON_POSTGRES, ids=lambda check: check.__name__.removeprefix("test_"))
def test_on_postgres(
    check: Callable[[Path, Harness], None], kind: str, tmp_path: Path, postgres_url: SecretStr
) -> None:
    """The same report promises with the state in PostgreSQL, where posting is under the tracker's lease."""
    started: Harness = LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))
    started.on_postgres(postgres_url)
    with started:
        check(tmp_path, started)
