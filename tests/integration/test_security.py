"""Secrets stay secret: not in the state file, not in what syncd prints, not in reports; TLS is verified."""

from __future__ import annotations

import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import typer
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.connectors.jira import JiraConnector
from syncd.connectors.linear import LinearConnector
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import JiraSite, LinearWorkspace
from syncd.strategy import LabelScheme
from tests.conftest import REPO, TEST_SECRETS, leaks_in_sections
from tests.integration.contract import run_sync
from tests.integration.harness import Harness, JiraHarness, LinearHarness
from tests.support.outputs import OUTPUTS


@pytest.fixture(params=["jira-cloud", "jira-datacenter", "linear"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    kind = request.param
    started: Harness = LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))
    with started:
        yield started


def test_no_secret_in_state_output_or_reports(tmp_path: Path, harness: Harness) -> None:
    config = harness.settings_file(tmp_path)
    run_sync(tmp_path, harness)
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("state.db*"))
    outputs = [
        CliRunner().invoke(app, ["--config", str(config), *argv])
        for argv in (
            ["state", "show"],
            ["report", "--format", "json"],
            ["report", "--format", "html"],
            ["report", "--format", "md"],
            ["--log-level", "debug", "sync", "--dry-run"],
        )
    ]
    texts = [result.stdout + result.stderr for result in outputs]
    comments = harness.comments(harness.report_issue)
    for secret in TEST_SECRETS:
        assert secret.encode() not in stored
        for text in (*texts, *comments):
            assert secret not in text
    for path in tmp_path.glob("state.db*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


HOSTILE_COMMANDS = (
    ["check"],
    ["sync"],
    ["sync", "--dry-run"],
    ["--log-level", "debug", "sync", "--full"],
    ["report", "--post"],
    ["explain", "ANY-1"],
    ["state", "show"],
)


@pytest.mark.parametrize("status", [401, 502, 200])
def test_no_command_repeats_the_credentials_a_tracker_echoes(tmp_path: Path, harness: Harness, status: int) -> None:
    """Every command, against a tracker whose every answer repeats the request's credentials (the
    Authorization header, the decoded ``email:token``, and the bare base64 of it) in a non-JSON page."""
    harness.tweak("max_attempts = 8", "max_attempts = 2")
    config = harness.settings_file(tmp_path)
    run_sync(tmp_path, harness)
    harness.faults.echo_status = status
    texts = []
    for argv in HOSTILE_COMMANDS:
        result = CliRunner().invoke(app, ["--config", str(config), "--log-format", "json", *argv])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        texts.append(result.stdout + result.stderr)
    if isinstance(harness, JiraHarness) and status == 401:
        assert any("[redacted]" in text for text in texts), "Jira's words are shown, and redacted"
    for secret in TEST_SECRETS:
        for text in texts:
            assert secret not in text


def test_tls_is_verified_by_default() -> None:
    site = JiraSite(url="https://acme.atlassian.net", email="a@b.c", api_token="x")  # type: ignore[arg-type]
    assert site.verify_tls
    jira = JiraConnector("jira.a", site, LabelScheme(), policy=RetryPolicy(), stats=CallStats())
    assert jira._client._session.verify is True
    workspace = LinearWorkspace(api_key="k")  # type: ignore[arg-type]
    linear = LinearConnector("linear.a", workspace, LabelScheme(), policy=RetryPolicy(), stats=CallStats())
    try:
        assert linear._sessions.current().transport.verify is True
    finally:
        linear.close()


def test_the_files_the_demo_writes_are_private(tmp_path: Path) -> None:
    directory = tmp_path / "demo"
    directory.mkdir()
    directory.chmod(0o755)
    stale = directory / "syncd.toml"
    stale.write_text("# left from an earlier run\n")
    stale.chmod(0o644)
    result = subprocess.run(
        [sys.executable, "-m", "syncd", "demo", "--dir", str(directory)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in directory.iterdir() if path.is_file())
    assert {"syncd.toml", "strategy.yaml", "report.html", "state.db"} <= set(written), written
    modes = {name: oct(stat.S_IMODE((directory / name).stat().st_mode)) for name in written}
    assert modes == dict.fromkeys(written, oct(0o600))
    assert oct(stat.S_IMODE(directory.stat().st_mode)) == oct(0o700), "the directory is its owner's alone"


def test_the_secrets_audit_catches_a_token_in_every_channel(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """A leaked token reaches the audit from each place the suite captures output; this test then takes
    its own leaks back (or it would fail the session), and fails on anyone else's it picked up."""
    leaked = TEST_SECRETS[0]
    printer = typer.Typer()

    @printer.command()
    def show() -> None:
        typer.echo(f"token {leaked}")

    CliRunner().invoke(printer, [])
    script = [sys.executable, "-c", f"import sys; print({leaked!r}); print({leaked!r}, file=sys.stderr)"]
    subprocess.run(script, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=True)
    with (
        (tmp_path / "stderr.log").open("w") as log,
        subprocess.Popen(script, stdout=subprocess.PIPE, stderr=log, text=True) as process,
    ):
        assert process.stdout is not None
        assert leaked in process.stdout.readline()
    with JiraHarness("cloud") as harness:
        harness.site.store.add_comment("STRAT-1", f"pasted by mistake: {leaked}")
        harness.comments("STRAT-1")
        requests.get(f"{harness.site.url}/rest/api/2/myself", params={"q": leaked}, timeout=10)

    found = list(OUTPUTS.leaks(TEST_SECRETS))
    mine = [leak for leak in found if leak.startswith(f"{request.node.nodeid} (")]
    assert sorted(found) == sorted(mine), "leaks of other tests"
    for place in (
        "(CliRunner output)",
        ", stdout (discarded))",
        ", stderr)",
        ", stdout)",
        ", stderr file)",
        "(comments on STRAT-1)",
        "(requests to jira.acme)",
    ):
        assert any(place in leak for leak in mine), f"{place} not audited: {mine}"
    sections = [("Captured stdout call", f"token {leaked}\n"), ("Captured log call", "nothing")]
    assert leaks_in_sections("t.py::x", "call", sections) == [f"t.py::x (call, Captured stdout call): {leaked!r}"]
