"""The sections of the settings: each tracker (Jira site, Linear workspace), retries, and the service.

Each is a pydantic model that refuses unknown keys, so a typo in ``syncd.toml`` is an error naming the
key, not a setting silently left at its default. :mod:`syncd.settings.document` assembles them.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, model_validator

__all__ = [
    "HealthOptions",
    "JiraSite",
    "LinearWorkspace",
    "RetryOptions",
    "Section",
    "ServiceOptions",
    "TrackerSettings",
    "WebhookOptions",
]

_HOST_NAME = re.compile(
    r"(?i)^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _keys(pattern: str, example: str) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A validator for project or team keys, which syncd writes into queries."""
    compiled = re.compile(pattern)

    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        bad = [value for value in values if not compiled.fullmatch(value)]
        if bad:
            raise ValueError(
                f"{', '.join(repr(v) for v in bad)}: a key is upper-case letters and digits, like {example}"
            )
        return values

    return check


ProjectKeys = Annotated[tuple[str, ...], AfterValidator(_keys(r"^[A-Z][A-Z0-9_]{0,254}$", "GROW"))]
TeamKeys = Annotated[tuple[str, ...], AfterValidator(_keys(r"^[A-Z][A-Z0-9]{0,19}$", "ENG"))]


def _tracker_url(value: str) -> str:
    value = value.strip()
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValueError(f"{value!r} contains white space or a control character")
    parts = urlsplit(value)
    if parts.scheme not in {"https", "http"} or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL like https://acme.atlassian.net")
    try:
        parts.port  # noqa: B018 - parsing the port is the check
    except ValueError:
        raise ValueError(f"{value!r} has a port that is not a number from 0 to 65535") from None
    if parts.username is not None or parts.password is not None:
        raise ValueError(
            "the url carries credentials (user:password@): they would be sent and logged with every request; "
            "remove them and set the token or API key in the environment or the credentials directory"
        )
    return value.rstrip("/")


def _group_name(value: str | None) -> str | None:
    """A Linear label group's name: not empty or blank, or syncd would create a group nobody can see."""
    if value is not None and not value.strip():
        raise ValueError("a label group needs a name (for value labels without a group, remove value_group)")
    return value


TrackerUrl = Annotated[str, AfterValidator(_tracker_url)]


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Tracker(Section):
    url: TrackerUrl
    allow_insecure_http: bool = False
    verify_tls: bool = True
    timeout: float = Field(default=30.0, gt=0, le=600)
    concurrency: int = Field(default=4, ge=1, le=16, description="requests in flight at once")

    @property
    def unencrypted_over_network(self) -> bool:
        """Plain http to another host: credentials and issues would cross the network unencrypted."""
        parts = urlsplit(self.url)
        return parts.scheme == "http" and not _loopback(parts.hostname or "")

    @model_validator(mode="after")
    def _https_unless_loopback(self) -> _Tracker:
        if self.unencrypted_over_network and not self.allow_insecure_http:
            raise ValueError(
                f"url {self.url!r} is plain http: credentials would cross the network unencrypted; use "
                "https, or set allow_insecure_http = true if you really mean it"
            )
        return self


class JiraSite(_Tracker):
    """One Jira site: Cloud (email + API token) or Data Center (personal access token)."""

    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    email: str | None = None
    api_token: SecretStr | None = None
    token: SecretStr | None = None
    projects: ProjectKeys = Field(default=(), description="project keys to sync; empty: all visible")
    story_points_field: str | None = None
    page_size: int = Field(default=100, ge=1, le=5000)
    webhook_secret: SecretStr | None = Field(default=None, description="signs Cloud admin webhooks")
    webhook_unsigned: bool = Field(default=False, description="accept Data Center's unsigned webhooks")
    webhook_path_secret: SecretStr | None = Field(default=None, description="unsigned: the URL path's secret")
    webhook_allow_from: tuple[str, ...] = Field(default=(), description="unsigned: allowed source networks")

    @model_validator(mode="after")
    def _unsigned_webhooks_need_proof(self) -> JiraSite:
        if self.webhook_unsigned and self.webhook_path_secret is None and not self.webhook_allow_from:
            raise ValueError(
                "webhook_unsigned is true: set webhook_path_secret or webhook_allow_from, so that not "
                "anyone who can reach the endpoint can make syncd read issues"
            )
        for network in self.webhook_allow_from:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"webhook_allow_from: {network!r} is not an address or network") from None
        return self

    @model_validator(mode="after")
    def _credentials(self) -> JiraSite:
        cloud = bool(self.email) and self.api_token is not None
        if not cloud and self.token is None:
            raise ValueError(
                "needs credentials: email and api_token for Jira Cloud, or token (a personal access "
                "token) for Jira Data Center"
            )
        if self.deployment == "cloud" and not cloud:
            raise ValueError("deployment is cloud: set email and api_token (an Atlassian API token)")
        return self


