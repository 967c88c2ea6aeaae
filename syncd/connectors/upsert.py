"""One comment upsert by marker, for every connector and for the in-memory tracker of the tests.

syncd keeps one comment per target issue, found again by the marker its body carries. The decision is
written once: edit the comment syncd remembers; when it is gone (or none is remembered), edit the first
comment that holds the marker (:func:`marked`, pure); only when there is none, create one. A tracker
supplies the I/O as a :class:`CommentThread`, so a lost state file or a retried post never leaves a
duplicate on any tracker, and the fake matches markers with the very function the connectors use.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from syncd.connectors.base import holds_marker
from syncd.errors import NotFound

__all__ = ["Comment", "CommentThread", "comment_text", "marked", "upsert_by_marker"]


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment already on the issue: its id and the text markers are looked for in."""

    id: str
    text: str


class CommentThread(Protocol):
    """One issue's comments, as a tracker reads and writes them (each method is one or more requests)."""

    def edit(self, comment_id: str, body: Any) -> None:
        """Replace the comment's body; raises NotFound when it is gone."""

    def comments(self) -> Iterator[Comment]:
        """The issue's comments, oldest first, read lazily page by page."""

    def create(self, body: Any) -> str:
        """Add a comment; returns its id."""


def comment_text(body: Any) -> str:
    """The text a marker is looked for in: the body itself, or a structured one (ADF) as JSON."""
    if body is None:
        return ""
    return body if isinstance(body, str) else json.dumps(body)


def marked(comments: Iterable[Comment], marker: str) -> str | None:
    """The id of the first comment that holds ``marker`` (:func:`~syncd.connectors.base.holds_marker`);
    stops reading there, so no page past it is fetched."""
    return next((comment.id for comment in comments if holds_marker(comment.text, marker)), None)


def upsert_by_marker(thread: CommentThread, *, marker: str, body: Any, remembered: str | None) -> str:
    """Edit syncd's comment or create it; returns the comment's id (see :class:`CommentThread`)."""
    if remembered is not None:
        try:
            thread.edit(remembered, body)
            return remembered
        except NotFound:
            pass
    found = marked(thread.comments(), marker)
    if found is not None:
        thread.edit(found, body)
        return found
    return thread.create(body)
