"""The PostgreSQL engine of the state store: one database shared by several replicas.

Connections come from a psycopg pool (checked before each use, so a database restart costs the
statements in flight, not the service). Statements outside a transaction run in autocommit; a
transaction pins one connection to its thread until it commits. Each tracker is synced under a lease
(:mod:`syncd.state.leases`) that a background thread renews every third of its time; the lease is kept
between syncs and given back when the store closes.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout
from pydantic import SecretStr

from syncd.errors import StateError
from syncd.logging import get_logger
from syncd.state.database import Clock, Rows, utcnow
from syncd.state.dialect import POSTGRES, pyformat
from syncd.state.leases import Lease, LeaseLost, Leases, TrackerBusy, fair_share

__all__ = ["DEFAULT_LEASE_TTL", "PostgresDatabase", "safe_location"]

DEFAULT_LEASE_TTL = 30.0
_log = get_logger("syncd.state")


@dataclass(frozen=True, slots=True)
class _Result:
    rows: list[tuple[Any, ...]]
    rowcount: int

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        return iter(self.rows)


class _Connection:
    """A pooled connection speaking the shared SQL (``?`` placeholders)."""

    def __init__(self, connection: psycopg.Connection[tuple[Any, ...]]) -> None:
        self._connection = connection

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> _Result:
        cursor = self._connection.execute(pyformat(sql), parameters)
        rows = cursor.fetchall() if cursor.description is not None else []
        return _Result(rows, cursor.rowcount)

    def executemany(self, sql: str, parameters: Any, /) -> None:
        rows = list(parameters)
        if rows:
            with self._connection.cursor() as cursor:
                cursor.executemany(pyformat(sql), rows)


def safe_location(url: SecretStr) -> str:
    """The database a URL names, without its password: ``postgresql://syncd@db:5432/syncd``."""
    try:
        parts = conninfo_to_dict(url.get_secret_value())
    except psycopg.ProgrammingError:
        return "postgresql://(unreadable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


