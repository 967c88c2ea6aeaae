"""The promises of the Connector protocol, method by method, that every connector keeps.

The in-memory tracker of the engine tests, Jira Cloud, Jira Data Center and Linear all subclass
:class:`ConnectorContract` with a ``subject`` fixture: a connector, and a way to act on its tracker as
a person would (edit an issue, delete one, read its comments). The tests speak only the protocol's
words, so a fake that passes them is held to what the real connectors do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from syncd.connectors.base import PULL_OVERLAP, Connector, Skipped, holds_marker
from syncd.errors import AuthError, NotFound
from syncd.model import LabelOp, WorkItem
from syncd.render import marker_for, render_blocks
from syncd.render.blocks import Paragraph, Text

__all__ = ["UNRELATED", "ConnectorContract", "Subject"]

UNRELATED = "needs-design"
"""A person's label outside syncd's namespace: a write must leave it alone."""
OWNED = "objective:enterprise-readiness"
"""A label of the example strategy's namespace."""


@dataclass
class Subject:
    """A connector, with a person's hands on its tracker.

    Attributes:
        connector: the connector under test.
        key: an issue in the connector's scope.
        comment_issue: an issue syncd may comment on.
        person_labels: a person adds labels to an issue (moving its ``updated``).
        delete: a person deletes an issue.
        comments: the text of an issue's comments, oldest first.
        refused: a connector to the same tracker whose credentials the tracker refuses.
    """

    connector: Connector
    key: str
    comment_issue: str
    person_labels: Callable[[str, list[str]], None]
    delete: Callable[[str], None]
    comments: Callable[[str], list[str]]
    refused: Callable[[], Connector]
    opened: list[Connector] = field(default_factory=list)


def read(connector: Connector, key: str) -> WorkItem:
    [item] = list(connector.refetch([key]))
    assert isinstance(item, WorkItem), item
    return item


def pulled(connector: Connector, since: datetime | None) -> dict[str, WorkItem]:
    items = list(connector.pull(since))
    assert not [item for item in items if isinstance(item, Skipped)]
    return {item.key: item for item in items if isinstance(item, WorkItem)}


def body(connector: Connector, words: str, marker: str) -> object:
    return render_blocks([Paragraph((Text(f"{words} "), Text(marker, muted=True)))], connector.comment_format)


class ConnectorContract:
    """Subclass with a ``subject`` fixture yielding a :class:`Subject`."""

    def test_a_pull_since_a_cursor_returns_what_changed_with_the_overlap(self, subject: Subject) -> None:
        connector = subject.connector
        everything = pulled(connector, None)
        assert subject.key in everything
        subject.person_labels(subject.key, [UNRELATED])
        changed = read(connector, subject.key).updated
        assert changed >= everything[subject.key].updated
        within = pulled(connector, changed + PULL_OVERLAP / 2)
        assert subject.key in within, "an edit just before the cursor is read again (the overlap)"
        assert within[subject.key].labels >= {UNRELATED}
        newest = max(item.updated for item in pulled(connector, None).values())
        assert pulled(connector, newest + PULL_OVERLAP + timedelta(minutes=1)) == {}, "nothing past the overlap"

    def test_apply_is_an_idempotent_delta_that_leaves_other_labels_alone(self, subject: Subject) -> None:
        connector = subject.connector
        subject.person_labels(subject.key, [UNRELATED])
        item = read(connector, subject.key)
        add = LabelOp(connector.name, item.id, item.key, add=frozenset({OWNED}))
        for _ in range(2):
            [result] = list(connector.apply([add]))
            assert result.error is None, result.error
            assert read(connector, subject.key).labels == item.labels | {OWNED}
        remove = LabelOp(connector.name, item.id, item.key, remove=frozenset({OWNED}))
        for _ in range(2):
            [result] = list(connector.apply([remove]))
            assert result.error is None, result.error
            assert read(connector, subject.key).labels == item.labels - {OWNED}
        assert UNRELATED in read(connector, subject.key).labels

    def test_the_comment_upsert_finds_its_comment_by_marker_and_never_duplicates(self, subject: Subject) -> None:
        connector, issue = subject.connector, subject.comment_issue
        marker = marker_for(f"{connector.name}:contract")
        longer = marker_for(f"{connector.name}:contract:2026-q1")
        other = connector.upsert_comment(issue, longer, body(connector, "a period's", longer), None)
        first = connector.upsert_comment(issue, marker, body(connector, "first", marker), None)
        assert first != other, "a marker that only begins a longer one is not it"
        assert connector.upsert_comment(issue, marker, body(connector, "second", marker), None) == first
        assert connector.upsert_comment(issue, marker, body(connector, "third", marker), first) == first
        lost = "00000000-0000-4000-8000-00000000dead" if connector.comment_format == "md" else "999999"
        assert connector.upsert_comment(issue, marker, body(connector, "fourth", marker), lost) == first
        texts = [text for text in subject.comments(issue) if holds_marker(text, marker)]
        assert len(texts) == 1
        assert "fourth" in texts[0]

    def test_a_deleted_issue_reads_as_gone(self, subject: Subject) -> None:
        connector = subject.connector
        item = read(connector, subject.key)
        subject.delete(subject.key)
        assert list(connector.refetch([subject.key])) == []
        assert subject.key not in pulled(connector, None)
        [result] = list(connector.apply([LabelOp(connector.name, item.id, item.key, add=frozenset({OWNED}))]))
        assert isinstance(result.error, NotFound)

    def test_refused_credentials_raise_the_auth_error(self, subject: Subject) -> None:
        refused = subject.refused()
        subject.opened.append(refused)
        with pytest.raises(AuthError):
            refused.whoami()
        with pytest.raises(AuthError):
            list(refused.pull(None))
