"""One paginator: how a tracker's answers lead from one page to the next, without I/O.

A paginator reads a page the connector fetched and says which items it holds and where the next page
starts; :func:`paginate` drives it with the connector's fetch. The one rule every paginator keeps (as
meltano's ``BaseAPIPaginator`` does) is that a page token given twice is a tracker that would keep the
pull going in circles: :meth:`Paginator.check` raises :class:`~syncd.errors.TransientError` for it, and a
connector calls it inside the retried request, so the page is asked again rather than looped on.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from syncd.connectors.answers import connection_at, next_offset, relay_page, search_page
from syncd.errors import TransientError

__all__ = ["ClassicSearch", "EarliestClock", "EnhancedSearch", "Offsets", "Paginator", "RelayCursors", "paginate"]

Token = TypeVar("Token")
_MAX_STEP_BACKS = 20


class Paginator(ABC, Generic[Token]):
    """Where a paged read stands: the token of the page to fetch next, and whether there is one.

    Args:
        start: the first page's token (None: the first page).
        tracker: the tracker's name, for errors.
    """

    repeated = "the page token repeated an earlier one"
    """What the error says when a token comes back."""

    def __init__(self, start: Token | None = None, *, tracker: str = "") -> None:
        self.token = start
        self.finished = False
        self.tracker = tracker
        self._seen: set[Token] = set()

    @abstractmethod
    def items(self, page: Any) -> Sequence[Any]:
        """What the page holds."""

    @abstractmethod
    def next_token(self, page: Any) -> Token | None:
        """The next page's token; None when this page is the last."""

    def check(self, page: Any) -> None:
        """Refuse a page whose next token was already given, as a transient answer."""
        following = self.next_token(page)
        if following is not None and following in self._seen:
            raise TransientError(self.repeated, tracker=self.tracker)

    def advance(self, page: Any) -> Sequence[Any]:
        """Move past ``page``; returns the items to hand on."""
        self.check(page)
        following = self.next_token(page)
        if following is None:
            self.finished = True
        else:
            self._seen.add(following)
            self.token = following
        return self.items(page)


def paginate(paginator: Paginator[Token], fetch: Callable[[Token | None], Any]) -> Iterator[Any]:
    """Every item, page by page: ``fetch`` asks for the page at a token (the I/O), the paginator reads it."""
    while not paginator.finished:
        yield from paginator.advance(fetch(paginator.token))


class EnhancedSearch(Paginator[str]):
    """Jira Cloud's enhanced JQL search: ``nextPageToken`` until ``isLast``."""

    repeated = "the search returned a page token it already gave"

    def items(self, page: Any) -> Sequence[Any]:
        return page.get("issues") or ()

    def next_token(self, page: Any) -> str | None:
        token = page.get("nextPageToken")
        if page.get("isLast", not token) or not token:
            return None
        return str(token)

    def check(self, page: Any) -> None:
        super().check(search_page(page, self.tracker))


class RelayCursors(Paginator[str]):
    """A GraphQL connection (Linear's): ``pageInfo.endCursor`` while ``hasNextPage``.

    Args:
        root: the connection's dotted path in the answer (``issues``, ``issue.labels``).
        shaped: whether :meth:`check` also refuses an answer that is no page of the connection.
    """

    repeated = "the page cursor repeated an earlier one"

    def __init__(self, root: str, start: str | None = None, *, tracker: str = "", shaped: bool = True) -> None:
        super().__init__(start, tracker=tracker)
        self.root = root
        self._shaped = shaped

    def items(self, page: Any) -> Sequence[Any]:
        return connection_at(page, self.root)["nodes"]  # type: ignore[no-any-return]

    def next_token(self, page: Any) -> str | None:
        info = connection_at(page, self.root)["pageInfo"]
        if not info["hasNextPage"] or not info.get("endCursor"):
            return None
        return str(info["endCursor"])

    def check(self, page: Any) -> None:
        if self._shaped:
            relay_page(page, self.root, self.tracker)
        super().check(page)


class Offsets(Paginator[int]):
    """``startAt`` pages that move on by what each page held, up to ``total``.

    Args:
        key: the list of items in a page (``comments``, ``values``).
        is_last: whether a page's ``isLast`` (absent: true) also ends the read.
    """

    def __init__(self, key: str, *, is_last: bool = False, tracker: str = "") -> None:
        super().__init__(0, tracker=tracker)
        self.key = key
        self._is_last = is_last

    def items(self, page: Any) -> Sequence[Any]:
        values = page.get(self.key) if isinstance(page, dict) else None
        return values if isinstance(values, list) else []

    def next_token(self, page: Any) -> int | None:
        values = self.items(page)
        if not values or (self._is_last and page.get("isLast", True)):
            return None
        following = (self.token or 0) + len(values)
        return following if following < int(page.get("total") or 0) else None


class ClassicSearch(Paginator[int]):
    """Jira Data Center's classic search: offset pages that share one issue with the page before.

    Each page asks for one issue more than the page size, so every page size (1 included) moves on by
    ``page_size`` new issues. When the shared issue is not first on the next page, an issue before it
    left the results mid-pull and the offsets shifted: the read steps back a page rather than skip the
    issue that moved into the gap (that page's issues are not handed on). A site that caps pages at one
    issue cannot overlap; it moves by one. Stepping back revisits offsets on purpose, so the bound here
    is on step-backs, not on repeated tokens.
    """

    def __init__(self, page_size: int, *, tracker: str = "") -> None:
        super().__init__(0, tracker=tracker)
        self.page_size = page_size
        self._expected: str | None = None
        self._step_backs = 0

    def items(self, page: Any) -> Sequence[Any]:
        return page.get("issues") or []

    def next_token(self, page: Any) -> int | None:
        issues = self.items(page)
        start = self.token or 0
        if not issues or start + len(issues) >= int(page.get("total", 0)):
            return None
        return next_offset(start, list(issues))[0]

    def check(self, page: Any) -> None:
        search_page(page, self.tracker, classic=True)

    def advance(self, page: Any) -> Sequence[Any]:
        issues = self.items(page)
        start = self.token or 0
        if self._expected is not None and (not issues or issues[0].get("key") != self._expected):
            self._step_backs += 1
            if self._step_backs > _MAX_STEP_BACKS:
                raise TransientError("search results kept shifting while paging", tracker=self.tracker)
            self.token, self._expected = max(0, start - self.page_size), None
            return ()
        if self.next_token(page) is None:
            self.finished = True
        else:
            self.token, self._expected = next_offset(start, list(issues))
        return issues


class EarliestClock:
    """The tracker's clock at the earliest page a pull was answered: the bound of the next pull.

    A pull that reads several disjoint queries side by side bounds the next one by the first page of
    them all: an edit made after a query's first page is seen only if it touches a page yet to be read.
    Pages are answered from several threads, hence the lock.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._earliest: datetime | None = None

    def restart(self) -> None:
        """A new pull begins."""
        with self._lock:
            self._earliest = None

    def saw(self, clock: datetime | None) -> None:
        """A page was answered at ``clock`` (None: the answer did not say)."""
        with self._lock:
            if clock is not None and (self._earliest is None or clock < self._earliest):
                self._earliest = clock

    @property
    def earliest(self) -> datetime | None:
        with self._lock:
            return self._earliest
