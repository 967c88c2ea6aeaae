"""A person's decision made in ``syncd review``, written to the tracker as a pin through the outbox.

A correction has its own outbox kind, so the engine's planning never supersedes it: a plan made from
the labels the tracker shows before the correction landed would otherwise drop it as stale. It is sent
after the sync's own label writes and, once the tracker confirms it, the journal records the chosen label
as a person's (a pin, which wins over every rule from then on) and syncd's replaced labels as gone. The
delta is computed again from the journal at that moment, so a label write that landed in between is kept.
A crash after the write landed and before it was confirmed leaves the chosen label on the issue, which
the journal does not list as syncd's: the next plan already reads it as a person's pin.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from syncd.connectors.base import Connector
from syncd.errors import AuthError, TrackerError
from syncd.logging import get_logger
from syncd.model import JournalEntry, LabelOp
from syncd.state import OutboxEntry, StateStore
from syncd.sync.model import RunControl, SyncResult
from syncd.sync.writes import gives_up

__all__ = ["PINS", "PinWrite", "pinned_journal", "send_pin_writes"]

PINS = "pins"
_log = get_logger("syncd.sync.pins")


@dataclass(frozen=True, slots=True)
class PinWrite:
    """One correction of the outbox's ``pins`` kind: its payload is ``{"id", "add", "remove"}``. What it
    keeps once confirmed depends on the journal at that moment (:meth:`confirmed`), so it is not stored."""

    op: LabelOp

    @property
    def key(self) -> str:
        return self.op.key

    def encode(self) -> dict[str, Any]:
        return {"id": self.op.item_id, "add": sorted(self.op.add), "remove": sorted(self.op.remove)}

    @classmethod
    def decode(cls, entry: OutboxEntry) -> PinWrite:
        payload = entry.payload
        return cls(
            LabelOp(
                entry.tracker, str(payload["id"]), entry.key, frozenset(payload["add"]), frozenset(payload["remove"])
            )
        )

    def confirmed(self, journal: JournalEntry) -> JournalEntry:
        return pinned_journal(journal, self.op.add, self.op.remove)


def pinned_journal(journal: JournalEntry, add: frozenset[str], remove: frozenset[str]) -> JournalEntry:
    """The journal once a person's correction landed: ``add`` is theirs, ``remove`` gone from syncd's."""
    return JournalEntry(
        applied=journal.applied - add - remove,
        declined=journal.declined - add,
        persons=(journal.persons | add) - remove,
    )


def send_pin_writes(store: StateStore, connector: Connector, result: SyncResult, control: RunControl) -> None:
    """Send every pending correction of the connector's tracker, each confirmed with its journal."""
    name = connector.name
    pending = store.outbox.pending(name, PINS)
    if not pending:
        return
    store.outbox.sending(name, PINS)
    entries = {entry.key: entry for entry in pending}
    writes = {entry.key: PinWrite.decode(entry) for entry in pending}
    for outcome in connector.apply([write.op for write in writes.values()], fence=partial(store.fence, name)):
        entry = entries[outcome.op.key]
        if outcome.error is None:
            result.applied += 1
            _confirm(store, name, entry, writes[entry.key])
            continue
        error: TrackerError = outcome.error
        result.failed += 1
        result.errors.append(str(error))
        _log.warning("pin.failed", tracker=name, issue=entry.key, error=str(error))
        store.outbox.fail(entry.id, str(error), give_up=gives_up(error), uncertain=error.may_have_landed)
        if isinstance(error, AuthError):
            raise error
        control.heartbeat()


def _confirm(store: StateStore, name: str, entry: OutboxEntry, write: PinWrite) -> None:
    """Mark the correction done and record the person's label in the journal, in one transaction."""
    journal = store.journal.get(name, [entry.key]).get(entry.key, JournalEntry())
    confirmed = write.confirmed(journal)
    store.outbox.complete(name, [entry.id], keep=lambda: store.journal.put(name, {entry.key: confirmed}))
