"""The loopback HTTP server shared by the tracker emulators.

An emulator is an *app*: it routes a parsed :class:`Request` to an endpoint name and a handler that
returns a :class:`Response`, and renders injected faults in its tracker's shape. This module owns the
socket, keep-alive, latency, fault injection and the request log, so both emulators behave identically
on the wire and tests count requests the same way for Jira and Linear.

A dropped connection, and a 5xx answering a write that landed, are injected *after* the handler ran: the
tracker applied the change but the client never saw it confirmed, which is the case that proves syncd's
writes are idempotent and its outcomes honest.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from syncd.sandbox.faults import Fault, FaultKind, Faults

__all__ = [
    "App",
    "EmulatorServer",
    "Request",
    "RequestLog",
    "RequestRecord",
    "Response",
    "Route",
]

_DRIP_STEP = 0.2


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request as the emulator sees it."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Message
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (raises ValueError on a malformed body)."""
        return json.loads(self.body or b"null")

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass(frozen=True, slots=True)
class Response:
    """One HTTP response; ``json_body`` builds the common case."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json_body(cls, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
        data = json.dumps(payload, separators=(",", ":")).encode()
        return cls(status, data, {"Content-Type": "application/json;charset=UTF-8", **(headers or {})})


@dataclass(frozen=True, slots=True)
class Route:
    """Where a request goes: a stable endpoint name for the counters, the handler, and the fault target.

    ``target`` is what fault ``paths`` patterns are matched against; it defaults to the method and the
    request path (``POST /rest/api/3/issue/GROW-1/comment``), so a pattern can pick out one verb. An API
    with one URL (GraphQL) names the operation instead, so tests can fault only the writes.
    """

    endpoint: str
    handler: Callable[[Request], Response]
    target: str | None = None


class App(Protocol):
    """What an emulator provides to the server."""

    faults: Faults
    log: RequestLog

    def route(self, request: Request) -> Route: ...

    def render_fault(self, fault: Fault, request: Request) -> Response: ...


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One served request, for tests and benchmarks."""

    method: str
    path: str
    query: str
    endpoint: str
    status: int
    fault: FaultKind | None
    at: float
    body: bytes
    response: bytes


