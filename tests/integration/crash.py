"""One crash-safety trial: syncs killed with SIGKILL at random points while people edit labels, then a
clean finish; the result must equal an uninterrupted sync of the same edits (used by the CI test with a
few seeds and by the soak run with a hundred)."""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from syncd.state import StateStore
from tests.conftest import REPO
from tests.integration.contract import run_sync
from tests.integration.harness import Harness, JiraHarness, LinearHarness

_UNRELATED = ("on-call", "needs-design", "q4")


@dataclass(frozen=True)
class Trial:
    seed: int
    kills: int
    killed_after: tuple[int, ...]


def make(kind: str) -> Harness:
    return LinearHarness() if kind == "linear" else JiraHarness(kind.removeprefix("jira-"))


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
    """How many write requests added each (issue, label)."""
    adds: Counter[tuple[str, str]] = Counter()
    for record in harness.log.records():
        if harness.classify(record.endpoint) != "write" or record.status >= 300:
            continue
        body = json.loads(record.body)
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
    return adds


def run_trial(seed: int, tmp_path: Path) -> Trial:
    rng = random.Random(seed)
    kind = ("jira-cloud", "jira-datacenter", "linear")[seed % 3]
    kills = rng.randint(1, 3)
    killed_after: list[int] = []
    with make(kind) as harness, make(kind) as reference:
        keys = sorted(k for k in harness.labels() if not k.startswith(("STRAT", "OPS-1", "ENG-1")))
        before, later = person_edits(rng, harness, keys), person_edits(rng, harness, keys)
        apply(harness, before)
        harness.tweak("page_size = 50", "page_size = 4")
        harness.faults.latency = 0.01
        config = harness.settings_file(tmp_path)
        command = [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "sync"]
        for kill in range(kills):
            target = len(harness.log.records()) + rng.randint(1, 30)
            process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while len(harness.log.records()) < target and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.002)
            process.send_signal(signal.SIGKILL)
            process.wait()
            killed_after.append(target)
            if kill == 0:
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
        assert harness.labels() == reference.labels(), f"seed {seed}: converged to the uninterrupted result"
        repeated = {pair: n for pair, n in label_adds(harness).items() if n > 1}
        assert not repeated, f"seed {seed}: labels applied twice: {repeated}"
        comments = [t for t in harness.comments(harness.report_issue) if "syncd:drift:report" in t]
        assert len(comments) == 1, f"seed {seed}: {len(comments)} report comments"
        with StateStore.open(tmp_path / "state.db") as store:
            assert store.outbox.pending() == [], f"seed {seed}: an outbox op was left behind"
    return Trial(seed, kills, tuple(killed_after))
