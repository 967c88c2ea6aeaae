"""The webhook endpoint of ``syncd run``: an HTTP server on its own host and port, behind the operator's
TLS reverse proxy (README, "Webhooks"), separate from ``/healthz`` and ``/metrics``."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from syncd.service.webhooks.intake import Intake, Outcome
from syncd.service.webhooks.verify import Refusal

__all__ = ["WebhookServer"]


class WebhookServer:
    """Serves ``POST /webhooks/<kind>/<name>`` from a background thread."""

    def __init__(self, intake: Intake, *, host: str, port: int) -> None:
        self._server = ThreadingHTTPServer((host, port), _handler(intake))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="webhooks", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> WebhookServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(intake: Intake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            try:
                length = int(self.headers.get("Content-Length") or "0")
            except ValueError:
                length = -1
            if length < 0:
                self._answer(Outcome(411, "a Content-Length is required"))
                return
            if length > intake.max_body:
                self.close_connection = True  # the body is not read: a huge one costs nothing
                self._answer(intake.too_large(path=self.path, length=length))
                return
            body = self.rfile.read(length)
            headers = dict(self.headers.items())
            self._answer(intake.take(path=self.path, source=self.client_address[0], headers=headers, body=body))

        def do_GET(self) -> None:
            self._answer(Outcome(Refusal.UNKNOWN_ENDPOINT.status, "webhooks are POSTed here"))

        def _answer(self, outcome: Outcome) -> None:
            data = (outcome.message + "\n").encode()
            self.send_response(outcome.status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Deliveries are counted in the metrics; refusals are logged by the intake."""

    return Handler
