"""One sync of one tracker: pull → map → plan → outbox → advance cursor → apply.

The engine wires the pure core (:mod:`syncd.core.mapper`, :mod:`syncd.core.reconcile`) to a connector and the
state store, in an order that makes every crash recoverable:

1. **Pull** issues updated since the cursor (everything with ``full``), page by page, and plan each
   batch as it arrives, so memory stays flat. Where the journal cannot say who put an owned label on an
   item (no entry for it, or a pending op whose outcome is unknown), the item's label history is read
   once (:mod:`syncd.core.provenance`), so syncd never mistakes its own label for a person's pin nor a person's
   removal for a write that never landed. An incremental pull also reads again, by key, the issues the
   last run had to skip.
2. **Record** each batch in one transaction: snapshots and alignments, new ops in the outbox
   (superseding stale ones), journal changes that need no write.
3. Re-plan **descendants** of items whose objectives changed (inheritance), and every stored item when
   the strategy itself changed.
4. **Advance the cursor** to the pull's start, on the tracker's clock: every item it covers is planned and
   in the outbox.
5. **Apply** the outbox (:mod:`syncd.sync.writes`); each confirmed op is marked done with its journal entry
   in one transaction.

A full pull also forgets issues that no longer exist in scope (deleted, moved away), behind a safety
stop: a pull that would forget most of what the state knows is refused unless forced.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import TypeVar

from syncd.connectors.base import Connector, Skipped
from syncd.core.mapper import MapContext, Mapper, collection_paused
from syncd.core.provenance import needs_history, settle
from syncd.core.reconcile import assume_applied, plan_item
from syncd.errors import Cancelled, NotFound, SafetyStop
from syncd.logging import get_logger
from syncd.model import Alignment, ItemPlan, JournalEntry, LabelOp, WorkItem
from syncd.retry import CallStats
from syncd.state import Mark, StateStore
from syncd.strategy import Strategy
from syncd.sync.learning import Lesson, learn, save_model, saved_model
from syncd.sync.model import PlannedChange, RunControl, SyncOptions, SyncResult
from syncd.sync.pins import send_pin_writes
from syncd.sync.writes import LABELS, LabelWrite, journal_until_confirmed, send_label_writes

__all__ = [
    "Engine",
    "PlannedChange",
    "RunControl",
    "SyncOptions",
    "SyncResult",
    "sweep_due",
    "syncs_since_sweep",
]

T = TypeVar("T")
_log = get_logger("syncd.sync.engine")
_BATCH = 500
_COMPLETE_EVERY = 50
_SAFETY_MIN_ITEMS = 20
_SAFETY_SHARE = 0.5


def syncs_since_sweep(store: StateStore, tracker: str) -> int:
    """Incremental syncs of ``tracker`` since its last full sweep, as the state counts them, so the service
    and the one-shot sync (a timer starts a new process each time) sweep on the same schedule."""
    value = store.marks.get(tracker, Mark.SINCE_SWEEP)
    return int(value) if value and value.isdigit() else 0


def sweep_due(store: StateStore, tracker: str, every: int) -> bool:
    """Whether this sync of ``tracker`` is the ``every``-th: a full sweep, to forget deleted and moved issues."""
    return syncs_since_sweep(store, tracker) + 1 >= every


def strategy_fingerprint(strategy: Strategy) -> str:
    """Changes whenever anything that affects mapping or labels changes."""
    text = json.dumps(strategy.model_dump(mode="json", exclude={"report", "drift", "period"}), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class Engine:
    """Syncs one tracker against one strategy, with one state store."""

    def __init__(
        self,
        *,
        strategy: Strategy,
        store: StateStore,
        connector: Connector,
        stats: CallStats,
        mapper: Mapper | None = None,
        control: RunControl | None = None,
    ) -> None:
        self._strategy = strategy
        self._store = store
        self._connector = connector
        self._stats = stats
        self._mapper = mapper or Mapper(strategy)
        self._control = control or RunControl()
        self.name = connector.name

    def sync(self, options: SyncOptions | None = None) -> SyncResult:
        """One sync; raises only what stops the whole tracker (auth, config, safety stop)."""
        options = options or SyncOptions()
        result = SyncResult(self.name)
        requests, retries = self._connector.requests, self._stats.total(self.name)
        with self._store.tracker_lock(self.name):
            self._with_saved_model()
            run_id = None if options.dry_run else self._store.runs.start(self.name)
            try:
                _Sync(self, options, result).run()
            except BaseException as exc:
                self._finish(result, requests, retries, run_id, error=exc)
                raise
            self._finish(result, requests, retries, run_id)
        return result

    def sync_keys(self, keys: Sequence[str]) -> SyncResult:
        """Read only these issues again by key (a webhook named them), then plan and write as a sync does.

        The cursor, the run history and the skipped list stay as they are: the next poll still covers
        everything, so an event lost, refused or dropped costs only latency.
        """
        result = SyncResult(self.name)
        requests, retries = self._connector.requests, self._stats.total(self.name)
        with self._store.tracker_lock(self.name):
            self._with_saved_model()
            try:
                _Sync(self, SyncOptions(), result).run_keys(keys)
            except BaseException as exc:
                self._finish(result, requests, retries, None, error=exc)
                raise
            self._finish(result, requests, retries, None)
        return result

    def _with_saved_model(self) -> None:
        """Tag with the model of similar items the last full pull saved, unless one was given."""
        if self._strategy.mapping.similar_items and self._mapper.similar is None:
            fingerprint = strategy_fingerprint(self._strategy)
            self._mapper = self._mapper.with_model(saved_model(self._store, self.name, fingerprint))

    def _finish(
        self,
        result: SyncResult,
        requests: int,
        retries: int,
        run_id: int | None,
        error: BaseException | None = None,
    ) -> None:
        result.requests = self._connector.requests - requests
        result.retries = self._stats.total(self.name) - retries
        status = "cancelled" if isinstance(error, Cancelled) else "failed" if error is not None else result.status
        if run_id is not None:
            self._store.runs.finish(run_id, status, result.counts(), str(error) if error else None)
        _log.info("sync.finished", tracker=self.name, status=status, **result.counts())


class _Sync:
    """The state of one run; see the module docstring for the order of its steps."""

    def __init__(self, engine: Engine, options: SyncOptions, result: SyncResult) -> None:
        self.engine = engine
        self.store = engine._store
        self.connector = engine._connector
        self.options = options
        self.result = result
        self.name = engine.name
        self.seen: set[str] = set()
        self.planned: dict[str, int] = {}  # key -> the batch it was last planned in
        self.changed_in: dict[str, int] = {}  # key -> the batch whose plan changed its objectives
        self.batches = 0
        self.objectives_changed: set[str] = set()
        self.overlay: dict[str, WorkItem] = {}  # pulled items, kept only when a dry run cannot store them
        self.overlay_journal: dict[str, JournalEntry] = {}
        self.skipped_keys: set[str] = set()
        self.newest: datetime | None = None  # the newest ``updated`` pulled
        self.lesson: Lesson | None = None  # the model of similar items learnt in this run
        self.completed: dict[str, JournalEntry] = {}
        """Journals this run completed from a history or an unheard write, by key: an item planned again
        starts from the same one, since its pending write is then this run's own, not yet sent."""
        self.changing: dict[str, PlannedChange | bool] = {}  # keys whose last plan changes labels

    def run(self) -> None:
        started = datetime.now(UTC)
        cursor = None if self.options.full else self.store.marks.get(self.name, Mark.PULL_CURSOR)
        since = datetime.fromisoformat(cursor) if cursor else None
        fingerprint = strategy_fingerprint(self.engine._strategy)
        _log.info("sync.started", tracker=self.name, since=cursor, full=self.options.full)
        control = self.engine._control
        for batch in _batches(self.connector.pull(since), _BATCH):
            self._plan_pulled(batch)
            control.progress(self.name, "pulled", self.result.pulled)
            control.checkpoint()
        if since is None:
            self._forget_missing()
        else:
            self._refetch_skipped()
        self._replan_descendants()
        if self.store.marks.get(self.name, Mark.STRATEGY) != fingerprint:
            self._replan_all_stored()
        if self._learning_due(since):
            self._relearn()
        if self.options.dry_run:
            self.result.changes = [c for c in self.changing.values() if isinstance(c, PlannedChange)]
            return
        with self.store.transaction():
            self.store.marks.set(self.name, Mark.PULL_CURSOR, self._bound(since, started).isoformat())
            self.store.marks.set(self.name, Mark.STRATEGY, fingerprint)
            if self.lesson is not None:
                save_model(self.store, self.name, fingerprint, self.lesson.model)
            self.store.marks.set(self.name, Mark.SKIPPED, json.dumps(sorted(self.skipped_keys)))
            since_sweep = 0 if since is None else syncs_since_sweep(self.store, self.name) + 1
            self.store.marks.set(self.name, Mark.SINCE_SWEEP, str(since_sweep))
            self._save_profile()
        send_label_writes(self.store, self.connector, self.result, self.engine._control)
        send_pin_writes(self.store, self.connector, self.result, self.engine._control)
        with self.store.transaction():
            self._save_profile()  # what the writes created (Linear's new labels) is known next time

    def _bound(self, since: datetime | None, started: datetime) -> datetime:
        """The next pull's bound, on the tracker's clock (``updated`` is stamped by it): its clock when the
        first page was answered, else the newest ``updated`` seen (never behind the bound already used),
        and syncd's own clock only when the tracker told nothing of its time."""
        clock = self.connector.pull_clock()
        if clock is not None:
            return clock
        known = [moment for moment in (self.newest, since) if moment is not None]
        return max(known) if known else started

    def run_keys(self, keys: Sequence[str]) -> None:
        for batch in _batches(self.connector.refetch(keys), _BATCH):
            self._plan_pulled(batch)
        self._replan_descendants()
        send_label_writes(self.store, self.connector, self.result, self.engine._control)
        send_pin_writes(self.store, self.connector, self.result, self.engine._control)

    def _refetch_skipped(self) -> None:
        """Read again, by key, the issues the last run had to skip: a pull by ``updated`` would not see
        them again until someone edits them, and the cause may be gone (an upgrade, a fixed field)."""
        saved = json.loads(self.store.marks.get(self.name, Mark.SKIPPED) or "[]")
        keys = [key for key in saved if key not in self.seen and key not in self.skipped_keys]
        if keys:
            _log.info("items.refetched", tracker=self.name, count=len(keys))
            for batch in _batches(self.connector.refetch(keys), _BATCH):
                self._plan_pulled(batch)

    def _save_profile(self) -> None:
        self.store.marks.set(self.name, Mark.PROFILE, json.dumps(self.connector.profile_json()))

    def _plan_pulled(self, batch: Sequence[WorkItem | Skipped]) -> None:
        items: list[WorkItem] = []
        for event in batch:
            if isinstance(event, Skipped):
                self.skipped_keys.add(event.key)
                self.result.skipped += 1
                self.result.errors.append(f"{event.key}: skipped, {event.reason}")
                _log.warning("item.skipped", tracker=self.name, issue=event.key, reason=event.reason)
                continue
            self.result.pulled += 1
            self.seen.add(event.key)
            self.newest = event.updated if self.newest is None else max(self.newest, event.updated)
            items.append(self._follow_move(event))
        self._plan(items)

    def _follow_move(self, item: WorkItem) -> WorkItem:
        """A known id under a new key was moved: its journal follows it."""
        old = self.store.items.key_of(self.name, item.id)
        if old is not None and old != item.key:
            _log.info("item.moved", tracker=self.name, issue=item.key, was=old)
            if self.options.dry_run:
                self.overlay_journal.update(self.store.journal.get(self.name, [old]))
            else:
                self.store.items.rekey(self.name, old, item.key)
        return item

    def _plan(self, items: Sequence[WorkItem]) -> None:
        if not items:
            return
        keys = [item.key for item in items]
        batch = {item.key: item for item in items}
        if self.options.dry_run:
            self.overlay.update(batch)
        stored = self.store.items.by_key(self.name, keys)
        recorded = self.store.journal.get(self.name, keys)
        journals = self._journals(items, recorded)
        context = MapContext(
            lookup=lambda key: batch.get(key) or self._lookup(key),
            applied=lambda key: self._journal_of(key, journals).applied,
        )
        records: list[tuple[WorkItem, Alignment]] = []
        plans: list[ItemPlan] = []
        with collection_paused():
            for item in items:
                alignment = self.engine._mapper.align(item, context)
                journal = journals.get(item.key, JournalEntry())
                plan = plan_item(item, alignment, journal, self.connector.labels)
                self.result.pinned += len(plan.pins - recorded.get(item.key, JournalEntry()).persons)
                records.append((item, alignment))
                plans.append(plan)
                previous = stored.get(item.key)
                if (
                    previous is None
                    or previous.alignment is None
                    or previous.alignment.objectives != alignment.objectives
                ):
                    self.objectives_changed.add(item.key)
                    self.changed_in[item.key] = self.batches
        self.planned.update(dict.fromkeys(keys, self.batches))
        self.batches += 1
        self._record(records, plans, recorded)

    def _journals(self, items: Sequence[WorkItem], recorded: dict[str, JournalEntry]) -> dict[str, JournalEntry]:
        """Recorded journals, completed from the tracker's history where they cannot say who put an owned
        label there, and adjusted for ops that may have landed unheard (a crash, a 5xx)."""
        keys = {item.key for item in items}
        journals = dict(recorded)
        journals.update({k: v for k, v in self.overlay_journal.items() if k in keys})
        pending = {entry.key: entry for entry in self.store.outbox.pending_for(self.name, LABELS, keys)}
        for item in items:
            entry = pending.get(item.key)
            unheard = LabelWrite.decode(entry).op if entry is not None and entry.uncertain else None
            journal = self._completed(item, journals.get(item.key), unheard)
            if journal is not None:
                journals[item.key] = journal
        return journals

    def _completed(self, item: WorkItem, journal: JournalEntry | None, unheard: LabelOp | None) -> JournalEntry | None:
        """The item's journal, settled from its history where it cannot say, and with ``unheard`` (a write
        that may have landed) taken as landed where the labels show it: the history says who added what,
        the op which of syncd's labels it removed."""
        if item.key in self.completed:
            return self.completed[item.key]
        owns = self.connector.labels.scheme.owns
        owned = frozenset(label for label in item.labels if owns(label))
        if needs_history(owned, journal, unconfirmed=unheard.add if unheard else frozenset()):
            journal = self._settle(item, journal or JournalEntry())
            unheard = dataclasses.replace(unheard, add=frozenset()) if unheard else None
            self.completed[item.key] = journal
        if unheard is not None:
            journal = self.completed[item.key] = assume_applied(journal or JournalEntry(), unheard, item.labels)
        return journal

    def _settle(self, item: WorkItem, journal: JournalEntry) -> JournalEntry:
        """The journal completed from the issue's label history (one read); unchanged when it is gone."""
        try:
            history = self.connector.label_history(item.key)
        except NotFound:
            return journal
        finally:
            self.result.history_reads += 1
        _log.info("labels.provenance", tracker=self.name, issue=item.key, changes=len(history.changes))
        return settle(journal, item.labels, history, self.connector.labels.scheme.owns)

    def _journal_of(self, key: str, journals: dict[str, JournalEntry]) -> JournalEntry:
        if key not in journals:
            journals[key] = self.store.journal.get(self.name, [key]).get(key, JournalEntry())
        return journals[key]

    def _lookup(self, key: str) -> WorkItem | None:
        item = self.overlay.get(key)
        if item is None:
            stored = self.store.items.get(self.name, key)
            item = stored.item if stored else None
        return item

    def _record(
        self,
        records: list[tuple[WorkItem, Alignment]],
        plans: list[ItemPlan],
        recorded: dict[str, JournalEntry],
    ) -> None:
        changes = [plan for plan in plans if not plan.op.empty]
        self._count(plans, records)
        if self.options.dry_run:
            return
        writes = [LabelWrite.of(plan) for plan in changes]
        settled = [plan.op.key for plan in plans if plan.op.empty]
        journals = {plan.op.key: journal_until_confirmed(plan) for plan in plans}
        with self.store.transaction():
            self.store.items.put(self.name, records)
            self.store.outbox.enqueue(self.name, LABELS, [(write.key, write.encode()) for write in writes])
            self.store.outbox.supersede(self.name, LABELS, settled)
            self.store.journal.put(
                self.name,
                {key: entry for key, entry in journals.items() if entry != recorded.get(key, JournalEntry())},
            )

    def _count(self, plans: list[ItemPlan], records: list[tuple[WorkItem, Alignment]]) -> None:
        """Count the items whose labels change, each once: an item planned again in the run (a descendant,
        or one the model of similar items tags) counts by its last plan."""
        dry_run = self.options.dry_run
        for plan, (_, alignment) in zip(plans, records, strict=True):
            key = plan.op.key
            if self.changing.pop(key, None) is not None:
                self.result.changed -= 1
            if not plan.op.empty:
                self.changing[key] = _change(plan, alignment) if dry_run else True
                self.result.changed += 1

    def _replan_descendants(self) -> None:
        """Children inherit objectives: when an ancestor's changed, its descendants are planned again —
        unless they were planned after that change, in this run, and so already saw it."""
        frontier = set(self.objectives_changed)
        visited: set[str] = set()
        while frontier:
            visited |= frontier
            stale = [
                key
                for key, parent, epic in self.store.items.children(self.name, sorted(frontier))
                if key not in visited and self._saw_stale_ancestor(key, parent, epic)
            ]
            self.objectives_changed.clear()
            for chunk in _batches(stale, _BATCH):
                self._plan(self._stored_items(chunk))
            frontier = self.objectives_changed - visited

    def _stored_items(self, keys: list[str]) -> list[WorkItem]:
        """The items of ``keys``, as pulled in this run when a dry run could not store them."""
        stored = self.store.items.by_key(self.name, keys)
        found = (self.overlay.get(key) or (stored[key].item if key in stored else None) for key in keys)
        return [item for item in found if item is not None]

    def _saw_stale_ancestor(self, key: str, *ancestors: str | None) -> bool:
        planned = self.planned.get(key)
        changed = max((self.changed_in.get(a, -1) for a in ancestors if a), default=-1)
        return planned is None or planned < changed

    def _learning_due(self, since: datetime | None) -> bool:
        """A full pull learns the model of similar items again; so does a sync that has none saved."""
        mapper = self.engine._mapper
        return mapper.strategy.mapping.similar_items and (since is None or mapper.similar is None)

    def _relearn(self) -> None:
        """Learn the model of similar items from every item now known (see :mod:`syncd.sync.learning`) and
        plan again the items the rules leave undecided, which it tags."""
        keys = sorted(self.store.items.keys(self.name) | self.overlay.keys())
        journals: dict[str, JournalEntry] = {}

        def batches() -> Iterator[list[WorkItem]]:
            for chunk in _batches(keys, _BATCH):
                journals.clear()
                journals.update(self.store.journal.get(self.name, chunk))
                journals.update({key: self.overlay_journal[key] for key in chunk if key in self.overlay_journal})
                yield self._stored_items(chunk)

        lesson = learn(
            self.engine._mapper,
            batches(),
            lookup=self._lookup,
            applied=lambda key: self._journal_of(key, journals).applied,
        )
        _log.info(
            "similar_items.learnt", tracker=self.name, examples=lesson.model.examples, undecided=len(lesson.undecided)
        )
        self.lesson = lesson
        self.engine._mapper = self.engine._mapper.with_model(lesson.model)
        for chunk in _batches(list(lesson.undecided), _BATCH):
            self._plan(self._stored_items(chunk))

    def _replan_all_stored(self) -> None:
        """The strategy changed: every stored item not planned in this run is planned again."""
        keys = sorted(self.store.items.keys(self.name) - self.planned.keys())
        if keys:
            _log.info("strategy.changed", tracker=self.name, replanned=len(keys))
        for chunk in _batches(keys, _BATCH):
            self._plan(self._stored_items(chunk))

    def _forget_missing(self) -> None:
        known = self.store.items.keys(self.name)
        missing = known - self.seen
        if not missing:
            return
        share = len(missing) / len(known)
        if len(known) >= _SAFETY_MIN_ITEMS and share > _SAFETY_SHARE and not self.options.force:
            raise SafetyStop(
                f"{self.name}: a full pull returned {len(self.seen)} issues but the state knows {len(known)}; "
                f"forgetting {len(missing)} ({share:.0%}) looks like a configuration or permission problem. "
                "Check the projects/teams in the settings, or run again with --force if it is real."
            )
        self.result.forgotten = len(missing)
        _log.info("items.forgotten", tracker=self.name, count=len(missing))
        if not self.options.dry_run:
            self.store.items.delete(self.name, sorted(missing))
            self.store.outbox.supersede(self.name, LABELS, sorted(missing))


def _change(plan: ItemPlan, alignment: Alignment) -> PlannedChange:
    deciding = [r.detail for r in alignment.reasons if r.rule is alignment.decided_by]
    why = "no rule matched"
    if alignment.decided_by and alignment.primary:
        rule = f"{alignment.decided_by.label} ({alignment.strength_note})"
        why = f"{rule}, primary {alignment.primary}: {'; '.join(deciding)}"
    elif alignment.decided_by:
        why = f"{alignment.decided_by.label}: {'; '.join(deciding)}"
    return PlannedChange(plan.op.key, tuple(sorted(plan.op.add)), tuple(sorted(plan.op.remove)), why)


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch
