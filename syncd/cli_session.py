"""The command line's plumbing: the session every command loads lazily, one error handler for all
commands, and the progress line.

Every exception reaches :func:`syncd.diagnosis.describe_error` through :func:`guarded`, so each failure
is one clear message and a documented exit code, never a traceback.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, ParamSpec, TextIO, TypeVar

import typer

from syncd.diagnosis import describe_error
from syncd.logging import REDACTOR
from syncd.settings import Settings, load_settings
from syncd.state import StateStore
from syncd.strategy import Strategy, load_strategy

__all__ = [
    "LogFormat",
    "LogLevel",
    "ProgressLine",
    "Session",
    "StrategyOption",
    "guarded",
    "progress_line",
    "session_of",
]

P = ParamSpec("P")
R = TypeVar("R")
LogFormat = Literal["auto", "json", "console"]
LogLevel = Literal["debug", "info", "warning", "error"]
StrategyOption = Annotated[
    Path | None, typer.Option("--strategy", "-s", help="Strategy file (YAML); overrides the settings.")
]


@dataclass
class Session:
    """What a command needs, loaded on first use so ``--help`` and usage errors stay fast."""

    config: Path | None
    strategy_path: Path | None
    log_format: LogFormat = "auto"
    log_level: str = "info"
    _settings: Settings | None = field(default=None, repr=False)
    _strategy: Strategy | None = field(default=None, repr=False)

    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config)
            REDACTOR.add(self._settings.secret_values())
        return self._settings

    def strategy_file(self) -> Path:
        return self.strategy_path or self.settings().strategy

    def strategy(self) -> Strategy:
        if self._strategy is None:
            self._strategy = load_strategy(self.strategy_file())
        return self._strategy

    def open_store(self) -> StateStore:
        settings = self.settings()
        return StateStore.connect(settings.state_target(), lease_ttl=settings.service.lease_ttl)


def guarded(command: Callable[P, R]) -> Callable[P, R]:
    """Turn any failure of ``command`` into its message and exit code."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            diagnosis = describe_error(exc)
            typer.echo(diagnosis.message, err=True)
            raise typer.Exit(diagnosis.exit_code) from None

    return run


class ProgressLine:
    """A one-line progress display (``jira.acme: pulled 1500``) rewritten in place on a terminal.

    Whatever is printed next must :meth:`clear` it first, or the text would start after the progress.

    Args:
        stream: where the line goes (standard error, so standard output stays clean for pipes).
        enabled: off when logs are JSON or the stream is not a terminal: then it prints nothing at all.
    """

    def __init__(self, stream: TextIO, *, enabled: bool) -> None:
        self._stream = stream
        self._enabled = enabled
        self._shown = False

    def __call__(self, tracker: str, what: str, count: int) -> None:
        if self._enabled:
            self._stream.write(f"\r\033[K{tracker}: {what} {count}")
            self._stream.flush()
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            self._stream.write("\r\033[K")
            self._stream.flush()
            self._shown = False


def progress_line(session: Session) -> ProgressLine:
    """The progress display for this session: on a terminal, unless logs are JSON."""
    return ProgressLine(sys.stderr, enabled=session.log_format != "json" and sys.stderr.isatty())


def session_of(ctx: typer.Context, strategy_path: Path | None = None) -> Session:
    session: Session = ctx.ensure_object(Session)
    if strategy_path is not None:
        session.strategy_path = strategy_path
    return session
