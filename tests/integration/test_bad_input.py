"""Bad input from outside syncd's files (a tracker's odd answers, the machine, the operator's command
line) gets a clear message and the right exit code, never "internal error … a bug in syncd"."""

from __future__ import annotations

import resource
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from tests.conftest import REPO
from tests.integration.harness import Harness, JiraHarness, LinearHarness


@pytest.fixture(params=["jira-cloud", "jira-datacenter", "linear"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    kind = request.param
    started: Harness = LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))
    with started:
        yield started


def syncd(config: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(config), "--log-format", "json", *args])
    return result.exit_code, result.stdout + result.stderr


def test_a_redirect_to_another_host(tmp_path: Path, harness: Harness) -> None:
    with JiraHarness("cloud") as elsewhere:
        harness.faults.redirect_to = elsewhere.site.url + "/login"
        code, out = syncd(harness.settings_file(tmp_path), "sync")
        assert elsewhere.log.count() == 0
    assert "bug in syncd" not in out, out
    assert code == 2, out
    assert "the url redirects to http://127.0.0.1" in out
    assert "/login" in out


@pytest.mark.parametrize(
    "body", [None, [], {"error": "unauthorized"}, {"errors": "Unauthorized"}, {"message": "no", "errors": None}]
)
@pytest.mark.parametrize("command", ["sync", "check"])
def test_linear_401_with_an_answer_that_is_not_graphql(tmp_path: Path, body: object, command: str) -> None:
    with LinearHarness() as harness:
        harness.faults.wrong_shape_burst = 100
        harness.faults.wrong_shape_status = 401
        harness.faults.wrong_shape_body = body
        code, out = syncd(harness.settings_file(tmp_path), command)
        harness.faults.reset()
        harness.faults.echo_status = 401
        html_code, html_out = syncd(harness.settings_file(tmp_path), command)
    assert "bug in syncd" not in out + html_out, out + html_out
    assert (code, html_code) == (3, 3), out + html_out


@pytest.mark.parametrize("body", [None, {"message": "no", "errors": None}, {"errors": "Unauthorized"}])
def test_linear_200_that_is_not_graphql(tmp_path: Path, body: object) -> None:
    with LinearHarness() as harness:
        harness.tweak("max_attempts = 8", "max_attempts = 2")
        harness.faults.wrong_shape_burst = 100
        harness.faults.wrong_shape_body = body
        code, out = syncd(harness.settings_file(tmp_path), "sync")
    assert "bug in syncd" not in out, out
    assert code == 4, "the only tracker stayed unavailable: nothing could be synced"
    assert "not GraphQL" in out


def _health(tmp_path: Path, host: str, port: int = 9464) -> Path:
    config = tmp_path / "syncd.toml"
    config.write_text(f'state_path = "{tmp_path / "state.db"}"\n\n[service.health]\nhost = "{host}"\nport = {port}\n')
    return config


def test_a_health_host_that_is_no_address(tmp_path: Path) -> None:
    code, out = syncd(_health(tmp_path, "999.0.0.1"), "check", "--offline")
    assert code == 2, out
    assert "service.health.host: '999.0.0.1' is no IPv4 address" in out


def test_a_health_host_that_cannot_be_listened_on(tmp_path: Path) -> None:
    code, out = syncd(_health(tmp_path, "192.0.2.1"), "check", "--offline")  # TEST-NET-1: never this machine's
    assert code == 2, out
    assert "service.health: cannot listen on 192.0.2.1" in out


def test_the_service_with_its_health_port_taken_stops_with_exit_2(tmp_path: Path) -> None:
    with JiraHarness("cloud") as harness, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = harness.settings_file(tmp_path)
        config.write_text(config.read_text() + f"\n[service.health]\nport = {port}\n")
        code, out = syncd(config, "run")
    assert code == 2, out
    assert f"service.health: cannot listen on 127.0.0.1:{port} (Address already in use)" in out


def test_report_output_into_a_directory_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with JiraHarness("cloud") as harness:
        config = harness.settings_file(tmp_path)
        code, out = syncd(config, "report", "--output", str(tmp_path / "a-file" / "sub" / "report.html"))
    assert code == 2, out
    assert "--output: cannot write" in out
    assert "Not a directory" in out


def test_a_state_file_damaged_mid_file(tmp_path: Path) -> None:
    with JiraHarness("cloud") as harness:
        config = harness.settings_file(tmp_path)
        assert syncd(config, "sync")[0] == 0
        state = tmp_path / "state.db"
        data = bytearray(state.read_bytes())
        page = 4096
        data[2 * page : 4 * page] = b"\xa5" * (2 * page)  # the header stays whole: the damage is mid-file
        state.write_bytes(bytes(data))
        for command in (["state", "show"], ["sync"], ["report"]):
            code, out = syncd(config, *command)
            assert "bug in syncd" not in out, out
            assert code == 2, out
            assert "the state file is damaged" in out


def test_a_full_disk_while_syncing(tmp_path: Path) -> None:
    """The state file may not grow past 200 kB (``RLIMIT_FSIZE``: writes beyond fail as on a full disk)."""
    with JiraHarness("cloud") as harness:
        config = harness.settings_file(tmp_path)
        limit = 200_000

        def small_disk() -> None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

        result = subprocess.run(
            [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "sync"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=120,
            preexec_fn=small_disk,
            check=False,
        )
    assert "bug in syncd" not in result.stderr, result.stderr
    assert "the state file cannot be written" in result.stdout + result.stderr, result.stderr
    assert result.returncode == 1


_PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True, check=False)
print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(done.stdout + done.stderr)
"""


def test_a_400_mb_answer_is_not_read(tmp_path: Path) -> None:
    """A page of 400 MB without a Content-Length: syncd stops reading at its cap, in a process that stays
    small (its peak resident memory, in kB, measured by a parent that runs nothing else)."""
    with JiraHarness("cloud") as harness:
        harness.tweak("max_attempts = 8", "max_attempts = 2")
        config = harness.settings_file(tmp_path)
        harness.faults.paths = "search"
        harness.faults.oversize_burst = 10
        harness.faults.oversize_bytes = 400 * 2**20
        command = [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "sync"]
        result = subprocess.run(
            [sys.executable, "-c", _PEAK, *command], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
        )
    first, rest = result.stdout.split("\n", 1)
    code, peak_kb = (int(word) for word in first.split())
    assert code == 4, rest
    assert "the answer was larger than 64 MB and was not read" in rest
    assert "bug in syncd" not in rest
    assert peak_kb < 250_000, f"peak {peak_kb} kB"


@pytest.mark.parametrize("body", [None, [], {"data": {}, "issues": "none"}, "text"])
@pytest.mark.parametrize("deployment", ["cloud", "datacenter"])
def test_jira_answers_of_another_shape_everywhere(tmp_path: Path, deployment: str, body: object) -> None:
    """Every answer, the site's own metadata included, is JSON of another shape: a transient failure,
    retried, then the tracker's failure in words: for a sync, nothing could be synced (exit 4); for check,
    a check that failed (exit 1)."""
    with JiraHarness(deployment) as harness:
        harness.tweak("max_attempts = 8", "max_attempts = 2")
        harness.faults.wrong_shape_burst = 100
        harness.faults.wrong_shape_body = body
        config = harness.settings_file(tmp_path)
        results = [syncd(config, command) for command in ("sync", "check")]
    for (code, out), expected in zip(results, (4, 1), strict=True):
        assert "bug in syncd" not in out, out
        assert code == expected, out
        assert "the answer was not of Jira's shape" in out or "not a page of issues" in out, out
