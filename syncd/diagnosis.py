"""The one place that turns an exception into words for a person and an exit code.

Exit codes: 0 ok, 1 partial failure (some items or trackers failed, or a tracker stayed unavailable),
2 bad configuration or usage, 3 authentication or permission, 4 nothing could be synced (no tracker
could be reached). Every message passes through the log
redactor, so an error can never print a token, and ends with what to do next.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from syncd.errors import (
    AuthError,
    BadRequest,
    ConfigError,
    Misdirected,
    NotFound,
    PermissionDenied,
    Retriable,
    StateError,
    SyncdError,
    TrackerBusy,
    TrackerError,
)
from syncd.logging import REDACTOR

__all__ = [
    "EXIT_AUTH",
    "EXIT_CONFIG",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_UNREACHABLE",
    "Diagnosis",
    "describe_error",
    "sync_exit_code",
    "worst_exit_code",
]

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_CONFIG = 2
EXIT_AUTH = 3
EXIT_UNREACHABLE = 4


@dataclass(frozen=True, slots=True)
class Diagnosis:
    message: str
    exit_code: int


def worst_exit_code(codes: Iterable[int]) -> int:
    """The exit code of several outcomes: authentication beats configuration beats partial failure."""
    severity = {EXIT_OK: 0, EXIT_PARTIAL: 1, EXIT_UNREACHABLE: 1.5, EXIT_CONFIG: 2, EXIT_AUTH: 3}
    return max(codes, key=lambda code: severity.get(code, 1), default=EXIT_OK)


def sync_exit_code(codes: Iterable[int]) -> int:
    """The exit code of a sync of several trackers: "nothing could be synced" only when no tracker could
    be reached at all; one unreachable tracker beside others that synced is a partial failure."""
    seen = list(codes)
    if seen and all(code == EXIT_UNREACHABLE for code in seen):
        return EXIT_UNREACHABLE
    return worst_exit_code(EXIT_PARTIAL if code == EXIT_UNREACHABLE else code for code in seen)


def describe_error(exc: BaseException) -> Diagnosis:
    """What went wrong, what to do about it, and the exit code."""
    message, code = _words(exc)
    return Diagnosis(REDACTOR.text(message), code)


_NOT_FILES = frozenset({"command line", "environment"})


def _next_step(exc: ConfigError) -> str:
    """The advice after a configuration error: a file's own, unless the error says better or no file is wrong."""
    if exc.hint is not None:
        return f"\n{exc.hint}" if exc.hint else ""
    if exc.source in _NOT_FILES:
        return ""
    return "\nFix the file and try again (`syncd check` validates settings and strategy)."


def _words(exc: BaseException) -> tuple[str, int]:
    if isinstance(exc, ConfigError):
        return f"error: {exc}{_next_step(exc)}", EXIT_CONFIG
    if isinstance(exc, TrackerBusy):
        return (
            f"{exc}: nothing was done to it here. The replica that holds it syncs it on its schedule; "
            "run again later to sync it from here.",
            EXIT_UNREACHABLE,
        )
    if isinstance(exc, StateError):
        return f"error: {exc}", EXIT_CONFIG
    if isinstance(exc, AuthError):
        return (
            f"error: {exc}\nThe tracker refused the credentials: check the token or API key for "
            f"{exc.tracker or 'this tracker'} (environment, credentials directory or settings file), "
            "then run `syncd check`.",
            EXIT_AUTH,
        )
    if isinstance(exc, PermissionDenied):
        return (
            f"error: {exc}\nThe credentials work but lack a permission: give the syncd user the right "
            "to browse the projects, edit labels and comment on the report issue.",
            EXIT_AUTH,
        )
    if isinstance(exc, NotFound):
        return f"error: {exc}\nCheck the project, team or issue named in the settings or strategy.", EXIT_CONFIG
    if isinstance(exc, Misdirected):
        return f"error: {exc}", EXIT_CONFIG
    if isinstance(exc, BadRequest):
        return f"error: {exc}", EXIT_PARTIAL
    if isinstance(exc, Retriable):
        return (
            f"error: {exc}\nThe tracker stayed unavailable after every retry; nothing is lost: the next sync "
            "resumes where this one stopped.",
            EXIT_UNREACHABLE,
        )
    if isinstance(exc, TrackerError | SyncdError):
        return f"error: {exc}", EXIT_PARTIAL
    if isinstance(exc, sqlite3.Error):
        return _state_words(exc)
    if isinstance(exc, OSError):
        where = f" ({exc.filename})" if exc.filename else ""
        return f"error: {exc.strerror or exc}{where}\nNothing was lost: the state keeps what was done.", EXIT_PARTIAL
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted", EXIT_PARTIAL
    return (
        f"internal error: {type(exc).__name__}: {exc}\nThis is a bug in syncd; "
        "run again with --log-level debug and report the log.",
        EXIT_PARTIAL,
    )


def _state_words(exc: sqlite3.Error) -> tuple[str, int]:
    """The state file failed under syncd: it cannot be written (a full disk; the last good state is kept),
    or it is damaged."""
    text = str(exc)
    if "full" in text.casefold() or "i/o" in text.casefold():
        return (
            f"error: the state file cannot be written ({text})\nFree some disk space (or check the disk) and run "
            "again: the last good state is kept, and writes not yet confirmed are sent again.",
            EXIT_PARTIAL,
        )
    return (
        f"error: the state file is damaged: {text}\nRestore it from a backup, or move it aside (syncd then starts "
        "afresh and finds its own report comments again by their marker).",
        EXIT_CONFIG,
    )
