"""Jira's rate-limit answers as :class:`~syncd.errors.RateLimited`: how long the tracker asked syncd to wait."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
from jira import JIRAError

from syncd.connectors.jira_errors import translate_error
from syncd.errors import RateLimited


def rate_limited(**headers: str) -> RateLimited:
    """What a 429 with these headers, in Jira's error shape, translates to."""
    response = requests.Response()
    response.status_code = 429
    response.headers.update(headers)
    response._content = b'{"errorMessages":["Rate limit exceeded."],"errors":{}}'
    error = translate_error(JIRAError(status_code=429, text="Rate limit exceeded.", response=response), tracker="jira")
    assert isinstance(error, RateLimited)
    return error


def test_retry_after_in_seconds() -> None:
    assert rate_limited(**{"Retry-After": "7"}).retry_after == 7.0


def test_retry_after_as_an_http_date_is_honoured() -> None:
    later = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=30)
    waited = rate_limited(**{"Retry-After": format_datetime(later, usegmt=True)}).retry_after
    assert waited is not None
    assert 25 <= waited <= 30


@pytest.mark.parametrize("value", ["Wed, 21 Oct 2015 07:28:00 GMT", "-3"])
def test_a_moment_already_past_means_no_wait(value: str) -> None:
    assert rate_limited(**{"Retry-After": value}).retry_after == 0.0


def test_an_unreadable_retry_after_leaves_the_wait_to_the_backoff() -> None:
    assert rate_limited(**{"Retry-After": "soon"}).retry_after is None


def test_atlassians_reset_time_stands_in_for_a_missing_retry_after() -> None:
    reset = (datetime.now(UTC) + timedelta(seconds=20)).isoformat().replace("+00:00", "Z")
    waited = rate_limited(**{"X-RateLimit-Reset": reset}).retry_after
    assert waited is not None
    assert 15 <= waited <= 20
