"""Fixtures of the integration tests that run against every kind of tracker (the fault matrix); a module
with a ``harness`` fixture of its own uses that one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.fault_matrix import KINDS, make
from tests.integration.harness import Harness


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def harness(kind: str) -> Iterator[Harness]:
    with make(kind) as started:
        yield started
