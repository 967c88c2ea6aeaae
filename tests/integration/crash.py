"""One crash-safety trial: syncs killed with SIGKILL at random points while people edit labels, then a
clean finish; the result must equal an uninterrupted sync of the same edits (used by the CI test with a
few seeds and by the soak run with a hundred).

A kill point is a number of requests, drawn from the range a fault-free sync of the same organisation and
the same first edits makes (:func:`fault_free_requests`, measured for each trial). Only *real* kills count: the process
died from SIGKILL while the sync was unfinished (its run not recorded as finished, or writes still
pending in the outbox). A kill that lands after the sync finished proves nothing and is not counted.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from syncd.sandbox.server import RequestRecord
from syncd.state import StateStore
from tests.conftest import REPO
from tests.integration.contract import run_sync
from tests.integration.harness import Harness, JiraHarness, LinearHarness

KINDS = ("jira-cloud", "jira-datacenter", "linear")
_UNRELATED = ("on-call", "needs-design", "q4")


@dataclass(frozen=True)
class Trial:
    """What one trial did and found; every count of something lost or repeated must be 0."""

    seed: int
    kind: str
    #: the requests a fault-free sync makes: kill points are drawn below it
    requests: int
    #: syncs started and then sent SIGKILL
    attempts: int
    #: of those, the ones that really died mid-sync (see the module docstring)
    kills: int
    #: the request counts at which each kill was sent
    killed_after: tuple[int, ...]
    #: issues whose labels differ from the uninterrupted sync's
    diverged: tuple[str, ...]
    #: (issue, label) pairs a person set that are gone at the end
    labels_lost: int
    #: (issue, label) pairs added by more than one write request
    applied_twice: tuple[tuple[str, str], ...]
    #: report comments beyond the one
    duplicate_comments: int
    #: outbox ops pending at a kill that were neither sent nor superseded, or pending at the end
    outbox_lost: int

    @property
    def clean(self) -> bool:
        """A sync really was killed, and nothing was lost or repeated."""
        lost = self.labels_lost + len(self.applied_twice) + self.duplicate_comments + self.outbox_lost
        return self.kills >= 1 and not self.diverged and lost == 0


def make(kind: str) -> Harness:
    return LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))


def prepare(harness: Harness, tmp_path: Path) -> list[str]:
    """Small pages and a little latency, so a kill can land anywhere; returns the ``syncd sync`` command."""
    harness.tweak("page_size = 50", "page_size = 4")
    harness.faults.latency = 0.01
    config = harness.settings_file(tmp_path)
    return [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "sync"]


def fault_free_requests(kind: str, edits: list[tuple[str, str]], tmp_path: Path) -> int:
    """How many requests a first, uninterrupted sync of the organisation with ``edits`` makes."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    with make(kind) as harness:
        apply(harness, edits)
        prepare(harness, tmp_path)
        outcome = run_sync(tmp_path, harness)
        assert outcome.result is not None, outcome.error
        return len(harness.log.records())


def person_edits(rng: random.Random, harness: Harness, keys: list[str]) -> list[tuple[str, str]]:
    """A person adds unrelated labels and pins (adds only, so the order of edits does not matter)."""
    edits = []
    for key in rng.sample(keys, k=min(3, len(keys))):
        label = rng.choice(_UNRELATED) if isinstance(harness, JiraHarness) else "customer-reported"
        edits.append((key, label))
    edits.append((rng.choice(keys), "objective:enterprise-readiness"))
    return edits


def apply(harness: Harness, edits: list[tuple[str, str]]) -> None:
    for key, label in edits:
        if label not in harness.labels()[key]:
            harness.person_labels(key, add=[label])


def label_adds(harness: Harness) -> Counter[tuple[str, str]]:
    """How many write requests added each (issue, label); for Jira's bulk edit, how many tasks did.

    A Linear mutation refused with GraphQL errors changed nothing, though it is answered with HTTP 200:
    ``issueBatchUpdate`` is all or nothing, and a refused batch goes out again issue by issue.
    """
    adds: Counter[tuple[str, str]] = Counter()
    for record in harness.log.records():
        if harness.classify(record.endpoint) != "write" or record.status >= 300 or _refused(record):
            continue
        body = json.loads(record.body)
        if record.endpoint == "bulk_edit":
            continue  # counted below from what each task carried out
        if isinstance(harness, JiraHarness):
            key = harness.site.store.issue(record.path.rsplit("/", 1)[1]).key
            for change in body["update"]["labels"]:
                if "add" in change:
                    adds[(key, change["add"])] += 1
        else:
            assert isinstance(harness, LinearHarness)
            store = harness.workspace.store
            variables = body["variables"]
            for issue_id in variables.get("ids") or [variables.get("id")]:
                for label_id in variables["input"].get("addedLabelIds", ()):
                    adds[(store.issues[issue_id].identifier, store.labels[label_id].name)] += 1
    if isinstance(harness, JiraHarness):
        for task in harness.bulk_tasks():
            for issue in task.processed:
                key = harness.site.store.issue(str(issue)).key
                adds.update((key, label) for verb, label in task.ops if verb == "add")
    return adds


