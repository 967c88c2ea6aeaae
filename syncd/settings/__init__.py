"""Runtime settings: which trackers to talk to, with which credentials, and how the service behaves.

:mod:`syncd.settings.document` reads them (the file, the environment, the credentials directory) and
:mod:`syncd.settings.sections` holds their parts; this package re-exports both, so callers import
``syncd.settings`` whatever module a piece lives in.
"""

from __future__ import annotations

from syncd.settings.document import DEFAULT_STATE_FILE, DEFAULT_STRATEGY, Settings, load_settings
from syncd.settings.sections import (
    HealthOptions,
    JiraSite,
    LinearWorkspace,
    RetryOptions,
    ServiceOptions,
    TrackerSettings,
    WebhookOptions,
)

__all__ = [
    "DEFAULT_STATE_FILE",
    "DEFAULT_STRATEGY",
    "HealthOptions",
    "JiraSite",
    "LinearWorkspace",
    "RetryOptions",
    "ServiceOptions",
    "Settings",
    "TrackerSettings",
    "WebhookOptions",
    "load_settings",
]
