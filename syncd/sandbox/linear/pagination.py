"""Relay pagination over keyset indexes, as Linear pages its connections.

Linear pages with ``first``/``after`` and ``last``/``before``, 50 items by default, newest first by
``createdAt`` (or by ``updatedAt`` when asked). Every collection here is a list of ``(timestamp, id)``
keys in ascending order, walked from the end; a cursor carries the key of its item, so the next page
starts with one bisection instead of a re-sort or a re-filter of the whole set, and an item edited
between two pages cannot make the walk skip or repeat another one. ``hasPreviousPage`` on a forward
page (and ``hasNextPage`` on a backward one) is computed only if the query asks for it.
"""

from __future__ import annotations

import base64
import binascii
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from syncd.sandbox.linear.errors import input_error

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
    "Connection",
    "Edge",
    "Key",
    "PageArgs",
    "PageInfo",
    "decode_cursor",
    "encode_cursor",
    "paginate",
    "paginate_records",
]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 250

Key = tuple[int, str]
T = TypeVar("T")


def encode_cursor(key: Key) -> str:
    """An opaque cursor for ``key``."""
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Key:
    """The key inside a cursor from :func:`encode_cursor`.

    Raises:
        syncd.sandbox.linear.errors.LinearApiError: the cursor was not made here.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, _, ident = raw.partition(":")
        if not ident:
            raise ValueError(cursor)
        return int(stamp), ident
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise input_error("Argument Validation Error", f"Invalid cursor: {cursor!r}.") from exc


@dataclass(frozen=True, slots=True)
class PageArgs:
    """The pagination arguments of one connection field, validated."""

    first: int | None = None
    after: Key | None = None
    last: int | None = None
    before: Key | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any]) -> PageArgs:
        """Read ``first``, ``after``, ``last`` and ``before``; ``first`` defaults to 50."""
        first, last = args.get("first"), args.get("last")
        for name, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
                raise input_error(
                    "Argument Validation Error",
                    f"{name} must be between 0 and {MAX_PAGE_SIZE}, got {value}.",
                )
        if first is None and last is None:
            first = DEFAULT_PAGE_SIZE
        after = decode_cursor(args["after"]) if args.get("after") else None
        before = decode_cursor(args["before"]) if args.get("before") else None
        return cls(first=first, after=after, last=last, before=before)


class PageInfo:
    """Relay page info; the expensive side of it is computed only when a query selects it."""

    def __init__(
        self,
        *,
        start_cursor: str | None,
        end_cursor: str | None,
        has_next: Callable[[], bool],
        has_previous: Callable[[], bool],
    ) -> None:
        self.start_cursor = start_cursor
        self.end_cursor = end_cursor
        self._has_next = has_next
        self._has_previous = has_previous

    @property
    def has_next_page(self) -> bool:
        return self._has_next()

    @property
    def has_previous_page(self) -> bool:
        return self._has_previous()


@dataclass(frozen=True, slots=True)
class Edge(Generic[T]):
    node: T
    cursor: str


class Connection(Generic[T]):
    """One page of a connection: ``nodes``, ``edges`` and ``pageInfo``."""

    def __init__(self, nodes: list[T], cursors: list[str], page_info: PageInfo) -> None:
        self.nodes = nodes
        self.cursors = cursors
        self.page_info = page_info

    @property
    def edges(self) -> list[Edge[T]]:
        return [Edge(node, cursor) for node, cursor in zip(self.nodes, self.cursors, strict=True)]

    @classmethod
    def empty(cls) -> Connection[Any]:
        info = PageInfo(start_cursor=None, end_cursor=None, has_next=lambda: False, has_previous=lambda: False)
        return cls([], [], info)


def paginate(
    keys: Sequence[Key],
    lookup: Callable[[str], T | None],
    accept: Callable[[T], bool],
    args: PageArgs,
    *,
    lower: Key | None = None,
    upper: Key | None = None,
) -> Connection[T]:
    """One page, newest first, of the records behind ``keys`` that ``accept`` takes.

    Args:
        keys: ``(timestamp, id)`` in ascending order.
        lookup: the record of an id (None if it vanished).
        accept: the filter.
        args: the pagination arguments.
        lower: only keys at or above this one can match (a range filter on the sort field).
        upper: only keys strictly below this one can match.
    """
    lo = bisect_left(keys, lower) if lower is not None else 0
    hi = bisect_left(keys, upper) if upper is not None else len(keys)

    def matches(indices: Iterable[int], limit: int | None) -> list[tuple[Key, T]]:
        found: list[tuple[Key, T]] = []
        for i in indices:
            record = lookup(keys[i][1])
            if record is not None and accept(record):
                found.append((keys[i], record))
                if limit is not None and len(found) >= limit:
                    break
        return found

    def newer_than(key: Key) -> bool:
        return bool(matches(range(max(lo, bisect_right(keys, key)), hi), 1))

    def older_than(key: Key) -> bool:
        return bool(matches(range(min(hi, bisect_left(keys, key)) - 1, lo - 1, -1), 1))

    if args.first is not None or args.last is None:
        size = args.first if args.first is not None else DEFAULT_PAGE_SIZE
        start = hi if args.after is None else min(hi, bisect_left(keys, args.after))
        found = matches(range(start - 1, lo - 1, -1), size + 1)
        more = len(found) > size
        page = found[:size]
        if args.last is not None and len(page) > args.last:
            page = page[len(page) - args.last :]
        after = args.after

        def has_previous() -> bool:
            return after is not None and newer_than(after)

        def has_next() -> bool:
            return more

    else:
        size = args.last
        begin = lo if args.before is None else max(lo, bisect_right(keys, args.before))
        found = matches(range(begin, hi), size + 1)
        fewer = len(found) > size
        page = list(reversed(found[:size]))
        before = args.before

        def has_previous() -> bool:
            return fewer

        def has_next() -> bool:
            return before is not None and older_than(before)

    cursors = [encode_cursor(key) for key, _ in page]
    info = PageInfo(
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
        has_next=has_next,
        has_previous=has_previous,
    )
    return Connection([record for _, record in page], cursors, info)


def paginate_records(
    records: Iterable[T],
    order: str,
    args: PageArgs,
    accept: Callable[[T], bool] | None = None,
) -> Connection[T]:
    """Paginate a small collection that has no standing index.

    Args:
        records: records with ``id`` and the ``order`` attribute (``created_at`` or ``updated_at``).
        order: the attribute to sort by.
        args: the pagination arguments.
        accept: an optional filter.
    """
    by_id: dict[str, T] = {}
    keys: list[Key] = []
    for record in records:
        ident: str = getattr(record, "id")  # noqa: B009 - records of several types share the attribute
        by_id[ident] = record
        keys.append((getattr(record, order), ident))
    keys.sort()
    return paginate(keys, by_id.get, accept or (lambda _: True), args)
