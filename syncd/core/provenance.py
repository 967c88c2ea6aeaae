"""Who put an owned label on an issue, read from the tracker's own history (pure): DESIGN §5.

The journal says which labels syncd applied for as long as it is whole and every write's outcome is
known: an owned label it does not list was then put there by a person (a pin). It cannot say for an issue
it holds no entry for (a lost or reset state, an issue never synced) nor for an issue whose last write may
have landed unheard (a 5xx, a timeout, a crash). There the tracker's record of label changes decides,
read once per issue and kept in the journal so it is never asked again:

* an owned label last added by syncd's own account is syncd's; by anyone else, or present since the issue
  was created, it is a person's pin;
* a label syncd added that a person removed afterwards is declined: not put back while it stays wanted.

Still out of reach, because no history is read for them: an issue whose journal is whole (a person who
removes one of syncd's labels and puts it back between two syncs leaves it syncd's), and an issue with no
owned label left after a lost state (a label a person removed before the state was lost is put back once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from syncd.model import JournalEntry, LabelChange, LabelHistory

__all__ = ["needs_history", "settle"]


def needs_history(owned: frozenset[str], journal: JournalEntry | None, *, unconfirmed: frozenset[str]) -> bool:
    """Whether the journal cannot say who put ``owned`` (the owned labels on an issue now) there.

    Args:
        owned: the owned labels the issue carries now.
        journal: the issue's journal entry, None when there is none.
        unconfirmed: labels a write of unknown outcome added: present, syncd's write or a person's; absent,
            a write that never landed or a person's removal of one that did.
    """
    if unconfirmed:
        return True
    return journal is None and bool(owned)


def settle(
    journal: JournalEntry, current: frozenset[str], history: LabelHistory, owns: Callable[[str], bool]
) -> JournalEntry:
    """The journal once ``history`` has said who put each unexplained owned label on the issue.

    Labels the journal already explains (syncd's, a known pin) keep their place; each other owned label
    on the issue becomes syncd's or a person's by its last addition; an owned label syncd added and a
    person removed later joins the declined ones.
    """
    changes = sorted(history.changes, key=lambda change: change.at)
    unknown = frozenset(label for label in current if owns(label)) - journal.applied - journal.persons
    mine = frozenset(label for label in unknown if _last_adder(label, changes) == history.account)
    declined = frozenset(
        label for label in _touched(changes) - current if owns(label) and _declined(label, changes, history.account)
    )
    return JournalEntry(
        applied=journal.applied | mine,
        declined=journal.declined | declined,
        persons=journal.persons | (unknown - mine),
    )


def _last_adder(label: str, changes: Iterable[LabelChange]) -> str | None:
    """Who added ``label`` last; None when no change added it (it came with the issue)."""
    adder = None
    for change in changes:
        if label in change.added:
            adder = change.actor
    return adder


def _declined(label: str, changes: list[LabelChange], account: str) -> bool:
    """Whether a person removed ``label`` after syncd had added it, and nobody added it since."""
    added_by_syncd = False
    declined = False
    for change in changes:
        if label in change.added:
            added_by_syncd, declined = change.actor == account, False
        elif label in change.removed and added_by_syncd and change.actor != account:
            declined = True
    return declined


def _touched(changes: Iterable[LabelChange]) -> frozenset[str]:
    return frozenset(label for change in changes for label in change.added | change.removed)
