"""Jira's error responses: the ErrorCollection body, authentication failures and injected faults.

Every failure Jira reports from its REST API carries ``{"errorMessages": [...], "errors": {...}}``; the
``jira`` package and syncd read reasons from there. Rate limits carry the headers Atlassian documents:
on Cloud ``Retry-After`` (whole seconds), ``X-RateLimit-Reset`` (ISO 8601, minute precision),
``X-RateLimit-Limit``/``-Remaining``, ``X-RateLimit-NearLimit`` and ``RateLimit-Reason``; on Data Center
the token bucket's ``X-RateLimit-Limit``/``-Remaining``/``-Interval-Seconds``/``-FillRate`` and a
``Retry-After`` that may be 0.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http import HTTPStatus

from syncd.sandbox.faults import Fault, FaultKind
from syncd.sandbox.jira.model import Deployment
from syncd.sandbox.server import Response

__all__ = [
    "CLASSIC_SEARCH_GONE",
    "ISSUE_NOT_FOUND",
    "error",
    "fault_response",
    "reset_at",
    "unauthorized",
]

ISSUE_NOT_FOUND = "Issue does not exist or you do not have permission to see it."
CLASSIC_SEARCH_GONE = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration "
    "guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)


def error(
    status: int,
    messages: list[str] | tuple[str, ...] = (),
    errors: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A response with Jira's ErrorCollection body."""
    return Response.json_body(status, {"errorMessages": list(messages), "errors": dict(errors or {})}, headers)


def unauthorized(deployment: Deployment) -> Response:
    """What Jira answers to missing or refused credentials.

    Cloud answers a plain-text body with the ``WWW-Authenticate`` challenge and the Seraph login reason;
    Data Center answers an ErrorCollection.
    """
    headers = {"X-Seraph-LoginReason": "AUTHENTICATED_FAILED"}
    if deployment is Deployment.CLOUD:
        return Response(
            401,
            b"Client must be authenticated to access this resource.",
            {
                "Content-Type": "text/plain;charset=UTF-8",
                "WWW-Authenticate": 'Basic realm="protected-area"',
                **headers,
            },
        )
    return error(
        401,
        ["You are not authenticated. Authentication required to perform this operation."],
        headers=headers,
    )


def _retry_after(seconds: float) -> str:
    """Whole seconds, rounded up: Jira sends integers, and the ``jira`` package parses them with int()."""
    return str(max(0, math.ceil(seconds)))


def reset_at(retry_after: float) -> str:
    """When the limit resets, ISO 8601 at minute precision, rounded up so it is never before the reset."""
    reset = datetime.now(UTC) + timedelta(seconds=math.ceil(retry_after))
    if reset.second or reset.microsecond:
        reset = reset.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return reset.strftime("%Y-%m-%dT%H:%MZ")


def fault_response(fault: Fault, deployment: Deployment) -> Response:
    """An injected rate limit, refusal of credentials or server error, shaped as the deployment sends it."""
    if fault.kind is FaultKind.AUTH_REFUSED:
        return unauthorized(deployment)
    if fault.kind is FaultKind.RATE_LIMIT:
        headers: dict[str, str] = {"X-RateLimit-Limit": "350" if deployment is Deployment.CLOUD else "100"}
        headers["X-RateLimit-Remaining"] = "0"
        if deployment is Deployment.CLOUD:
            headers["X-RateLimit-NearLimit"] = "true"
            headers["RateLimit-Reason"] = "jira-burst-based"
        else:
            headers["X-RateLimit-Interval-Seconds"] = "1"
            headers["X-RateLimit-FillRate"] = "10"
        if fault.retry_after is not None:
            headers["Retry-After"] = _retry_after(fault.retry_after)
            if deployment is Deployment.CLOUD:
                headers["X-RateLimit-Reset"] = reset_at(fault.retry_after)
        return error(429, ["Rate limit exceeded."], headers=headers)
    status = fault.status or 503
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Server error"
    return error(status, [reason])
