"""What ``syncd check`` asks a Jira site, with reads only: can the account see each project, edit labels
in it, and see and comment on the report issue; and whether label writes go through bulk edit.

Permissions come from ``mypermissions`` for the exact project or issue, since a global answer would say
nothing about a project's own scheme; a site that will not answer makes the line "could not be checked"
rather than a failure.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from syncd.connectors.base import Check
from syncd.connectors.jql import jql_string
from syncd.errors import TrackerError

__all__ = ["JiraProbe", "Rest"]

Rest = Callable[..., Any]
"""A REST call: ``rest(method, path, params=..., body=...)``, retried and translated into typed errors."""


class JiraProbe:
    """The checklist's reads against one site.

    Args:
        rest: how to call the site (the connector's, so requests are counted and retried like any other).
        cloud: Cloud searches through the enhanced JQL endpoint, Data Center through the classic one.
    """

    def __init__(self, rest: Rest, *, cloud: bool) -> None:
        self._rest = rest
        self._cloud = cloud

    def label_writes(self) -> Check:
        """How labels will be written: Cloud's bulk edit needs the global *Bulk change* permission."""
        if not self._cloud:
            return Check("label writes", True, "one edit per issue (Data Center has no bulk edit)")
        missing = self._missing_permissions({}, ("BULK_CHANGE",))
        if missing is None:
            return Check("label writes", None, "bulk edit if the site allows it, else one edit per issue")
        if missing:
            return Check(
                "label writes", True, "one edit per issue: the account lacks the global Bulk change permission"
            )
        return Check("label writes", True, "bulk edit, up to 1,000 issues a request")

    def project(self, project: str) -> list[Check]:
        jql = f"project = {jql_string(project)} ORDER BY key ASC"
        try:
            if self._cloud:
                self._rest("POST", "search/jql", body={"jql": jql, "maxResults": 1})
            else:
                self._rest("GET", "search", params={"jql": jql, "maxResults": 1})
        except TrackerError as error:
            return [Check(f"read project {project}", False, error.message)]
        checks = [Check(f"read project {project}", True, "issues are visible")]
        missing = self._missing_permissions({"projectKey": project}, ("EDIT_ISSUES",))
        detail = "may edit labels" if missing == [] else f"missing {', '.join(missing or ['an answer'])}"
        checks.append(Check(f"edit labels in {project}", None if missing is None else not missing, detail))
        return checks

    def issue(self, key: str) -> Check:
        try:
            self._rest("GET", f"issue/{key}", params={"fields": "summary"})
        except TrackerError as error:
            return Check(f"report issue {key}", False, error.message)
        missing = self._missing_permissions({"issueKey": key}, ("ADD_COMMENTS", "EDIT_OWN_COMMENTS"))
        if missing is None:
            return Check(f"report issue {key}", None, "visible; comment permission could not be checked")
        detail = "visible, may comment" if not missing else f"visible, but missing {', '.join(missing)}"
        return Check(f"report issue {key}", not missing, detail)

    def _missing_permissions(self, scope: dict[str, str], keys: tuple[str, ...]) -> list[str] | None:
        """The permissions of ``keys`` the user lacks in ``scope``; None when the site would not say."""
        try:
            answer = self._rest("GET", "mypermissions", params={**scope, "permissions": ",".join(keys)})
        except TrackerError:
            return None
        held = answer.get("permissions") or {}
        return [key for key in keys if not (held.get(key) or {}).get("havePermission")]