def _refused(record: RequestRecord) -> bool:
    """Whether a GraphQL answer says the mutation was refused (Linear answers a refusal with HTTP 200)."""
    try:
        answer = json.loads(record.response)
    except ValueError:
        return False
    return isinstance(answer, dict) and bool(answer.get("errors"))


def unfinished_ops(state: Path) -> set[int] | None:
    """The outbox ops pending after a kill, or None when the sync had finished (nothing to resume)."""
    if not state.exists():
        return set()
    with StateStore.open(state) as store:
        pending = {entry.id for entry in store.outbox.pending()}
        runs = store.runs.latest(limit=1)
    if pending or not runs or runs[0].finished_at is None:
        return pending
    return None


def op_statuses(state: Path) -> dict[int, str]:
    with sqlite3.connect(f"file:{state}?mode=ro", uri=True) as db:
        return dict(db.execute("SELECT id, status FROM outbox"))


def kill_after(command: list[str], harness: Harness, requests: int) -> int:
    """Start a sync and SIGKILL it once the tracker has served ``requests`` more; its return code.

    The emulator holds every request after those, so the kill lands at that point however busy the
    machine is, not at whatever point the sync had reached by the time this process was scheduled again.
    """
    target = len(harness.log.records()) + requests
    harness.faults.hold_after = requests
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(harness.log.records()) < target and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    returncode = process.wait()
    harness.faults.hold_after = None
    return returncode


def run_trial(seed: int, tmp_path: Path) -> Trial:
    rng = random.Random(seed)
    kind = KINDS[seed % 3]
    attempts = rng.randint(1, 3)
    killed_after: list[int] = []
    kills = 0
    pending_at_kills: set[int] = set()
    state = tmp_path / "state.db"
    with make(kind) as harness, make(kind) as reference:
        keys = sorted(k for k in harness.labels() if not k.startswith(("STRAT", "OPS-1", "ENG-1")))
        before, later = person_edits(rng, harness, keys), person_edits(rng, harness, keys)
        apply(harness, before)
        requests = fault_free_requests(kind, before, tmp_path / "fault-free")
        command = prepare(harness, tmp_path)
        for attempt in range(attempts):
            point = rng.randint(1, requests - 1)
            killed_after.append(point)
            returncode = kill_after(command, harness, point)
            pending = unfinished_ops(state)
            if returncode == -signal.SIGKILL and pending is not None:
                kills += 1
                pending_at_kills |= pending
            if attempt == 0:
                apply(harness, later)
        harness.faults.reset()
        for _ in range(3):
            outcome = run_sync(tmp_path, harness)
            assert outcome.result is not None, outcome.error
            if outcome.result.changed == 0:
                break
        apply(reference, before + later)
        reference_dir = tmp_path / "reference"
        reference_dir.mkdir()
        run_sync(reference_dir, reference)
        labels, expected = harness.labels(), reference.labels()
        statuses = op_statuses(state)
        comments = [t for t in harness.comments(harness.report_issue) if "syncd:drift:report" in t]
    return Trial(
        seed=seed,
        kind=kind,
        requests=requests,
        attempts=attempts,
        kills=kills,
        killed_after=tuple(killed_after),
        diverged=tuple(sorted(key for key in expected if labels.get(key) != expected[key])),
        labels_lost=sum(1 for key, label in before + later if label not in labels[key]),
        applied_twice=tuple(sorted(pair for pair, n in label_adds(harness).items() if n > 1)),
        duplicate_comments=max(len(comments) - 1, 0),
        outbox_lost=sum(
            1
            for op, status in statuses.items()
            if status == "pending" or (op in pending_at_kills and status not in {"done", "superseded"})
        ),
    )


def assert_nothing_lost(trial: Trial) -> None:
    assert all(point < trial.requests for point in trial.killed_after), trial
    assert trial.kills >= 1, f"seed {trial.seed}: no sync was killed mid-run ({trial})"
    assert trial.diverged == (), f"seed {trial.seed}: not the uninterrupted result on {trial.diverged}"
    assert trial.labels_lost == 0, f"seed {trial.seed}: a person's label was lost"
    assert trial.applied_twice == (), f"seed {trial.seed}: labels applied twice: {trial.applied_twice}"
    assert trial.duplicate_comments == 0, f"seed {trial.seed}: a duplicate report comment"
    assert trial.outbox_lost == 0, f"seed {trial.seed}: an outbox op was lost"
