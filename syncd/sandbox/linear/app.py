"""The Linear emulator as an app of the shared loopback server: HTTP in, Linear's GraphQL answers out.

One request goes through Linear's gates in Linear's order: the ``Authorization`` header (a personal
API key bare, an OAuth token as ``Bearer``), the document (parse and validation errors are HTTP 400),
write permission for mutations, the complexity of the query (at most 10,000 points), the key's request
and complexity budgets (``RATELIMITED``), and only then execution. Every authenticated answer carries
the rate-limit headers and ``X-Complexity``.

Requests are counted per GraphQL root field (``issues``, ``issueBatchUpdate``, ``commentCreate``…):
the endpoint of a request is its operation's root fields joined by commas. All requests go to
``/graphql``, so the shared fault layer's path filter is matched against ``/graphql/<operation type>/
<endpoint>`` instead (``faults.paths = "mutation"`` storms the writes and lets the reads through).
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    parse,
    validate,
)

from syncd.sandbox.faults import Fault, FaultKind, Faults
from syncd.sandbox.linear import mutations, objects, queries, webhooks
from syncd.sandbox.linear.complexity import query_complexity
from syncd.sandbox.linear.context import ExecContext
from syncd.sandbox.linear.errors import (
    LinearApiError,
    authentication_error,
    bad_request,
    forbidden,
    internal_error,
    parse_error,
    query_too_complex,
    ratelimited,
    unsupported,
    validation_error,
)
from syncd.sandbox.linear.execution import FieldResolver, render_result, run
from syncd.sandbox.linear.ratelimit import RateDecision, RateLimiter, RateLimits
from syncd.sandbox.linear.records import ApiKey
from syncd.sandbox.linear.store import LinearStore
from syncd.sandbox.linear.workspace import LinearWorkspace
from syncd.sandbox.server import Request, RequestLog, Response, Route
from syncd.schemas import linear_schema

__all__ = ["LinearApp"]

_PREPARED_CACHE = 512
_EDGE_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n"
)
_REASONS = {502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out"}


@dataclass(frozen=True, slots=True)
class _Operation:
    """An operation's type and root fields: what the request log counts and the fault layer matches."""

    kind: OperationType
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A parsed and validated document, cached by its text."""

    document: DocumentNode | None
    error: LinearApiError | None = None
    errors: tuple[GraphQLError, ...] = ()
    operations: dict[str | None, _Operation] = field(default_factory=dict)

    def operation(self, name: str | None) -> _Operation | None:
        if name is None and len(self.operations) == 1:
            return next(iter(self.operations.values()))
        return self.operations.get(name)


def _operations(document: DocumentNode) -> dict[str | None, _Operation]:
    found: dict[str | None, _Operation] = {}
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            continue
        names = [s.name.value for s in definition.selection_set.selections if isinstance(s, FieldNode)]
        name = definition.name.value if definition.name else None
        found[name] = _Operation(definition.operation, tuple(dict.fromkeys(names)))
    return found


def _response(error: LinearApiError, headers: dict[str, str] | None = None) -> Response:
    return Response.json_body(error.http_status, {"errors": [error.as_graphql()]}, headers)


class LinearApp:
    """Linear's GraphQL API over the shared emulator server.

    Args:
        workspace: the data served; an empty workspace by default.
        limits: the rate-limit budgets per key (Linear's published ones by default).
        faults: fault knobs; their ``paths`` match ``/graphql/<query|mutation>/<root fields>``.
        log: the request log (fresh by default).
        schema: the schema to execute against (Linear's, built once per process, by default).
    """

    def __init__(
        self,
        workspace: LinearWorkspace | None = None,
        *,
        limits: RateLimits | None = None,
        faults: Faults | None = None,
        log: RequestLog | None = None,
        schema: GraphQLSchema | None = None,
    ) -> None:
        self.workspace = workspace or LinearWorkspace()
        self.schema = schema or linear_schema()
        self.faults = faults or Faults()
        self.log = log or RequestLog()
        self.rate_limiter = RateLimiter(limits)
        self._resolver = FieldResolver(objects.RESOLVERS, queries.RESOLVERS, mutations.RESOLVERS, webhooks.RESOLVERS)
        self._prepared: OrderedDict[str, _Prepared] = OrderedDict()
        self._prepared_lock = threading.Lock()

    @property
    def store(self) -> LinearStore:
        return self.workspace.store

    # -- the App protocol --------------------------------------------------------------------------

    def route(self, request: Request) -> Route:
        if request.path.rstrip("/") != "/graphql":
            return Route("not_found", lambda _r: Response(404, b"Not Found", {"Content-Type": "text/plain"}))
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            problem = bad_request("Must provide a JSON body with a query string.")
            return self._routed("graphql", "invalid", lambda _r: _response(problem))
        variables = body.get("variables")
        operation_name = body.get("operationName")
        if variables is not None and not isinstance(variables, dict):
            problem = bad_request("Variables must be a JSON object.")
            return self._routed("graphql", "invalid", lambda _r: _response(problem))
        prepared = self._prepare(body["query"])
        operation = prepared.operation(operation_name)
        endpoint = ",".join(operation.fields) if operation else "graphql"
        kind = operation.kind.value if operation else "invalid"

        def handle(req: Request) -> Response:
            try:
                response = self._serve(req, prepared, variables, operation_name)
            except Exception as exc:  # a server answers 500 rather than hanging up
                return _response(internal_error(f"Internal server error: {exc}"))
            return self._maybe_repeat_cursor(variables, operation, response)

        return self._routed(endpoint, kind, handle)

    def _maybe_repeat_cursor(self, variables: Any, operation: Any, response: Response) -> Response:
        """The ``repeat_cursor_burst`` fault: a connection names the page just served as the next one."""
        asked = variables.get("after") if isinstance(variables, dict) else None
        if response.status != 200 or not asked or operation is None or len(operation.fields) != 1:
            return response
        payload = json.loads(response.body)
        connection = (payload.get("data") or {}).get(operation.fields[0])
        info = connection.get("pageInfo") if isinstance(connection, dict) else None
        if not isinstance(info, dict) or not info.get("hasNextPage") or not self.faults.take_repeat_cursor():
            return response
        info["endCursor"] = asked
        return Response.json_body(200, payload, {k: v for k, v in response.headers.items() if k != "Content-Type"})

    def render_fault(self, fault: Fault, request: Request) -> Response:
        if fault.kind is FaultKind.RATE_LIMIT:
            now = self.store.clock.now_ms()
            token = self._token(request) or "anonymous"
            budgets = self.rate_limiter.peek(token, now)
            wait_ms = int((fault.retry_after if fault.retry_after is not None else 60) * 1000)
            headers = budgets.headers(0)
            headers["X-RateLimit-Requests-Remaining"] = "0"
            headers["X-RateLimit-Requests-Reset"] = str(now + wait_ms)
            if fault.retry_after is not None:
                headers["Retry-After"] = str(math.ceil(fault.retry_after))
            return _response(ratelimited(), headers)
        if fault.kind is FaultKind.AUTH_REFUSED:
            return _response(authentication_error())
        status = fault.status or 503
        if status == 500:
            return _response(internal_error())
        page = _EDGE_PAGE.format(status=status, reason=_REASONS.get(status, "Server Error"))
        return Response(status, page.encode(), {"Content-Type": "text/html"})

    # -- the pipeline ------------------------------------------------------------------------------

    def _routed(self, endpoint: str, kind: str, handler: Callable[[Request], Response]) -> Route:
        return Route(endpoint, handler, target=f"/graphql/{kind}/{endpoint}")

    def _prepare(self, query: str) -> _Prepared:
        with self._prepared_lock:
            cached = self._prepared.get(query)
            if cached is not None:
                self._prepared.move_to_end(query)
                return cached
        try:
            document = parse(query, no_location=False)
        except GraphQLError as exc:
            prepared = _Prepared(None, error=parse_error(exc.message))
        else:
            errors = tuple(validate(self.schema, document))
            prepared = _Prepared(document, errors=errors, operations=_operations(document))
        with self._prepared_lock:
            self._prepared[query] = prepared
            if len(self._prepared) > _PREPARED_CACHE:
                self._prepared.popitem(last=False)
        return prepared

    @staticmethod
    def _token(request: Request) -> str | None:
        raw = (request.headers.get("Authorization") or "").strip()
        if raw.lower().startswith("bearer "):
            return raw[7:].strip()
        return raw or None

    def _authenticate(self, request: Request) -> ApiKey:
        raw = (request.headers.get("Authorization") or "").strip()
        bearer = raw.lower().startswith("bearer ")
        key = self.store.api_keys.get(self._token(request) or "")
        if key is None or key.oauth != bearer or key.user_id not in self.store.users:
            raise authentication_error()
        return key

    def _serve(
        self,
        request: Request,
        prepared: _Prepared,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> Response:
        try:
            key = self._authenticate(request)
        except LinearApiError as exc:
            return _response(exc)
        if prepared.error is not None:
            return _response(prepared.error)
        if prepared.errors:
            body = [{**validation_error(e.message).as_graphql(), **_where(e)} for e in prepared.errors]
            return Response.json_body(400, {"errors": body})
        operation = prepared.operation(operation_name)
        if operation is None or prepared.document is None:
            return _response(validation_error(f"Unknown operation named {operation_name!r}."))
        if operation.kind is OperationType.SUBSCRIPTION:
            return _response(unsupported("Subscriptions over HTTP"))
        if operation.kind is OperationType.MUTATION and not key.can_write:
            return _response(forbidden())
        now = self.store.clock.now_ms()
        complexity = query_complexity(
            self.schema, prepared.document, variables=variables, operation_name=operation_name
        )
        limits = self.rate_limiter.limits
        if complexity > limits.max_query_complexity:
            headers = self.rate_limiter.peek(key.token, now).headers(complexity)
            return _response(query_too_complex(complexity, limits.max_query_complexity), headers)
        decision = self.rate_limiter.spend(key.token, complexity, now)
        headers = decision.headers(complexity)
        if not decision.allowed:
            return _response(ratelimited(), headers)
        return self._execute(key, prepared.document, variables, operation_name, decision, complexity, headers)

    def _execute(
        self,
        key: ApiKey,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        decision: RateDecision,
        complexity: int,
        headers: dict[str, str],
    ) -> Response:
        with self.store.lock:
            context = ExecContext(
                workspace=self.workspace,
                viewer=self.store.users[key.user_id],
                key=key,
                rate=decision,
                complexity=complexity,
                now_ms=self.store.clock.now_ms(),
            )
            result = run(
                self.schema,
                document,
                context=context,
                variables=variables,
                operation_name=operation_name,
                resolver=self._resolver,
            )
        status, payload = render_result(result)
        return Response.json_body(status, payload, headers)


def _where(error: GraphQLError) -> dict[str, Any]:
    if not error.locations:
        return {}
    return {"locations": [{"line": loc.line, "column": loc.column} for loc in error.locations]}