class PostgresDatabase:
    """The state in a PostgreSQL database; see the module docstring."""

    dialect = POSTGRES

    def __init__(self, pool: ConnectionPool, location: str, *, clock: Clock, lease_ttl: float) -> None:
        self._pool = pool
        self._location = location
        self.clock = clock
        self._local = threading.local()
        self.leases = Leases(self, holder=f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}", ttl=lease_ttl)
        self._held: dict[str, Lease] = {}
        self._held_lock = threading.Lock()
        self._listeners: list[threading.Thread] = []
        self._sharing: frozenset[str] | None = None
        self._presence: Lease | None = None
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    @classmethod
    def connect(
        cls, url: SecretStr, *, clock: Clock = utcnow, lease_ttl: float = DEFAULT_LEASE_TTL
    ) -> PostgresDatabase:
        """Open a pool on the database ``url`` names.

        Raises:
            StateError: the database cannot be reached or refuses the credentials (named without the password).
        """
        location = safe_location(url)
        pool = ConnectionPool(
            url.get_secret_value(),
            min_size=1,
            max_size=4,
            kwargs={"autocommit": True, "connect_timeout": 10},
            check=ConnectionPool.check_connection,
            open=False,
            name="syncd-state",
        )
        try:
            pool.open(wait=True, timeout=15)
        except (PoolTimeout, psycopg.Error) as exc:
            pool.close()
            raise StateError(f"cannot connect to the state database {location}: {exc}") from None
        return cls(pool, location, clock=clock, lease_ttl=lease_ttl)

    @property
    def location(self) -> str:
        return self._location

    def now(self) -> str:
        return self.clock().isoformat()

    @contextmanager
    def transaction(self) -> Iterator[_Connection]:
        """One atomic unit of work on one pooled connection; nested use joins the outer transaction."""
        active: _Connection | None = getattr(self._local, "connection", None)
        if active is not None:
            yield active
            return
        with self._pool.connection() as connection, connection.transaction():
            self._local.connection = _Connection(connection)
            try:
                yield self._local.connection
            finally:
                self._local.connection = None

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Rows:
        active: _Connection | None = getattr(self._local, "connection", None)
        if active is not None:
            return active.execute(sql, args)
        with self._pool.connection() as connection:
            return _Connection(connection).execute(sql, args)

    @contextmanager
    def tracker_lock(self, tracker: str) -> Iterator[None]:
        """Hold ``tracker``'s lease (kept after the sync, renewed until the store closes).

        Raises:
            TrackerBusy: another replica holds the lease.
        """
        with self._held_lock:
            lease = self._held.get(tracker)
        if lease is None or not self.leases.renew(lease):
            lease = self._take(tracker)
        yield

    def share(self, trackers: Sequence[str]) -> None:
        """Share ``trackers`` out with the other replicas that share them (the service does): count among
        the live replicas from now on, and hold no more of them than a fair share."""
        self._sharing = frozenset(trackers)
        self._presence = self.leases.announce()
        self._start_renewer()

    def shed(self) -> list[str]:
        """Give up the leases above this replica's fair share (a replica joined), so another can take them;
        call it between syncs. Keeps the first trackers by name, so the replicas agree on who keeps what."""
        if self._sharing is None:
            return []
        share = fair_share(len(self._sharing), self.leases.replicas())
        with self._held_lock:
            extra = sorted(name for name in self._held if name in self._sharing)[share:]
            leases = [self._held.pop(name) for name in extra]
        for lease in leases:
            self.leases.release(lease)
            _log.info("lease.shed", tracker=lease.name, token=lease.token, share=share)
        return extra

    def _take(self, tracker: str) -> Lease:
        self._refuse_above_share(tracker)
        lease = self.leases.acquire(tracker)
        if lease is None:
            holder = self.leases.holder_of(tracker)
            who = f"{holder[0]}, for {holder[1]:.0f}s more unless renewed" if holder else "another replica"
            raise TrackerBusy(f"{tracker} is being synced by another replica ({who})")
        with self._held_lock:
            self._held[tracker] = lease
        _log.info("lease.taken", tracker=tracker, token=lease.token, ttl=self.leases.ttl)
        self._start_renewer()
        return lease

    def holds(self, tracker: str) -> bool:
        with self._held_lock:
            return tracker in self._held

    def notify(self, db: Any, channel: str) -> None:
        db.execute("SELECT pg_notify(?, '')", (channel,))

    def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """A thread on a connection of its own waits for ``channel``'s notifications; when the connection
        drops it connects again and calls ``callback`` once, for what it may have missed meanwhile."""
        thread = threading.Thread(target=self._listen, args=(channel, callback), name=f"listen-{channel}", daemon=True)
        thread.start()
        self._listeners.append(thread)

    def _listen(self, channel: str, callback: Callable[[], None]) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True, connect_timeout=10) as connection:
                    connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
                    callback()
                    while not self._stop.is_set():
                        for _ in connection.notifies(timeout=1.0, stop_after=1):
                            callback()
            except psycopg.Error as exc:
                _log.warning("state.listen_failed", channel=channel, error=str(exc))
                self._stop.wait(1.0)

    def _conninfo(self) -> str:
        conninfo = self._pool.conninfo
        return conninfo() if callable(conninfo) else conninfo

    def _refuse_above_share(self, tracker: str) -> None:
        if self._sharing is None or tracker not in self._sharing:
            return
        replicas = self.leases.replicas()
        share = fair_share(len(self._sharing), replicas)
        with self._held_lock:
            held = sum(1 for name in self._held if name in self._sharing)
        if held >= share and self.leases.holder_of(tracker) is None:
            raise TrackerBusy(
                f"{tracker} is left to another replica: this one syncs {held} of the {len(self._sharing)} "
                f"trackers, its share among {replicas} replicas"
            )

    @contextmanager
    def report_lock(self, tracker: str, *, wait: float) -> Iterator[None]:
        """A session advisory lock on one pooled connection, held while the report is posted: replicas and
        one-shot commands sharing the database take turns, and a connection that dies releases it."""
        key = f"syncd:report:{tracker}"
        with self._pool.connection() as connection:
            deadline = time.monotonic() + wait
            while not connection.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)).fetchone()[0]:  # type: ignore[index]
                if time.monotonic() >= deadline:
                    raise StateError(
                        f"another syncd process has been posting {tracker}'s report for {wait:.0f} s "
                        f"with {self._location}; try again when it is done"
                    )
                time.sleep(0.05)
            try:
                yield
            finally:
                connection.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", (key,))

    def fence(self, db: Any, tracker: str) -> float:
        """Inside a write's transaction: this replica still holds ``tracker``'s lease, else :class:`LeaseLost`;
        the seconds the lease has left."""
        with self._held_lock:
            lease = self._held.get(tracker)
        if lease is None:
            raise LeaseLost(f"this replica holds no lease on {tracker}: it may not write it")
        try:
            return self.leases.check(db, lease)
        except LeaseLost:
            self._drop(lease)
            raise

    def check(self, tracker: str) -> float:
        """Just before a write to the tracker: the lease is still ours, else :class:`LeaseLost`; the moment
        it surely stays ours until. Counted from before the check was asked, so that however long the
        answer took to come back (the process frozen meanwhile), the moment is never later than the lease's
        end on the database's clock, after which another replica may take it."""
        asked = time.monotonic()
        with self.transaction() as db:
            return asked + self.fence(db, tracker)

    def _drop(self, lease: Lease) -> None:
        with self._held_lock:
            if self._held.get(lease.name) == lease:
                del self._held[lease.name]

    def _start_renewer(self) -> None:
        if self._renewer is None:
            self._renewer = threading.Thread(target=self._renew_loop, name="lease-renewer", daemon=True)
            self._renewer.start()

    def _renew_loop(self) -> None:
        while not self._stop.wait(self.leases.ttl / 3):
            with self._held_lock:
                held = list(self._held.values())
            self._renew_presence()
            for lease in held:
                try:
                    kept = self.leases.renew(lease)
                except psycopg.Error as exc:
                    _log.warning("lease.renew_failed", tracker=lease.name, error=str(exc))
                    continue
                if not kept:
                    self._drop(lease)
                    _log.warning("lease.lost", tracker=lease.name, token=lease.token)

    def _renew_presence(self) -> None:
        if self._presence is None:
            return
        try:
            if not self.leases.renew(self._presence):
                self._presence = self.leases.announce()
        except psycopg.Error as exc:
            _log.warning("presence.renew_failed", error=str(exc))

    def close(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join(timeout=5)
        for listener in self._listeners:
            listener.join(timeout=5)
        with self._held_lock:
            held, self._held = list(self._held.values()), {}
        if self._presence is not None:
            held.append(self._presence)
        for lease in held:
            try:
                self.leases.release(lease)
            except psycopg.Error as exc:
                _log.warning("lease.release_failed", tracker=lease.name, error=str(exc))
        self._pool.close()
