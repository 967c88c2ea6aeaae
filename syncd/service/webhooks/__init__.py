"""Tracker webhooks: verified deliveries that only say "read these issues again" (DESIGN §8).

``verify`` checks signatures (pure), ``events`` picks the issue keys out of a verified body (pure),
``deliveries`` drops repeats, ``queue`` debounces and bounds the keys, ``receiver`` serves the endpoint in
``syncd run``. Polling stays the safety net for anything missed, refused or dropped.
"""

from __future__ import annotations
