"""One GraphQL session per thread, so several of Linear's requests can be in flight at once.

gql's ``RequestsHTTPTransport`` keeps the last answer's headers on itself, and syncd reads Linear's rate
limits and clock from them; two threads sharing one transport would read each other's. Each thread that
sends gets its own transport, client and session, opened on its first request and bounded like the
first; :meth:`LinearSessions.close` closes them all.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from gql import Client
from gql.transport.requests import RequestsHTTPTransport

from syncd.schemas import linear_schema

__all__ = ["LinearSessions", "Session"]


@dataclass(frozen=True, slots=True)
class Session:
    """One thread's connection to Linear."""

    transport: RequestsHTTPTransport
    client: Client
    session: Any

    def headers(self) -> Mapping[str, str]:
        """The last answer's headers (empty before the first)."""
        headers = getattr(self.transport, "response_headers", None)
        return headers if headers is not None else {}


class LinearSessions:
    """The sessions of one connector, one per thread.

    Args:
        url: the GraphQL endpoint.
        api_key: the key sent as ``Authorization``.
        timeout: the transport's timeout, seconds.
        verify_tls: whether certificates are checked.
        prepare: called with each new transport's ``requests`` session (bounds, redirect refusal).
    """

    def __init__(
        self,
        *,
        url: str,
        api_key: str,
        timeout: float,
        verify_tls: bool,
        prepare: Callable[[Any], None],
    ) -> None:
        self._url, self._key, self._timeout, self._verify = url, api_key, timeout, verify_tls
        self._prepare = prepare
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: list[Session] = []

    def current(self) -> Session:
        """This thread's session, opened on first use."""
        session: Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self._open_one()
            self._local.session = session
        return session

    def last_headers(self) -> Mapping[str, str]:
        """The headers of this thread's last answer."""
        session: Session | None = getattr(self._local, "session", None)
        return session.headers() if session is not None else {}

    def close(self) -> None:
        """Close every session; a thread that sends again opens a new one."""
        with self._lock:
            sessions, self._open = self._open, []
            self._local = threading.local()
        for session in sessions:
            session.client.close_sync()  # type: ignore[no-untyped-call]

    def _open_one(self) -> Session:
        transport = RequestsHTTPTransport(
            url=self._url,
            headers={"Authorization": self._key},
            timeout=int(self._timeout),
            retries=0,
            verify=self._verify,
        )
        client = Client(schema=linear_schema(), transport=transport, fetch_schema_from_transport=False)
        session = Session(transport, client, client.connect_sync())  # type: ignore[no-untyped-call]
        self._prepare(transport.session)
        with self._lock:
            self._open.append(session)
        return session
