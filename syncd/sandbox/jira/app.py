"""The Jira emulator as an :class:`~syncd.sandbox.server.App`: routes, authentication, faults.

Paths are Jira's (``/rest/api/{2,3,latest}/...``); Data Center serves only v2, Cloud v2 and v3. Each route
has a stable endpoint name for the request counters (``search_jql``, ``issue_edit``, ``comment_add`` ...).
Cloud authenticates with HTTP basic (email and API token), Data Center with a bearer personal access
token; anything else is a 401, and ``serverInfo`` alone may be read anonymously, as on a real site.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import logging
import re
from collections.abc import Callable

from syncd.sandbox.faults import Fault, Faults
from syncd.sandbox.jira.bulk import BulkTasks
from syncd.sandbox.jira.handlers import Call, Handlers
from syncd.sandbox.jira.model import Deployment, User
from syncd.sandbox.jira.ratelimit import JiraRateLimiter, JiraRateLimits
from syncd.sandbox.jira.render import View
from syncd.sandbox.jira.responses import error, fault_response, unauthorized
from syncd.sandbox.jira.store import JiraStore
from syncd.sandbox.jira.webhooks import JiraWebhooks
from syncd.sandbox.server import Request, RequestLog, Response, Route

__all__ = ["ENDPOINTS", "JiraApp"]

_LOG = logging.getLogger(__name__)
_API = re.compile(r"/rest/api/(?P<version>2|3|latest)(?P<rest>/.*)")
_WEBHOOKS = re.compile(r"/rest/webhooks/1\.0/webhook(?:/(?P<hook>[^/]+))?")
_ROUTES: tuple[tuple[re.Pattern[str], dict[str, str]], ...] = (
    (re.compile(r"/serverInfo"), {"GET": "serverInfo"}),
    (re.compile(r"/myself"), {"GET": "myself"}),
    (re.compile(r"/field"), {"GET": "field"}),
    (re.compile(r"/mypermissions"), {"GET": "mypermissions"}),
    (re.compile(r"/search/jql"), {"GET": "search_jql", "POST": "search_jql"}),
    (re.compile(r"/search"), {"GET": "search", "POST": "search"}),
    (re.compile(r"/bulk/issues/fields"), {"POST": "bulk_edit"}),
    (re.compile(r"/bulk/queue/(?P<task>[^/]+)"), {"GET": "bulk_progress"}),
    (
        re.compile(r"/issue/(?P<issue>[^/]+)"),
        {"GET": "issue_get", "PUT": "issue_edit", "DELETE": "issue_delete"},
    ),
    (re.compile(r"/issue/(?P<issue>[^/]+)/changelog"), {"GET": "issue_changelog"}),
    (re.compile(r"/issue/(?P<issue>[^/]+)/comment"), {"GET": "comment_list", "POST": "comment_add"}),
    (
        re.compile(r"/issue/(?P<issue>[^/]+)/comment/(?P<comment>[^/]+)"),
        {"GET": "comment_get", "PUT": "comment_edit", "DELETE": "comment_delete"},
    ),
)
_CLOUD_ONLY = {"search_jql", "issue_changelog", "bulk_edit", "bulk_progress"}
ENDPOINTS: tuple[str, ...] = tuple(sorted({name for _, methods in _ROUTES for name in methods.values()}))
"""Every endpoint name the request log can count, besides ``not_found`` and ``method_not_allowed``."""


class JiraApp:
    """Serves one :class:`JiraStore` over Jira's REST API.

    Args:
        store: the site's data; its deployment decides versions, auth and response shapes.
        faults: fault knobs (a fresh, quiet set by default).
        log: the request log (a fresh one by default).
        rate_limits: Cloud's burst limit per endpoint and method (None: no limit, the default for tests).
    """

    def __init__(
        self,
        store: JiraStore,
        *,
        faults: Faults | None = None,
        log: RequestLog | None = None,
        rate_limits: JiraRateLimits | None = None,
    ) -> None:
        self.store = store
        self.limiter = JiraRateLimiter(rate_limits) if rate_limits is not None else None
        self.deployment = store.deployment
        self.faults = faults or Faults()
        self.log = log or RequestLog()
        self._handlers = Handlers(store)
        self.bulk = BulkTasks(store)
        self._by_endpoint = {**self._handlers.by_endpoint(), **self.bulk.by_endpoint()}
        self._request_ids = itertools.count(1)
        self.webhooks = JiraWebhooks(store)

    def route(self, request: Request) -> Route:
        hooks = _WEBHOOKS.fullmatch(request.path)
        if hooks is not None:
            return Route("admin_webhook", self._webhooks(hooks["hook"]))
        api = _API.fullmatch(request.path)
        version = 2 if api is None or api["version"] == "latest" else int(api["version"])
        if api is None or version not in self.deployment.api_versions:
            return Route("not_found", self._not_found)
        for pattern, methods in _ROUTES:
            match = pattern.fullmatch(api["rest"])
            if match is None:
                continue
            if set(methods.values()) & _CLOUD_ONLY and self.deployment is Deployment.DATA_CENTER:
                return Route("not_found", self._not_found)
            endpoint = methods.get(request.method)
            if endpoint is None:
                return Route("method_not_allowed", self._method_not_allowed)
            handler = self._by_endpoint[endpoint]
            return Route(endpoint, self._guarded(handler, version, match.groupdict(), endpoint))
        return Route("not_found", self._not_found)

    def render_fault(self, fault: Fault, request: Request) -> Response:
        return self._stamped(fault_response(fault, self.deployment), None)

    def _guarded(
        self, handler: Callable[[Call], Response], version: int, params: dict[str, str], endpoint: str
    ) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            user, refused = self._authenticate(request)
            if refused or (user is None and endpoint != "serverInfo"):
                return self._stamped(unauthorized(self.deployment), None)
            if request.method in {"POST", "PUT"} and request.body and not _is_json(request):
                return self._stamped(error(415, ["Unsupported Media Type"]), user)
            verdict = self.limiter.take(f"{request.method} {endpoint}") if self.limiter is not None else None
            if verdict is not None and not verdict.allowed:
                return self._stamped(verdict.refusal(), user)
            view = View(_base_url(request), version, self.deployment, user or self.store.default_user)
            call = Call(request, view, user or self.store.default_user, params)
            try:
                with self.store.lock:
                    response = self._handlers.run(handler, call)
            except Exception:
                _LOG.exception("jira emulator failed on %s %s", request.method, request.path)
                response = error(500, ["Internal server error"])
            if endpoint == "search_jql":
                response = self._maybe_repeat_cursor(request, response)
            if verdict is not None:
                response = Response(response.status, response.body, {**response.headers, **verdict.headers()})
            return self._stamped(response, user)

        return handle

    def _webhooks(self, hook: str | None) -> Callable[[Request], Response]:
        def handle(request: Request) -> Response:
            user, refused = self._authenticate(request)
            if refused or user is None:
                return self._stamped(unauthorized(self.deployment), None)
            return self._stamped(self.webhooks.handle(request, hook, _base_url(request)), user)

        return handle

    def _maybe_repeat_cursor(self, request: Request, response: Response) -> Response:
        """The ``repeat_cursor_burst`` fault: name the page just served as the next one."""
        asked = request.param("nextPageToken")
        if asked is None and request.method == "POST":
            body = request.json()
            asked = body.get("nextPageToken") if isinstance(body, dict) else None
        if response.status != 200 or not asked:
            return response
        page = json.loads(response.body)
        if not page.get("nextPageToken") or not self.faults.take_repeat_cursor():
            return response
        page["nextPageToken"] = asked
        return Response.json_body(200, page, {k: v for k, v in response.headers.items() if k != "Content-Type"})

    def _authenticate(self, request: Request) -> tuple[User | None, bool]:
        """The caller, and whether credentials were sent but refused (always a 401, even for serverInfo)."""
        header = request.headers.get("Authorization")
        if not header:
            return None, False
        scheme, _, credentials = header.partition(" ")
        user: User | None = None
        if scheme.lower() == "basic" and self.deployment is Deployment.CLOUD:
            try:
                email, _, token = base64.b64decode(credentials.strip(), validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None, True
            user = self.store.authenticate_basic(email, token)
        elif scheme.lower() == "bearer" and self.deployment is Deployment.DATA_CENTER:
            user = self.store.authenticate_bearer(credentials.strip())
        return user, user is None

    def _stamped(self, response: Response, user: User | None) -> Response:
        headers = dict(response.headers)
        headers["X-AREQUESTID"] = f"{next(self._request_ids)}x1"
        if self.deployment is Deployment.CLOUD:
            if user is not None:
                headers["X-AACCOUNTID"] = user.account_id
        else:
            headers["X-AUSERNAME"] = user.username if user is not None else "anonymous"
        return Response(response.status, response.body, headers)

    def _not_found(self, request: Request) -> Response:
        return self._stamped(error(404, [f"No REST resource at {request.path} on this Jira."]), None)

    def _method_not_allowed(self, request: Request) -> Response:
        return self._stamped(error(405, [f"Method {request.method} is not allowed on {request.path}."]), None)


def _is_json(request: Request) -> bool:
    return "json" in (request.headers.get("Content-Type") or "").lower()


def _base_url(request: Request) -> str:
    """The site's URL as the client addressed it, for ``self`` links and ``baseUrl``."""
    return f"http://{request.headers.get('Host') or 'localhost'}"
