"""``/healthz`` and ``/metrics`` on loopback, for systemd's neighbours: monitoring and Prometheus.

``/healthz`` answers 200 while every tracker's last successful sync is younger than ``stale_after`` (and
during the first ``stale_after`` after start, before the first sync could finish), 503 otherwise; the
JSON body says why per tracker. ``/metrics`` is the Prometheus text format. Both answer ``HEAD`` too
(status and headers, no body), as load balancers and uptime probes ask.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from syncd.errors import ConfigError, Problem

__all__ = ["Health", "HealthServer", "cannot_listen", "check_listen"]


@dataclass
class Health:
    """What ``/healthz`` reports, updated by the service loop after every sync."""

    trackers: list[str]
    stale_after: float
    started: float = field(default_factory=time.time)
    last_success: dict[str, float] = field(default_factory=dict)
    last_error: dict[str, str] = field(default_factory=dict)
    webhooks: Callable[[], dict[str, Any]] | None = None
    held_elsewhere: dict[str, tuple[float, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def succeeded(self, tracker: str, at: float, *, problems: str | None = None) -> None:
        """A sync that ran to its end, even with an item skipped or a write refused: the tracker is being
        kept current, so it counts as healthy; ``problems`` shows in the body until a clean sync."""
        with self._lock:
            self.last_success[tracker] = at
            self.held_elsewhere.pop(tracker, None)
            if problems:
                self.last_error[tracker] = problems
            else:
                self.last_error.pop(tracker, None)

    def failed(self, tracker: str, error: str) -> None:
        with self._lock:
            self.last_error[tracker] = error
            self.held_elsewhere.pop(tracker, None)

    def elsewhere(self, tracker: str, at: float, holder: str) -> None:
        """Another replica holds the tracker's lease: this one is healthy without syncing it, for as
        long as it keeps finding the lease held (it tries again every interval)."""
        with self._lock:
            self.held_elsewhere[tracker] = (at, holder)
            self.last_error.pop(tracker, None)

    def report(self, now: float | None = None) -> tuple[bool, dict[str, Any]]:
        """(healthy, details)."""
        moment = now if now is not None else time.time()
        with self._lock:
            details: dict[str, Any] = {}
            healthy = True
            for tracker in self.trackers:
                last = self.last_success.get(tracker)
                age = None if last is None else moment - last
                elsewhere = self.held_elsewhere.get(tracker)
                fresh = (
                    (age is not None and age <= self.stale_after)
                    or (last is None and moment - self.started <= self.stale_after)
                    or (elsewhere is not None and moment - elsewhere[0] <= self.stale_after)
                )
                healthy = healthy and fresh
                details[tracker] = {
                    "healthy": fresh,
                    "last_success": last,
                    "age_seconds": None if age is None else round(age, 1),
                    "last_error": self.last_error.get(tracker),
                }
                if elsewhere is not None:
                    details[tracker]["held_elsewhere"] = elsewhere[1]
        body = {"status": "ok" if healthy else "stale", "stale_after": self.stale_after, "trackers": details}
        if self.webhooks is not None:
            body["webhooks"] = self.webhooks()
        return healthy, body


def cannot_listen(address: str, error: OSError) -> ConfigError:
    """The endpoint's address cannot be listened on: a settings problem, named where it is set."""
    why = error.strerror or str(error)
    fix = "pick another host or port, or set enabled = false"
    return ConfigError("settings", [Problem("service.health", f"cannot listen on {address} ({why}): {fix}")])


def check_listen(host: str) -> None:
    """Raise :func:`cannot_listen`'s error unless this machine can listen on ``host`` (on any free port,
    so a running service holding the configured port does not count against it)."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((host, 0))
    except OSError as exc:
        raise cannot_listen(host, exc) from None
    except UnicodeError as exc:
        raise cannot_listen(host, OSError(str(exc))) from None


class HealthServer:
    """Serves ``/healthz`` and ``/metrics`` from a background thread."""

    def __init__(self, health: Health, metrics: Callable[[], bytes], *, host: str, port: int) -> None:
        handler = _handler(health, metrics)
        try:
            self._server = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise cannot_listen(f"{host}:{port}", exc) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="health", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _handler(health: Health, metrics: Callable[[], bytes]) -> type[BaseHTTPRequestHandler]:
    def answer(path: str) -> tuple[int, str, bytes]:
        if path.split("?")[0] == "/healthz":
            healthy, details = health.report()
            return 200 if healthy else 503, "application/json", json.dumps(details).encode()
        if path.split("?")[0] == "/metrics":
            return 200, "text/plain; version=0.0.4; charset=utf-8", metrics()
        return 404, "text/plain", b"not found: try /healthz or /metrics\n"

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._send(*answer(self.path), with_body=True)

        def do_HEAD(self) -> None:
            self._send(*answer(self.path), with_body=False)

        def _send(self, status: int, content_type: str, body: bytes, *, with_body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Scrapes are not worth a log line each."""

    return Handler
