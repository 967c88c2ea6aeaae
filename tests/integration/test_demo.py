"""``syncd demo`` end to end in a subprocess: output, HTML report, the seeded organisation's exact figures."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO

SYNCD = [sys.executable, "-m", "syncd"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    directory = tmp_path_factory.mktemp("demo") / "out"
    result = subprocess.run(
        [*SYNCD, "demo", "--dir", str(directory)], cwd=REPO, capture_output=True, text=True, timeout=120, check=False
    )
    return result, directory


def test_demo_syncs_both_trackers_and_says_what_it_did(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, directory = demo
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "jira.acme: pulled 175, labelled 173 issues" in out
    assert "linear.acme: pulled 107, labelled 106 issues" in out
    assert "drift report posted on STRAT-1" in out
    assert "drift report posted on ENG-1" in out
    for line in (
        "Grow self-serve revenue (objective:self-serve-growth)                   104",
        "Unaligned (alignment:none)                                               49",
        "Kept as a person set them: 3 pins (ENG-7, WEB-17, WEB-3)",
        "GROW-12  Epic: Stripe webhook retries in billing       → self-serve-growth      structure: is epic GROW-12",
        "Alignment score: 0.80",
        "Declined (won't do, duplicate, canceled; in no share): 4 issues, effort 16",
        "WEB-2    Refactor the settings page                    → self-serve-growth      resemblance: like the items "
        'tagged by rules (of 120): words "page"',
        '  ENT-2    SCIM provisioning for Azure AD                → enterprise-readiness   keyword "scim" leading the '
        "title",
        "Starved (nothing for 21+ days): One source of truth for product analytics",
    ):
        assert line in out, line
    assert f"HTML report: {directory / 'report.html'}" in out


def test_the_demo_says_what_it_synced_and_hints_commands_that_work_as_pasted(
    demo: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    result, directory = demo
    out = result.stdout
    assert "projects GROW, ENT, OPS, WEB (175 issues); STRAT holds the drift report" in out
    assert "keyword: keyword" not in out, "the rule is named once"
    assert '→ enterprise-readiness   keyword "scim" leading the title' in out
    assert "-: no rule matched" not in out
    assert "→ unaligned              no rule matched" in out
    hint = out.rstrip().splitlines()[-1].strip()
    assert hint.endswith(f"--config {directory / 'syncd.toml'} explain GROW-2")
    pasted = subprocess.run(["sh", "-c", hint], cwd=REPO, capture_output=True, text=True, timeout=60, check=False)
    assert pasted.returncode == 0, pasted.stderr
    assert pasted.stdout.startswith("GROW-2  ")
    assert (directory / ".gitignore").read_text().splitlines()[-1] == "*", "never committed by accident"


def test_the_html_report_shows_every_objective(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, directory = demo
    html = (directory / "report.html").read_text()
    for name in (
        "Grow self-serve revenue",
        "Win enterprise deals",
        "Fewer incidents, faster pages",
        "One source of truth for product analytics",
        "Unaligned work",
    ):
        assert name in html, name
    assert "<svg" in html
    assert "starved" in html


def test_the_seeded_organisation_drifts_exactly_so(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, directory = demo
    report = subprocess.run(
        [*SYNCD, "--config", str(directory / "syncd.toml"), "report", "--format", "json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    overall = json.loads(report.stdout)["overall"]
    assert overall["total_effort"] == 450.0
    assert overall["items"] == 141
    assert overall["score"] == 0.7956
    assert overall["backlog_effort"] == 359.0
    assert [(o["id"], o["actual"], o["effort"], o["flagged"], o["starved"]) for o in overall["objectives"]] == [
        ("self-serve-growth", 0.3311, 149.0, False, False),
        ("enterprise-readiness", 0.1644, 74.0, False, False),
        ("reliability", 0.28, 126.0, False, False),
        ("data-platform", 0.0, 0.0, False, True),
    ]
    assert overall["unaligned"]["actual"] == 0.2244
    assert overall["declined"] == {"effort": 16.0, "items": 4}, (
        "won't do and duplicate in Jira, canceled and duplicate in Linear"
    )
    assert overall["unestimated"] == 19


def test_explain_after_the_demo(demo: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    _, directory = demo
    explained = subprocess.run(
        [*SYNCD, "--config", str(directory / "syncd.toml"), "explain", "GROW-3"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "objective: self-serve-growth (Grow self-serve revenue) (primary)" in explained.stdout
    assert "decided by: field" in explained.stdout


def test_keep_running_serves_the_emulators_until_interrupted(tmp_path: Path) -> None:
    directory = tmp_path / "out"
    process = subprocess.Popen(
        [*SYNCD, "demo", "--dir", str(directory), "--keep-running"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    lines = []
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        lines.append(line)
        if "curl -u" in line:
            break
    assert any("The emulators keep running" in line for line in lines), "".join(lines)
    rerun = subprocess.run(
        [*SYNCD, "--config", str(directory / "syncd.toml"), "sync", "--dry-run"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "jira.acme: dry run, 0 issues would change" in rerun.stdout
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0
