"""Sending the outbox's label writes, and what each op carries.

An op is recorded with the journal entry to keep once the tracker confirms it. Ops are sent oldest first,
read a chunk at a time as the connector takes them (so a hundred thousand pending writes never sit in
memory at once, while a connector that writes many issues in one request groups the whole stream), and
confirmations are stored in groups: an op that landed but whose confirmation was not stored yet, or that
was answered with a 5xx, a timeout or nothing (:attr:`~syncd.errors.TrackerError.may_have_landed`), is
resolved on the next run from the issue's label history (:mod:`syncd.core.provenance`), never sent twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from syncd.connectors.base import Connector
from syncd.errors import AuthError, Fatal, TrackerError
from syncd.logging import get_logger
from syncd.model import ItemPlan, JournalEntry, LabelOp
from syncd.state import OutboxEntry, StateStore
from syncd.sync.model import RunControl, SyncResult

__all__ = ["LABELS", "LabelWrite", "gives_up", "journal_until_confirmed", "send_label_writes"]

LABELS = "labels"
_CHUNK = 2_000
_CONFIRM_EVERY = 50
_log = get_logger("syncd.sync.writes")


@dataclass(frozen=True, slots=True)
class LabelWrite:
    """One label write of the outbox's ``labels`` kind: the delta, and the journal to keep once the
    tracker confirms it.

    Its payload is ``{"id", "add", "remove", "applied", "declined", "persons"}`` (sorted lists), the issue
    key and the tracker being the outbox's own columns.
    """

    op: LabelOp
    confirmed: JournalEntry

    @classmethod
    def of(cls, plan: ItemPlan) -> LabelWrite:
        return cls(plan.op, plan.journal)

    @property
    def key(self) -> str:
        return self.op.key

    def encode(self) -> dict[str, Any]:
        return {
            "id": self.op.item_id,
            "add": sorted(self.op.add),
            "remove": sorted(self.op.remove),
            "applied": sorted(self.confirmed.applied),
            "declined": sorted(self.confirmed.declined),
            "persons": sorted(self.confirmed.persons),
        }

    @classmethod
    def decode(cls, entry: OutboxEntry) -> LabelWrite:
        """The write of a stored entry; a journal part an earlier version did not store is empty."""
        payload: Mapping[str, Any] = entry.payload
        op = LabelOp(
            entry.tracker, str(payload["id"]), entry.key, frozenset(payload["add"]), frozenset(payload["remove"])
        )
        journal = JournalEntry(
            frozenset(payload.get("applied", ())),
            frozenset(payload.get("declined", ())),
            frozenset(payload.get("persons", ())),
        )
        return cls(op, journal)


def journal_until_confirmed(plan: ItemPlan) -> JournalEntry:
    """The journal to keep while the op is unconfirmed: what a person changed is remembered now."""
    if plan.op.empty:
        return plan.journal
    journal = plan.journal
    return JournalEntry((journal.applied - plan.op.add) | plan.op.remove, journal.declined, journal.persons)


def gives_up(error: TrackerError) -> bool:
    """Whether a refused write is set aside for good. Refused credentials are no verdict on the write (a
    token rotated while syncd runs): it stays pending and goes out once the credentials work."""
    return isinstance(error, Fatal) and not isinstance(error, AuthError)


def send_label_writes(store: StateStore, connector: Connector, result: SyncResult, control: RunControl) -> None:
    """Send every pending label op of the connector's tracker; stop early only when asked to, or when the
    credentials are refused."""
    name = connector.name
    store.outbox.sending(name, LABELS)
    sent: dict[str, tuple[OutboxEntry, LabelWrite]] = {}
    done: list[tuple[OutboxEntry, LabelWrite]] = []
    fatal: TrackerError | None = None
    fence = partial(store.fence, name)  # each request is sent only while this process may still write the tracker
    for outcome in connector.apply(_ops(_pending(store, name), sent), fence=fence):
        control.heartbeat()
        entry, write = sent.pop(outcome.op.key)
        if outcome.error is None:
            result.applied += 1
            done.append((entry, write))
            if len(done) >= _CONFIRM_EVERY:
                _confirm(store, name, done)
                done = []
                control.progress(name, "applied", result.applied)
        else:
            fatal = _failed(store, name, entry, outcome.error, result)
        if control.stop.is_set() or fatal is not None:
            break
    if done:
        _confirm(store, name, done)
    if fatal is not None:
        raise fatal
    control.checkpoint()


def _pending(store: StateStore, name: str) -> Iterator[OutboxEntry]:
    """The tracker's pending label writes, oldest first, read a chunk at a time as they are sent."""
    after = 0
    while chunk := store.outbox.pending(name, LABELS, after=after, limit=_CHUNK):
        after = chunk[-1].id
        yield from chunk


def _ops(entries: Iterable[OutboxEntry], sent: dict[str, tuple[OutboxEntry, LabelWrite]]) -> Iterator[LabelOp]:
    """Each entry's op, remembering the entry until the connector answers for it."""
    for entry in entries:
        write = LabelWrite.decode(entry)
        sent[entry.key] = (entry, write)
        yield write.op


def _failed(
    store: StateStore, name: str, entry: OutboxEntry, error: TrackerError, result: SyncResult
) -> AuthError | None:
    """Record a refused op; the refusal of the credentials, which ends the run."""
    result.failed += 1
    result.errors.append(str(error))
    _log.warning("op.failed", tracker=name, issue=entry.key, error=str(error))
    store.outbox.fail(entry.id, str(error), give_up=gives_up(error), uncertain=error.may_have_landed)
    return error if isinstance(error, AuthError) else None


def _confirm(store: StateStore, name: str, done: list[tuple[OutboxEntry, LabelWrite]]) -> None:
    """Mark confirmed ops done and keep their journals, in one transaction."""
    journals = {entry.key: write.confirmed for entry, write in done}
    store.outbox.complete(name, [entry.id for entry, _ in done], keep=lambda: store.journal.put(name, journals))
