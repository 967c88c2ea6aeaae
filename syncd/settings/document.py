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
import os
import re
import tomllib
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    NestedSecretsSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from syncd.errors import ConfigError, Problem
from syncd.problems import one_line, problems_from_validation
from syncd.settings.sections import (
    JiraSite,
    LinearWorkspace,
    RetryOptions,
    ServiceOptions,
    TrackerSettings,
)

__all__ = ["DEFAULT_STATE_FILE", "DEFAULT_STRATEGY", "Settings", "load_settings"]

DEFAULT_STATE_FILE = Path(".syncd") / "state.db"
DEFAULT_STRATEGY = Path("strategy.yaml")
_NAME = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_file_data: ContextVar[dict[str, Any] | None] = ContextVar("syncd_settings_file", default=None)


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
