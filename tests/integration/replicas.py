"""Fault trials of several ``syncd run`` replicas sharing one PostgreSQL state (see test_replicas.py
and the soak run): people edit labels while replicas are killed (SIGKILL, then started again), paused
past their lease (SIGSTOP, then SIGCONT), cut off from the database or the database restarted.

What is measured, and must be 0: report comments beyond one, (issue, label) pairs added by more than one
write request, labels a person set that are gone, issues whose labels differ from one clean sync of the
same edits. And after each fault, how long until a sync of the tracker finished again; the bound is the
lease time plus the interval plus one sync.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from pydantic import SecretStr

from tests.conftest import REPO
from tests.integration.contract import run_sync
from tests.integration.crash import apply, label_adds, make
from tests.integration.harness import Harness, JiraHarness

LEASE_TTL = 2.0
INTERVAL = 10.0
SYNC_ALLOWANCE = 8.0
"""Seconds one sync of the small organisation may take on a busy machine, on top of lease and interval."""

_UNRELATED = ("on-call", "needs-design", "q4")
_PIN = "objective:enterprise-readiness"


@dataclass
class Fault:
    kind: str
    at: datetime
    replica: int
    #: seconds from the fault to the end of the next sync of the tracker
    recovered_after: float | None = None


@dataclass
class Outcome:
    """What one trial did and found (see the module docstring)."""

    kind: str
    faults: list[Fault]
    edits: int
    syncs: int
    duplicate_comments: int
    applied_twice: tuple[tuple[str, str], ...]
    labels_lost: int
    diverged: tuple[str, ...]
    converged: bool
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def bound(self) -> float:
        return LEASE_TTL + INTERVAL + SYNC_ALLOWANCE

    @property
    def slowest_recovery(self) -> float:
        return max((f.recovered_after for f in self.faults if f.recovered_after is not None), default=0.0)

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {sum(f.kind == k for f in self.faults)}" for k in sorted({f.kind for f in self.faults}))
        return (
            f"{self.kind}: {len(self.faults)} faults ({kinds}), {self.edits} person edits, {self.syncs} syncs; "
            f"duplicate comments {self.duplicate_comments}, applied twice {len(self.applied_twice)}, "
            f"person labels lost {self.labels_lost}, diverged {len(self.diverged)}; slowest recovery "
            f"{self.slowest_recovery:.1f}s (bound {self.bound:.0f}s = lease {LEASE_TTL:.0f} + interval "
            f"{INTERVAL:.0f} + one sync {SYNC_ALLOWANCE:.0f})"
        )


class Replicas:
    """``count`` replicas of ``syncd run`` on one settings file; each can be killed, paused, restarted."""

    def __init__(self, config: Path, directory: Path, count: int) -> None:
        self.config = config
        self.directory = directory
        self.processes: list[subprocess.Popen[bytes]] = [self._start(n) for n in range(count)]
        self.paused: set[int] = set()

    def _start(self, number: int) -> subprocess.Popen[bytes]:
        log = (self.directory / f"replica-{number}.log").open("ab")
        command = [sys.executable, "-m", "syncd", "--config", str(self.config), "--log-format", "json", "run"]
        env = {k: v for k, v in os.environ.items() if k not in {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}}
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)

    def number_of(self, pid: int) -> int | None:
        return next((n for n, p in enumerate(self.processes) if p.pid == pid), None)

    def kill_and_restart(self, number: int) -> None:
        self.processes[number].send_signal(signal.SIGKILL)
        self.processes[number].wait()
        self.processes[number] = self._start(number)

    def pause(self, number: int, seconds: float) -> None:
        self.processes[number].send_signal(signal.SIGSTOP)
        self.paused.add(number)
        time.sleep(seconds)
        self.processes[number].send_signal(signal.SIGCONT)
        self.paused.discard(number)

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGCONT)
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class People:
    """A person adding unrelated labels and pins now and then (adds only, so their order does not matter)."""

    def __init__(self, harness: Harness, rng: random.Random, keys: list[str]) -> None:
        self.harness = harness
        self.rng = rng
        self.keys = keys
        self.edits: list[tuple[str, str]] = []
        self.last_edit = datetime.now(UTC)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._edit, name="people", daemon=True)

    def _edit(self) -> None:
        while not self.stop.wait(self.rng.uniform(0.5, 1.5)):
            key = self.rng.choice(self.keys)
            label = _PIN if self.rng.random() < 0.2 else self.rng.choice(_UNRELATED)
            if not isinstance(self.harness, JiraHarness):
                label = _PIN if label == _PIN else "customer-reported"
            lock = (
                self.harness.site.store.lock
                if isinstance(self.harness, JiraHarness)
                else self.harness.workspace.store.lock
            )  # type: ignore[attr-defined]
            with lock:
                apply(self.harness, [(key, label)])
            self.edits.append((key, label))
            self.last_edit = datetime.now(UTC)


def _query(url: SecretStr, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with psycopg.connect(url.get_secret_value(), autocommit=True) as db:
        return list(db.execute(sql, args).fetchall())  # type: ignore[arg-type]


def holder_pid(url: SecretStr, tracker: str) -> int | None:
    rows = _query(
        url, "SELECT holder FROM leases WHERE name = %s AND expires_at > extract(epoch FROM now())", (tracker,)
    )
    return int(str(rows[0][0]).split(":")[1]) if rows else None


def ok_runs(url: SecretStr, tracker: str) -> list[tuple[datetime, datetime, str]]:
    """(started, finished, counts) of every run that finished ok."""
    rows = _query(
        url,
        "SELECT started_at, finished_at, counts FROM runs WHERE tracker = %s AND status = 'ok' ORDER BY id",
        (tracker,),
    )
    return [(datetime.fromisoformat(str(a)), datetime.fromisoformat(str(b)), str(c)) for a, b, c in rows]


def cut_connections(url: SecretStr) -> None:
    """Every replica loses its database connections at once, as in a failover."""
    _query(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid()",
    )


def restart_server() -> bool:
    """Restart the machine's PostgreSQL cluster, when this machine runs it; False when it cannot."""
    clusters = Path("/etc/postgresql")
    if not clusters.is_dir():
        return False
    version = sorted(p.name for p in clusters.iterdir())[0]
    done = subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], capture_output=True, check=False
    )
    return done.returncode == 0


