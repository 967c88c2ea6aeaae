"""The pure decision of who put an owned label on an issue, from the tracker's history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from syncd.core.provenance import needs_history, settle
from syncd.errors import AuthError, BadRequest, NotFound, RateLimited, TrackerError, TransientError
from syncd.model import JournalEntry, LabelChange, LabelHistory
from syncd.strategy import LabelScheme

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
OWNS = LabelScheme().owns
ME, PERSON = "syncd-account", "person-account"
GROWTH, RELIABILITY, UNALIGNED = "objective:self-serve-growth", "objective:reliability", "alignment:none"


def change(minutes: int, actor: str, *, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> LabelChange:
    return LabelChange(T0 + timedelta(minutes=minutes), actor, frozenset(add), frozenset(remove))


def settled(current: set[str], *changes: LabelChange, journal: JournalEntry | None = None) -> JournalEntry:
    return settle(journal or JournalEntry(), frozenset(current), LabelHistory(ME, changes), OWNS)


def test_a_label_syncds_account_added_is_syncds_and_one_anyone_else_added_is_a_pin() -> None:
    entry = settled({GROWTH, RELIABILITY, "bug"}, change(1, ME, add=(GROWTH,)), change(2, PERSON, add=(RELIABILITY,)))
    assert entry == JournalEntry(applied=frozenset({GROWTH}), persons=frozenset({RELIABILITY}))


def test_the_last_addition_decides_whatever_order_the_tracker_lists_the_changes_in() -> None:
    history = (change(5, PERSON, add=(GROWTH,)), change(1, ME, add=(GROWTH,)), change(3, PERSON, remove=(GROWTH,)))
    assert settled({GROWTH}, *history).persons == {GROWTH}, "removed and put back by a person: a pin"


def test_a_label_present_since_the_issue_was_created_is_a_persons() -> None:
    assert settled({UNALIGNED}).persons == {UNALIGNED}


def test_an_automation_without_an_actor_is_not_syncd() -> None:
    assert settled({GROWTH}, change(1, "", add=(GROWTH,))).persons == {GROWTH}


def test_a_label_a_person_removed_after_syncd_added_it_is_declined() -> None:
    entry = settled({RELIABILITY}, change(1, ME, add=(GROWTH, RELIABILITY)), change(2, PERSON, remove=(GROWTH,)))
    assert entry.declined == {GROWTH}
    assert entry.applied == {RELIABILITY}


def test_a_label_syncd_removed_itself_or_a_person_added_again_is_not_declined() -> None:
    by_syncd = settled(set(), change(1, ME, add=(GROWTH,)), change(2, ME, remove=(GROWTH,)))
    again = settled(
        {GROWTH}, change(1, ME, add=(GROWTH,)), change(2, PERSON, remove=(GROWTH,)), change(3, ME, add=(GROWTH,))
    )
    assert not by_syncd.declined
    assert not again.declined
    assert again.applied == {GROWTH}


def test_labels_outside_syncds_namespace_are_never_judged() -> None:
    entry = settled({"bug"}, change(1, ME, add=("bug",)), change(2, PERSON, remove=("needs-design",)))
    assert entry == JournalEntry()


def test_what_the_journal_already_says_is_kept() -> None:
    known = JournalEntry(applied=frozenset({GROWTH}), persons=frozenset({RELIABILITY}))
    assert settled({GROWTH, RELIABILITY}, change(1, PERSON, add=(GROWTH,)), journal=known) == known


def test_history_is_needed_only_where_the_journal_cannot_say() -> None:
    owned, none = frozenset({GROWTH}), frozenset[str]()
    assert needs_history(owned, None, unconfirmed=none), "no entry: a lost state or an issue never synced"
    assert not needs_history(none, None, unconfirmed=none), "nothing owned, nothing to ask"
    assert not needs_history(owned, JournalEntry(), unconfirmed=none), "a whole journal says it is a pin"
    assert needs_history(owned, JournalEntry(), unconfirmed=owned), "added by a write of unknown outcome"
    assert needs_history(none, JournalEntry(), unconfirmed=owned), "and gone: never landed, or removed since"


@pytest.mark.parametrize(
    ("error", "landed"),
    [
        (TransientError("gateway", status=502), True),
        (TransientError("gateway", status=503), True),
        (TransientError("gateway", status=504), True),
        (TransientError("dropped"), True),
        (BadRequest("no", status=400), False),
        (AuthError("no", status=401), False),
        (NotFound("gone", status=404), False),
        (RateLimited("slow down", status=429), False),
    ],
)
def test_only_a_definite_refusal_means_a_write_did_not_land(error: TrackerError, landed: bool) -> None:
    assert error.may_have_landed is landed
