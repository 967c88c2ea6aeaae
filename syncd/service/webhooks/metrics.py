"""The webhook receiver's Prometheus metrics, on the service's own registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge

__all__ = ["WebhookMetrics"]


class WebhookMetrics:
    """Events received and refused (by reason), keys queued, coalesced and dropped, queue depth."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            "syncd_webhook_events", "Webhook deliveries received, verified or not", ["tracker"], registry=registry
        )
        self.refused = Counter(
            "syncd_webhook_refused", "Webhook deliveries refused, by reason", ["tracker", "reason"], registry=registry
        )
        self.queued = Counter(
            "syncd_webhook_keys_queued", "Issue keys queued for a read by webhooks", ["tracker"], registry=registry
        )
        self.coalesced = Counter(
            "syncd_webhook_keys_coalesced",
            "Issue keys named again while already waiting (no extra read)",
            ["tracker"],
            registry=registry,
        )
        self.dropped = Counter(
            "syncd_webhook_keys_dropped",
            "Issue keys dropped because the queue was full (left to the next poll)",
            ["tracker"],
            registry=registry,
        )
        self.depth = Gauge("syncd_webhook_queue_depth", "Issue keys waiting to be read", registry=registry)
        self.overflowed = Gauge(
            "syncd_webhook_overflowed",
            "1 while a tracker relies on its next poll for events the full queue dropped",
            ["tracker"],
            registry=registry,
        )
        self.last_event = Gauge(
            "syncd_webhook_last_event_timestamp_seconds",
            "When the tracker's last accepted webhook arrived",
            ["tracker"],
            registry=registry,
        )
