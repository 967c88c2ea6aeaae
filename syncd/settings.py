"""Runtime settings: which trackers to talk to, with which credentials, and how the service behaves.

Sources, strongest first: command-line overrides, environment variables ``SYNCD_*`` (nested with
``__``: ``SYNCD_JIRA__ACME__API_TOKEN``), secret files in ``$CREDENTIALS_DIRECTORY`` (systemd's
``LoadCredential=``, named like ``jira__acme__api_token``), then the TOML file given by ``--config`` or
``SYNCD_CONFIG``. Secrets are :class:`~pydantic.SecretStr` everywhere, so printing a settings object or
logging it never shows a token; :meth:`Settings.secret_values` feeds the log redactor.

The file is parsed here rather than by pydantic-settings' TOML source so that a syntax error is reported
with its line, relative paths in the file are taken relative to the file, and every problem becomes one
located line (``jira.acme.url: ...``) like the strategy file's.
"""

from __future__ import annotations

import base64
import ipaddress
import os
import re
import tomllib
from collections.abc import Callable
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from syncd.errors import ConfigError, Problem
from syncd.problems import one_line, problems_from_validation

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

DEFAULT_STATE_FILE = Path(".syncd") / "state.db"
DEFAULT_STRATEGY = Path("strategy.yaml")
_NAME = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_HOST_NAME = re.compile(
    r"(?i)^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$"
)
_file_data: ContextVar[dict[str, Any] | None] = ContextVar("syncd_settings_file", default=None)


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


def _path(value: Path) -> Path:
    """A path the operating system can open: pathlib accepts a NUL character, every open() refuses it."""
    if "\x00" in str(value):
        raise ValueError("a path cannot contain a NUL character")
    return value


LocalPath = Annotated[Path, AfterValidator(_path)]


def _state_url(value: SecretStr) -> SecretStr:
    """A PostgreSQL URL; the message never repeats the value, which may hold a password."""
    parts = urlsplit(value.get_secret_value().strip())
    if parts.scheme not in {"postgresql", "postgres"} or not (parts.hostname or parts.query):
        raise ValueError("must be a PostgreSQL URL like postgresql://syncd@db.example.com:5432/syncd (value not shown)")
    return SecretStr(value.get_secret_value().strip())


