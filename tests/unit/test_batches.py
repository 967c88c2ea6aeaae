"""Grouping a stream of ops by delta: full batches go out at once, the rest at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from syncd.connectors.batches import by_delta


def test_a_full_group_is_handed_on_before_the_stream_ends() -> None:
    read: list[int] = []

    def stream() -> Iterator[tuple[str, int]]:
        for n in range(10):
            read.append(n)
            yield ("even" if n % 2 == 0 else "odd"), n

    groups = by_delta(stream(), limit=3)

    assert next(groups) == ("even", [0, 2, 4])
    assert read == [0, 1, 2, 3, 4], "nothing read beyond the item that filled the group"
    assert list(groups) == [("odd", [1, 3, 5]), ("even", [6, 8]), ("odd", [7, 9])]


def test_groups_left_at_the_end_keep_the_order_their_keys_first_appeared() -> None:
    keyed = [("b", 1), ("a", 2), ("b", 3)]

    assert list(by_delta(keyed, limit=5)) == [("b", [1, 3]), ("a", [2])]


def test_every_item_is_in_exactly_one_group_of_at_most_the_limit() -> None:
    keyed = [(n % 7, n) for n in range(1000)]

    groups = list(by_delta(keyed, limit=40))

    assert sorted(n for _, members in groups for n in members) == list(range(1000))
    assert max(len(members) for _, members in groups) == 40
    assert all(n % 7 == key for key, members in groups for n in members)


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        next(by_delta([("a", 1)], limit=0))
