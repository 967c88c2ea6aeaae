"""The command line's plumbing: the session every command loads lazily, one error handler for all
commands, and the progress line.

Every exception reaches :func:`syncd.diagnosis.describe_error` through :func:`guarded`, so each failure
is one clear message and a documented exit code, never a traceback.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, ParamSpec, TextIO, TypeVar

import typer

from syncd.cli.texts import summarise_settings, summarise_strategy
from syncd.diagnosis import describe_error
from syncd.errors import ConfigError, Problem
from syncd.logging import REDACTOR, before_log_line
from syncd.service.health import check_listen
from syncd.settings import DEFAULT_STRATEGY, Settings, load_settings
from syncd.state import StateStore
from syncd.strategy import Strategy, load_strategy
from syncd.strategy.checks import strategy_warnings

__all__ = [
    "FilesVerdict",
    "LogFormat",
    "LogLevel",
    "ProgressLine",
    "Session",
    "StrategyOption",
    "guarded",
    "hoist_global_options",
    "progress_line",
    "say",
    "session_of",
    "validate_files",
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
            path = self.strategy_file()
            if self._looked_in_working_directory(path):
                raise ConfigError(
                    str(path),
                    [Problem("", "file not found")],
                    hint="No settings file was given (--config FILE or SYNCD_CONFIG), so syncd looked for "
                    "strategy.yaml in the working directory. `syncd init` writes both files.",
                )
            self._strategy = load_strategy(path)
        return self._strategy

    def _looked_in_working_directory(self, path: Path) -> bool:
        """The strategy is missing only because no settings file said where it is."""
        no_file = self.config is None and not os.environ.get("SYNCD_CONFIG") and self.strategy_path is None
        return no_file and path == DEFAULT_STRATEGY and not path.exists()

    def open_store(self) -> StateStore:
        settings = self.settings()
        return StateStore.connect(settings.state_target(), lease_ttl=settings.service.lease_ttl)


@dataclass
class FilesVerdict:
    """What ``syncd check`` found in the settings and strategy files, before any tracker is asked."""

    settings_source: str
    strategy_source: str | None
    lines: list[str]
    warnings: list[Problem]
    problems: list[ConfigError]


def validate_files(session: Session) -> FilesVerdict:
    """Load the settings and the strategy, keeping every problem of both instead of stopping at the first."""
    source = str(session.config or "defaults and environment")
    verdict = FilesVerdict(settings_source=source, strategy_source=None, lines=[], warnings=[], problems=[])
    try:
        settings = session.settings()
        verdict.lines += summarise_settings(settings, source)
        if settings.service.health.enabled:
            check_listen(settings.service.health.host)
    except ConfigError as exc:
        verdict.problems.append(exc)
    if session.strategy_path is not None or not verdict.problems:
        try:
            strategy = session.strategy()
            verdict.strategy_source = str(session.strategy_file())
            verdict.lines += summarise_strategy(strategy, verdict.strategy_source)
            verdict.warnings += strategy_warnings(strategy)
        except ConfigError as exc:
            verdict.problems.append(exc)
    return verdict


def say(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print through the redactor: what a command prints may quote a tracker, and a tracker may quote
    the credentials it was sent (a 401 page that repeats the Authorization header)."""
    typer.echo(REDACTOR.text(message), err=err, nl=nl)


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
            say(diagnosis.message, err=True)
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
    """The progress display for this session: on a terminal, unless logs are JSON. Log lines written to the
    same terminal clear it first, so the two never run into each other."""
    line = ProgressLine(sys.stderr, enabled=session.log_format != "json" and sys.stderr.isatty())
    before_log_line(line.clear)
    return line


_GLOBAL_OPTIONS = frozenset({"--config", "-c", "--log-format", "--log-level"})
_TAKES_VALUE = _GLOBAL_OPTIONS | {"--strategy", "-s"}


def hoist_global_options(args: list[str]) -> list[str]:
    """``syncd check --config FILE`` as ``syncd --config FILE check``.

    Click reads a group's options only before the subcommand; people (and systemd units, and scripts)
    write them after it too. Global options found after the subcommand move in front of it, values with
    them; anything after ``--`` stays where it is.
    """
    position = 0
    while position < len(args) and args[position].startswith("-") and args[position] != "--":
        position += 2 if args[position] in _TAKES_VALUE else 1
    if position >= len(args):
        return args
    moved: list[str] = []
    rest: list[str] = []
    tail = args[position + 1 :]
    index = 0
    while index < len(tail):
        word = tail[index]
        if word == "--":
            rest += tail[index:]
            break
        if word.split("=", 1)[0] in _GLOBAL_OPTIONS and word.startswith("--") and "=" in word:
            moved.append(word)
        elif word in _GLOBAL_OPTIONS and index + 1 < len(tail):
            moved += tail[index : index + 2]
            index += 1
        else:
            rest.append(word)
        index += 1
    return [*args[:position], *moved, args[position], *rest]


def session_of(ctx: typer.Context, strategy_path: Path | None = None) -> Session:
    session: Session = ctx.ensure_object(Session)
    if strategy_path is not None:
        session.strategy_path = strategy_path
    return session
