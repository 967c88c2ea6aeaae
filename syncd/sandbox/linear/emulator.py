"""A Linear emulator served on loopback: workspace, app and HTTP server in one object.

Tests, the demo and the benchmarks start one with ``with LinearEmulator(workspace) as linear:`` and
point ``gql`` at :attr:`LinearEmulator.graphql_url` (or take :meth:`LinearEmulator.client`); the
knobs (faults, rate limits, clock) and the request log stay reachable from the same object.
"""

from __future__ import annotations

from gql import Client
from gql.transport.requests import RequestsHTTPTransport

from syncd.sandbox.clock import Clock
from syncd.sandbox.faults import Faults
from syncd.sandbox.linear.app import LinearApp
from syncd.sandbox.linear.ratelimit import RateLimiter, RateLimits
from syncd.sandbox.linear.store import LinearStore
from syncd.sandbox.linear.webhooks import LinearWebhooks
from syncd.sandbox.linear.workspace import LinearWorkspace
from syncd.sandbox.server import EmulatorServer, RequestLog

__all__ = ["LinearEmulator"]


class LinearEmulator:
    """Linear's GraphQL API on ``http://<host>:<port>/graphql``.

    Args:
        workspace: the data to serve (an empty workspace by default).
        limits: rate-limit budgets per API key.
        host: the address to bind (loopback by default).
        port: the port; 0 picks a free one.
        latency: seconds every answer is held, as a real site's round trip takes (0: none).
        jitter: each answer's latency varies by up to this many seconds either way.
    """

    def __init__(
        self,
        workspace: LinearWorkspace | None = None,
        *,
        limits: RateLimits | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        latency: float = 0.0,
        jitter: float = 0.0,
    ) -> None:
        self.app = LinearApp(workspace, limits=limits)
        self.app.faults.latency, self.app.faults.jitter = latency, jitter
        self.server = EmulatorServer(self.app, host=host, port=port)

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def graphql_url(self) -> str:
        """The URL a GraphQL client posts to."""
        return f"{self.server.url}/graphql"

    @property
    def workspace(self) -> LinearWorkspace:
        return self.app.workspace

    @property
    def store(self) -> LinearStore:
        return self.app.store

    @property
    def clock(self) -> Clock:
        return self.app.store.clock

    @property
    def faults(self) -> Faults:
        return self.app.faults

    @property
    def log(self) -> RequestLog:
        return self.app.log

    @property
    def rate_limiter(self) -> RateLimiter:
        return self.app.rate_limiter

    def reset(self, workspace: LinearWorkspace | None = None, *, limits: RateLimits | None = None) -> None:
        """Serve ``workspace`` (or keep the current one) from a clean slate.

        The request log is cleared, every fault knob is switched off and every key's rate-limit
        buckets are full again (with ``limits`` when given, else the defaults). Tests share one
        running emulator this way instead of starting a server per test.
        """
        if workspace is not None:
            self.app.workspace = workspace
        self.app.log.clear()
        self.app.faults.reset()
        self.app.rate_limiter.configure(limits or RateLimits())

    def client(self, token: str, *, bearer: bool = False, timeout: int = 10) -> Client:
        """A ``gql`` client for this emulator that validates every query against Linear's schema.

        Args:
            token: the API key (sent bare, as Linear wants personal keys) or OAuth token.
            bearer: send ``Authorization: Bearer <token>`` (OAuth tokens).
            timeout: seconds before a request gives up.
        """
        header = f"Bearer {token}" if bearer else token
        transport = RequestsHTTPTransport(
            url=self.graphql_url, headers={"Authorization": header}, timeout=timeout, retries=0
        )
        return Client(schema=self.app.schema, transport=transport)

    def start(self) -> LinearEmulator:
        self.server.start()
        return self

    def stop(self) -> None:
        LinearWebhooks.of(self.store).deliverer.close()
        self.server.stop()

    def __enter__(self) -> LinearEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
