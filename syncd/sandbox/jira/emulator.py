"""One emulated Jira site, ready to serve: the store, the HTTP app and a loopback server together.

Tests, the demo and benchmarks want the same three things: arrange data, point a real client at a URL,
and read the counters afterwards. :class:`JiraEmulator` bundles them and hands out the credentials of its
built-in user in the forms the ``jira`` package takes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from syncd.sandbox.clock import Clock
from syncd.sandbox.faults import Faults
from syncd.sandbox.jira.app import JiraApp
from syncd.sandbox.jira.model import Deployment, User
from syncd.sandbox.jira.ratelimit import JiraRateLimits
from syncd.sandbox.jira.store import JiraStore
from syncd.sandbox.server import EmulatorServer, RequestLog

__all__ = ["JiraEmulator"]


class JiraEmulator:
    """An emulated Jira site on loopback.

    Use as a context manager; ``port=0`` picks a free port and :attr:`url` tells which::

        with JiraEmulator("cloud") as site:
            site.store.create_project("GROW", "Growth")
            client = jira.JIRA(site.url, basic_auth=site.basic_auth, max_retries=0)

    Args:
        deployment: ``"cloud"`` or ``"datacenter"`` (or a :class:`Deployment`).
        clock: the site's clock; real time by default.
        host: the address to bind (loopback by default).
        port: the port to bind, 0 for any free port.
        keep_bodies: keep request and response bodies in the log (turn off for long benchmarks).
        latency: seconds every answer is held, as a real site's round trip takes (0: none).
        jitter: each answer's latency varies by up to this many seconds either way.
        rate_limits: enforce Cloud's burst limit with its headers (None: no limit).
    """

    def __init__(
        self,
        deployment: Deployment | str = Deployment.CLOUD,
        *,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        keep_bodies: bool = True,
        latency: float = 0.0,
        jitter: float = 0.0,
        rate_limits: JiraRateLimits | None = None,
    ) -> None:
        self.store = JiraStore(Deployment(deployment), clock=clock)
        self.app = JiraApp(self.store, log=RequestLog(keep_bodies=keep_bodies), rate_limits=rate_limits)
        self.app.faults.latency, self.app.faults.jitter = latency, jitter
        self._address = (host, port)
        self._server: EmulatorServer | None = None

    @property
    def deployment(self) -> Deployment:
        return self.store.deployment

    @property
    def clock(self) -> Clock:
        return self.store.clock

    @property
    def faults(self) -> Faults:
        return self.app.faults

    @property
    def log(self) -> RequestLog:
        return self.app.log

    @property
    def user(self) -> User:
        """The built-in user whose credentials :attr:`basic_auth` and :attr:`token` carry."""
        return self.store.default_user

    @property
    def basic_auth(self) -> tuple[str, str]:
        """Cloud credentials: (email, API token)."""
        return self.user.email, self.user.token

    @property
    def token(self) -> str:
        """Data Center credentials: the personal access token."""
        return self.user.token

    def client_options(self, user: User | None = None) -> dict[str, Any]:
        """Keyword arguments for ``jira.JIRA`` that log in as ``user`` (default: the built-in user)."""
        who = user or self.user
        if self.deployment is Deployment.CLOUD:
            return {"server": self.url, "basic_auth": (who.email, who.token)}
        return {"server": self.url, "token_auth": who.token}

    def start(self) -> JiraEmulator:
        host, port = self._address
        self._server = EmulatorServer(self.app, host=host, port=port).start()
        return self

    def stop(self) -> None:
        self.app.webhooks.deliverer.close()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def serve_forever(self, ready: Callable[[str], None] | None = None) -> None:
        """Serve in the calling thread until interrupted; ``ready`` hears the URL once it is bound."""
        host, port = self._address
        self._server = EmulatorServer(self.app, host=host, port=port)
        if ready is not None:
            ready(self._server.url)
        self._server.serve_forever()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not started")
        return self._server.url

    def __enter__(self) -> JiraEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
