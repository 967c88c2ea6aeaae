"""The service's small parts: notify messages, the watchdog interval, health, metrics, signals."""

from __future__ import annotations

import http.client
import os
import platform
import signal
import socket
import threading
import time
from pathlib import Path

import pytest

from syncd import __version__
from syncd.errors import RateLimited, TransientError
from syncd.retry import CallStats
from syncd.service.health import Health, HealthServer
from syncd.service.metrics import Metrics
from syncd.service.notify import Notifier, watchdog_interval
from syncd.service.signals import SignalRelay
from syncd.sync.all_trackers import TrackerOutcome
from syncd.sync.engine import SyncResult


def test_notifier_sends_datagrams(tmp_path: Path) -> None:
    path = tmp_path / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(str(path))
        notifier = Notifier(str(path))
        notifier.ready("syncing")
        notifier.watchdog()
        assert server.recv(1024).decode().startswith("READY=1\nSTATUS=syncing\nMAINPID=")
        assert server.recv(1024) == b"WATCHDOG=1"
        notifier.close()


def test_notifier_without_systemd_is_silent() -> None:
    notifier = Notifier("")
    assert not notifier.enabled
    notifier.ready("x")


def test_watchdog_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    monkeypatch.setenv("WATCHDOG_USEC", "300000000")
    assert watchdog_interval() == 150
    monkeypatch.setenv("WATCHDOG_PID", "1")
    assert watchdog_interval() is None, "meant for another process"
    monkeypatch.delenv("WATCHDOG_USEC")
    assert watchdog_interval() is None


def test_health_is_stale_after_the_threshold() -> None:
    health = Health(["jira.a", "linear.b"], stale_after=100, started=0)
    assert health.report(now=50)[0], "grace period before the first sync"
    assert not health.report(now=150)[0]
    health.succeeded("jira.a", 120)
    health.succeeded("linear.b", 140)
    healthy, details = health.report(now=200)
    assert healthy
    assert details["trackers"]["jira.a"]["age_seconds"] == 80
    health.failed("linear.b", "503")
    assert not health.report(now=241)[0]
    assert health.report(now=241)[1]["trackers"]["linear.b"]["last_error"] == "503"


def test_a_sync_that_ran_to_its_end_with_problems_is_healthy_and_says_so() -> None:
    health = Health(["jira.a"], stale_after=100, started=0)
    health.succeeded("jira.a", 120, problems="GROW-9: skipped, no summary")
    healthy, details = health.report(now=150)
    assert healthy
    assert details["trackers"]["jira.a"]["last_error"] == "GROW-9: skipped, no summary"
    health.succeeded("jira.a", 160)
    assert health.report(now=170)[1]["trackers"]["jira.a"]["last_error"] is None


def test_metrics_counters_only_add_what_is_new() -> None:
    metrics = Metrics()
    stats = CallStats()
    stats.record_request("jira.a", None)
    stats.record_request("jira.a", RateLimited("429", status=429))
    stats.record_request("jira.a", TransientError("reset"))
    stats.record("jira.a", "rate_limited")
    metrics.observe_calls(stats)
    metrics.observe_calls(stats)
    stats.record_request("jira.a", None)
    metrics.observe_calls(stats)
    result = SyncResult("jira.a", pulled=3, applied=2, failed=1)
    metrics.observe_sync(TrackerOutcome("jira.a", result), duration=2.5, finished=1000.0)
    text = metrics.exposition().decode()
    assert 'syncd_api_requests_total{status="ok",tracker="jira.a"} 2.0' in text
    assert 'syncd_api_requests_total{status="rate_limited",tracker="jira.a"} 1.0' in text
    assert 'syncd_api_requests_total{status="network",tracker="jira.a"} 1.0' in text
    assert 'syncd_retries_total{reason="rate_limited",tracker="jira.a"} 1.0' in text
    assert 'syncd_label_ops_total{result="failed",tracker="jira.a"} 1.0' in text
    assert 'syncd_tracker_up{tracker="jira.a"} 1.0' in text


def test_metrics_tell_the_version_and_the_process() -> None:
    text = Metrics().exposition().decode()
    assert f'syncd_build_info{{python="{platform.python_version()}",version="{__version__}"}} 1.0' in text
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "process_start_time_seconds"):
        assert f"\n{name} " in text, name


@pytest.mark.parametrize("path", ["/healthz", "/metrics", "/nope"])
def test_head_answers_as_get_does_without_a_body(path: str) -> None:
    server = HealthServer(Health(["jira.a"], 60), Metrics().exposition, host="127.0.0.1", port=0).start()
    try:
        answers = []
        for method in ("GET", "HEAD"):
            connection = http.client.HTTPConnection(*server.address, timeout=5)
            connection.request(method, path)
            response = connection.getresponse()
            answers.append((response.status, response.getheader("Content-Type"), response.read()))
            connection.close()
    finally:
        server.stop()
    (get_status, get_type, body), (head_status, head_type, empty) = answers
    assert (head_status, head_type) == (get_status, get_type)
    assert body
    assert empty == b""


def test_a_signal_is_acted_on_even_while_the_main_thread_holds_the_lock_its_action_takes() -> None:
    """Acted on in the handler itself, the action would wait for this thread, and this thread for it."""
    held = threading.Lock()
    acted = threading.Event()
    seen: list[signal.Signals] = []

    def action(number: signal.Signals) -> None:
        with held:
            seen.append(number)
            acted.set()

    relay = SignalRelay({signal.SIGUSR1: action}).install()
    try:
        with held:
            os.kill(os.getpid(), signal.SIGUSR1)
            time.sleep(0.05)  # the handler runs in this thread between two bytecodes, while the lock is held
            assert not acted.is_set()
        assert acted.wait(timeout=5)
        assert seen == [signal.SIGUSR1]
    finally:
        relay.close()


def test_a_closed_relay_gives_the_signal_back_to_its_previous_handler() -> None:
    previous = signal.getsignal(signal.SIGUSR1)
    relay = SignalRelay({signal.SIGUSR1: lambda number: None}).install()
    assert signal.getsignal(signal.SIGUSR1) != previous
    relay.close()
    assert signal.getsignal(signal.SIGUSR1) == previous
