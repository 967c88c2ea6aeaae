"""Leases and fencing tokens on a real PostgreSQL: one replica per tracker, and a replica that lost its
lease writes nothing more, neither to the outbox nor to the tracker."""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from pydantic import SecretStr

from syncd.model import JournalEntry, LabelOp
from syncd.retry import CallStats
from syncd.service.health import Health
from syncd.state import LeaseLost, Mark, StateStore, TrackerBusy
from syncd.state.leases import Leases
from syncd.state.postgres import PostgresDatabase
from syncd.strategy import parse_strategy
from syncd.sync.engine import Engine, SyncOptions
from tests.support.memory_tracker import MemoryTracker

TRACKER = "jira.acme"
STRATEGY = """
version: 1
period: "2026-Q4"
objectives:
  - {id: growth, name: Growth, target: 1.0, match: {keywords: [checkout]}}
"""


@pytest.fixture
def replicas(postgres_url: SecretStr) -> Iterator[tuple[StateStore, StateStore]]:
    with StateStore.connect(postgres_url, lease_ttl=2) as first, StateStore.connect(postgres_url, lease_ttl=2) as other:
        yield first, other


def expire(url: SecretStr, tracker: str = TRACKER) -> None:
    """What a replica paused past its lease time finds: the lease expired (without waiting for it)."""
    with psycopg.connect(url.get_secret_value(), autocommit=True) as db:
        db.execute("UPDATE leases SET expires_at = 0 WHERE name = %s", (tracker,))


def test_one_replica_per_tracker_and_the_lease_is_kept_between_syncs(replicas: tuple[StateStore, StateStore]) -> None:
    first, other = replicas
    with first.tracker_lock(TRACKER):
        first.marks.set(TRACKER, Mark.PULL_CURSOR, "c1")
    with pytest.raises(TrackerBusy, match=r"jira.acme is being synced by another replica \(.*:\d+:"):
        other.tracker_lock(TRACKER).__enter__()
    time.sleep(2.5)
    with pytest.raises(TrackerBusy):
        other.tracker_lock(TRACKER).__enter__()
    with first.tracker_lock(TRACKER):
        pass
    with other.tracker_lock("linear.acme"):
        pass


def test_a_closed_replica_hands_its_trackers_over_at_once(postgres_url: SecretStr) -> None:
    with StateStore.connect(postgres_url) as first, first.tracker_lock(TRACKER):
        pass
    with StateStore.connect(postgres_url) as other, other.tracker_lock(TRACKER):
        pass


def test_the_fence_names_a_moment_within_the_lease_counted_from_before_it_asked(
    replicas: tuple[StateStore, StateStore],
) -> None:
    first, _ = replicas
    with first.tracker_lock(TRACKER):
        asked = time.monotonic()
        until = first.fence(TRACKER)
        answered = time.monotonic()
    assert asked < until <= answered + 2, "the lease is 2 s long"


def test_a_replica_that_lost_its_lease_writes_nothing(
    replicas: tuple[StateStore, StateStore], postgres_url: SecretStr
) -> None:
    first, other = replicas
    with first.tracker_lock(TRACKER):
        [op] = first.outbox.enqueue(TRACKER, "labels", [("GROW-1", {"add": ["objective:growth"]})])
        first.fence(TRACKER)
    expire(postgres_url)
    with other.tracker_lock(TRACKER):
        pass
    for stale_write in (
        lambda: first.fence(TRACKER),
        lambda: first.outbox.enqueue(TRACKER, "labels", [("GROW-2", {})]),
        lambda: first.outbox.complete(
            TRACKER,
            [op],
            keep=lambda: first.journal.put(TRACKER, {"GROW-1": JournalEntry(frozenset({"objective:growth"}))}),
        ),
        lambda: first.outbox.fail(op, "503"),
        lambda: first.outbox.sending(TRACKER, "labels"),
        lambda: first.comments.put(TRACKER, "STRAT-1", "*", "1", "h"),
        lambda: first.marks.set(TRACKER, Mark.PULL_CURSOR, "stale"),
        lambda: first.items.delete(TRACKER, ["GROW-1"]),
        lambda: first.items.rekey(TRACKER, "GROW-1", "OPS-1"),
    ):
        with pytest.raises(LeaseLost):
            stale_write()
    [pending] = other.outbox.pending(TRACKER)
    assert (pending.id, pending.attempts) == (op, 0), "the stale replica neither completed nor failed the op"
    assert other.journal.get(TRACKER, ["GROW-1"]) == {}
    assert other.comments.get(TRACKER, "STRAT-1", "*") is None
    assert other.marks.get(TRACKER, Mark.PULL_CURSOR) is None
    other.outbox.complete(TRACKER, [op])


