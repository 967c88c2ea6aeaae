"""Where ``syncd explain`` finds its item: a JSON file (or stdin) of work items, or the state store, and
how the item's tracker holds labels."""

from __future__ import annotations

import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from syncd.cli.session import Session
from syncd.connectors.base import Skipped
from syncd.connectors.exports import export_entries, export_item
from syncd.core.similar_items import SimilarItems
from syncd.errors import ConfigError, Problem
from syncd.model import JournalEntry, TrackerKind, WorkItem
from syncd.problems import problems_from_validation
from syncd.state import StateStore
from syncd.strategy import LabelScheme, Strategy, TrackerLabels
from syncd.strategy import tracker_labels as tracker_labels_of
from syncd.sync.engine import strategy_fingerprint
from syncd.sync.learning import saved_model
from syncd.sync.writes import LABELS, LabelWrite

__all__ = ["FromState", "from_state", "pick", "read_items", "tracker_labels"]


def read_items(path: Path, scheme: LabelScheme | None = None) -> list[WorkItem]:
    """The work items of a JSON file: syncd's own item JSON, or a tracker's issue JSON (see
    :mod:`syncd.connectors.exports`), one clear problem per issue that cannot be read."""
    source = "stdin" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if source == "stdin" else path.read_text(encoding="utf-8")
        data = json.loads(text)
    except FileNotFoundError:
        raise ConfigError(source, [Problem("", "file not found")]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(source, [Problem(f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]) from None
    entries, names = export_entries(data)
    items: list[WorkItem] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        exported = export_item(entry, names=names, scheme=scheme or LabelScheme())
        if isinstance(exported, Skipped):
            problems.append(Problem(f"[{index}]", f"issue {exported.key}: {exported.reason}"))
            continue
        if exported is not None:
            items.append(exported)
            continue
        try:
            items.append(WorkItem.from_json(entry))
        except ValidationError as exc:
            prefix = f"[{index}]" if isinstance(data, list) else ""
            problems += [
                Problem(f"{prefix}{'.' if prefix and p.location else ''}{p.location}", p.message)
                for p in problems_from_validation(exc)
            ]
    if problems:
        raise ConfigError(source, problems)
    if not items:
        raise ConfigError(source, [Problem("", "holds no work item")])
    return items


def pick(items: list[WorkItem], key: str | None, source: str) -> WorkItem:
    if key is None:
        return items[0]
    for candidate in items:
        if candidate.key == key:
            return candidate
    raise ConfigError(source, [Problem("", f"has no item with key {key!r}")])


@dataclass(frozen=True)
class FromState:
    """An item as the state holds it, with its journal, the other items of its tracker (its ancestors) and
    the model of similar items the tracker's last full pull saved (None: none under this strategy)."""

    item: WorkItem
    journal: JournalEntry
    known: dict[str, WorkItem]
    similar: SimilarItems | None


def from_state(session: Session, key: str, tracker: str | None) -> FromState:
    strategy = session.strategy()
    with session.open_store() as store:
        trackers = [tracker] if tracker else store.trackers()
        for name in trackers:
            stored = store.items.get(name, key)
            if stored is None:
                continue
            known = {s.item.key: s.item for s in store.items.all(name)}
            journal = store.journal.get(name, [key]).get(key, JournalEntry())
            similar = saved_model(store, name, strategy_fingerprint(strategy))
            return FromState(_with_confirmed_writes(store, name, stored.item), journal, known, similar)
    raise ConfigError(
        str(session.settings().state_file()),
        [Problem("", f"no issue {key!r} has been synced yet: run `syncd sync` first, or pass --item FILE")],
        hint="",
    )


def _with_confirmed_writes(store: StateStore, tracker: str, item: WorkItem) -> WorkItem:
    """The item's labels as the tracker holds them after the writes it confirmed since the snapshot was
    taken: the snapshot comes from the pull, before syncd wrote, and a label syncd has just applied would
    otherwise look removed by a person."""
    seen_at = store.items.seen_at(tracker, item.key)
    if seen_at is None:
        return item
    labels = item.labels
    for entry in store.outbox.confirmed_since(tracker, LABELS, item.key, seen_at):
        labels = LabelWrite.decode(entry).op.applied_to(labels)
    return dataclasses.replace(item, labels=labels)


def tracker_labels(item: WorkItem, session: Session, strategy: Strategy) -> TrackerLabels:
    """Linear keeps objectives (and values, unless configured flat) in one-label-per-issue groups."""
    if item.kind is not TrackerKind.LINEAR:
        return tracker_labels_of(strategy.labels, item.kind)
    workspace = session.settings().linear.get(item.tracker.removeprefix("linear."))
    flat_values = workspace is not None and workspace.value_group is None
    return tracker_labels_of(strategy.labels, item.kind, grouped_values=not flat_values)
