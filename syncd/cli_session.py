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
from typing import Annotated, Literal, ParamSpec, TypeVar

import typer

from syncd.diagnosis import describe_error
from syncd.logging import REDACTOR
from syncd.settings import Settings, load_settings
from syncd.state import StateStore
from syncd.strategy import Strategy, load_strategy

__all__ = ["LogFormat", "LogLevel", "Session", "StrategyOption", "guarded", "progress_printer", "session_of"]

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
        return StateStore.open(self.settings().state_file())


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


def progress_printer(session: Session) -> Callable[[str, str, int], None]:
    """A one-line progress display on a terminal; nothing when logs are JSON or stderr is not a terminal."""
    if session.log_format == "json" or not sys.stderr.isatty():
        return lambda tracker, what, count: None

    def show(tracker: str, what: str, count: int) -> None:
        sys.stderr.write(f"\r\033[K{tracker}: {what} {count}")
        sys.stderr.flush()

    return show


def session_of(ctx: typer.Context, strategy_path: Path | None = None) -> Session:
    session: Session = ctx.ensure_object(Session)
    if strategy_path is not None:
        session.strategy_path = strategy_path
    return session
