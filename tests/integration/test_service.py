"""``syncd run`` as systemd runs it: a subprocess with a notify socket, health and metrics endpoints,
signals, and the unit files themselves."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncd.service.daemon import STOP_GRACE
from syncd.settings import JiraSite
from syncd.state import StateStore
from tests.conftest import EXAMPLE_STRATEGY, REPO
from tests.integration import jira_org
from tests.integration.harness import JiraHarness


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Unit:
    """A ``syncd run`` subprocess with a fake systemd notify socket."""

    def __init__(
        self,
        tmp_path: Path,
        harness: JiraHarness,
        *,
        strategy: Path = EXAMPLE_STRATEGY,
        extra: str = "",
        health: str = "",
    ) -> None:
        self.port = free_port()
        config = harness.settings_file(tmp_path)
        text = config.read_text().replace(f'strategy = "{EXAMPLE_STRATEGY}"', f'strategy = "{strategy}"')
        if "[service]\n" in text:  # the harness's own service keys (the lease time on PostgreSQL)
            text = text.replace("[service]\n", "[service]\ninterval = 10\n", 1)
        else:
            extra += "\n[service]\ninterval = 10\n"
        config.write_text(text + extra + f"\n[service.health]\nport = {self.port}\n{health}\n")
        self.notify_path = tmp_path / "notify.sock"
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(str(self.notify_path))
        self.notify.settimeout(0.2)
        self.messages: list[str] = []
        self.log = tmp_path / "syncd.log"
        env = {**os.environ, "NOTIFY_SOCKET": str(self.notify_path), "WATCHDOG_USEC": "1000000"}
        env.pop("WATCHDOG_PID", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "run"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )

    def wait_for(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in message for message in self.messages):
                return
            try:
                self.messages.append(self.notify.recv(4096).decode())
            except TimeoutError:
                assert self.process.poll() is None, self.log.read_text()
        raise AssertionError(f"no {text!r} in {self.messages}\n{self.log.read_text()}")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def exit_code(self, timeout: float = 10) -> int:
        """The code the service exits with, or a failure that shows its log when it does not exit in time."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {timeout:g} s after the signal\n{self.log.read_text()}") from None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.notify.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def harness(request: pytest.FixtureRequest) -> Iterator[JiraHarness]:
    """Jira Cloud, with the state in a SQLite file, then in PostgreSQL."""
    started = JiraHarness("cloud")
    if request.param == "postgresql":
        started.on_postgres(request.getfixturevalue("postgres_url"))
    with started:
        yield started


def test_ready_watchdog_status_metrics_health_and_a_clean_stop(tmp_path: Path, harness: JiraHarness) -> None:
    unit = Unit(tmp_path, harness)
    try:
        unit.wait_for("READY=1")
        unit.wait_for("STATUS=jira.acme: ok")
        unit.wait_for("WATCHDOG=1")
        status, body = unit.get("/healthz")
        assert status == 200
        health = json.loads(body)
        assert health["trackers"]["jira.acme"]["healthy"]
        status, metrics = unit.get("/metrics")
        text = metrics.decode()
        assert status == 200
        for name in (
            'syncd_alignment_score{scope="all"}',
            'syncd_objective_share{objective="self-serve-growth",scope="jira.acme"}',
            'syncd_objective_drift{objective="reliability",scope="all"}',
            'syncd_unaligned_share{scope="all"}',
            'syncd_items{tracker="jira.acme"} 12.0',
            'syncd_api_requests_total{status="ok",tracker="jira.acme"}',
            'syncd_label_ops_total{result="applied",tracker="jira.acme"} 12.0',
            'syncd_last_success_timestamp_seconds{tracker="jira.acme"}',
            'syncd_sync_duration_seconds_count{tracker="jira.acme"} 1.0',
        ):
            assert name in text, name
        assert unit.get("/nope")[0] == 404
        unit.signal(signal.SIGTERM)
        assert unit.exit_code() == 0
        unit.wait_for("STOPPING=1", timeout=2)
    finally:
        unit.close()


def test_a_failing_tracker_never_stops_the_others_and_turns_health_503(tmp_path: Path, harness: JiraHarness) -> None:
    unit = Unit(tmp_path, harness, extra=jira_org.refused_table(harness.site), health="stale_after = 1")
    try:
        unit.wait_for("READY=1")
        unit.wait_for("STATUS=jira.acme: ok")
        unit.wait_for("STATUS=jira.refused: failed")
        time.sleep(1.2)
        status, body = unit.get("/healthz")
        assert unit.process.poll() is None, "one tracker's failure never ends the service"
        assert status == 503
        trackers = json.loads(body)["trackers"]
        assert trackers["jira.acme"]["last_success"] is not None
        assert trackers["jira.acme"]["last_error"] is None
        assert not trackers["jira.refused"]["healthy"]
        assert "authentication failed" in trackers["jira.refused"]["last_error"]
        with StateStore.connect(harness.state_target(tmp_path)) as store:
            assert not store.outbox.pending("jira.acme"), "the healthy tracker synced to the end"
        unit.signal(signal.SIGTERM)
        assert unit.exit_code() == 0
    finally:
        unit.close()


