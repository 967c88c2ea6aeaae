"""Which URL path belongs to which tracker, and how its deliveries are verified, from the settings.

Paths: ``/webhooks/jira/<name>`` and ``/webhooks/linear/<name>``; an unsigned Data Center endpoint with a
path secret is ``/webhooks/jira/<name>/<secret>``. A tracker without a webhook secret (and not explicitly
unsigned) has no endpoint: its deliveries are refused as unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import SecretStr

from syncd.service.webhooks.verify import UnsignedPolicy
from syncd.settings import JiraSite, Settings

__all__ = ["Endpoint", "endpoints", "split_path"]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One tracker's webhook endpoint."""

    tracker: str
    kind: Literal["jira", "linear"]
    secret: SecretStr | None
    unsigned: UnsignedPolicy | None = None

    @property
    def path(self) -> str:
        return f"/webhooks/{self.tracker.replace('.', '/', 1)}"


def endpoints(settings: Settings) -> dict[str, Endpoint]:
    """Every tracker that can receive webhooks, by its path."""
    found: list[Endpoint] = []
    for name, tracker in settings.trackers().items():
        if isinstance(tracker, JiraSite):
            if tracker.webhook_secret is not None:
                found.append(Endpoint(name, "jira", tracker.webhook_secret))
            elif tracker.webhook_unsigned:
                path_secret = tracker.webhook_path_secret
                policy = UnsignedPolicy(
                    path_secret=path_secret.get_secret_value() if path_secret else None,
                    allow_from=tracker.webhook_allow_from,
                )
                found.append(Endpoint(name, "jira", None, policy))
        elif tracker.webhook_secret is not None:
            found.append(Endpoint(name, "linear", tracker.webhook_secret))
    return {endpoint.path: endpoint for endpoint in found}


def split_path(path: str) -> tuple[str, str | None]:
    """(the endpoint's path, the path secret after it or None), for ``/webhooks/<kind>/<name>[/<secret>]``."""
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    if len(parts) == 5:
        return "/".join(parts[:4]), parts[4]
    return "/".join(parts), None
