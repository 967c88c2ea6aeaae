"""Sending the outbox's label writes, and what each op carries.

An op is recorded with the journal entry to keep once the tracker confirms it. Ops are sent oldest first,
a chunk at a time (so a hundred thousand pending writes never sit in memory at once; a chunk is large, so
that a connector that writes many issues in one request groups them well), and confirmations
are stored in groups: an op that landed but whose confirmation was not stored yet, or that was answered
with a 5xx, a timeout or nothing (:attr:`~syncd.errors.TrackerError.may_have_landed`), is resolved on the
next run from the issue's label history (:mod:`syncd.core.provenance`), never sent twice.
"""

from __future__ import annotations

from syncd.connectors.base import Connector
from syncd.errors import AuthError, Fatal, TrackerError
from syncd.logging import get_logger
from syncd.model import ItemPlan, JournalEntry, LabelOp
from syncd.state import OutboxEntry, StateStore
from syncd.sync.model import RunControl, SyncResult

__all__ = ["LABELS", "gives_up", "journal_until_confirmed", "label_op", "op_payload", "send_label_writes"]

LABELS = "labels"
_CHUNK = 10_000  # big enough for Jira's bulk edit to gather each label change into few tasks
_CONFIRM_EVERY = 50
_log = get_logger("syncd.sync.writes")


def op_payload(plan: ItemPlan) -> dict[str, object]:
    """What the outbox keeps of a plan: the delta and the journal once it is confirmed."""
    return {
        "id": plan.op.item_id,
        "add": sorted(plan.op.add),
        "remove": sorted(plan.op.remove),
        "applied": sorted(plan.journal.applied),
        "declined": sorted(plan.journal.declined),
        "persons": sorted(plan.journal.persons),
    }


def label_op(tracker: str, entry: OutboxEntry) -> LabelOp:
    payload = entry.payload
    return LabelOp(tracker, str(payload["id"]), entry.key, frozenset(payload["add"]), frozenset(payload["remove"]))


def journal_until_confirmed(plan: ItemPlan) -> JournalEntry:
    """The journal to keep while the op is unconfirmed: what a person changed is remembered now."""
    if plan.op.empty:
        return plan.journal
    journal = plan.journal
    return JournalEntry((journal.applied - plan.op.add) | plan.op.remove, journal.declined, journal.persons)


def _confirmed_journal(entry: OutboxEntry) -> JournalEntry:
    payload = entry.payload
    return JournalEntry(
        frozenset(payload.get("applied", ())),
        frozenset(payload.get("declined", ())),
        frozenset(payload.get("persons", ())),
    )


def gives_up(error: TrackerError) -> bool:
    """Whether a refused write is set aside for good. Refused credentials are no verdict on the write (a
    token rotated while syncd runs): it stays pending and goes out once the credentials work."""
    return isinstance(error, Fatal) and not isinstance(error, AuthError)


def send_label_writes(store: StateStore, connector: Connector, result: SyncResult, control: RunControl) -> None:
    """Send every pending label op of the connector's tracker; stop early only when asked to."""
    name = connector.name
    store.outbox.sending(name, LABELS)
    after = 0
    while True:
        chunk = store.outbox.pending(name, LABELS, after=after, limit=_CHUNK)
        if not chunk:
            break
        after = chunk[-1].id
        if not _send_chunk(store, connector, chunk, result, control):
            break
    control.checkpoint()


def _send_chunk(
    store: StateStore, connector: Connector, chunk: list[OutboxEntry], result: SyncResult, control: RunControl
) -> bool:
    """Send one chunk; False when the run must stop (asked to, or the credentials were refused)."""
    name = connector.name
    entries = {entry.key: entry for entry in chunk}
    done: list[tuple[int, str, JournalEntry | None]] = []
    carry_on = True
    fatal: TrackerError | None = None
    store.fence(name)  # each op is sent only while this process may still write the tracker
    for outcome in connector.apply([label_op(name, entry) for entry in chunk]):
        control.heartbeat()
        entry = entries[outcome.op.key]
        if outcome.error is None:
            result.applied += 1
            done.append((entry.id, entry.key, _confirmed_journal(entry)))
            if len(done) >= _CONFIRM_EVERY:
                store.outbox.complete(name, done)
                done = []
                control.progress(name, "applied", result.applied)
        else:
            error = outcome.error
            result.failed += 1
            result.errors.append(str(error))
            _log.warning("op.failed", tracker=name, issue=entry.key, error=str(error))
            store.outbox.fail(entry.id, str(error), give_up=gives_up(error), uncertain=error.may_have_landed)
            if isinstance(error, AuthError):
                fatal = error
        if control.stop.is_set() or fatal is not None:
            carry_on = False
            break
        store.fence(name)
    if done:
        store.outbox.complete(name, done)
    if fatal is not None:
        raise fatal
    return carry_on