def recovered(fault: Fault, runs: list[tuple[datetime, datetime, str]]) -> float | None:
    after = [finished for started, finished, _ in runs if started >= fault.at]
    return (min(after) - fault.at).total_seconds() if after else None


def run_trial(
    seed: int, tmp_path: Path, url: SecretStr, *, faults: int, kind: str = "jira-cloud", restart: bool = False
) -> Outcome:
    rng = random.Random(seed)
    spacing = LEASE_TTL + INTERVAL + SYNC_ALLOWANCE / 2
    done: list[Fault] = []
    with make(kind) as harness, make(kind) as reference:
        harness.on_postgres(url)
        harness.tweak("[service]\n", f"[service]\ninterval = {INTERVAL:g}\njitter = 0\n")
        config = harness.settings_file(tmp_path)
        config.write_text(config.read_text() + "\n[service.health]\nenabled = false\n")
        keys = sorted(k for k in harness.labels() if not k.startswith(("STRAT", "ENG-1")))
        people = People(harness, rng, keys)
        replicas = Replicas(config, tmp_path, 3)
        try:
            _wait_for(lambda: bool(ok_runs(url, harness.tracker)), 60)
            people.thread.start()
            plan = ["kill", "pause", "cut"] + [rng.choice(["kill", "pause", "kill", "pause"]) for _ in range(faults)]
            if restart:
                plan.insert(len(plan) // 2, "restart")
            for what in plan[: faults + (1 if restart else 0)]:
                time.sleep(rng.uniform(1.0, 3.0))
                done.append(_inject(what, replicas, url, harness.tracker, rng))
                time.sleep(spacing)
            people.stop.set()
            people.thread.join()
            converged = _wait_for(lambda: _settled(url, harness.tracker, people.last_edit), 90)
        finally:
            people.stop.set()
            replicas.stop()
        runs = ok_runs(url, harness.tracker)
        for fault in done:
            fault.recovered_after = recovered(fault, runs)
        apply(reference, people.edits)
        reference_dir = tmp_path / "reference"
        reference_dir.mkdir()
        run_sync(reference_dir, reference)
        labels, expected = harness.labels(), reference.labels()
        comments = [t for t in harness.comments(harness.report_issue) if "syncd:drift:report" in t]
        return Outcome(
            kind=kind,
            faults=done,
            edits=len(people.edits),
            syncs=len(runs),
            duplicate_comments=max(len(comments) - 1, 0),
            applied_twice=tuple(sorted(pair for pair, n in label_adds(harness).items() if n > 1)),
            labels_lost=sum(1 for key, label in people.edits if label not in labels[key]),
            diverged=tuple(sorted(key for key in expected if labels.get(key) != expected[key])),
            converged=converged,
        )


def _inject(what: str, replicas: Replicas, url: SecretStr, tracker: str, rng: random.Random) -> Fault:
    """A fault, aimed at the replica holding the tracker when there is one (else a random one)."""
    pid = holder_pid(url, tracker)
    holder = replicas.number_of(pid) if pid is not None else None
    number = holder if holder is not None else rng.randrange(len(replicas.processes))
    fault = Fault(what, datetime.now(UTC), number)
    if what == "kill":
        replicas.kill_and_restart(number)
    elif what == "pause":
        replicas.pause(number, LEASE_TTL + rng.uniform(1.0, 3.0))
    elif what == "cut":
        cut_connections(url)
    elif what == "restart" and not restart_server():
        cut_connections(url)
        fault.kind = "cut"
    return fault


def _settled(url: SecretStr, tracker: str, last_edit: datetime) -> bool:
    """A sync that started after the last edit finished and found nothing left to change."""
    return any(started > last_edit and '"changed": 0' in counts for started, _, counts in ok_runs(url, tracker))


def _wait_for(condition: object, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():  # type: ignore[operator]
                return True
        except psycopg.Error:
            pass  # the schema is not there yet, or the server is restarting
        time.sleep(0.5)
    return False
