"""Every tracker request bounded as a whole, in time and in size, whatever the tracker does.

``requests`` applies its timeout to each socket operation, not to a request: a server that sends one
byte a second keeps a request alive for as long as it likes. The adapter here gives each request a
deadline (``timeout`` seconds for the connection, the request, the headers and the whole body) and a
watcher thread shuts the request's socket down when it passes, so the request fails like a dropped
connection and is retried as one. :func:`cut_short` brings every deadline forward when the service
is told to stop, so a stop never waits out a slow tracker. An answer is read up to
:data:`MAX_ANSWER_BYTES` (decompressed), never further: a 400 MB page would otherwise be held in memory
two or three times over while it is decoded. With several requests in flight, an answer past
:data:`LARGE_ANSWER_BYTES` is read on only while no other such answer is (the others wait their turn),
so broken answers to every request at once still hold one cap's worth of memory, not one per request.

The adapter is mounted on the sessions of the ``jira`` and ``gql`` clients (:func:`bound_session`), so
both libraries keep doing everything else themselves. Its connections are also where a fenced write is
checked one last time before it is sent (:func:`~syncd.connectors.fencing.refuse_if_late`).
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from syncd.connectors.fencing import refuse_if_late
from syncd.errors import TransientError

__all__ = ["LARGE_ANSWER_BYTES", "MAX_ANSWER_BYTES", "BoundedAdapter", "bound_session", "cut_short"]

MAX_ANSWER_BYTES = 64 * 2**20
"""The largest answer read: a page of 100 Jira issues with long descriptions is a few megabytes."""
LARGE_ANSWER_BYTES = 8 * 2**20
_CHUNK = 2**16
_LARGE_ONE_AT_A_TIME = threading.Lock()


class _Watch:
    """One request in flight: its deadline and the socket it waits on."""

    def __init__(self, deadline: float) -> None:
        self.deadline = deadline
        self.expired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()

    def adopt(self, sock: socket.socket | None) -> None:
        with self._lock:
            self._socket = sock
            if self.expired:
                _shut(sock)

    def expire(self) -> None:
        with self._lock:
            self.expired = True
            _shut(self._socket)


def _shut(sock: socket.socket | None) -> None:
    if sock is None:
        return
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _Watcher:
    """The requests in flight in this process, and one thread that ends those past their deadline."""

    def __init__(self) -> None:
        self._watches: set[_Watch] = set()
        self._cap: float | None = None
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None

    def start(self, seconds: float) -> _Watch:
        with self._wake:
            deadline = time.monotonic() + seconds
            watch = _Watch(deadline if self._cap is None else min(deadline, self._cap))
            self._watches.add(watch)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="request-deadlines", daemon=True)
                self._thread.start()
            self._wake.notify()
            return watch

    def finish(self, watch: _Watch) -> None:
        with self._wake:
            self._watches.discard(watch)

    def cut_short(self, grace: float) -> None:
        with self._wake:
            self._cap = time.monotonic() + grace
            for watch in self._watches:
                watch.deadline = min(watch.deadline, self._cap)
            self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while True:
                now = time.monotonic()
                for watch in [w for w in self._watches if w.deadline <= now]:
                    self._watches.discard(watch)
                    watch.expire()
                upcoming = min((w.deadline for w in self._watches), default=now + 60.0)
                self._wake.wait(max(upcoming - now, 0.01))


_WATCHER = _Watcher()
_current = threading.local()


def cut_short(grace: float) -> None:
    """End every request in flight, and every later one, within ``grace`` seconds (the service is stopping)."""
    _WATCHER.cut_short(grace)


class _WatchedConnection(HTTPConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        refuse_if_late()
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _adopt(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedTLSConnection(HTTPSConnection):
    def request(self, *args: Any, **kwargs: Any) -> None:
        refuse_if_late()
        super().request(*args, **kwargs)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _adopt(self.sock)
        return super().getresponse(*args, **kwargs)


def _adopt(sock: socket.socket | None) -> None:
    watch: _Watch | None = getattr(_current, "watch", None)
    if watch is not None:
        watch.adopt(sock)


class _Pool(HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedTLSConnection


class BoundedAdapter(HTTPAdapter):
    """An HTTP adapter whose every request, body included, ends within ``total`` seconds."""

    def __init__(self, *, total: float, tracker: str, max_bytes: int = MAX_ANSWER_BYTES) -> None:
        self._total = total
        self._tracker = tracker
        self._max_bytes = max_bytes
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        watch = _WATCHER.start(self._total)
        _current.watch = watch
        try:
            response = super().send(request, *args, **kwargs)
            if not kwargs.get("stream", False):
                self._read(response)  # here, under the deadline, not after the adapter returns
        except requests.RequestException as error:
            if watch.expired:
                raise requests.exceptions.ReadTimeout(
                    f"no complete answer within {self._total:g} s", request=request
                ) from None
            raise error
        finally:
            _current.watch = None
            _WATCHER.finish(watch)
        return response

    def _read(self, response: requests.Response) -> None:
        """Read the body, refusing it as soon as it is larger than allowed (declared or not)."""
        declared = response.headers.get("Content-Length", "")
        size = int(declared) if declared.isdigit() else 0
        large = False
        try:
            body = bytearray()
            if size <= self._max_bytes:
                for chunk in response.iter_content(_CHUNK):
                    body += chunk
                    if not large and len(body) > LARGE_ANSWER_BYTES:
                        _LARGE_ONE_AT_A_TIME.acquire()
                        large = True
                    if len(body) > self._max_bytes:
                        break
            if max(size, len(body)) > self._max_bytes:
                response.close()
                del body  # not kept alive by the traceback while the request waits for its retry
                raise TransientError(
                    f"the answer was larger than {self._max_bytes // 2**20} MB and was not read", tracker=self._tracker
                )
            response._content = bytes(body)  # what ``response.content`` would have read, now read
            del body
        finally:
            if large:
                _LARGE_ONE_AT_A_TIME.release()


def bound_session(session: requests.Session | None, *, total: float, tracker: str) -> None:
    """Bound every request of ``session`` to ``total`` seconds as a whole, and its answer's size."""
    if session is None:
        return
    adapter = BoundedAdapter(total=total, tracker=tracker)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