class RequestLog:
    """Every request an emulator served, with counters per endpoint and status."""

    def __init__(self, *, keep_bodies: bool = True) -> None:
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._by_endpoint: Counter[str] = Counter()
        self.keep_bodies = keep_bodies

    def record(self, record: RequestRecord) -> None:
        with self._lock:
            if not self.keep_bodies:
                record = dataclasses.replace(record, body=b"", response=b"")
            self._records.append(record)
            self._by_endpoint[record.endpoint] += 1

    def records(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._records)

    def by_endpoint(self) -> Counter[str]:
        with self._lock:
            return Counter(self._by_endpoint)

    def count(
        self,
        endpoint: str | None = None,
        *,
        method: str | None = None,
        status: int | None = None,
        faulted: bool | None = None,
    ) -> int:
        """Count requests matching every given filter."""
        return sum(
            1
            for r in self.records()
            if (endpoint is None or r.endpoint == endpoint)
            and (method is None or r.method == method)
            and (status is None or r.status == status)
            and (faulted is None or (r.fault is not None) == faulted)
        )

    def clear(self) -> None:
        with self._lock:
            self._records.clear()
            self._by_endpoint.clear()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's delayed ACK
    # (about 40 ms per keep-alive request), which would make benchmarks measure TCP, not syncd.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header from the emulator's own clock, so an emulator set behind says so, as a
        tracker whose clock is off does."""
        clock = getattr(getattr(self.server.app, "store", None), "clock", None)
        if timestamp is None and clock is not None:
            timestamp = clock.now_ms() / 1000
        return super().date_time_string(timestamp)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log; the RequestLog is the record."""

    def _serve(self) -> None:
        app = self.server.app
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(self.command, split.path, parse_qs(split.query), self.headers, body)
        route = app.route(request)
        target = route.target or f"{self.command} {split.path}"
        fault = app.faults.decide(target)
        delay = app.faults.delay(target)
        if delay:
            time.sleep(delay)
        if fault is not None and fault.kind is FaultKind.HOLD:
            time.sleep(fault.seconds)
            self.close_connection = True
            return
        if fault is not None and fault.kind is FaultKind.OVERSIZE:
            self._flood(fault.size)
            return
        if fault is not None and fault.kind is FaultKind.LANDED_ERROR:
            route.handler(request)
            response = app.render_fault(Fault(FaultKind.SERVER_ERROR, status=fault.status), request)
        elif fault is not None and fault.kind is FaultKind.REDIRECT:
            response = Response(302, b"", {"Location": f"{app.faults.redirect_to}{self.path}"})
        elif fault is not None and fault.kind is FaultKind.ECHO:
            response = _echo(fault.status, self.headers)
        elif fault is not None and fault.kind is FaultKind.EMPTY:
            response = Response(200, b"", {"Content-Type": "application/json"})
        elif fault is not None and fault.kind is FaultKind.WRONG_SHAPE:
            response = Response.json_body(fault.status, app.faults.wrong_shape_body)
        elif fault is not None and fault.kind not in {FaultKind.DROP, FaultKind.DRIP}:
            response = app.render_fault(fault, request)
        else:
            response = route.handler(request)
        app.log.record(
            RequestRecord(
                method=self.command,
                path=split.path,
                query=split.query,
                endpoint=route.endpoint,
                status=response.status,
                fault=fault.kind if fault else None,
                at=time.monotonic(),
                body=body,
                response=response.body,
            )
        )
        if fault is not None and fault.kind is FaultKind.DRIP:
            self._drip(response, fault.seconds)
            return
        self._write(response, drop=fault is not None and fault.kind is FaultKind.DROP)

    def _flood(self, size: int) -> None:
        """A 200 of ``size`` bytes with no ``Content-Length``: the body ends when the connection does."""
        self.close_connection = True
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        filler = b" " * 2**20
        try:
            self.wfile.write(head + b'{"issues": [')
            for _ in range(size // len(filler)):
                self.wfile.write(filler)
            self.wfile.write(b"]}")
        except OSError:
            pass  # the client stopped reading, as it should

    def _drip(self, response: Response, seconds: float) -> None:
        """Send the whole answer, status line first, in small pieces spread over ``seconds``, each soon
        after the last: a server that is never silent long enough for a per-read timeout to fire."""
        lines = [f"HTTP/1.1 {response.status} {self.responses.get(response.status, ('',))[0]}"]
        lines += [f"Date: {self.date_time_string()}", f"Content-Length: {len(response.body)}"]
        lines += [f"{name}: {value}" for name, value in response.headers.items()]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode() + response.body
        pieces = max(1, int(seconds / _DRIP_STEP))
        size = -(-len(data) // pieces)
        try:
            for start in range(0, len(data), size):
                self.wfile.write(data[start : start + size])
                self.wfile.flush()
                time.sleep(_DRIP_STEP)
        except OSError:
            self.close_connection = True

    def _write(self, response: Response, *, drop: bool) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if drop:
            self.wfile.write(response.body[: len(response.body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        self.wfile.write(response.body)


def _echo(status: int, headers: Message) -> Response:
    """A hostile answer: the request's credentials repeated in every form syncd could be tempted to print."""
    authorization = headers.get("Authorization") or ""
    credential = authorization.split(" ", 1)[-1]
    try:
        decoded = base64.b64decode(credential, validate=True).decode()
    except (ValueError, UnicodeDecodeError):
        decoded = credential
    text = (
        f"<html><body>Refused. You sent Authorization: {authorization}\n"
        f"credentials={credential}\ndecoded={decoded}\nbare {credential.rstrip('=')}</body></html>"
    )
    return Response(status, text.encode(), {"Content-Type": "text/html"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        super().__init__(address, _Handler)


class EmulatorServer:
    """Serves an emulator app on loopback from a background thread.

    Use as a context manager in tests; ``port=0`` picks a free port and ``url`` tells which.
    """

    def __init__(self, app: App, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = _Server((host, port), app)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> EmulatorServer:
        # A short poll interval: stop() waits for the loop to notice the shutdown, once per test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (used by ``python -m syncd.sandbox``)."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
