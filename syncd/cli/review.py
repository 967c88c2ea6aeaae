"""``syncd review``: a person confirms or corrects a random sample of keyword tags.

The command is a shell around :mod:`syncd.sync.review`: it reads the stored items, draws the period's sample,
asks at the terminal (or prints it as JSON, or reads answers from a JSON file for a web form or a script),
and records each answer in the state store. A correction is also queued as a pin (:mod:`syncd.sync.pins`),
written to the tracker by the next sync, in the same transaction as the answer.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from syncd.cli.session import StrategyOption, guarded, say, session_of
from syncd.errors import ConfigError, Problem
from syncd.model import JournalEntry, LabelOp
from syncd.state import StateStore, StoredAnswer
from syncd.strategy import Strategy
from syncd.sync.all_trackers import select_trackers
from syncd.sync.pins import PINS, PinWrite
from syncd.sync.review import (
    NONE,
    ReviewCase,
    choices,
    current_answers,
    draw,
    pin_delta,
    review_cases,
    rules_fingerprints,
)

__all__ = ["review"]


@dataclass(frozen=True, slots=True)
class _Sample:
    strategy: Strategy
    drawn: list[tuple[ReviewCase | None, StoredAnswer | None]]

    @property
    def answered(self) -> list[StoredAnswer]:
        return [answer for _, answer in self.drawn if answer is not None]

    @property
    def open(self) -> list[ReviewCase]:
        return [case for case, answer in self.drawn if case is not None and answer is None]

    def summary(self) -> str:
        answered = self.answered
        confirmed = sum(1 for answer in answered if answer.confirmed)
        left = len(self.open)
        return f"People confirmed {confirmed} of {len(answered)} sampled keyword tags; {left} left to review."


def _sample(store: StateStore, strategy: Strategy, trackers: list[str], size: int) -> _Sample:
    entries = ((s.item, s.alignment) for name in trackers for s in store.items.all(name))
    cases = review_cases(entries, strategy, now=datetime.now(UTC))
    answers = [a for a in current_answers(store.reviews.of_period(strategy.period), strategy) if a.tracker in trackers]
    return _Sample(strategy, draw(cases, answers, size=size, seed=strategy.period))


def _record(store: StateStore, strategy: Strategy, case: ReviewCase, answer: str) -> None:
    """Store the answer; a correction queues its pin in the same transaction, under the tracker's lock."""
    item = case.item
    stored = StoredAnswer(item.tracker, item.key, strategy.period, case.tag, answer, rules_fingerprints(strategy))
    with store.tracker_lock(item.tracker), store.transaction():
        store.reviews.put([stored])
        if stored.confirmed:
            store.outbox.supersede(item.tracker, PINS, [item.key])  # a change of mind before the next sync
            return
        journal = store.journal.get(item.tracker, [item.key]).get(item.key, JournalEntry())
        add, remove = pin_delta(answer, strategy, journal)
        pin = PinWrite(LabelOp(item.tracker, item.id, item.key, add, remove))
        store.outbox.enqueue(item.tracker, PINS, [(pin.key, pin.encode())])


def _choice_lines(strategy: Strategy) -> list[str]:
    return [f"  {number}) {name} ({oid})" for number, oid, name in choices(strategy)] + ["  0) none of them"]


def _case_lines(case: ReviewCase, position: str) -> list[str]:
    data = case.to_json()
    lines = ["", f"[{position}] {data['key']}  {data['title']}"]
    if data["excerpt"]:
        lines.append(f"  {data['excerpt']}")
    lines.append(f"  tagged {case.tag} ({case.why})")
    return lines


def _parse(reply: str, case: ReviewCase, strategy: Strategy) -> str | None:
    """The answer a typed reply means: Enter or y confirms, a number picks an objective, 0 none."""
    reply = reply.strip().lower()
    if reply in ("", "y", "yes"):
        return case.tag
    numbered = {str(number): oid for number, oid, _ in choices(strategy)}
    if reply in ("0", "none", "n"):
        return NONE
    return numbered.get(reply)


