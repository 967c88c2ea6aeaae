"""Remembering delivery ids, so that a delivery the tracker retries or repeats is taken only once.

Jira keeps ``X-Atlassian-Webhook-Identifier`` the same across retries of one delivery; Linear's
``Linear-Delivery`` names one delivery. The memory is bounded: the oldest ids are forgotten first, which is
harmless, since a repeat that slips through only costs one more read of an issue.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["DeliveryLog"]


class DeliveryLog:
    """The last ``capacity`` delivery ids seen, per tracker; thread-safe."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[tuple[str, str], None] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, tracker: str, delivery: str) -> bool:
        """Record ``delivery``; False when it was already seen."""
        key = (tracker, delivery)
        with self._lock:
            if key in self._seen:
                self._seen.move_to_end(key)
                return False
            self._seen[key] = None
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True
