"""What an edit of an issue is, and Jira's rules for the values it writes.

Both writers of issues go through here: the REST API (``PUT /issue``, via :mod:`syncd.sandbox.jira.edits`)
and the tests' edits *as a person*. One :class:`IssueEdit` is applied atomically, so a refused label
leaves the whole issue untouched, as Jira does.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

from syncd.sandbox.jira.model import PRIORITIES, Text

__all__ = ["KEEP", "LABEL_LIMIT", "IssueEdit", "Keep", "checked_labels", "label_problem", "pick", "priority_name"]

LABEL_LIMIT = 255
_T = TypeVar("_T")


class Keep(Enum):
    """Marks an :class:`IssueEdit` field that the edit leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclasses.dataclass(frozen=True, slots=True)
class IssueEdit:
    """One edit of an issue, applied atomically; fields left at ``KEEP`` are not touched.

    Attributes:
        set_labels: replaces the labels before ``label_ops`` apply.
        label_ops: ``("add" | "remove", label)`` deltas, applied in order.
        comments: comment bodies added with the edit (``update.comment`` in the REST API).
    """

    set_labels: tuple[str, ...] | None = None
    label_ops: tuple[tuple[str, str], ...] = ()
    summary: str | Keep = KEEP
    description: Text | Keep | None = KEEP
    story_points: float | Keep | None = KEEP
    status: str | Keep = KEEP
    priority: str | Keep = KEEP
    components: tuple[str, ...] | Keep = KEEP
    parent: str | Keep | None = KEEP
    epic: str | Keep | None = KEEP
    comments: tuple[Text, ...] = ()


def label_problem(label: str) -> str | None:
    """Jira's complaint about ``label``, or None when Jira accepts it."""
    if not label or any(char.isspace() for char in label):
        return f"The label '{label}' contains spaces which is invalid."
    if len(label) > LABEL_LIMIT:
        return f"The entered text is too long. It exceeds the allowed limit of {LABEL_LIMIT} characters."
    return None


def checked_labels(labels: Iterable[str]) -> tuple[str, ...]:
    """``labels`` as a tuple, or ValueError with Jira's complaint about the first bad one."""
    checked = tuple(labels)
    for label in checked:
        if (problem := label_problem(label)) is not None:
            raise ValueError(problem)
    return checked


def pick(value: _T | Keep, current: _T) -> _T:
    """The edited value, or ``current`` when the edit keeps it."""
    return current if isinstance(value, Keep) else value


def priority_name(name: str) -> str:
    """A priority's canonical name, matched case-insensitively."""
    for known in PRIORITIES:
        if known.lower() == name.lower():
            return known
    raise KeyError(f"no priority {name}")
