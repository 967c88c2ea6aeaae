"""What ``syncd check`` asks a Linear workspace without changing anything: which teams the key sees,
whether the report issue is visible, and whether the key may write at all.

Linear has no query for a key's scopes, so write access is asked with an edit of a comment id that
cannot exist: Linear checks a key's scope before it looks anything up, so a read-only key is refused
("Invalid scope: `write` required") and a key that may write hears that there is no such comment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from gql import GraphQLRequest

from syncd.connectors import linear_queries as q
from syncd.connectors.base import Check
from syncd.errors import NotFound, PermissionDenied, TrackerError

__all__ = ["Execute", "LinearProbe"]

Execute = Callable[[str, GraphQLRequest, dict[str, Any]], Any]
"""Run one validated document: ``execute(what, request, variables)``, retried and typed like any other."""

_NO_SUCH_COMMENT = "00000000-0000-4000-8000-000000000000"
_WRITE = "write labels and comments"


class LinearProbe:
    """The checklist's questions to one workspace, through the connector's own ``execute``.

    Args:
        execute: runs one document.
        teams: every team the key can see, page after page (a workspace may have more than one page).
    """

    def __init__(self, execute: Execute, teams: Callable[[], Iterator[Any]]) -> None:
        self._execute = execute
        self._teams = teams

    def teams(self, wanted: Iterable[str]) -> list[Check]:
        """One line per configured team (every visible team when none is configured)."""
        try:
            visible = {str(team["key"]) for team in self._teams()}
        except TrackerError as error:
            return [Check("read teams", False, error.message)]
        return [
            Check(f"read team {team}", team in visible, "visible" if team in visible else "no such team for this key")
            for team in (list(wanted) or sorted(visible))
        ]

    def issue(self, key: str) -> Check:
        try:
            self._execute("probe", q.PROBE_ISSUE, {"id": key})
        except TrackerError as error:
            return Check(f"report issue {key}", False, error.message)
        return Check(f"report issue {key}", True, "visible")

    def write(self) -> Check:
        variables = {"id": _NO_SUCH_COMMENT, "input": {"body": "syncd check"}}
        try:
            self._execute("write probe", q.COMMENT_UPDATE, variables)
        except NotFound:
            return Check(_WRITE, True, "the key may write (a team's own restrictions show on the first write)")
        except PermissionDenied as error:
            return Check(_WRITE, False, f"{error.message}: use a key with write access")
        except TrackerError as error:
            return Check(_WRITE, None, f"could not tell: {error.message}")
        return Check(_WRITE, None, "could not tell: Linear accepted an edit of a comment that does not exist")
