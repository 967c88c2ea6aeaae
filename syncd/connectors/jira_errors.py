"""Jira's answers as syncd's typed errors: one function decides what each status means for the caller.

401 is refused credentials, 403 a missing permission, 404 a missing project or issue, 400 a request Jira
will never accept; 429 and 5xx are worth retrying, after ``Retry-After`` (seconds or an HTTP date, or
Atlassian's ``X-RateLimit-Reset``) when Jira says how long. Messages carry Jira's own words (``errorMessages`` and
``errors``), never the request's headers.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from jira import JIRAError

from syncd.errors import (
    AuthError,
    BadRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    TrackerError,
    TransientError,
)

__all__ = ["translate_error", "translate_failure"]

_TRANSIENT_STATUS = {500, 502, 503, 504}


def translate_error(error: JIRAError, *, tracker: str, issue: str = "") -> TrackerError:
    """Jira's answer as the typed error that says what to do next."""
    status = error.status_code or 0
    message = _jira_message(error)
    if status == 401:
        return AuthError(f"authentication failed (401): {message}", tracker=tracker, issue=issue, status=status)
    if status == 403:
        return PermissionDenied(f"permission denied (403): {message}", tracker=tracker, issue=issue, status=status)
    if status == 404:
        return NotFound(f"not found (404): {message}", tracker=tracker, issue=issue, status=status)
    if status == 429:
        return RateLimited(
            f"rate limited (429): {message}",
            retry_after=_retry_after(error.response),
            tracker=tracker,
            issue=issue,
            status=status,
        )
    if status in _TRANSIENT_STATUS:
        return TransientError(f"server error ({status}): {message}", tracker=tracker, issue=issue, status=status)
    if 400 <= status < 500:
        return BadRequest(f"rejected ({status}): {message}", tracker=tracker, issue=issue, status=status)
    return TrackerError(f"unexpected answer ({status}): {message}", tracker=tracker, issue=issue, status=status)


def translate_failure(error: Exception, *, what: str, issue: str, tracker: str, url: str) -> TrackerError | None:
    """A failure of a request to Jira (the ``jira`` package's, or a broken connection) as the typed error;
    None for anything else, which is no tracker's answer."""
    if isinstance(error, JIRAError):
        return translate_error(error, tracker=tracker, issue=issue)
    if isinstance(error, requests.ConnectionError | requests.Timeout | requests.exceptions.ChunkedEncodingError):
        return TransientError(f"{what}: cannot reach {url} ({type(error).__name__})", tracker=tracker, issue=issue)
    if isinstance(error, requests.exceptions.JSONDecodeError):
        return TransientError(f"{what}: the response was not JSON", tracker=tracker, issue=issue)
    return None


def _jira_message(error: JIRAError) -> str:
    """Jira's own words: ``errorMessages`` and ``errors``, without headers or request details."""
    response = error.response
    try:
        payload = response.json() if response is not None and response.content else {}
    except ValueError:
        payload = {}
    if isinstance(payload, dict):
        parts = [str(m) for m in payload.get("errorMessages") or ()]
        errors = payload.get("errors")
        if isinstance(errors, dict):
            parts += [f"{k}: {v}" for k, v in errors.items()]
        elif isinstance(errors, list):  # the bulk operations' BulkOperationErrorResponse
            parts += [str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message")]
        if parts:
            return "; ".join(parts)
    return (error.text or "no details").strip()[:300]


def _retry_after(response: requests.Response | None) -> float | None:
    """Seconds to wait: ``Retry-After`` (seconds or an HTTP date, RFC 9110 §10.2.3), else the ISO 8601
    ``X-RateLimit-Reset`` Atlassian also sends; None when the answer names no usable time."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if value is not None:
        return _seconds_or_date(value.strip())
    reset = response.headers.get("X-RateLimit-Reset")
    if reset:
        try:
            moment = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            return None
        return _until(moment)
    return None


def _seconds_or_date(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return _until(moment)


def _until(moment: datetime) -> float:
    """Seconds from now until ``moment`` (UTC when it names no zone), never negative."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
