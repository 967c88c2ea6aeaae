"""The one retry policy built from the settings: the ``[retry]`` bounds, and the service's stop switch."""

from __future__ import annotations

import threading

import pytest

from syncd.errors import Cancelled
from syncd.retry import RetryPolicy
from syncd.settings import RetryOptions


def test_the_policy_takes_the_retry_section() -> None:
    policy = RetryPolicy.configured(RetryOptions(max_attempts=3, max_wait=7.5, deadline=90))
    assert (policy.max_attempts, policy.max_wait, policy.deadline) == (3, 7.5, 90)
    assert policy.base_wait == RetryPolicy().base_wait
    assert not policy.stop.is_set()


def test_the_services_stop_switch_cuts_the_policys_waits() -> None:
    stop = threading.Event()
    policy = RetryPolicy.configured(RetryOptions(), stop=stop)
    stop.set()
    with pytest.raises(Cancelled):
        policy.sleep(3600)
    assert RetryPolicy.configured(RetryOptions()) == RetryPolicy(), "the defaults are the section's defaults"
