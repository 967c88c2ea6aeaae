"""The endpoints syncd uses, answered from the store in Jira's request and response shapes.

Search has two faces. Cloud's enhanced search (``/search/jql``) pages with ``nextPageToken``, reports
``isLast`` and no total, refuses unbounded queries and caps a page at 100 issues when fields are asked
for (5,000 for ids and keys only). Data Center's classic search (``/search``) pages by ``startAt`` with
a total, defaults to 50 and caps at 1,000 (``jira.search.views.default.max``). Cloud answers the classic
search with 410 Gone, as Atlassian has since it removed it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from zoneinfo import ZoneInfo

from syncd.sandbox.jira import jql
from syncd.sandbox.jira.changelog import PAGE_LIMIT, changelog_json, page_json
from syncd.sandbox.jira.edits import EditError, parse_comment_body, parse_issue_edit
from syncd.sandbox.jira.fields import catalogue, field_json, select
from syncd.sandbox.jira.model import DC_EPIC_LINK, Deployment, Issue, User
from syncd.sandbox.jira.permissions import permission_json
from syncd.sandbox.jira.render import View, comment_json, issue_json, timestamp, user_json
from syncd.sandbox.jira.responses import CLASSIC_SEARCH_GONE, ISSUE_NOT_FOUND, error
from syncd.sandbox.jira.search import (
    PageTokenError,
    Plan,
    compile_query,
    decode_page_token,
    encode_page_token,
)
from syncd.sandbox.jira.store import JiraStore
from syncd.sandbox.server import Request, Response

__all__ = ["PAGE_LIMITS", "Call", "Handlers"]

PAGE_LIMITS = {
    "search_jql_default": 50,
    "search_jql_fields": 100,
    "search_jql_ids": 5000,
    "search_default": 50,
    "search_max": 1000,
    "comments_default": 100,
    "comments_max": 5000,
}
_JQL_BODY_KEYS = {
    "jql",
    "nextPageToken",
    "maxResults",
    "fields",
    "expand",
    "properties",
    "fieldsByKeys",
    "failFast",
    "reconcileIssues",
}
_SEARCH_BODY_KEYS = {
    "jql",
    "startAt",
    "maxResults",
    "fields",
    "expand",
    "properties",
    "fieldsByKeys",
    "validateQuery",
}
_INVALID_PAYLOAD = "Invalid request payload. Refer to the REST API documentation and try again."
_UNBOUNDED = "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated request: who, through which API version, with which path parameters."""

    request: Request
    view: View
    user: User
    params: Mapping[str, str]


