"""Grouping a stream of label ops into batches of one delta, without holding the stream.

Jira's bulk edit and Linear's batch update each change many issues in one request, as long as every issue
gets the same change. The ops come from the outbox as a stream (a cold sync holds a hundred thousand); a
batch is handed on as soon as it is full, the groups not yet full wait, and what is left goes out at the
end. So the requests are as few as if the whole stream were grouped at once, while only the groups being
filled are held.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from typing import TypeVar

__all__ = ["by_delta"]

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


def by_delta(keyed: Iterable[tuple[K, T]], *, limit: int) -> Iterator[tuple[K, list[T]]]:
    """Items grouped by key, at most ``limit`` to a group: each full group as soon as it fills, then the
    rest in the order their keys first appeared."""
    if limit < 1:
        raise ValueError("a batch needs room for at least one item")
    groups: dict[K, list[T]] = {}
    for key, item in keyed:
        group = groups.setdefault(key, [])
        group.append(item)
        if len(group) == limit:
            del groups[key]
            yield key, group
    yield from groups.items()
