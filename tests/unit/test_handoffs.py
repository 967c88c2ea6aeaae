"""Webhook keys handed from the replica that received them to the one that holds the tracker: each key
is taken once, by the holder, and on PostgreSQL the holder is woken the moment keys are handed over."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from syncd.state import StateStore


@pytest.fixture
def store(state_target: Path | SecretStr) -> Iterator[StateStore]:
    with StateStore.connect(state_target) as opened:
        yield opened


def test_keys_are_taken_once_and_per_tracker(store: StateStore) -> None:
    store.handoffs.put("jira.acme", ["GROW-2", "GROW-1"])
    store.handoffs.put("jira.acme", ["GROW-1"])
    store.handoffs.put("linear.acme", ["ENG-1"])
    assert store.handoffs.waiting() == 3
    assert store.handoffs.take("jira.acme") == ["GROW-1", "GROW-2"]
    assert store.handoffs.take("jira.acme") == []
    assert store.handoffs.take("linear.acme") == ["ENG-1"]


def test_resetting_a_tracker_forgets_its_keys(store: StateStore) -> None:
    store.handoffs.put("jira.acme", ["GROW-1"])
    store.reset("jira.acme")
    assert store.handoffs.take("jira.acme") == []


def test_a_holder_is_woken_when_another_replica_hands_keys_over(postgres_url: SecretStr) -> None:
    with StateStore.connect(postgres_url) as holder, StateStore.connect(postgres_url) as receiver:
        with holder.tracker_lock("jira.acme"):
            pass
        assert holder.holds("jira.acme")
        assert not receiver.holds("jira.acme")
        woken = threading.Event()
        listening = threading.Event()

        def wake() -> None:
            if listening.is_set():
                woken.set()
            listening.set()  # the first call comes as the listener starts, for keys handed before it

        holder.on_handoff(wake)
        assert listening.wait(10), "the listener never started"
        receiver.handoffs.put("jira.acme", ["GROW-7"])
        assert woken.wait(10), "the holder was not woken"
        assert holder.handoffs.take("jira.acme") == ["GROW-7"]
