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
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from pydantic import SecretStr

from tests.conftest import REPO
from tests.integration.contract import run_sync
from tests.integration.crash import apply, label_adds, make
from tests.integration.harness import Harness, JiraHarness, LinearHarness

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
    #: whether it hit the replica holding the tracker's lease
    holder: bool = False
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
    #: times the tracker's lease passed to another replica (its fencing token grew)
    handovers: int = 0
    #: writes a replica refused after waking up with a lost lease
    stale_refused: int = 0

    @property
    def bound(self) -> float:
        return LEASE_TTL + INTERVAL + SYNC_ALLOWANCE

    @property
    def slowest_recovery(self) -> float:
        return max((f.recovered_after for f in self.faults if f.recovered_after is not None), default=0.0)

    def summary(self) -> str:
        kinds = ", ".join(f"{k} {sum(f.kind == k for f in self.faults)}" for k in sorted({f.kind for f in self.faults}))
        return (
            f"{self.kind}: {len(self.faults)} faults ({kinds}; {sum(f.holder for f in self.faults)} on the lease "
            f"holder), {self.edits} person edits and new issues, {self.syncs} syncs, "
            f"lease handed over {self.handovers} times, "
            f"{self.stale_refused} stale writes refused; "
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

    def _start(self, number: int) -> subprocess.Popen[bytes]:
        log = (self.directory / f"replica-{number}.log").open("ab")
        command = [sys.executable, "-m", "syncd", "--config", str(self.config), "--log-format", "json", "run"]
        env = {k: v for k, v in os.environ.items() if k not in {"NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"}}
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=log)

    def number_of(self, pid: int) -> int | None:
        return next((n for n, p in enumerate(self.processes) if p.pid == pid), None)

    def kill(self, number: int) -> None:
        self.processes[number].send_signal(signal.SIGKILL)
        self.processes[number].wait()

    def restart_killed(self) -> None:
        for number, process in enumerate(self.processes):
            if process.poll() is not None:
                self.processes[number] = self._start(number)

    def refusals(self) -> int:
        """Writes the replicas refused because their lease was gone (from their logs)."""
        logs = (self.directory / f"replica-{n}.log" for n in range(len(self.processes)))
        lines = (line for log in logs for line in log.read_text().splitlines())
        return sum(1 for line in lines if '"sync.failed"' in line and ("no lease on" in line or "was lost" in line))

    def stop_one(self, number: int) -> None:
        self.processes[number].send_signal(signal.SIGSTOP)

    def resume(self, number: int) -> None:
        self.processes[number].send_signal(signal.SIGCONT)

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
    """People at work: a new issue now and then (which syncd then labels, so every sync has writes to
    interrupt), and unrelated labels and pins added to existing ones (adds only, so their order does not
    matter). :func:`replay` does the same on the reference organisation."""

    def __init__(self, harness: Harness, rng: random.Random, keys: list[str]) -> None:
        self.harness = harness
        self.rng = rng
        self.keys = keys
        self.edits: list[tuple[str, str]] = []
        self.created: list[str] = []
        self.last_edit = datetime.now(UTC)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._edit, name="people", daemon=True)

    def _edit(self) -> None:
        while not self.stop.wait(self.rng.uniform(0.5, 1.5)):
            with _lock(self.harness):
                if self.rng.random() < 0.3:
                    title = f"Checkout pricing experiment {len(self.created) + 1}"
                    create(self.harness, title)
                    self.created.append(title)
                else:
                    edit = (self.rng.choice(self.keys), self._label())
                    apply(self.harness, [edit])
                    self.edits.append(edit)
            self.last_edit = datetime.now(UTC)

    def _label(self) -> str:
        if self.rng.random() < 0.2:
            return _PIN
        return self.rng.choice(_UNRELATED) if isinstance(self.harness, JiraHarness) else "customer-reported"

    def replay(self, reference: Harness) -> None:
        for title in self.created:
            create(reference, title)
        apply(reference, self.edits)


def create(harness: Harness, title: str) -> None:
    if isinstance(harness, JiraHarness):
        harness.site.store.create_issue("GROW", title, issue_type="Task", status="In Progress")
    else:
        assert isinstance(harness, LinearHarness)
        harness.workspace.add_issue("GRO", title, state="In Progress")


