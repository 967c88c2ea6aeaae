"""The Connector protocol: what the engine needs from a tracker, and nothing more.

A connector pulls issues as :class:`~syncd.model.WorkItem` (streamed page by page, so memory stays flat
at any size), applies label deltas, and keeps one report comment per target issue. It raises only the
typed errors of :mod:`syncd.errors`; retries are its own business through :mod:`syncd.retry`, so the
engine sees an error only once retrying has given up. An issue it cannot understand is yielded as
:class:`Skipped` rather than raised, so one bad issue never ends a pull.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol, TypeVar

from syncd.connectors.fencing import Fence, unfenced
from syncd.errors import AuthError, NotFound, TrackerError
from syncd.model import LabelHistory, LabelOp, TrackerKind, WorkItem
from syncd.strategy import TrackerLabels

__all__ = [
    "PULL_OVERLAP",
    "Check",
    "CommentFormat",
    "Connector",
    "Fence",
    "Identity",
    "OpResult",
    "Skipped",
    "credentials_check",
    "fetch_each",
    "holds_marker",
    "unfenced",
]

T = TypeVar("T")

PULL_OVERLAP = timedelta(minutes=2)
"""How far before its cursor an incremental pull starts again. Jira's JQL compares ``updated`` to the
minute, and a tracker's clock and the index behind its search lag a little: an issue edited in the last
moments before the cursor was taken is read once more rather than missed (the engine's plan makes the
rereading free). One value for every connector, so the contract can hold each of them to it."""
CommentFormat = Literal["adf", "wiki", "md"]
"""How a tracker's comments are written: Atlassian Document Format, Jira wiki markup, or Markdown."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who syncd is on a tracker (``syncd check`` prints it; Jira's time zone shapes JQL dates)."""

    account: str
    display_name: str
    time_zone: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """One line of ``syncd check``'s checklist: ``ok`` None means it could not be checked."""

    name: str
    ok: bool | None
    detail: str


@dataclass(frozen=True, slots=True)
class Skipped:
    """An issue the pull could not turn into a WorkItem, with why."""

    key: str
    reason: str


@dataclass(frozen=True, slots=True)
class OpResult:
    """The outcome of one label op: ``error`` is None when the tracker confirmed it."""

    op: LabelOp
    error: TrackerError | None = None


class Connector(Protocol):
    """One configured tracker."""

    name: str
    kind: TrackerKind

    @property
    def labels(self) -> TrackerLabels:
        """How this tracker holds syncd's labels (Linear: one label per group)."""

    @property
    def requests(self) -> int:
        """HTTP requests sent so far, retries included."""

    @property
    def comment_format(self) -> CommentFormat:
        """How this tracker's comments are written; decided from what is already known, never by asking
        the tracker, so formatting a report sends nothing."""

    def pull_clock(self) -> datetime | None:
        """The tracker's clock when the last pull's first page was answered (the bound of the next pull),
        or None when the tracker told nothing of its time."""

    def profile_json(self) -> dict[str, Any] | None:
        """What the tracker said about itself, to keep in the state store for the next run (None: nothing)."""

    def whoami(self) -> Identity:
        """The account syncd acts as; raises AuthError when the credentials are refused."""

    def probe(self, report_issue: str | None) -> list[Check]:
        """Check credentials and permissions without writing anything: who am I, can I read the configured
        projects or teams, may I edit labels, can I see (and comment on) the report issue."""

    def pull(self, since: datetime | None) -> Iterator[WorkItem | Skipped]:
        """Issues in scope updated at or after ``since`` (all of them when None), page by page."""

    def refetch(self, keys: Sequence[str]) -> Iterator[WorkItem | Skipped]:
        """These issues again by key, whatever their ``updated``: the ones an earlier pull had to skip.

        An issue that no longer exists, or is no longer in scope, yields nothing; one that still cannot be
        read (or cannot be fetched now) is Skipped again, so it is tried once more on the next run.
        """

    def label_history(self, key: str) -> LabelHistory:
        """Who changed the issue's labels and when, with the account syncd acts as: read only where the
        journal cannot say who put an owned label there (:mod:`syncd.core.provenance`)."""

    def apply(self, ops: Iterable[LabelOp], *, fence: Fence = unfenced) -> Iterator[OpResult]:
        """Apply label deltas; one result per op, in any order. ``ops`` may be a long stream, read as
        the writes go out, never held whole.

        ``fence`` is called just before every attempt of every request that writes labels is sent (after
        any wait the rate limits ask for), in whichever thread sends it; what it raises stops the writes
        not yet sent and reaches the caller. A replica whose
        lease lapsed while a batch was on its way (a bulk edit handed back for one edit per issue, a
        wait on a rate limit) so sends nothing more, and a person's edit the new holder saw meanwhile is
        never undone by a delta planned before it."""

    def upsert_comment(self, issue: str, marker: str, body: Any, comment_id: str | None) -> str:
        """Create or edit syncd's comment on ``issue``; returns the comment id.

        ``comment_id`` is the id syncd remembers; when it is None or gone, the comment whose body holds
        ``marker`` (:func:`holds_marker`) is found and edited, and only when there is none a new one is
        created, so a lost state file or a retried post never leaves a duplicate.
        """

    def close(self) -> None:
        """Release connections."""


def credentials_check(
    whoami: Callable[[], Identity], *, refused: type[TrackerError] = TrackerError, zone: bool = False
) -> tuple[Check, Identity | None]:
    """The first line of every probe: who syncd is on the tracker, with the identity when it answered.

    Args:
        whoami: the connector's :meth:`Connector.whoami`.
        refused: the errors that make the line a failure rather than end the probe.
        zone: whether the line names the account's time zone (Jira reads JQL dates in it).
    """
    try:
        me = whoami()
    except refused as error:
        return Check("credentials", False, error.message), None
    where = f" (time zone {me.time_zone})" if zone else ""
    return Check("credentials", True, f"authenticated as {me.display_name}{where}"), me


def holds_marker(body: str, marker: str) -> bool:
    """Whether a comment body carries ``marker`` as a whole word, not as the start of a longer one.

    Markers are made of lower-case letters, digits, ``.`` and ``:``; a report's marker begins the
    markers of the same tracker's period comments and notices, so a plain substring test would let a
    lost state edit the wrong comment on an issue that has both.
    """
    return re.search(re.escape(marker) + r"(?![a-z0-9.:])", body) is not None


def fetch_each(keys: Sequence[str], fetch: Callable[[str], T]) -> Iterator[T | Skipped]:
    """Each key's answer from ``fetch``, for :meth:`Connector.refetch`: a key that is gone yields nothing,
    one that cannot be fetched now yields Skipped (so it is tried again next run), and refused
    credentials end it all, as they would a pull."""
    for key in keys:
        try:
            answer = fetch(key)
        except NotFound:
            continue
        except AuthError:
            raise
        except TrackerError as error:
            yield Skipped(key, f"could not be read again: {error.message}")
            continue
        yield answer
