"""Shared pieces of the benchmarks: seeded emulators, a settings file, and one measured sync.

A sync runs as its own process (``python -m syncd sync``, through :mod:`bench.peak`) so its peak memory is
syncd's alone; the emulators run in the benchmark's process and count every request.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.ratelimit import JiraRateLimits
from syncd.sandbox.jira.seed import seed_synthetic as seed_jira
from syncd.sandbox.linear import LinearEmulator, LinearWorkspace
from syncd.sandbox.linear.ratelimit import RateLimits
from syncd.sandbox.linear.seed import seed_synthetic as seed_linear
from syncd.sandbox.server import RequestLog

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STRATEGY = ROOT / "config" / "strategy.example.yaml"
LINEAR_KEY = "lin_api_bench000000000000000000000000000000"
JIRA_PAGE = 100
LINEAR_PAGE = 250
WRITE_ENDPOINTS = {
    "issue_edit",
    "bulk_edit",
    "comment_add",
    "comment_edit",
    "issueUpdate",
    "issueBatchUpdate",
    "commentCreate",
    "commentUpdate",
    "issueLabelCreate",
}
READ_ENDPOINTS = {"search", "search_jql", "issues"}


@dataclass
class Measured:
    """One sync: what it cost on the wire, in time and in memory."""

    tracker: str
    phase: str
    issues: int
    requests: int
    reads: int
    writes: int
    other: int
    seconds: float
    peak_rss_mb: float
    items_per_second: float
    pulled: int
    changed: int
    by_endpoint: dict[str, int]


class Site:
    """One emulated tracker seeded with ``count`` synthetic issues.

    ``latency`` and ``jitter`` hold every answer as a real site's round trip does; ``limits`` enforces the
    emulators' default rate limits (Jira Cloud's burst limit, Linear's hourly budgets) instead of none;
    without ``bulk_change`` syncd's Jira account lacks the global Bulk change permission, so it edits one
    issue at a time.
    """

    def __init__(
        self,
        kind: str,
        count: int,
        *,
        latency: float = 0.0,
        jitter: float = 0.0,
        limits: bool = False,
        bulk_change: bool = True,
    ) -> None:
        self.kind = kind
        self.count = count
        if kind == "jira":
            rate_limits = JiraRateLimits() if limits else None
            self.jira = JiraEmulator(
                "cloud", keep_bodies=False, latency=latency, jitter=jitter, rate_limits=rate_limits
            )
            store = self.jira.store
            if not bulk_change:
                store.default_user = store.create_user(
                    display_name="Sync", email="sync@example.com", token="bench-token", bulk_change=False
                )
            self.jira.store.create_project("STRAT", "Strategy")
            self.jira.store.create_issue("STRAT", "Strategy drift reports", issue_type="Task")
            seed_jira(self.jira.store, count, seed=1)
            self.emulator: Any = self.jira
        else:
            workspace = LinearWorkspace()
            workspace.add_api_key(token=LINEAR_KEY)
            seed_linear(workspace, count, seed=1)
            budgets = RateLimits() if limits else RateLimits(requests=10**9, complexity=10**12)
            self.linear = LinearEmulator(workspace, limits=budgets, latency=latency, jitter=jitter)
            self.linear.app.log.keep_bodies = False
            self.emulator = self.linear

    @property
    def log(self) -> RequestLog:
        log: RequestLog = self.emulator.log
        return log

    def __enter__(self) -> Site:
        self.emulator.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.emulator.stop()

    def settings(self, directory: Path, *, concurrency: int | None = None) -> Path:
        """The settings of a sync of this site; ``concurrency`` overrides the tracker's default."""
        if self.kind == "jira":
            email, token = self.jira.basic_auth
            table = f"""
                [jira.bench]
                url = "{self.jira.url}"
                deployment = "cloud"
                email = "{email}"
                api_token = "{token}"
                projects = ["GROW", "CORE", "OPS"]
                page_size = {JIRA_PAGE}
                """
        else:
            table = f"""
                [linear.bench]
                url = "{self.linear.graphql_url}"
                api_key = "{LINEAR_KEY}"
                page_size = {LINEAR_PAGE}
                """
        table = textwrap.dedent(table) + (f"concurrency = {concurrency}\n" if concurrency is not None else "")
        path = directory / "syncd.toml"
        path.write_text(
            textwrap.dedent(
                f"""
                strategy = "{STRATEGY}"
                state_path = "{directory / "state.db"}"
                [retry]
                max_attempts = 8
                max_wait = 5
                deadline = 600
                """
            )
            + table
        )
        return path


def measure_sync(site: Site, config: Path, phase: str, *, extra: tuple[str, ...] = ()) -> Measured:
    """Run one ``syncd sync`` process and measure it."""
    site.log.clear()
    peak_file = config.parent / "peak"
    peak_file.unlink(missing_ok=True)
    command = ["--config", str(config), "--log-level", "warning", "sync", *extra]
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "bench.peak", str(peak_file), *command], cwd=ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    stdout = process.stdout
    if process.returncode not in (0, 1) or " pulled " not in stdout:
        raise RuntimeError(f"sync failed (exit {process.returncode}): {stdout}\n{process.stderr}")
    endpoints = site.log.by_endpoint()
    reads = sum(n for e, n in endpoints.items() if e in READ_ENDPOINTS)
    writes = sum(n for e, n in endpoints.items() if e in WRITE_ENDPOINTS)
    total = sum(endpoints.values())
    pulled, changed = _figure(stdout, "pulled"), _figure(stdout, "changed")
    return Measured(
        tracker=site.kind,
        phase=phase,
        issues=site.count,
        requests=total,
        reads=reads,
        writes=writes,
        other=total - reads - writes,
        seconds=round(seconds, 2),
        peak_rss_mb=round(int(peak_file.read_text()) / 1024, 1),
        items_per_second=round(pulled / seconds, 1) if seconds else 0.0,
        pulled=pulled,
        changed=changed,
        by_endpoint=dict(Counter(endpoints)),
    )


def _figure(stdout: str, name: str) -> int:
    """A count from the sync summary line (``... pulled 100, changed 12, ...``)."""
    for line in stdout.splitlines():
        if f" {name} " in line and ": " in line:
            return int(line.split(f" {name} ")[1].split(",")[0].split(";")[0])
    return 0


def write_json(name: str, data: Any) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, default=lambda o: asdict(o)))
    return path