def test_a_lease_lost_while_label_writes_go_out_stops_the_rest(
    replicas: tuple[StateStore, StateStore], postgres_url: SecretStr
) -> None:
    """Each write to the tracker is fenced, not only the start of the batch: the other replica may have seen
    a person's edit the stale plan would undo."""
    first, other = replicas
    tracker = MemoryTracker(TRACKER)
    for n in range(1, 6):
        tracker.create(f"GROW-{n}", title="Checkout page")

    def taken_over_after_the_second(op: LabelOp) -> None:
        if tracker.writes == 2:
            expire(postgres_url)
            with other.tracker_lock(TRACKER):
                pass

    tracker.after_write = taken_over_after_the_second
    engine = Engine(strategy=parse_strategy(STRATEGY), store=first, connector=tracker, stats=CallStats())
    with pytest.raises(LeaseLost):
        engine.sync(SyncOptions())
    assert tracker.writes == 2
    assert sum(bool(item.labels) for item in tracker.issues.values()) == 2
    assert len(other.outbox.pending(TRACKER)) == 5, "the new holder finds every op still to settle"


def test_the_fencing_token_grows_with_every_takeover(postgres_url: SecretStr) -> None:
    db = PostgresDatabase.connect(postgres_url)
    try:
        StateStore(db)._migrate()
        first, other = Leases(db, holder="a", ttl=30), Leases(db, holder="b", ttl=30)
        taken = first.acquire(TRACKER)
        assert taken is not None
        assert first.acquire(TRACKER) == taken, "asking again for one's own lease keeps its token"
        assert other.acquire(TRACKER) is None
        expire(postgres_url)
        assert not first.renew(taken), "an expired lease is not renewed"
        took_over = other.acquire(TRACKER)
        assert took_over is not None
        assert took_over.token == taken.token + 1
        assert first.acquire(TRACKER) is None
        other.release(took_over)
        again = first.acquire(TRACKER)
        assert again is not None
        assert again.token == took_over.token + 1
    finally:
        db.close()


def test_renewal_keeps_a_live_replica_s_lease(replicas: tuple[StateStore, StateStore]) -> None:
    first, other = replicas
    with first.tracker_lock(TRACKER):
        pass
    time.sleep(3.5)
    first.fence(TRACKER)
    with pytest.raises(TrackerBusy):
        other.tracker_lock(TRACKER).__enter__()


def test_a_tracker_held_elsewhere_keeps_this_replica_healthy() -> None:
    health = Health([TRACKER], stale_after=60, started=0.0)
    health.elsewhere(TRACKER, 100.0, "jira.acme is being synced by another replica")
    healthy, details = health.report(now=150.0)
    assert healthy
    assert details["trackers"][TRACKER]["held_elsewhere"].startswith("jira.acme is being synced")
    assert not health.report(now=161.0)[0], "unless it stops finding the lease held"


SHARED = ["jira.a", "jira.b", "linear.c", "linear.d"]


def held(store: StateStore) -> list[str]:
    """The shared trackers ``store`` can sync now, taking the free ones up to its share."""
    mine = []
    for tracker in SHARED:
        try:
            with store.tracker_lock(tracker):
                mine.append(tracker)
        except TrackerBusy:
            pass
    return mine


def test_replicas_share_the_trackers_out_and_take_them_back_when_one_leaves(postgres_url: SecretStr) -> None:
    with StateStore.connect(postgres_url) as first:
        first.share_trackers(SHARED)
        assert held(first) == SHARED, "alone, a replica syncs every tracker"
        with StateStore.connect(postgres_url) as second:
            second.share_trackers(SHARED)
            assert held(second) == [], "every tracker is held"
            assert first.shed_extra_trackers() == ["linear.c", "linear.d"], "two replicas: a share of two each"
            assert held(second) == ["linear.c", "linear.d"]
            assert held(first) == ["jira.a", "jira.b"], "the first keeps its share and takes no more"
            assert first.shed_extra_trackers() == []
            assert second.shed_extra_trackers() == []
            with pytest.raises(TrackerBusy, match=r"linear.c is being synced by another replica"):
                first.tracker_lock("linear.c").__enter__()
        assert held(first) == SHARED, "the second replica left: its trackers come back at once"


def test_a_replica_at_its_share_leaves_a_free_tracker_to_the_others(postgres_url: SecretStr) -> None:
    with StateStore.connect(postgres_url) as first, StateStore.connect(postgres_url) as second:
        first.share_trackers(SHARED[:2])
        second.share_trackers(SHARED[:2])
        with first.tracker_lock("jira.a"):
            pass
        with pytest.raises(TrackerBusy, match=r"jira.b is left to another replica: this one syncs 1 of the 2 trackers"):
            first.tracker_lock("jira.b").__enter__()
        with second.tracker_lock("jira.b"):
            pass


def test_a_replica_whose_presence_lapsed_stops_counting(postgres_url: SecretStr) -> None:
    with StateStore.connect(postgres_url) as first, StateStore.connect(postgres_url) as other:
        first.share_trackers(SHARED)
        other.share_trackers(SHARED)
        assert held(first) == ["jira.a", "jira.b"]
        with psycopg.connect(postgres_url.get_secret_value(), autocommit=True) as db:
            db.execute("UPDATE leases SET expires_at = 0 WHERE name LIKE 'replica:%%'")
        first.share_trackers(SHARED)  # the first renews its presence; the other (paused, cut off) does not
        assert held(first) == SHARED, "a replica whose presence lapsed no longer has a share"