class _Refused(Exception):
    """A request Jira refuses; carries the error response so handlers can bail out from helpers."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def _bad(*messages: str) -> _Refused:
    return _Refused(error(400, list(messages)))


def _body(call: Call) -> Any:
    if not call.request.body:
        raise _bad("No content to map to Object due to end of input")
    try:
        return call.request.json()
    except ValueError as exc:
        raise _bad(f"Unexpected character in the request body: {exc}") from exc


def _integer(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise _bad(f"The value '{value}' of parameter {name} is not a number.")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _bad(f"The value '{value}' of parameter {name} is not a number.") from None


def _strings(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise _bad(_INVALID_PAYLOAD)


class Handlers:
    """Endpoint handlers over one store; the app calls them with the store's lock held."""

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.deployment = store.deployment

    def by_endpoint(self) -> dict[str, Callable[[Call], Response]]:
        """The handler of every endpoint name."""
        return {
            "serverInfo": self.server_info,
            "myself": self.myself,
            "field": self.field,
            "search_jql": self.search_jql,
            "search": self.search,
            "issue_get": self.issue_get,
            "issue_edit": self.issue_edit,
            "issue_delete": self.issue_delete,
            "issue_changelog": self.issue_changelog,
            "comment_list": self.comment_list,
            "comment_add": self.comment_add,
            "comment_get": self.comment_get,
            "comment_edit": self.comment_edit,
            "comment_delete": self.comment_delete,
            "mypermissions": self.my_permissions,
        }

    def run(self, handler: Callable[[Call], Response], call: Call) -> Response:
        """Call ``handler``, turning a refused request into its error response."""
        try:
            return handler(call)
        except _Refused as bad:
            return bad.response

    # -- identity and metadata --------------------------------------------------------------------

    def server_info(self, call: Call) -> Response:
        cloud = self.deployment is Deployment.CLOUD
        version = (1001, 0, 0) if cloud else (9, 12, 15)
        now = self.store.clock.now()
        body = {
            "baseUrl": call.view.base_url,
            "displayUrl": call.view.base_url,
            "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.15",
            "versionNumbers": list(version),
            "deploymentType": self.deployment.deployment_type,
            "buildNumber": 100290 if cloud else 9120015,
            "buildDate": timestamp(now.replace(hour=0, minute=0, second=0, microsecond=0), "UTC"),
            "serverTime": timestamp(now, "UTC"),
            "scmInfo": "7f9e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c",
            "serverTitle": "Jira",
            "serverTimeZone": "Etc/UTC",
        }
        return Response.json_body(200, body)

    def myself(self, call: Call) -> Response:
        return Response.json_body(200, user_json(call.user, call.view, full=True))

    def my_permissions(self, call: Call) -> Response:
        """``GET mypermissions``: whether the caller holds each asked permission (Cloud requires the list)."""
        asked = [key for key in (call.request.param("permissions") or "").split(",") if key]
        if not asked and self.deployment is Deployment.CLOUD:
            return error(400, ["The permissions query parameter is required."])
        project = call.request.param("projectKey")
        if project is not None:
            try:
                self.store.project_by_key(project)
            except KeyError:
                return error(404, [f"No project could be found with key '{project}'."])
        return Response.json_body(200, {"permissions": {key: permission_json(key, call.user) for key in asked}})

    def field(self, call: Call) -> Response:
        return Response.json_body(200, [field_json(f) for f in catalogue(self.deployment)])

    # -- search -----------------------------------------------------------------------------------

    def _plan(self, call: Call, text: Any, *, strict: bool) -> tuple[jql.Query, Plan]:
        if not isinstance(text, str):
            raise _bad(_INVALID_PAYLOAD)
        try:
            query = jql.parse(text)
            plan = compile_query(
                query,
                resolver=self.store,
                zone=ZoneInfo(call.user.time_zone),
                now=self.store.clock.now().astimezone(UTC),
                strict=strict,
            )
        except jql.JqlError as exc:
            raise _bad(exc.message) from exc
        return query, plan

    def search_jql(self, call: Call) -> Response:
        request = call.request
        if request.method == "POST":
            payload = _body(call)
            if not isinstance(payload, dict) or set(payload) - _JQL_BODY_KEYS:
                raise _bad(_INVALID_PAYLOAD)
            text = payload.get("jql") or ""
            token = payload.get("nextPageToken")
            requested = _integer(payload.get("maxResults"), "maxResults", PAGE_LIMITS["search_jql_default"])
            field_values = _strings(payload.get("fields"))
        else:
            text = request.param("jql") or ""
            token = request.param("nextPageToken")
            requested = _integer(request.param("maxResults"), "maxResults", PAGE_LIMITS["search_jql_default"])
            field_values = list(request.query.get("fields", []))
        selection = select(self.deployment, field_values, default="id")
        cap = PAGE_LIMITS["search_jql_ids"] if not selection.ids else PAGE_LIMITS["search_jql_fields"]
        limit = min(max(requested, 1), cap)
        query, plan = self._plan(call, text, strict=True)
        if query.where is None:
            raise _bad(_UNBOUNDED)
        try:
            after = decode_page_token(token, text) if token else None
            page = self.store.engine.page_after(plan, after, limit)
        except (PageTokenError, TypeError) as exc:
            raise _bad(f"The nextPageToken '{token}' is invalid for this query.") from exc
        body: dict[str, Any] = {"issues": [issue_json(i, call.view, self.store, selection) for i in page.issues]}
        if page.more and page.last_key is not None:
            body["nextPageToken"] = encode_page_token(text, page.last_key)
        body["isLast"] = not page.more
        return Response.json_body(200, body)

    def search(self, call: Call) -> Response:
        if self.deployment is Deployment.CLOUD:
            return error(410, [CLASSIC_SEARCH_GONE])
        request = call.request
        if request.method == "POST":
            payload = _body(call)
            if not isinstance(payload, dict) or set(payload) - _SEARCH_BODY_KEYS:
                raise _bad(_INVALID_PAYLOAD)
            text = payload.get("jql") or ""
            start = _integer(payload.get("startAt"), "startAt", 0)
            requested = _integer(payload.get("maxResults"), "maxResults", PAGE_LIMITS["search_default"])
            field_values = _strings(payload.get("fields"))
            validate = str(payload.get("validateQuery", "strict"))
        else:
            text = request.param("jql") or ""
            start = _integer(request.param("startAt"), "startAt", 0)
            requested = _integer(request.param("maxResults"), "maxResults", PAGE_LIMITS["search_default"])
            field_values = list(request.query.get("fields", []))
            validate = request.param("validateQuery") or "strict"
        if start < 0 or requested < 0:
            raise _bad("startAt and maxResults must not be negative.")
        limit = min(requested, PAGE_LIMITS["search_max"])
        selection = select(self.deployment, field_values, default="*navigable")
        _, plan = self._plan(call, text, strict=validate.lower() in {"strict", "true"})
        page = self.store.engine.page_at(plan, start, limit)
        body: dict[str, Any] = {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": limit,
            "total": page.total,
            "issues": [issue_json(i, call.view, self.store, selection) for i in page.issues],
        }
        if plan.warnings:
            body["warningMessages"] = list(plan.warnings)
        return Response.json_body(200, body)

    # -- issues -----------------------------------------------------------------------------------

    def _issue(self, call: Call) -> Issue:
        issue = self.store.find(call.params["issue"])
        if issue is None:
            raise _Refused(error(404, [ISSUE_NOT_FOUND]))
        return issue

    def _may_edit(self, call: Call, message: str) -> None:
        if not call.user.can_edit:
            raise _Refused(error(403, [message]))

    def issue_get(self, call: Call) -> Response:
        issue = self._issue(call)
        selection = select(self.deployment, list(call.request.query.get("fields", [])), default="*all")
        body = issue_json(issue, call.view, self.store, selection)
        if "changelog" in (call.request.param("expand") or "").split(","):
            body["changelog"] = changelog_json(self.store.changelog.of(issue.id), call.view, self.store)
        return Response.json_body(200, body)

    def issue_changelog(self, call: Call) -> Response:
        issue, request = self._issue(call), call.request
        start = _integer(request.param("startAt"), "startAt", 0)
        limit = _integer(request.param("maxResults"), "maxResults", PAGE_LIMIT)
        page = page_json(self.store.changelog.of(issue.id), call.view, self.store, start=start, limit=limit)
        return Response.json_body(200, page)

    def issue_edit(self, call: Call) -> Response:
        issue = self._issue(call)
        self._may_edit(call, "You do not have permission to edit issues in this project.")
        payload = _body(call)
        project = self.store.project(issue.project_id)
        try:
            edit = parse_issue_edit(
                payload,
                version=call.view.version,
                story_points_field=project.story_points_field,
                cloud=self.deployment is Deployment.CLOUD,
            )
            edited = self.store.edit_issue(str(issue.id), edit, by=call.user)
        except EditError as exc:
            return error(400, exc.messages, exc.errors)
        except (ValueError, KeyError) as exc:
            field = "parent" if self.deployment is Deployment.CLOUD else DC_EPIC_LINK
            return error(400, [], {field: str(exc.args[0])})
        if (call.request.param("returnIssue") or "").lower() == "true":
            selection = select(self.deployment, [], default="*all")
            return Response.json_body(200, issue_json(edited, call.view, self.store, selection))
        return Response(204)

    def issue_delete(self, call: Call) -> Response:
        issue = self._issue(call)
        self._may_edit(call, "You do not have permission to delete issues in this project.")
        subtasks = [i for i in self.store.issues() if i.parent_id == issue.id and i.issue_type.subtask]
        if subtasks and (call.request.param("deleteSubtasks") or "false").lower() != "true":
            return error(400, [f"The issue '{issue.key}' has subtasks. To delete it, set deleteSubtasks to true."])
        self.store.delete_issue(str(issue.id))
        return Response(204)

    # -- comments ---------------------------------------------------------------------------------

    def comment_list(self, call: Call) -> Response:
        issue = self._issue(call)
        request = call.request
        start = _integer(request.param("startAt"), "startAt", 0)
        limit = min(
            _integer(request.param("maxResults"), "maxResults", PAGE_LIMITS["comments_default"]),
            PAGE_LIMITS["comments_max"],
        )
        order = request.param("orderBy")
        if order not in {None, "created", "+created", "-created"}:
            return error(400, [f"Invalid orderBy value '{order}'. Comments can only be ordered by created."])
        comments = self.store.comments_of(issue.id)
        if order == "-created":
            comments.reverse()
        chosen = comments[start : start + max(limit, 0)]
        body = {
            "startAt": start,
            "maxResults": limit,
            "total": len(comments),
            "comments": [comment_json(c, call.view, self.store) for c in chosen],
        }
        return Response.json_body(200, body)

    def comment_add(self, call: Call) -> Response:
        issue = self._issue(call)
        self._may_edit(call, "You do not have the permission to comment on this issue.")
        try:
            body = parse_comment_body(_body(call), version=call.view.version)
        except EditError as exc:
            return error(400, exc.messages, exc.errors)
        comment = self.store.add_comment(str(issue.id), body, author=call.user)
        return Response.json_body(201, comment_json(comment, call.view, self.store))

    def _comment_id(self, call: Call, issue: Issue) -> int:
        raw = call.params["comment"]
        if raw.isdigit() and self.store.comment(str(issue.id), int(raw)) is not None:
            return int(raw)
        raise _Refused(error(404, [f"Can not find a comment for the id: {raw}."]))

    def comment_get(self, call: Call) -> Response:
        issue = self._issue(call)
        comment = self.store.comment(str(issue.id), self._comment_id(call, issue))
        if comment is None:
            return error(404, [f"Can not find a comment for the id: {call.params['comment']}."])
        return Response.json_body(200, comment_json(comment, call.view, self.store))

    def comment_edit(self, call: Call) -> Response:
        issue = self._issue(call)
        comment_id = self._comment_id(call, issue)
        self._may_edit(call, "You do not have the permission to edit this comment.")
        try:
            body = parse_comment_body(_body(call), version=call.view.version)
        except EditError as exc:
            return error(400, exc.messages, exc.errors)
        comment = self.store.edit_comment(str(issue.id), comment_id, body, author=call.user)
        return Response.json_body(200, comment_json(comment, call.view, self.store))

    def comment_delete(self, call: Call) -> Response:
        issue = self._issue(call)
        comment_id = self._comment_id(call, issue)
        self._may_edit(call, "You do not have the permission to delete this comment.")
        self.store.delete_comment(str(issue.id), comment_id)
        return Response(204)
