"""Webhook latency and read economy: from a person's label edit on the emulated Jira site to syncd's
label write, and what a burst of events costs.

1. **Latency:** ``syncd run`` (its own process) with the webhook receiver, polling every ``--interval``
   seconds; a person adds the ``pricing`` label to ``--edits`` unaligned issues at ``--rate`` edits a
   second; each edit is timed until syncd's write of ``objective:self-serve-growth`` lands on the site.
   Printed: p50, p95 and max, beside what polling alone would give (a uniform wait over the interval:
   p50 = interval/2, p95 = 0.95 x interval).
2. **Burst:** ``--burst`` edits spread over ``--burst-issues`` issues as fast as the site takes them; the
   issue reads syncd makes for them (``GET /issue``) are counted once the queue is empty.

    python -m bench.webhook_latency --edits 200 --rate 4 --burst 1000 --burst-issues 100
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench.common import ROOT, STRATEGY, write_json
from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.changes import IssueEdit
from syncd.sandbox.jira.model import Issue

GROWTH = "objective:self-serve-growth"
SECRET = "bench-webhook-secret"


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Landed:
    """Watches the site's store for the moment syncd's growth label lands on each issue."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, old: Issue | None, new: Issue | None) -> None:
        if old is not None and new is not None and GROWTH in new.labels and GROWTH not in old.labels:
            with self._lock:
                self.at.setdefault(new.key, time.monotonic())


def _config(directory: Path, site: JiraEmulator, *, interval: float, debounce: float, port: int) -> Path:
    email, token = site.basic_auth
    path = directory / "syncd.toml"
    path.write_text(
        textwrap.dedent(
            f"""
            strategy = "{STRATEGY}"
            state_path = "{directory / "state.db"}"
            [jira.bench]
            url = "{site.url}"
            deployment = "cloud"
            email = "{email}"
            api_token = "{token}"
            projects = ["MISC", "BURST"]
            [service]
            interval = {interval}
            [service.health]
            enabled = false
            [service.webhooks]
            enabled = true
            port = {port}
            debounce = {debounce}
            max_delay = 5
            """
        )
    )
    return path


def _register(site: JiraEmulator, port: int) -> None:
    email, token = site.basic_auth
    body = {
        "name": "syncd",
        "url": f"http://127.0.0.1:{port}/webhooks/jira/bench",
        "events": ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"],
        "filters": {"issue-related-events-section": "project in (MISC, BURST)"},
        "secret": SECRET,
    }
    request = urllib.request.Request(  # noqa: S310 - the emulator on loopback
        f"{site.url}/rest/webhooks/1.0/webhook",
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode(),
        },
    )
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310
        pass


def _wait(condition: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def run(*, edits: int, rate: float, burst: int, burst_issues: int, interval: float, debounce: float) -> dict[str, Any]:
    site = JiraEmulator("cloud", keep_bodies=False)
    store = site.store
    store.create_project("MISC", "Miscellaneous")
    store.create_project("BURST", "Burst")
    latency_keys = [store.create_issue("MISC", f"Chore {n}", issue_type="Task").key for n in range(edits)]
    burst_keys = [store.create_issue("BURST", f"Busy issue {n}", issue_type="Task").key for n in range(burst_issues)]
    landed = Landed()
    store.watchers.append(landed)
    port = _free_port()
    with site, tempfile.TemporaryDirectory() as tmp:
        config = _config(Path(tmp), site, interval=interval, debounce=debounce, port=port)
        env = {**os.environ, "SYNCD_JIRA__BENCH__WEBHOOK_SECRET": SECRET}
        command = [sys.executable, "-m", "syncd", "--config", str(config), "--log-level", "warning", "run"]
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            first_sync = len(latency_keys) + len(burst_keys)
            if not _wait(lambda: site.log.count("issue_edit") >= first_sync, 300):
                raise SystemExit("the first sync did not finish")
            _register(site, port)
            time.sleep(1.0)
            latencies = _latency(site, latency_keys, landed, rate)
            reads = _burst(site, burst_keys, burst)
        finally:
            process.terminate()
            process.wait(timeout=30)
    return {
        "edits": edits,
        "rate_per_second": rate,
        "landed": len(latencies),
        "p50_seconds": round(statistics.median(latencies), 3) if latencies else None,
        "p95_seconds": round(_percentile(latencies, 0.95), 3) if latencies else None,
        "max_seconds": round(max(latencies), 3) if latencies else None,
        "debounce_seconds": debounce,
        "polling_interval_seconds": interval,
        "polling_alone_p50_seconds": interval / 2,
        "polling_alone_p95_seconds": 0.95 * interval,
        "burst_events": burst,
        "burst_issues": burst_issues,
        "burst_reads": reads,
    }


def _latency(site: JiraEmulator, keys: list[str], landed: Landed, rate: float) -> list[float]:
    started: dict[str, float] = {}
    for key in keys:
        started[key] = time.monotonic()
        site.store.edit_labels(key, add=["pricing"])
        time.sleep(1 / rate)
    _wait(lambda: all(key in landed.at for key in keys), 60)
    return [landed.at[key] - started[key] for key in keys if key in landed.at]


def _burst(site: JiraEmulator, keys: list[str], events: int) -> int:
    for n in range(events):
        site.store.edit_issue(keys[n % len(keys)], IssueEdit(summary=f"Busy issue, edit {n}"))
    site.app.webhooks.deliverer.drain(timeout=120)
    _wait(lambda: False, 8)  # past max_delay: every queued key has been read
    return sum(1 for r in site.log.records() if r.endpoint == "issue_get" and "/issue/BURST-" in r.path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=200)
    parser.add_argument("--rate", type=float, default=4.0, help="person edits a second")
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--burst-issues", type=int, default=100)
    parser.add_argument("--interval", type=float, default=900.0, help="the polling interval (seconds)")
    parser.add_argument("--debounce", type=float, default=1.0)
    args = parser.parse_args()
    figures = run(
        edits=args.edits,
        rate=args.rate,
        burst=args.burst,
        burst_issues=args.burst_issues,
        interval=args.interval,
        debounce=args.debounce,
    )
    write_json("webhook_latency", figures)
    print("| figure | value |\n|---|---:|")
    for name, value in figures.items():
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
