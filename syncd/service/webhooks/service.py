"""Webhooks inside ``syncd run``: the receiver, the key queue, and the reads the queue asks for.

The service loop calls :meth:`WebhookService.drain` between polls: the keys whose debounce is over are read
again by key and planned and written as in a sync (:meth:`~syncd.sync.engine.Engine.sync_keys`), through
connectors kept open between drains. Drift reports are not posted here: they keep to the poll's schedule.
While webhooks arrive, the polls may be relaxed to ``relaxed_interval``; they never stop.

With several replicas behind one address, a webhook reaches any of them: keys for a tracker another
replica holds are handed over through the state (:mod:`syncd.state.handoffs`), and the holder, woken by
the database, reads them at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry

from syncd.connectors import Connector, open_connector
from syncd.diagnosis import describe_error
from syncd.errors import Cancelled, TrackerBusy
from syncd.logging import get_logger
from syncd.retry import CallStats, RetryPolicy
from syncd.service.webhooks.endpoints import endpoints
from syncd.service.webhooks.intake import Intake
from syncd.service.webhooks.metrics import WebhookMetrics
from syncd.service.webhooks.queue import KeyQueue
from syncd.service.webhooks.receiver import WebhookServer
from syncd.settings import Settings, TrackerSettings
from syncd.state import Mark, StateStore
from syncd.strategy import Strategy
from syncd.sync.engine import Engine
from syncd.sync.model import RunControl, SyncResult

__all__ = ["WebhookService"]

_log = get_logger("syncd.service.webhooks")


class WebhookService:
    """The webhook side of one running service."""

    def __init__(
        self,
        settings: Settings,
        trackers: dict[str, TrackerSettings],
        *,
        registry: CollectorRegistry,
        wake: Callable[[], None],
    ) -> None:
        options = settings.service.webhooks
        self.options = options
        self.trackers = trackers
        self.queue = KeyQueue(limit=options.queue_limit, debounce=options.debounce, max_delay=options.max_delay)
        self.metrics = WebhookMetrics(registry)
        configured = {path: e for path, e in endpoints(settings).items() if e.tracker in trackers}
        self.intake = Intake(configured, self.queue, self.metrics, options.max_body, wake=wake)
        self._server: WebhookServer | None = None
        self._connectors: dict[str, Connector] = {}
        self._saved: dict[str, float] = {}

    def start(self) -> WebhookService:
        self._server = WebhookServer(self.intake, host=self.options.host, port=self.options.port).start()
        host, port = self._server.address
        _log.info("webhooks.listening", url=f"http://{host}:{port}/webhooks/", endpoints=sorted(self.intake.endpoints))
        return self

    @property
    def address(self) -> tuple[str, int]:
        if self._server is None:
            raise RuntimeError("the webhook receiver is not started")
        return self._server.address

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None
        for connector in self._connectors.values():
            connector.close()
        self._connectors.clear()

    def next_due(self) -> float | None:
        """Monotonic time at which :meth:`drain` has keys to read, or None."""
        return self.queue.next_ready()

    def poll_starts(self, tracker: str) -> int:
        """A poll of ``tracker`` starts; the mark to hand to :meth:`polled` when it ran to its end."""
        return self.queue.drops(tracker)

    def polled(self, tracker: str, mark: int) -> None:
        """A poll that started at ``mark`` ran to its end: it covered whatever was dropped before it started."""
        if self.queue.polled(tracker, mark):
            self.metrics.overflowed.labels(tracker).set(0)

    def interval(self, tracker: str, interval: float) -> float:
        """The pause before ``tracker``'s next poll: relaxed while its webhooks arrive."""
        relaxed = self.options.relaxed_interval
        last = self.intake.last_events().get(tracker)
        if relaxed is None or last is None or time.time() - last > max(interval, relaxed):
            return interval
        return max(interval, relaxed)

    def drain(
        self, *, strategy: Strategy, store: StateStore, stats: CallStats, policy: RetryPolicy, control: RunControl
    ) -> list[SyncResult]:
        """Read, plan and write the keys whose wait is over; one tracker's failure never stops the others."""
        results: list[SyncResult] = []
        for tracker, keys in self._with_handed_over(self.queue.take_ready(time.monotonic()), store).items():
            self.metrics.depth.set(len(self.queue))
            if control.stop.is_set():
                break
            result = self._refresh(
                tracker, keys, strategy=strategy, store=store, stats=stats, policy=policy, control=control
            )
            if result is not None:
                results.append(result)
        self._save_last_events(store)
        return results

    def _with_handed_over(self, ready: dict[str, list[str]], store: StateStore) -> dict[str, list[str]]:
        """The keys ready here, with those other replicas handed over for the trackers this one holds."""
        merged = dict(ready)
        for tracker in self.trackers:
            if not store.holds(tracker):
                continue
            handed = store.handoffs.take(tracker)
            if handed:
                _log.info("webhook.taken_over", tracker=tracker, keys=len(handed))
                merged[tracker] = sorted({*merged.get(tracker, ()), *handed})
        return merged

    def _refresh(
        self,
        tracker: str,
        keys: list[str],
        *,
        strategy: Strategy,
        store: StateStore,
        stats: CallStats,
        policy: RetryPolicy,
        control: RunControl,
    ) -> SyncResult | None:
        try:
            connector = self._connectors.get(tracker)
            if connector is None:
                connector = open_connector(
                    tracker,
                    self.trackers[tracker],
                    strategy,
                    policy=policy,
                    stats=stats,
                    saved=store.marks.get(tracker, Mark.PROFILE),
                )
                self._connectors[tracker] = connector
            engine = Engine(strategy=strategy, store=store, connector=connector, stats=stats, control=control)
            result = engine.sync_keys(keys)
        except Cancelled:
            return None
        except TrackerBusy as busy:
            store.handoffs.put(tracker, keys)
            _log.info("webhook.handed_over", tracker=tracker, keys=len(keys), holder=str(busy))
            return None
        except Exception as exc:
            broken = self._connectors.pop(tracker, None)
            if broken is not None:
                broken.close()
            _log.error("webhook.read_failed", tracker=tracker, keys=len(keys), error=describe_error(exc).message)
            return None
        _log.info("webhook.synced", tracker=tracker, keys=len(keys), **result.counts())
        return result

    def _save_last_events(self, store: StateStore) -> None:
        """Note when each tracker's last webhook arrived; a note that cannot be written waits for the next."""
        for tracker, at in self.intake.last_events().items():
            if self._saved.get(tracker) == at:
                continue
            try:
                store.marks.set(tracker, Mark.LAST_WEBHOOK, datetime.fromtimestamp(at, UTC).isoformat())
            except Exception as error:  # informational: never worth stopping the loop for
                _log.warning("webhook.note_failed", tracker=tracker, error=str(error))
                continue
            self._saved[tracker] = at

    def health(self) -> dict[str, Any]:
        """What ``/healthz`` says of webhooks: queue depth, trackers left to their next poll, last events."""
        overflowed = sorted(self.queue.overflowed())
        return {
            "queued": len(self.queue),
            "queue_limit": self.options.queue_limit,
            "overflowed": overflowed,
            "fallback": "the next poll reads what the full queue dropped" if overflowed else None,
            "last_event": self.intake.last_events(),
        }