StateUrl = Annotated[SecretStr, AfterValidator(_state_url)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Tracker(_Section):
    url: TrackerUrl
    allow_insecure_http: bool = False
    verify_tls: bool = True
    timeout: float = Field(default=30.0, gt=0, le=600)

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


class RetryOptions(_Section):
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


class HealthOptions(_Section):
    enabled: bool = True
    host: Annotated[str, AfterValidator(_listen_host)] = "127.0.0.1"
    port: int = Field(default=9464, ge=0, le=65535)
    stale_after: float = Field(default=3600.0, gt=0, allow_inf_nan=False)

    @property
    def loopback(self) -> bool:
        """Whether only this machine can reach the endpoint (the metrics name objectives and figures)."""
        return _loopback(self.host)


class WebhookOptions(_Section):
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


class ServiceOptions(_Section):
    """The ``syncd run`` loop."""

    interval: float = Field(default=900.0, ge=10, le=86400, description="seconds between syncs")
    jitter: float = Field(default=0.1, ge=0, le=0.5, description="share of the interval")
    full_sweep_every: int = Field(default=24, ge=1, description="every Nth sync is a full sweep")
    health: HealthOptions = HealthOptions()
    webhooks: WebhookOptions = WebhookOptions()
    lease_ttl: float = Field(default=30.0, ge=2, le=600, description="seconds a replica holds a tracker unrenewed")


def _names(value: dict[str, Any]) -> dict[str, Any]:
    for name in value:
        if not _NAME.fullmatch(name):
            raise ValueError(f"tracker name {name!r}: use lower-case letters, digits, - and _")
    return value


class Settings(BaseSettings):
    """Every runtime setting; see config/syncd.example.toml for each key with its meaning."""

    model_config = SettingsConfigDict(
        env_prefix="SYNCD_",
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
        secrets_prefix="",
        secrets_dir_missing="ok",
    )

    strategy: LocalPath = DEFAULT_STRATEGY
    state_path: LocalPath | None = None
    state_url: StateUrl | None = None
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    jira: Annotated[dict[str, JiraSite], AfterValidator(_names)] = {}
    linear: Annotated[dict[str, LinearWorkspace], AfterValidator(_names)] = {}
    retry: RetryOptions = RetryOptions()
    service: ServiceOptions = ServiceOptions()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        secrets = NestedSecretsSettingsSource(file_secret_settings)
        return init_settings, env_settings, secrets, InitSettingsSource(settings_cls, _file_data.get() or {})

    def trackers(self) -> dict[str, TrackerSettings]:
        """Every configured tracker by its full name (``jira.acme``, ``linear.acme``)."""
        named: dict[str, TrackerSettings] = {f"jira.{n}": site for n, site in self.jira.items()}
        named.update({f"linear.{n}": ws for n, ws in self.linear.items()})
        return named

    def state_file(self) -> Path:
        """Where the state store lives (DESIGN §9): systemd's StateDirectory, else ./.syncd/state.db."""
        if self.state_path is not None:
            return self.state_path
        state_directory = os.environ.get("STATE_DIRECTORY")
        if state_directory:
            return Path(state_directory.split(":")[0]) / "syncd.db"
        return DEFAULT_STATE_FILE

    @model_validator(mode="after")
    def _one_state(self) -> Settings:
        if self.state_path is not None and self.state_url is not None:
            raise ValueError("state_path and state_url both name the state: keep one")
        return self

    def state_target(self) -> Path | SecretStr:
        """The state: the PostgreSQL database of ``state_url``, else the SQLite file of :meth:`state_file`."""
        return self.state_url if self.state_url is not None else self.state_file()

    def secret_values(self) -> list[str]:
        """Every secret's plain value, for the log redactor; never print these."""
        values: list[str] = []
        if self.state_url is not None:
            values.append(self.state_url.get_secret_value())
            password = urlsplit(self.state_url.get_secret_value()).password
            if password:
                values.append(password)
        for tracker in self.trackers().values():
            for name in ("api_token", "token", "api_key", "webhook_secret", "webhook_path_secret"):
                secret = getattr(tracker, name, None)
                if isinstance(secret, SecretStr) and secret.get_secret_value():
                    values.append(secret.get_secret_value())
            values += _basic_credentials(tracker)
        return values


def _basic_credentials(tracker: TrackerSettings) -> list[str]:
    """Jira Cloud's Basic credential as it travels (base64 of ``email:token``), with and without its
    padding: a server that echoes the request shows it without the ``Basic`` word in front."""
    email, token = getattr(tracker, "email", None), getattr(tracker, "api_token", None)
    if not email or not isinstance(token, SecretStr) or not token.get_secret_value():
        return []
    encoded = base64.b64encode(f"{email}:{token.get_secret_value()}".encode()).decode()
    return [encoded, encoded.rstrip("=")]


def load_settings(config: Path | None = None, *, overrides: dict[str, Any] | None = None) -> Settings:
    """Load settings from the file, the environment and the credentials directory.

    Args:
        config: the TOML file; None means ``$SYNCD_CONFIG`` if set, else no file.
        overrides: values from the command line, strongest of all.

    Raises:
        ConfigError: the file is missing or malformed, or any value is wrong; every problem is listed.
    """
    named = os.environ.get("SYNCD_CONFIG")
    path = config or (Path(named) if named else None)
    source = str(path) if path else "settings"
    data = _read_toml(path) if path else {}
    credentials = os.environ.get("CREDENTIALS_DIRECTORY")
    token = _file_data.set(data)
    try:
        return Settings(_secrets_dir=credentials, **(overrides or {}))
    except ValidationError as exc:
        raise _attributed(source, problems_from_validation(exc, Settings)) from None
    finally:
        _file_data.reset(token)


def _attributed(source: str, problems: list[Problem]) -> ConfigError:
    """The problems, each named where its value came from: a value set in the environment is the
    variable's problem (``SYNCD_JIRA__ACME__TIMEOUT``), not the file's."""
    variables = {name.upper() for name in os.environ}
    named = [_in_variable(problem, variables) for problem in problems]
    if all(problem is not original for problem, original in zip(named, problems, strict=True)):
        return ConfigError("environment", named)
    return ConfigError(source, named)


def _in_variable(problem: Problem, variables: set[str]) -> Problem:
    variable = "SYNCD_" + problem.location.replace(".", "__").upper()
    if problem.location and variable in variables:
        return Problem(f"{variable} (environment variable)", problem.message)
    return problem


def _read_toml(path: Path) -> dict[str, Any]:
    source = str(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(source, [Problem("", "file not found")]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [Problem("", f"not valid TOML: {one_line(str(exc))}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [Problem("", f"not valid TOML: not UTF-8 text (byte {exc.start})")]) from None
    except ValueError as exc:  # Python's own refusal of an integer of 5,000 digits; the advice after ";" is for code
        raise ConfigError(source, [Problem("", f"not valid TOML: {one_line(str(exc).split(';')[0])}")]) from None
    except RecursionError:
        raise ConfigError(source, [Problem("", "not valid TOML: arrays or tables nested too deeply")]) from None
    except OSError as exc:
        raise ConfigError(source, [Problem("", f"cannot read the file: {exc.strerror}")]) from None
    for key in ("strategy", "state_path"):
        value = data.get(key)
        if isinstance(value, str) and not Path(value).is_absolute():
            data[key] = str(path.parent / value)
    return data
