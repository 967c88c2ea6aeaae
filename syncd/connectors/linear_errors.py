"""Linear's failures as syncd's typed errors (:mod:`syncd.errors`), by what the caller should do next.

Linear answers most failures inside a 200 or 400 GraphQL response, told apart by ``extensions.code`` and
``extensions.type`` (``RATELIMITED``, ``AUTHENTICATION_ERROR``, ``FORBIDDEN``, ``INPUT_ERROR``); the
transport adds HTTP statuses (429, 5xx) and broken connections. One function maps them all, so only the
retriable ones ever reach the backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import requests
from gql.transport.exceptions import (
    TransportConnectionFailed,
    TransportProtocolError,
    TransportQueryError,
    TransportServerError,
)

from syncd.errors import (
    AuthError,
    BadRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    TrackerError,
    TransientError,
)

__all__ = ["refuse_non_graphql", "retry_after", "translate_error"]

_ENTITY_NOT_FOUND = "entity not found"


def translate_error(
    error: BaseException,
    *,
    tracker: str,
    issue: str = "",
    headers: Mapping[str, str] | None = None,
    url: str = "",
) -> TrackerError | None:
    """A gql or network failure as the typed error that says what to do next (None: not a tracker error)."""
    if isinstance(error.__cause__, TrackerError):
        return error.__cause__  # syncd's own verdict on the answer, wrapped by the transport
    if isinstance(error, TransportQueryError):
        return _query_error(error, tracker=tracker, issue=issue, headers=headers or {})
    if isinstance(error, TransportServerError):
        status = error.code or 0
        if status == 429:
            return RateLimited(
                "rate limited (429)", retry_after=retry_after(headers or {}), tracker=tracker, status=429
            )
        if status in {401, 403}:
            kind = AuthError if status == 401 else PermissionDenied
            return kind(f"refused ({status})", tracker=tracker, issue=issue, status=status)
        if status >= 500:
            return TransientError(f"server error ({status})", tracker=tracker, issue=issue, status=status)
        return BadRequest(f"rejected ({status})", tracker=tracker, issue=issue, status=status)
    if isinstance(error, TransportProtocolError):
        return TransientError("the answer was not a page of GraphQL (empty, or of another shape)", tracker=tracker)
    if isinstance(error, TransportConnectionFailed | requests.RequestException):
        where = f"cannot reach {url}" if url else "the connection failed"
        return TransientError(f"{where} ({type(error).__name__})", tracker=tracker, issue=issue)
    return None


def _query_error(error: TransportQueryError, *, tracker: str, issue: str, headers: Mapping[str, str]) -> TrackerError:
    """A GraphQL error by Linear's own signals, in the words Linear shows people.

    A missing entity is an ``INPUT_ERROR`` whose developer message starts with "Entity not found"
    ("Entity not found: Comment") while its ``userPresentableMessage`` says "Could not find referenced
    Comment.", so the kind is read from the former and the words are taken from the latter.
    """
    details = [e for e in error.errors or () if isinstance(e, dict)]
    first = details[0] if details else {}
    extensions = first.get("extensions") or {}
    code = str(extensions.get("code") or "").upper()
    kind = str(extensions.get("type") or "").lower()
    developer = str(first.get("message") or error)
    message = str(extensions.get("userPresentableMessage") or developer)
    if code == "RATELIMITED" or kind == "ratelimited":
        return RateLimited(f"rate limited: {message}", retry_after=retry_after(headers), tracker=tracker, issue=issue)
    if code == "AUTHENTICATION_ERROR" or kind == "authentication error":
        return AuthError(f"authentication failed: {message}", tracker=tracker, issue=issue, status=401)
    if code == "FORBIDDEN" or kind == "forbidden":
        return PermissionDenied(f"permission denied: {message}", tracker=tracker, issue=issue, status=403)
    if developer.casefold().startswith(_ENTITY_NOT_FOUND):
        return NotFound(message, tracker=tracker, issue=issue, status=404)
    if code in {"INTERNAL_SERVER_ERROR", "TIMEOUT"}:
        return TransientError(message, tracker=tracker, issue=issue, status=500)
    return BadRequest(f"rejected: {message}", tracker=tracker, issue=issue, status=400)


def retry_after(headers: Mapping[str, str], now: Callable[[], float] = time.time) -> float | None:
    """Seconds until Linear's exhausted budget is back, from its reset headers (epoch milliseconds)."""
    waits = [
        _number(headers[f"X-RateLimit-{kind}-Reset"]) / 1000 - now()
        for kind in ("Requests", "Complexity")
        if f"X-RateLimit-{kind}-Reset" in headers and _number(headers.get(f"X-RateLimit-{kind}-Remaining", "0")) <= 0
    ]
    return max(0.0, *waits) if waits else None


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def refuse_non_graphql(session: requests.Session | None, *, tracker: str) -> None:
    """Judge an answer that is JSON but no GraphQL document (``{"errors": "Unauthorized"}``, ``null``) by
    its status before ``gql`` reads it: ``gql`` would fail on it with an assertion or a type error."""

    def hook(response: requests.Response, *args: object, **kwargs: object) -> None:
        head = response.content[:16].lstrip()
        if response.status_code < 400 and head.startswith(b'{"data"'):
            return
        try:
            document = response.json()
        except ValueError:
            return  # not JSON at all: gql says so itself, with the status
        if _is_graphql(document):
            return
        raise _by_status(response.status_code, tracker=tracker)

    if session is not None:
        session.hooks["response"].append(hook)


def _is_graphql(document: object) -> bool:
    """A GraphQL response: a non-empty list of error objects, or else ``data`` (GraphQL spec, "Response
    Format", https://spec.graphql.org/October2021/#sec-Response-Format)."""
    if not isinstance(document, dict):
        return False
    errors = document.get("errors")
    if errors is not None:
        return isinstance(errors, list) and bool(errors) and all(isinstance(e, dict) for e in errors)
    return isinstance(document.get("data"), dict)


def _by_status(status: int, *, tracker: str) -> TrackerError:
    what = f"an answer that is not GraphQL ({status})"
    if status == 401:
        return AuthError(f"refused: {what}", tracker=tracker, status=status)
    if status == 403:
        return PermissionDenied(f"permission denied: {what}", tracker=tracker, status=status)
    if 400 <= status < 500 and status != 429:
        return BadRequest(f"rejected: {what}", tracker=tracker, status=status)
    return TransientError(f"{what}: retried", tracker=tracker, status=status if status >= 500 else None)