class LinearWorkspace(_Tracker):
    """One Linear workspace, reached with a personal API key."""

    url: TrackerUrl = "https://api.linear.app/graphql"
    api_key: SecretStr = Field(
        default=SecretStr(""),
        description="a personal API key; a missing one is refused like a wrong one, naming the workspace",
    )
    teams: TeamKeys = Field(default=(), description="team keys to sync; empty: all teams")
    objective_group: Annotated[str, AfterValidator(_group_name)] = "Objective"
    value_group: Annotated[str | None, AfterValidator(_group_name)] = Field(
        default="Value", description="None: value labels are flat"
    )
    page_size: int = Field(default=250, ge=1, le=250)
    webhook_secret: SecretStr | None = Field(default=None, description="the webhook's signing secret")


TrackerSettings = JiraSite | LinearWorkspace


class RetryOptions(Section):
    """How long syncd keeps trying a tracker that rate-limits or fails."""

    max_attempts: int = Field(default=6, ge=1, le=50)
    max_wait: float = Field(default=60.0, gt=0, le=3600)
    deadline: float = Field(default=300.0, gt=0, le=86400)


def _listen_host(value: str) -> str:
    """An address this machine could listen on: an IP address, or a host name (``localhost``). Dotted
    numbers that are no IPv4 address (``999.0.0.1``) are refused here rather than when the service starts."""
    labels = value.split(".")
    if all(label.isdigit() for label in labels):
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            raise ValueError(f"{value!r} is no IPv4 address (each of its four numbers is 0 to 255)") from None
        return value
    try:
        ipaddress.ip_address(value)
    except ValueError:
        if not _HOST_NAME.fullmatch(value):
            raise ValueError(f"{value!r} is neither an IP address nor a host name") from None
    return value


class HealthOptions(Section):
    enabled: bool = True
    host: Annotated[str, AfterValidator(_listen_host)] = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)
    stale_after: float = Field(default=3600.0, gt=0, allow_inf_nan=False)

    @property
    def loopback(self) -> bool:
        """Whether only this machine can reach the endpoint (the metrics name objectives and figures)."""
        return _loopback(self.host)


class WebhookOptions(Section):
    """The webhook receiver of ``syncd run`` (README, "Webhooks"); off unless enabled."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=9465, ge=0, le=65535)
    public_url: TrackerUrl | None = Field(default=None, description="the proxy's https URL the trackers post to")
    max_body: int = Field(default=1_048_576, ge=1024, le=67_108_864, description="bytes")
    queue_limit: int = Field(default=10_000, ge=1, le=1_000_000, description="issue keys waiting")
    debounce: float = Field(default=1.0, ge=0, le=300, description="seconds an issue must be quiet")
    max_delay: float = Field(default=5.0, ge=0, le=600, description="seconds an issue waits at most")
    relaxed_interval: float | None = Field(
        default=None, ge=10, le=86400, description="seconds between polls while webhooks arrive"
    )


class ServiceOptions(Section):
    """The ``syncd run`` loop."""

    interval: float = Field(default=900.0, ge=10, le=86400, description="seconds between syncs")
    jitter: float = Field(default=0.1, ge=0, le=0.5, description="share of the interval")
    full_sweep_every: int = Field(default=24, ge=1, description="every Nth sync is a full sweep")
    health: HealthOptions = HealthOptions()
    webhooks: WebhookOptions = WebhookOptions()
    lease_ttl: float = Field(default=30.0, ge=2, le=600, description="seconds a replica holds a tracker unrenewed")
