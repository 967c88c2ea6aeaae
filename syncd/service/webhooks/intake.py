"""What happens to one delivery: verify, drop repeats, pick the keys, queue them — and count each step.

The receiver's HTTP handler is a thin shell over :meth:`Intake.take`; nothing here reads or writes a
tracker. Refusals are logged with their reason, never with the body or a secret.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from syncd.logging import get_logger
from syncd.service.webhooks.deliveries import DeliveryLog
from syncd.service.webhooks.endpoints import Endpoint, split_path
from syncd.service.webhooks.events import jira_keys, linear_keys
from syncd.service.webhooks.metrics import WebhookMetrics
from syncd.service.webhooks.queue import KeyQueue, Offer
from syncd.service.webhooks.verify import Refusal, Refused, Verdict, verify_jira, verify_linear, verify_unsigned

__all__ = ["Intake", "Outcome"]

_log = get_logger("syncd.service.webhooks")


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to one delivery: its HTTP status and a short reason for the sender."""

    status: int
    message: str


@dataclass
class Intake:
    """Takes deliveries for the configured endpoints into the key queue."""

    endpoints: Mapping[str, Endpoint]
    queue: KeyQueue
    metrics: WebhookMetrics
    max_body: int
    wake: Callable[[], None] = lambda: None
    deliveries: DeliveryLog = field(default_factory=DeliveryLog)
    last_event: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def take(self, *, path: str, source: str, headers: Mapping[str, str], body: bytes) -> Outcome:
        base, path_secret = split_path(path)
        endpoint = self.endpoints.get(base)
        if endpoint is None:
            return Outcome(Refusal.UNKNOWN_ENDPOINT.status, "no webhook endpoint here")
        self.metrics.received.labels(endpoint.tracker).inc()
        verdict = self._verify(endpoint, path_secret=path_secret, source=source, headers=headers, body=body)
        if isinstance(verdict, Refused):
            return self._refuse(endpoint, verdict)
        if verdict.delivery is not None and not self.deliveries.first_time(endpoint.tracker, verdict.delivery):
            return self._refuse(endpoint, Refused(Refusal.REPEATED, "this delivery was already taken"))
        keys = jira_keys(verdict.body) if endpoint.kind == "jira" else linear_keys(verdict.body)
        with self._lock:
            self.last_event[endpoint.tracker] = time.time()
        self.metrics.last_event.labels(endpoint.tracker).set_to_current_time()
        self._queue(endpoint.tracker, keys)
        return Outcome(200, f"queued {len(keys)} issue(s)")

    def too_large(self, *, path: str, length: int) -> Outcome:
        """A delivery refused from its Content-Length alone, before its body is read."""
        endpoint = self.endpoints.get(split_path(path)[0])
        if endpoint is None:
            return Outcome(Refusal.UNKNOWN_ENDPOINT.status, "no webhook endpoint here")
        self.metrics.received.labels(endpoint.tracker).inc()
        detail = f"the body has {length} bytes, more than the limit of {self.max_body}"
        return self._refuse(endpoint, Refused(Refusal.TOO_LARGE, detail))

    def _verify(
        self, endpoint: Endpoint, *, path_secret: str | None, source: str, headers: Mapping[str, str], body: bytes
    ) -> Verdict:
        if endpoint.unsigned is not None:
            return verify_unsigned(
                policy=endpoint.unsigned,
                path_secret=path_secret,
                source=source,
                body=body,
                headers=headers,
                max_body=self.max_body,
            )
        if path_secret is not None or endpoint.secret is None:
            return Refused(Refusal.UNKNOWN_ENDPOINT, "this endpoint takes no path secret")
        secret = endpoint.secret.get_secret_value()
        if endpoint.kind == "jira":
            return verify_jira(secret=secret, body=body, headers=headers, max_body=self.max_body)
        return verify_linear(secret=secret, body=body, headers=headers, max_body=self.max_body, now=time.time())

    def _refuse(self, endpoint: Endpoint, refused: Refused) -> Outcome:
        self.metrics.refused.labels(endpoint.tracker, refused.reason.value).inc()
        _log.warning("webhook.refused", tracker=endpoint.tracker, reason=refused.reason.value, detail=refused.detail)
        return Outcome(refused.reason.status, refused.detail)

    def _queue(self, tracker: str, keys: tuple[str, ...]) -> None:
        now = time.monotonic()
        for key in keys:
            offer = self.queue.offer(tracker, key, now)
            counter = {
                Offer.QUEUED: self.metrics.queued,
                Offer.COALESCED: self.metrics.coalesced,
                Offer.DROPPED: self.metrics.dropped,
            }[offer]
            counter.labels(tracker).inc()
            if offer is Offer.DROPPED:
                self.metrics.overflowed.labels(tracker).set(1)
                _log.warning("webhook.queue_full", tracker=tracker, detail="left to the next poll")
        self.metrics.depth.set(len(self.queue))
        if keys:
            self.wake()

    def last_events(self) -> dict[str, float]:
        with self._lock:
            return dict(self.last_event)
