"""Running ``syncd init``: the interactive path at a terminal and the answers-file path for automation,
both ending in the same checked files."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import typer

from syncd.cli.init.answers import Answers, TrackerAnswer, current_quarter, read_answers, secret_variable
from syncd.cli.init.wizard import (
    Discovery,
    Prompts,
    ask_objectives,
    ask_tracker,
    check_groups,
    discover,
    inventory_lines,
    obtain_secret,
    write_files,
)
from syncd.cli.session import say
from syncd.errors import ConfigError, Problem
from syncd.text.invocation import command_line

__all__ = ["TerminalPrompts", "init_from_answers", "init_interactively"]


class TerminalPrompts:
    """Questions on the terminal; secrets are read without echo.

    Args:
        clear: called before anything is written, so a progress line never runs into a question.
    """

    def __init__(self, clear: Callable[[], None] = lambda: None) -> None:
        self._clear = clear

    def say(self, line: str = "") -> None:
        self._clear()
        say(line)

    def ask(self, question: str, *, default: str | None = None) -> str:
        self._clear()
        answer: str = typer.prompt(question, default=default, show_default=bool(default))
        return answer

    def secret(self, question: str) -> str:
        self._clear()
        answer: str = typer.prompt(question, hide_input=True)
        return answer

    def confirm(self, question: str, *, default: bool = False) -> bool:
        self._clear()
        return typer.confirm(question, default=default)


def init_interactively(
    prompts: Prompts, *, environ: Mapping[str, str], days: int, progress: Callable[[int], None]
) -> None:
    """Ask, check the credentials, show the inventory, ask for objectives, write the files."""
    prompts.say("syncd init: a settings file and a first strategy from what your tracker already holds.")
    tracker = ask_tracker(prompts)
    secret, from_env = obtain_secret(tracker, environ=environ, prompts=prompts)
    discovery = discover(tracker, secret, days=days, now=datetime.now(UTC), progress=progress)
    _announce(prompts, discovery)
    objectives = ask_objectives(prompts, discovery.inventory)
    period = prompts.ask("Period the strategy covers", default=current_quarter(datetime.now(UTC).date()))
    report = prompts.ask("Issue to hold the drift report comment (empty for none yet)", default="").strip()
    settings_file = Path(prompts.ask("Settings file to write", default="syncd.toml"))
    strategy_file = Path(prompts.ask("Strategy file to write", default=str(settings_file.parent / "strategy.yaml")))
    answers = Answers(
        tracker=tracker,
        days=days,
        period=period,
        report_issue=report or None,
        objectives=objectives,
        settings_file=settings_file,
        strategy_file=strategy_file,
    )
    keep_secret = not from_env and prompts.confirm(
        f"Keep the {tracker.secret_key} in {settings_file} (readable by you only)? "
        f"Otherwise set {secret_variable(tracker)} wherever syncd runs",
        default=False,
    )
    written = write_files(
        answers,
        discovery.inventory,
        secret_in_file=secret if keep_secret else None,
        may_replace=lambda path: prompts.confirm(f"{path} exists: replace it?", default=False),
    )
    _next_steps(prompts.say, answers, written, secret_ready=keep_secret or from_env)


def init_from_answers(path: Path, *, environ: Mapping[str, str], replace: bool, say: Callable[[str], None]) -> None:
    """The same, with every answer from a JSON file and the secret from the environment."""
    answers = read_answers(path)
    secret, _ = obtain_secret(answers.tracker, environ=environ, prompts=None)
    discovery = discover(answers.tracker, secret, days=answers.days, now=datetime.now(UTC))
    say(f"Authenticated as {discovery.identity.display_name}; {discovery.inventory.issues} recent issues read.")
    check_groups(answers, discovery.inventory)
    written = write_files(answers, discovery.inventory, secret_in_file=None, may_replace=lambda _: replace)
    _next_steps(say, answers, written, secret_ready=True)


def _announce(prompts: Prompts, discovery: Discovery) -> None:
    prompts.say(f"✓ authenticated as {discovery.identity.display_name}")
    if not discovery.inventory.groups:
        raise ConfigError(
            "tracker",
            [Problem("", f"no issue was updated since {discovery.inventory.since:%Y-%m-%d}: nothing to group")],
        )
    for line in inventory_lines(discovery.inventory):
        prompts.say(line)


def _next_steps(say: Callable[[str], None], answers: Answers, written: Sequence[Path], *, secret_ready: bool) -> None:
    tracker: TrackerAnswer = answers.tracker
    say(f"Wrote {' and '.join(str(p) for p in written)}.")
    say("Next:")
    if not secret_ready:
        say(f"  export {secret_variable(tracker)}=…   # the {tracker.secret_key}")
    say(f"  {command_line('--config', answers.settings_file, 'check')}")
    say(f"  {command_line('--config', answers.settings_file, 'sync', '--dry-run')}")
