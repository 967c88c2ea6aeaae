"""Structured logging: JSON lines in the service, readable lines on a terminal, secrets always redacted.

Every log line — syncd's own and those of the libraries underneath (``jira``, ``gql``, ``urllib3``) —
passes through one :class:`Redactor` as its last step before rendering, after tracebacks are formatted
to text, so a token in an exception message or a URL is caught too. A library's message is then cut to a
short excerpt: libraries log whole response bodies. The redactor knows the configured
secret values (fed from :meth:`syncd.settings.Settings.secret_values`) and recognises token shapes on
its own: Authorization headers, Bearer/Basic credentials, Linear and Atlassian API tokens, and keys
named like ``token`` or ``password``.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from collections.abc import Callable, Iterable
from typing import Any, Literal, TextIO

import structlog
from pydantic import SecretStr
from structlog.typing import EventDict, Processor, WrappedLogger

from syncd.text.printable import printable

__all__ = ["EXCERPT", "REDACTED", "REDACTOR", "Redactor", "before_log_line", "configure_logging", "get_logger"]

REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"(?i)(token|password|passwd|secret|api_?key|authorization|credential)")
_PATTERNS = [
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:(?:bearer|basic)\s+)?[^\s\"',}]+"),
    re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=\-]{8,}"),
    re.compile(r"()\blin_(?:api|oauth)_[A-Za-z0-9]{8,}"),
    re.compile(r"()\bATATT[A-Za-z0-9_\-=]{16,}"),
    re.compile(r"(?i)([?&](?:api[_-]?key|token|access_token|password)=)[^&\s\"']+"),
]
_MIN_SECRET_LENGTH = 4
EXCERPT = 500
"""The most of a library's log message that is kept."""


class Redactor:
    """Removes secrets from log events and from any text, such as an error message shown to a person."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def add(self, values: Iterable[str]) -> None:
        """Remember secret values to redact wherever they appear; very short values are ignored."""
        with self._lock:
            known = set(self._secrets) | {v for v in values if len(v) >= _MIN_SECRET_LENGTH}
            self._secrets = tuple(sorted(known, key=len, reverse=True))

    def text(self, text: str) -> str:
        """``text`` with every known secret and token-shaped string replaced, and no control characters
        (tracker text reaches the log: an ESC sequence would reach the terminal that shows it)."""
        text = printable(text)
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: f"{m.group(1)}{REDACTED}", text)
        return text

    def value(self, value: Any, key: str = "") -> Any:
        if isinstance(value, SecretStr):
            return REDACTED
        if isinstance(value, str):
            if key and _SECRET_KEY.search(key) and value:
                return REDACTED
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            return [self.value(v, key) for v in value]
        if isinstance(value, bytes):
            return self.text(value.decode("utf-8", "replace"))
        if isinstance(value, BaseException):
            return self.text(f"{type(value).__name__}: {value}")
        return value

    def __call__(self, logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
        """The structlog processor."""
        return {key: self.value(value, key) for key, value in event.items()}


REDACTOR = Redactor()


def configure_logging(
    *,
    format: Literal["auto", "json", "console"] = "auto",
    level: str = "info",
    stream: TextIO | None = None,
) -> None:
    """Route syncd's and the libraries' logs through the redactor to ``stream`` (default stderr).

    ``auto`` renders readable lines on a terminal and JSON lines otherwise (journald, files, pipes).
    """
    out = stream or sys.stderr
    json_lines = format == "json" or (format == "auto" and not out.isatty())
    renderer: Processor = (
        structlog.processors.JSONRenderer(sort_keys=False)
        if json_lines
        else structlog.dev.ConsoleRenderer(colors=_colours(out), exception_formatter=structlog.dev.plain_traceback)
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        structlog.processors.format_exc_info,
        _drop_positional_args,
        REDACTOR,
    ]
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, _excerpt],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler: logging.Handler = logging.StreamHandler(out) if stream is not None else _StandardError()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for noisy in ("urllib3", "gql.transport", "jira"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def _colours(out: TextIO) -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set to anything (https://no-color.org)."""
    return out.isatty() and not os.environ.get("NO_COLOR")


_before_line: list[Callable[[], None]] = []


def before_log_line(clear: Callable[[], None]) -> None:
    """Call ``clear`` before each log line reaches the terminal: a progress line on the same terminal is
    wiped first, so a log line never starts in the middle of it."""
    _before_line[:] = [clear]


class _StandardError(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of each line (it may be replaced, as tests do)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    def emit(self, record: logging.LogRecord) -> None:
        for clear in _before_line:
            clear()
        super().emit(record)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """The stream is always the current stderr; setting it is ignored."""


def _excerpt(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    """A library's message cut to a short excerpt, after redaction (so no secret is cut in two): the
    ``jira`` package logs whole answers, and an answer may be a 400 MB page or a login page."""
    text = event.get("event")
    if isinstance(text, str) and len(text) > EXCERPT:
        event["event"] = f"{text[:EXCERPT]}… ({len(text) - EXCERPT} more characters)"
    return event


def _drop_positional_args(logger: WrappedLogger, method: str, event: EventDict) -> EventDict:
    """Fold stdlib ``%``-style arguments into the message so they are redacted with it."""
    args = event.pop("positional_args", None)
    if args and isinstance(event.get("event"), str):
        try:
            event["event"] = event["event"] % args
        except (TypeError, ValueError):
            event["event"] = f"{event['event']} {args!r}"
    return event


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger
