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

from collections.abc import Iterable
from typing import Any

from syncd.connectors.base import Connector
from syncd.errors import AuthError, TrackerError
from syncd.logging import get_logger
from syncd.model import JournalEntry, LabelOp
from syncd.state import OutboxEntry, StateStore
from syncd.sync.model import RunControl, SyncResult
from syncd.sync.writes import gives_up

__all__ = ["PINS", "pin_payload", "pinned_journal", "send_pin_writes"]

PINS = "pins"
_log = get_logger("syncd.sync.pins")


def pin_payload(item_id: str, add: Iterable[str], remove: Iterable[str]) -> dict[str, Any]:
    return {"id": item_id, "add": sorted(add), "remove": sorted(remove)}


def pinned_journal(journal: JournalEntry, add: frozenset[str], remove: frozenset[str]) -> JournalEntry:
    """The journal once a person's correction landed: ``add`` is theirs, ``remove`` gone from syncd's."""
    return JournalEntry(
        applied=journal.applied - add - remove,
        declined=journal.declined - add,
        persons=(journal.persons | add) - remove,
    )


def _op(tracker: str, entry: OutboxEntry) -> LabelOp:
    payload = entry.payload
    return LabelOp(tracker, str(payload["id"]), entry.key, frozenset(payload["add"]), frozenset(payload["remove"]))


def send_pin_writes(store: StateStore, connector: Connector, result: SyncResult, control: RunControl) -> None:
    """Send every pending correction of the connector's tracker, each confirmed with its journal."""
    name = connector.name
    pending = store.outbox.pending(name, PINS)
    if not pending:
        return
    store.outbox.sending(name, PINS)
    entries = {entry.key: entry for entry in pending}
    store.fence(name)
    for outcome in connector.apply([_op(name, entry) for entry in pending]):
        entry = entries[outcome.op.key]
        if outcome.error is None:
            result.applied += 1
            journal = store.journal.get(name, [entry.key]).get(entry.key, JournalEntry())
            confirmed = pinned_journal(journal, outcome.op.add, outcome.op.remove)
            store.outbox.complete(name, [(entry.id, entry.key, confirmed)])
            continue
        error: TrackerError = outcome.error
        result.failed += 1
        result.errors.append(str(error))
        _log.warning("pin.failed", tracker=name, issue=entry.key, error=str(error))
        store.outbox.fail(entry.id, str(error), give_up=gives_up(error), uncertain=error.may_have_landed)
        if isinstance(error, AuthError):
            raise error
        control.heartbeat()