def _ask(store: StateStore, sample: _Sample) -> None:
    strategy = sample.strategy
    cases = sample.open
    done = len(sample.answered)
    say(sample.summary())
    say("For each item: Enter confirms the tag, a number picks the right objective, 0 says none, q stops.")
    for line in _choice_lines(strategy):
        say(line)
    for index, case in enumerate(cases, start=done + 1):
        for line in _case_lines(case, f"{index}/{done + len(cases)}"):
            say(line)
        while True:
            reply: str = typer.prompt("Right?", default="y", show_default=True)
            if reply.strip().lower() == "q":
                say("Stopped; `syncd review` resumes here.")
                return
            answer = _parse(reply, case, strategy)
            if answer is not None:
                break
            say("Type Enter or y to confirm, a number from the list, 0 for none, or q to stop.")
        _record(store, strategy, case, answer)
        if answer != case.tag:
            say(f"  {case.item.key}: corrected to {answer or 'none'}; the next sync writes it as a pin.")


def _read_answers(path: Path, sample: _Sample) -> list[tuple[ReviewCase, str]]:
    """The answers of a JSON file, all checked before any is recorded.

    Raises:
        ConfigError: the file cannot be read, or an answer names an item outside the sample or an unknown
            objective; every such problem is named.
    """
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8") if str(path) != "-" else sys.stdin.read())
    except (OSError, ValueError) as exc:
        raise ConfigError(source, [Problem("", f"cannot read the answers: {exc}")]) from None
    entries = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ConfigError(source, [Problem("answers", "must be a list of {key, answer}")])
    cases = {case.item.key: case for case in sample.open}
    cases.update({case.item.key: case for case, answer in sample.drawn if case is not None and answer is not None})
    known = {o.id for o in sample.strategy.objectives}
    found: list[tuple[ReviewCase, str]] = []
    problems = []
    for index, entry in enumerate(entries):
        where = f"answers[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            problems.append(Problem(where, "must be an object with a key and an answer"))
            continue
        case = cases.get(entry["key"])
        answer = entry.get("answer")
        if case is None:
            problems.append(Problem(f"{where}.key", f"{entry['key']} is not in the review's sample"))
        elif answer == "confirm":
            found.append((case, case.tag))
        elif answer == "none":
            found.append((case, NONE))
        elif isinstance(answer, str) and answer in known:
            found.append((case, answer))
        else:
            choices_text = ", ".join(["confirm", "none", *sorted(known)])
            problems.append(Problem(f"{where}.answer", f"{answer!r} is not one of {choices_text}"))
    if problems:
        raise ConfigError(source, problems)
    return found


def _json(sample: _Sample) -> dict[str, Any]:
    answers = {(a.tracker, a.key): a for a in sample.answered}
    items = []
    for case, answer in sample.drawn:
        if case is None and answer is not None:
            entry: dict[str, Any] = {"tracker": answer.tracker, "key": answer.key, "tag": answer.tag}
        elif case is not None:
            entry = case.to_json()
            answer = answers.get((case.item.tracker, case.item.key))
        else:
            continue
        entry["answer"] = None if answer is None else (answer.answer or "none")
        items.append(entry)
    return {
        "period": sample.strategy.period,
        "reviewed": len(sample.answered),
        "confirmed": sum(1 for a in sample.answered if a.confirmed),
        "choices": [{"number": n, "id": oid, "name": name} for n, oid, name in choices(sample.strategy)],
        "items": items,
    }


@guarded
def review(
    ctx: typer.Context,
    size: Annotated[int, typer.Option("--size", min=1, max=1000, help="How many keyword tags to sample.")] = 40,
    tracker: Annotated[str | None, typer.Option("--tracker", "-t", help="Only this tracker's items.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the sample and its answers as JSON.")] = False,
    answers: Annotated[
        Path | None, typer.Option("--answers", help="Record the answers of this JSON file (or - for stdin).")
    ] = None,
    strategy_path: StrategyOption = None,
) -> None:
    """Confirm or correct a random sample of keyword tags; a correction becomes a person's pin."""
    session = session_of(ctx, strategy_path)
    strategy = session.strategy()
    names = list(select_trackers(session.settings(), [tracker] if tracker else ()))
    with session.open_store() as store:
        sample = _sample(store, strategy, names, size)
        if answers is not None:
            for case, answer in _read_answers(answers, sample):
                _record(store, strategy, case, answer)
            sample = _sample(store, strategy, names, size)
        elif not as_json:
            if not sys.stdin.isatty():
                raise ConfigError(
                    "command line",
                    [Problem("", "review asks questions: run it on a terminal, or use --json and --answers FILE")],
                )
            _ask(store, sample)
            sample = _sample(store, strategy, names, size)
        if as_json:
            say(json.dumps(_json(sample), indent=2, ensure_ascii=False))
        else:
            say(sample.summary())