def _lock(harness: Harness) -> AbstractContextManager[object]:
    if isinstance(harness, JiraHarness):
        return harness.site.store.lock
    assert isinstance(harness, LinearHarness)
    return harness.workspace.store.lock


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
    done: list[Fault] = []
    with make(kind) as harness, make(kind) as reference:
        harness.on_postgres(url)
        harness.tweak("[service]\n", f"[service]\ninterval = {INTERVAL:g}\njitter = 0\n")
        harness.faults.paths = harness.write_paths
        harness.faults.latency = 0.05  # label writes take a while, so a pause can land in the middle of them
        config = harness.settings_file(tmp_path)
        config.write_text(config.read_text() + "\n[service.health]\nenabled = false\n")
        keys = sorted(k for k in harness.labels() if not k.startswith(("STRAT", "ENG-1")))
        people = People(harness, rng, keys)
        replicas = Replicas(config, tmp_path, 3)
        try:
            _wait_for(lambda: bool(ok_runs(url, harness.tracker)), 60)
            people.thread.start()
            plan = ["kill", "pause", "cut"] + [rng.choice(["kill", "pause"]) for _ in range(faults)]
            if restart:
                plan.insert(len(plan) // 2, "restart")
            for what in plan[: faults + (1 if restart else 0)]:
                time.sleep(rng.uniform(1.0, 3.0))
                done.append(_inject(what, replicas, url, harness, rng))
                replicas.restart_killed()
            people.stop.set()
            people.thread.join()
            converged = _wait_for(lambda: _settled(url, harness.tracker, people.last_edit), 90)
        finally:
            people.stop.set()
            replicas.stop()
        runs = ok_runs(url, harness.tracker)
        for fault in done:
            fault.recovered_after = recovered(fault, runs)
        people.replay(reference)
        reference_dir = tmp_path / "reference"
        reference_dir.mkdir()
        run_sync(reference_dir, reference)
        labels, expected = harness.labels(), reference.labels()
        comments = [t for t in harness.comments(harness.report_issue) if "syncd:drift:report" in t]
        [(token,)] = _query(url, "SELECT token FROM leases WHERE name = %s", (harness.tracker,))
        return Outcome(
            kind=kind,
            faults=done,
            edits=len(people.edits) + len(people.created),
            syncs=len(runs),
            duplicate_comments=max(len(comments) - 1, 0),
            applied_twice=tuple(sorted(pair for pair, n in label_adds(harness).items() if n > 1)),
            labels_lost=sum(1 for key, label in people.edits if label not in labels[key]),
            diverged=tuple(sorted(key for key in expected if labels.get(key) != expected[key])),
            converged=converged,
            handovers=int(str(token)) - 1,
            stale_refused=replicas.refusals(),
        )


def _inject(what: str, replicas: Replicas, url: SecretStr, harness: Harness, rng: random.Random) -> Fault:
    """A fault, aimed at the replica holding the tracker's lease (a random one when none holds it).

    A killed replica stays down until the tracker was synced elsewhere; a paused one is stopped while it
    writes labels (when a write comes within an interval) and for longer than lease and interval, so that
    another replica takes over meanwhile and the paused one wakes up with a stale lease.
    """

    def aim() -> Fault:
        pid = holder_pid(url, harness.tracker)
        holder = replicas.number_of(pid) if pid is not None else None
        number = holder if holder is not None else rng.randrange(len(replicas.processes))
        return Fault(what, datetime.now(UTC), number, holder=holder is not None)

    if what == "pause":
        aimed: list[Fault] = []

        def stop() -> None:
            aimed.append(aim())
            replicas.stop_one(aimed[0].replica)

        if not at_next_write(harness, stop, timeout=INTERVAL + 2):
            stop()
        fault = aimed[0]
        time.sleep(LEASE_TTL + INTERVAL + 2)
        replicas.resume(fault.replica)
        return _recovery(fault, url, harness.tracker)
    fault = aim()
    if what == "kill":
        replicas.kill(fault.replica)
    elif what == "cut":
        cut_connections(url)
    elif what == "restart" and not restart_server():
        cut_connections(url)
        fault.kind = "cut"
    return _recovery(fault, url, harness.tracker)


def _recovery(fault: Fault, url: SecretStr, tracker: str) -> Fault:
    """Wait (at most the bound) until the tracker was synced again after ``fault``."""
    _wait_for(lambda: bool(recovered(fault, ok_runs(url, tracker))), LEASE_TTL + INTERVAL + SYNC_ALLOWANCE)
    return fault


def at_next_write(harness: Harness, action: Callable[[], None], *, timeout: float) -> bool:
    """Run ``action`` when the next label write reaches the tracker, before the tracker acts on it (so
    the writer is stopped with its request in flight); False when no write came within ``timeout``."""
    fired = threading.Event()
    lock = threading.Lock()
    original = harness.faults.delay

    def delay(target: str) -> float:
        with lock:
            if not fired.is_set() and re.search(harness.write_paths, target):
                action()
                fired.set()
        return original(target)

    harness.faults.delay = delay  # type: ignore[method-assign]
    fired.wait(timeout)
    with lock:
        harness.faults.delay = original  # type: ignore[method-assign]
        came = fired.is_set()
        fired.set()  # disarmed
    return came


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
