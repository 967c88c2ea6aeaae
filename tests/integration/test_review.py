"""``syncd review`` over real HTTP against the emulators: a person's correction of a keyword tag becomes a
pin on the tracker through the next sync, syncd holds it for a person's from then on, and a second sync
writes nothing; answers resume, and bad answers are named with nothing recorded."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.model import Rule
from syncd.state import StateStore
from syncd.sync.model import SyncResult
from tests.integration.contract import run_sync
from tests.integration.fault_matrix import make
from tests.integration.harness import Harness, JiraHarness
from tests.support.terminal import Terminal

#: per tracker: the sampled item to correct, and to which objective
CORRECTIONS = {
    "jira-cloud": ("MISC-3", "self-serve-growth"),
    "linear": ("ENG-5", "data-platform"),
}


@pytest.fixture(params=sorted(CORRECTIONS))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(kind: str) -> Iterator[Harness]:
    with make(kind) as started:
        yield started


def synced(tmp_path: Path, harness: Harness) -> SyncResult:
    outcome = run_sync(tmp_path, harness, report=False)
    assert outcome.result is not None, outcome.error
    assert outcome.result.status == "ok"
    return outcome.result


def review(tmp_path: Path, harness: Harness, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--config", str(harness.settings_file(tmp_path)), "review", *args])
    return result.exit_code, result.stdout + result.stderr


def answers_file(tmp_path: Path, answers: list[dict[str, Any]]) -> Path:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"answers": answers}))
    return path


def test_a_correction_becomes_a_persons_pin_and_a_second_sync_changes_nothing(
    tmp_path: Path, harness: Harness, kind: str
) -> None:
    key, chosen = CORRECTIONS[kind]
    synced(tmp_path, harness)
    code, out = review(tmp_path, harness, "--json")
    assert code == 0, out
    sample = {entry["key"]: entry for entry in json.loads(out)["items"]}
    tag = sample[key]["tag"]
    confirmed = next((other for other in sample if other != key), None)
    assert tag != chosen
    assert sample[key]["strength"] == "keyword"
    assert f"objective:{tag}" in harness.labels()[key]

    answers = [{"key": key, "answer": chosen}] + ([{"key": confirmed, "answer": "confirm"}] if confirmed else [])
    code, out = review(tmp_path, harness, "--answers", str(answers_file(tmp_path, answers)), "--json")
    assert code == 0, out
    document = json.loads(out)
    assert (document["reviewed"], document["confirmed"]) == (len(answers), len(answers) - 1)
    assert f"objective:{tag}" in harness.labels()[key], "the review itself writes nothing to the tracker"

    synced(tmp_path, harness)
    labels = harness.labels()[key]
    assert f"objective:{chosen}" in labels
    assert f"objective:{tag}" not in labels
    with StateStore.connect(harness.state_target(tmp_path)) as store:
        assert f"objective:{chosen}" in store.journal.get(harness.tracker, [key])[key].persons

    synced(tmp_path, harness)
    with StateStore.connect(harness.state_target(tmp_path)) as store:
        stored = store.items.get(harness.tracker, key)
        assert stored is not None
        assert stored.alignment is not None
        assert stored.alignment.decided_by is Rule.PIN
        assert stored.alignment.primary == chosen
        assert f"objective:{chosen}" in store.journal.get(harness.tracker, [key])[key].persons
    config = str(harness.settings_file(tmp_path))
    report = CliRunner().invoke(app, ["--config", config, "report", "--format", "json"])
    assert report.exit_code == 0, report.stdout
    document = json.loads(report.stdout)
    text = CliRunner().invoke(app, ["--config", config, "report"]).stdout
    if kind == "linear":
        assert "review" not in document, "the one answer is on the backlog, outside the allocation"
        assert "sampled keyword tags" not in text
    else:
        overall = document["review"][0]
        assert (overall["scope"], overall["reviewed"], overall["confirmed"]) == ("all", 1, 0), "done: in the allocation"
        assert "people confirmed 0 of 1 sampled keyword tags" in text
    writes = harness.writes()
    again = synced(tmp_path, harness)
    assert (again.changed, again.applied) == (0, 0)
    assert harness.writes() == writes
    assert harness.labels()[key] == labels


def test_answers_naming_what_is_not_in_the_sample_are_refused_and_nothing_is_recorded(
    tmp_path: Path, harness: Harness, kind: str
) -> None:
    key, _ = CORRECTIONS[kind]
    synced(tmp_path, harness)
    bad = [{"key": key, "answer": "moonshots"}, {"key": "NOPE-1", "answer": "confirm"}]
    code, out = review(tmp_path, harness, "--answers", str(answers_file(tmp_path, bad)))
    assert code == 2, out
    assert "answers[0].answer" in out
    assert "'moonshots' is not one of" in out
    assert "answers[1].key" in out
    assert "NOPE-1 is not in the review's sample" in out
    with StateStore.connect(harness.state_target(tmp_path)) as store:
        assert store.reviews.of_period("2026-Q4") == []
        assert store.outbox.pending(harness.tracker, "pins") == []


def test_a_sync_that_plans_the_issue_again_before_the_pin_is_sent_keeps_the_pin(
    tmp_path: Path, harness: Harness, kind: str
) -> None:
    key, chosen = CORRECTIONS[kind]
    synced(tmp_path, harness)
    code, out = review(tmp_path, harness, "--answers", str(answers_file(tmp_path, [{"key": key, "answer": chosen}])))
    assert code == 0, out
    outcome = run_sync(tmp_path, harness, report=False, full=True)
    assert outcome.result is not None, outcome.error
    assert f"objective:{chosen}" in harness.labels()[key]
    synced(tmp_path, harness)
    assert f"objective:{chosen}" in harness.labels()[key]


def test_a_person_at_a_terminal_corrects_confirms_stops_and_resumes(
    tmp_path: Path, harness: Harness, kind: str
) -> None:
    synced(tmp_path, harness)
    _, out = review(tmp_path, harness, "--json", "--size", "1")
    document = json.loads(out)
    [first] = document["items"]
    chosen = next(choice for choice in document["choices"] if choice["id"] != first["tag"])
    settings = str(harness.settings_file(tmp_path))
    terminal = Terminal("--config", settings, "review", "--size", "1", cwd=tmp_path, env={})
    terminal.expect("People confirmed 0 of 0 sampled keyword tags; 1 left to review.")
    terminal.expect(f"[1/1] {first['key']}  {first['title']}")
    terminal.expect(f"tagged {first['tag']} ({first['why']})")
    terminal.answer("Right? [y]:", "7")
    terminal.expect("Type Enter or y to confirm")
    terminal.answer("Right? [y]:", str(chosen["number"]))
    terminal.expect(f"{first['key']}: corrected to {chosen['id']}; the next sync writes it as a pin.")
    terminal.expect("People confirmed 0 of 1 sampled keyword tags; 0 left to review.")
    assert terminal.finish() == 0

    if kind == "jira-cloud":
        terminal = Terminal("--config", settings, "review", "--size", "3", cwd=tmp_path, env={})
        terminal.answer("Right? [y]:", "q")
        terminal.expect("Stopped; `syncd review` resumes here.")
        terminal.expect("People confirmed 0 of 1 sampled keyword tags; 1 left to review.")
        assert terminal.finish() == 0
        terminal = Terminal("--config", settings, "review", "--size", "3", cwd=tmp_path, env={})
        terminal.expect("People confirmed 0 of 1 sampled keyword tags; 1 left to review.")
        terminal.answer("Right? [y]:", "")
        terminal.expect("People confirmed 1 of 2 sampled keyword tags; 0 left to review.")
        assert terminal.finish() == 0
    _, out = review(tmp_path, harness, "--json")
    answers = {item["key"]: item["answer"] for item in json.loads(out)["items"]}
    assert answers[first["key"]] == chosen["id"]


def test_on_postgresql_a_correction_is_queued_under_the_trackers_lease(tmp_path: Path, postgres_url: SecretStr) -> None:
    with JiraHarness("cloud") as harness:
        harness.on_postgres(postgres_url)
        synced(tmp_path, harness)
        path = answers_file(tmp_path, [{"key": "MISC-3", "answer": "self-serve-growth"}])
        code, out = review(tmp_path, harness, "--answers", str(path))
        assert code == 0, out
        assert "People confirmed 0 of 1 sampled keyword tags" in out
        synced(tmp_path, harness)
        assert "objective:self-serve-growth" in harness.labels()["MISC-3"]
        assert "objective:reliability" not in harness.labels()["MISC-3"]


def test_a_person_who_confirms_after_correcting_before_the_sync_leaves_the_tag(tmp_path: Path) -> None:
    with JiraHarness("cloud") as harness:
        synced(tmp_path, harness)
        for choice in ("self-serve-growth", "confirm"):
            path = answers_file(tmp_path, [{"key": "MISC-3", "answer": choice}])
            code, out = review(tmp_path, harness, "--answers", str(path))
            assert code == 0, out
        assert "People confirmed 1 of 1 sampled keyword tags" in out
        synced(tmp_path, harness)
        assert "objective:reliability" in harness.labels()["MISC-3"]
        assert "objective:self-serve-growth" not in harness.labels()["MISC-3"]