def test_the_health_endpoint_can_be_switched_off(tmp_path: Path, harness: JiraHarness) -> None:
    unit = Unit(tmp_path, harness, health="enabled = false")
    try:
        unit.wait_for("READY=1")
        unit.wait_for("STATUS=jira.acme: ok")
        with pytest.raises(urllib.error.URLError):
            unit.get("/healthz")
        unit.signal(signal.SIGTERM)
        assert unit.exit_code() == 0
    finally:
        unit.close()


def test_sigterm_during_a_rate_limit_wait_exits_promptly_and_consistently(tmp_path: Path, harness: JiraHarness) -> None:
    harness.faults.paths = harness.write_paths
    harness.faults.rate_limit_burst = 100
    harness.faults.retry_after = 30
    unit = Unit(tmp_path, harness)
    try:
        unit.wait_for("READY=1")
        deadline = time.monotonic() + 30
        while harness.writes() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        started = time.monotonic()
        unit.signal(signal.SIGTERM)
        assert unit.exit_code() == 0
        assert time.monotonic() - started < 5, "the 30 s wait was cut short"
    finally:
        unit.close()
    with StateStore.connect(harness.state_target(tmp_path)) as store:
        pending = store.outbox.pending("jira.acme")
        assert len(pending) == 12, "every planned write is still in the outbox for the next run"
        assert store.runs.latest()[0].status == "cancelled"
    harness.faults.reset()


def test_sigterm_while_a_tracker_drips_its_answer_stops_within_seconds(tmp_path: Path, harness: JiraHarness) -> None:
    harness.faults.paths = harness.write_paths
    harness.faults.drip_burst = 100
    harness.faults.drip_seconds = 60.0
    unit = Unit(tmp_path, harness)
    try:
        unit.wait_for("READY=1")
        deadline = time.monotonic() + 30
        while harness.writes() == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        unit.signal(signal.SIGTERM)
        assert unit.exit_code(timeout=20) == 0
        assert time.monotonic() - started < STOP_GRACE + 3, "the dripping answer was cut short"
    finally:
        unit.close()
    with StateStore.connect(harness.state_target(tmp_path)) as store:
        assert store.runs.latest()[0].status == "cancelled"
        assert len(store.outbox.pending("jira.acme")) >= 11, "the writes not confirmed stay in the outbox"
    harness.faults.reset()


def test_the_unit_waits_longer_than_a_request_and_a_stop_can_take() -> None:
    unit = (UNITS / "syncd.service").read_text()
    stop = int(next(line for line in unit.splitlines() if line.startswith("TimeoutStopSec=")).split("=")[1])
    default_timeout = JiraSite.model_fields["timeout"].default
    assert stop > default_timeout + STOP_GRACE


@pytest.mark.parametrize("unit", ["syncd.service", "syncd-sync.service"])
def test_the_units_never_restart_on_bad_settings_or_credentials(unit: str) -> None:
    lines = (UNITS / unit).read_text().splitlines()
    assert "RestartPreventExitStatus=2 3" in lines
    assert "PrivateMounts=yes" in lines


def test_sighup_with_a_broken_strategy_keeps_running_on_the_old_one(tmp_path: Path, harness: JiraHarness) -> None:
    strategy = tmp_path / "strategy.yaml"
    shutil.copy(EXAMPLE_STRATEGY, strategy)
    unit = Unit(tmp_path, harness, strategy=strategy)
    try:
        unit.wait_for("READY=1")
        strategy.write_text("version: 1\nobjectives: [\n")
        unit.signal(signal.SIGHUP)
        unit.wait_for("strategy reload refused")
        assert unit.process.poll() is None
        assert "strategy.reload_refused" in unit.log.read_text()
        shutil.copy(EXAMPLE_STRATEGY, strategy)
        unit.signal(signal.SIGHUP)
        unit.wait_for("strategy reloaded: 2026-Q4")
        unit.signal(signal.SIGTERM)
        assert unit.exit_code() == 0
    finally:
        unit.close()


UNITS = REPO / "systemd"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_units_verify(tmp_path: Path) -> None:
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/usr/local/bin/syncd", str(Path(sys.executable).with_name("syncd")))
        (tmp_path / unit.name).write_text(text)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["syncd-sync.service", "syncd-sync.timer", "syncd.service"]
    result = subprocess.run(
        ["systemd-analyze", "verify", *names], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
@pytest.mark.parametrize("unit", ["syncd.service", "syncd-sync.service"])
def test_units_are_hardened(unit: str) -> None:
    result = subprocess.run(
        ["systemd-analyze", "security", "--offline=true", str(UNITS / unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    line = next(line for line in result.stdout.splitlines() if "Overall exposure level" in line)
    level = float(line.split(":")[1].split()[0])
    assert level <= 2.0, line
