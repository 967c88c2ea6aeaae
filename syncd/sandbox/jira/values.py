"""What an issue holds for the JQL fields compared by name or id, for searching and sorting.

Jira compares such a field by any name or id it has (``status = "In Progress"`` and ``status = 3`` find the
same issues), without regard to case; ``!=`` and ``NOT IN`` leave out issues with no value, as Jira does
(https://support.atlassian.com/jira-software-cloud/docs/jql-operators/); ``text ~`` finds issues whose
summary or description holds every word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from syncd.sandbox.jira import adf
from syncd.sandbox.jira.jql import QueryField, Terminal
from syncd.sandbox.jira.model import PRIORITIES, Issue, Project

__all__ = ["ProjectLookup", "first_value", "text_predicate", "value_predicate"]

_WORD = re.compile(r"\w+")


class ProjectLookup(Protocol):
    def project(self, project_id: int) -> Project: ...


def values_of(issue: Issue, field: QueryField, lookup: ProjectLookup | None) -> tuple[str, ...]:
    """Every name and id the issue has for ``field``, folded; empty when the field is empty."""
    if field is QueryField.LABELS:
        found: tuple[str, ...] = issue.labels
    elif field is QueryField.STATUS:
        found = (issue.status.name, issue.status.id)
    elif field is QueryField.STATUS_CATEGORY:
        category = issue.status.category
        found = (category.display_name, category.key, str(category.id))
    elif field is QueryField.ISSUE_TYPE:
        found = (issue.issue_type.name, issue.issue_type.id)
    elif field is QueryField.COMPONENT:
        by_id = {c.id: c.name for c in lookup.project(issue.project_id).components} if lookup else {}
        found = tuple(text for c in issue.component_ids if c in by_id for text in (by_id[c], str(c)))
    elif field is QueryField.PRIORITY:
        found = (issue.priority, PRIORITIES.get(issue.priority, ""))
    else:
        found = (issue.resolution,) if issue.resolution else ()
    return tuple(value.casefold() for value in found if value)


def first_value(issue: Issue, field: QueryField, lookup: ProjectLookup | None = None) -> str:
    """What the issue sorts by for ``field``: its (first) name, or "" when empty."""
    values = values_of(issue, field, lookup)
    return values[0] if values else ""


def value_predicate(clause: Terminal, lookup: ProjectLookup) -> Callable[[Issue], bool]:
    wanted = {value.casefold() for value in clause.values}
    field = clause.field
    if clause.operator == "is":
        return lambda issue: not values_of(issue, field, lookup)
    if clause.operator == "is not":
        return lambda issue: bool(values_of(issue, field, lookup))
    if clause.operator in {"!=", "not in"}:

        def excluded(issue: Issue) -> bool:
            values = values_of(issue, field, lookup)
            return bool(values) and not wanted.intersection(values)

        return excluded
    return lambda issue: bool(wanted.intersection(values_of(issue, field, lookup)))


def text_predicate(clause: Terminal) -> Callable[[Issue], bool]:
    terms = [term.casefold() for value in clause.values for term in _WORD.findall(value)]

    def matches(issue: Issue) -> bool:
        description = adf.to_plain_text(issue.description) if issue.description is not None else ""
        words = {word.casefold() for word in _WORD.findall(f"{issue.summary} {description}")}
        return all(term in words for term in terms)

    return matches
