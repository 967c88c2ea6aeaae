"""Verifying a webhook delivery before anything in it is believed: pure functions over bytes and headers.

Each tracker signs differently:

- **Jira Cloud admin webhooks** registered with a secret send ``X-Hub-Signature: sha256=<hex>``, the
  HMAC-SHA256 of the raw body keyed with that secret (the WebSub ``method=signature`` form), and a unique
  ``X-Atlassian-Webhook-Identifier`` per delivery, the same on a retry
  (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks).
- **Linear** sends ``Linear-Signature: <hex>``, the HMAC-SHA256 of the raw body keyed with the webhook's
  signing secret, a ``Linear-Delivery`` id, and ``webhookTimestamp`` (milliseconds) in the body, which a
  receiver should refuse when more than a minute away from its clock (https://linear.app/developers/webhooks).
- **Jira Data Center** webhooks carry no signature at all: they are accepted only when the operator says so
  explicitly, and then only with a shared secret in the URL path or from an allowed source address.

Every comparison is constant-time (:func:`hmac.compare_digest`). The verdict is a plain value; the receiver
turns a refusal into its status code and a metric, and the event's keys are the only thing it keeps.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

__all__ = [
    "LINEAR_MAX_AGE",
    "Accepted",
    "Refusal",
    "Refused",
    "UnsignedPolicy",
    "Verdict",
    "hub_signature",
    "linear_signature",
    "verify_jira",
    "verify_linear",
    "verify_unsigned",
]

LINEAR_MAX_AGE = 60.0
"""Seconds: Linear's advice is to refuse a delivery whose ``webhookTimestamp`` is older than a minute."""


class Refusal(Enum):
    """Why a delivery was refused; the value is the metric's ``reason`` label."""

    TOO_LARGE = "too_large"
    UNSIGNED = "unsigned"
    BAD_SIGNATURE = "bad_signature"
    STALE = "stale"
    REPEATED = "repeated"
    MALFORMED = "malformed"
    FORBIDDEN_SOURCE = "forbidden_source"
    UNKNOWN_ENDPOINT = "unknown_endpoint"

    @property
    def status(self) -> int:
        """The HTTP status the receiver answers with."""
        return _STATUS[self]


_STATUS = {
    Refusal.TOO_LARGE: 413,
    Refusal.UNSIGNED: 401,
    Refusal.BAD_SIGNATURE: 401,
    Refusal.STALE: 401,
    Refusal.REPEATED: 200,  # the sender must stop retrying what was already taken
    Refusal.MALFORMED: 400,
    Refusal.FORBIDDEN_SOURCE: 403,
    Refusal.UNKNOWN_ENDPOINT: 404,
}


@dataclass(frozen=True, slots=True)
class Accepted:
    """A genuine delivery: its id (for de-duplication) and the parsed body."""

    delivery: str | None
    body: Any


@dataclass(frozen=True, slots=True)
class Refused:
    reason: Refusal
    detail: str


Verdict = Accepted | Refused


def hub_signature(secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature`` value Jira sends for ``body`` ."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def linear_signature(secret: str, body: bytes) -> str:
    """The ``Linear-Signature`` value Linear sends for ``body``."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def _same(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.strip().encode("utf-8", "replace"))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


def _size(body: bytes, limit: int) -> Refused | None:
    if len(body) > limit:
        return Refused(Refusal.TOO_LARGE, f"the body has {len(body)} bytes, more than the limit of {limit}")
    return None


def verify_jira(*, secret: str, body: bytes, headers: Mapping[str, str], max_body: int) -> Verdict:
    """A Jira Cloud admin webhook delivery, signed with ``secret``."""
    if (refused := _size(body, max_body)) is not None:
        return refused
    given = _header(headers, "X-Hub-Signature")
    if not given:
        return Refused(Refusal.UNSIGNED, "no X-Hub-Signature header: register the webhook with its secret")
    if not _same(hub_signature(secret, body), given):
        return Refused(Refusal.BAD_SIGNATURE, "X-Hub-Signature does not match the body and the secret")
    parsed = _json(body)
    if not isinstance(parsed, dict):
        return Refused(Refusal.MALFORMED, "the body is not a JSON object")
    return Accepted(_header(headers, "X-Atlassian-Webhook-Identifier"), parsed)


def verify_linear(*, secret: str, body: bytes, headers: Mapping[str, str], max_body: int, now: float) -> Verdict:
    """A Linear delivery, signed with ``secret``; ``now`` is the receiver's clock in seconds."""
    if (refused := _size(body, max_body)) is not None:
        return refused
    given = _header(headers, "Linear-Signature")
    if not given:
        return Refused(Refusal.UNSIGNED, "no Linear-Signature header")
    if not _same(linear_signature(secret, body), given):
        return Refused(Refusal.BAD_SIGNATURE, "Linear-Signature does not match the body and the secret")
    parsed = _json(body)
    if not isinstance(parsed, dict):
        return Refused(Refusal.MALFORMED, "the body is not a JSON object")
    stamp = parsed.get("webhookTimestamp")
    if not isinstance(stamp, int | float) or isinstance(stamp, bool):
        return Refused(Refusal.MALFORMED, "the body has no numeric webhookTimestamp")
    age = now - stamp / 1000.0
    if abs(age) > LINEAR_MAX_AGE:
        return Refused(
            Refusal.STALE, f"webhookTimestamp is {age:.0f} s away from this clock (limit {LINEAR_MAX_AGE:g})"
        )
    return Accepted(_header(headers, "Linear-Delivery"), parsed)


@dataclass(frozen=True, slots=True)
class UnsignedPolicy:
    """How an unsigned (Jira Data Center) delivery may prove where it comes from; one of the two is set.

    Attributes:
        path_secret: the secret expected as the last segment of the URL path.
        allow_from: addresses or networks (``10.0.0.5``, ``10.0.0.0/24``) the request may come from.
    """

    path_secret: str | None = None
    allow_from: Sequence[str] = ()


def _allowed(source: str, networks: Sequence[str]) -> bool:
    try:
        address = ipaddress.ip_address(source)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)


def verify_unsigned(
    *,
    policy: UnsignedPolicy,
    path_secret: str | None,
    source: str,
    body: bytes,
    headers: Mapping[str, str],
    max_body: int,
) -> Verdict:
    """A Jira Data Center delivery: the path secret must match, or the source must be allowed."""
    if (refused := _size(body, max_body)) is not None:
        return refused
    if policy.path_secret is not None:
        if path_secret is None or not _same(policy.path_secret, path_secret):
            return Refused(Refusal.BAD_SIGNATURE, "the secret in the URL path is missing or wrong")
    elif not _allowed(source, policy.allow_from):
        return Refused(Refusal.FORBIDDEN_SOURCE, f"{source} is not in the allow list for unsigned webhooks")
    parsed = _json(body)
    if not isinstance(parsed, dict):
        return Refused(Refusal.MALFORMED, "the body is not a JSON object")
    return Accepted(_header(headers, "X-Atlassian-Webhook-Identifier"), parsed)
