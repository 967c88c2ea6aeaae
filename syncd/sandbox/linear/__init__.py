"""A faithful local emulator of Linear's GraphQL API.

It executes requests with graphql-core against Linear's real published schema
(:func:`syncd.schemas.linear_schema`), with Linear's authentication, errors, pagination, filters,
label-group rules, complexity scoring and rate limits, over the shared loopback server and fault
layer (:mod:`syncd.sandbox.server`, :mod:`syncd.sandbox.faults`).

* :class:`LinearWorkspace` builds the data and acts in it as a person would;
* :class:`LinearApp` is the HTTP/GraphQL side, an app of the shared server;
* :class:`LinearEmulator` serves a workspace on loopback for tests, the demo and benchmarks;
* ``python -m syncd.sandbox linear --port 8081`` serves the demo organisation from a shell.
"""

from __future__ import annotations

from syncd.sandbox.clock import Clock
from syncd.sandbox.linear.app import LinearApp
from syncd.sandbox.linear.cli import add_cli
from syncd.sandbox.linear.complexity import MAX_QUERY_COMPLEXITY, query_complexity
from syncd.sandbox.linear.emulator import LinearEmulator
from syncd.sandbox.linear.errors import LinearApiError
from syncd.sandbox.linear.mutations import BATCH_LIMIT
from syncd.sandbox.linear.ratelimit import RateLimiter, RateLimits
from syncd.sandbox.linear.records import (
    ApiKey,
    Comment,
    Cycle,
    Initiative,
    Issue,
    Label,
    Organization,
    Project,
    Team,
    User,
    WorkflowState,
)
from syncd.sandbox.linear.seed import DemoOrg, seed_demo, seed_synthetic
from syncd.sandbox.linear.store import LinearStore
from syncd.sandbox.linear.workspace import LinearWorkspace

__all__ = [
    "BATCH_LIMIT",
    "MAX_QUERY_COMPLEXITY",
    "ApiKey",
    "Clock",
    "Comment",
    "Cycle",
    "DemoOrg",
    "Initiative",
    "Issue",
    "Label",
    "LinearApiError",
    "LinearApp",
    "LinearEmulator",
    "LinearStore",
    "LinearWorkspace",
    "Organization",
    "Project",
    "RateLimiter",
    "RateLimits",
    "Team",
    "User",
    "WorkflowState",
    "add_cli",
    "query_complexity",
    "seed_demo",
    "seed_synthetic",
]
