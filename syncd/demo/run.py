"""Running the demo: emulators up, Acme seeded, a full sync of both trackers, reports posted, a summary.

The demo is the real thing pointed at loopback: the same settings file, state store, connectors, engine
and report posting as a production sync, so what it prints is what syncd does. It writes its settings,
strategy, state and HTML report into one directory the user can inspect and reuse (``syncd --config
<dir>/syncd.toml explain GROW-14``, with ``--keep-running`` so the emulators stay up).
"""

from __future__ import annotations

import json
import textwrap
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from syncd.core.drift_model import DriftReport
from syncd.demo.org import DEMO_LINEAR_KEY, add_demo_account, seed_jira, seed_linear
from syncd.demo.summary import summary_lines
from syncd.errors import ConfigError, Problem
from syncd.files import write_private
from syncd.render import render
from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.load import load_jira_export
from syncd.sandbox.linear import LinearEmulator, LinearWorkspace
from syncd.sandbox.linear.load import load_linear_export
from syncd.settings import load_settings
from syncd.state import StateStore
from syncd.strategy import load_strategy
from syncd.sync.all_trackers import TrackerOutcome, sync_trackers
from syncd.sync.model import RunControl, SyncOptions
from syncd.sync.reports import build_report
from syncd.text.invocation import command_line

__all__ = ["DemoData", "DemoResult", "example_strategy_text", "run_demo"]

Print = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class DemoResult:
    outcomes: tuple[TrackerOutcome, ...]
    report: DriftReport
    directory: Path

    @property
    def ok(self) -> bool:
        return all(o.result is not None and o.result.status == "ok" for o in self.outcomes)


@dataclass(frozen=True, slots=True)
class DemoData:
    """The user's own data for the demo: a Jira export (REST search or issue JSON) and/or a Linear export
    (GraphQL issue JSON) in place of Acme's trackers, and their strategy in place of the example one."""

    jira_export: Path | None = None
    linear_export: Path | None = None
    strategy: Path | None = None


def example_strategy_text() -> str:
    """The example strategy, from the installed package or, in a source checkout, from ``config/``."""
    packaged = resources.files("syncd.demo").joinpath("strategy.example.yaml")
    if packaged.is_file():
        return packaged.read_text(encoding="utf-8")
    return (Path(__file__).resolve().parents[2] / "config" / "strategy.example.yaml").read_text(encoding="utf-8")


def run_demo(
    directory: Path,
    *,
    out: Print,
    keep_running: bool = False,
    progress: Callable[[str, str, int], None] | None = None,
    stop: threading.Event | None = None,
    own: DemoData | None = None,
) -> DemoResult:
    """Run the demo, printing through ``out``; with ``keep_running``, serve until ``stop`` is set."""
    now = datetime.now(UTC)
    with JiraEmulator("cloud") as jira, LinearEmulator(LinearWorkspace()) as linear:
        if own is None:
            jira_issues = seed_jira(jira.store, now=now)
            linear_issues = seed_linear(linear.workspace, now=now)
            out("syncd demo: Acme Analytics, a fictional company, on emulated trackers (no credentials needed)")
            report_issues = sum(1 for issue in jira.store.issues() if issue.key.startswith("STRAT-"))
            out(
                f"  Jira Cloud  {jira.url}  projects GROW, ENT, OPS, WEB ({jira_issues - report_issues} issues); "
                "STRAT holds the drift report"
            )
            out(f"  Linear      {linear.graphql_url}  teams GRO, ENG, INF  ({linear_issues} issues)")
            config = _write_files(directory, jira, linear)
            first_key = "GROW-2"
        else:
            config, first_key = _load_own(directory, own, jira, linear, out)
        settings = load_settings(config)
        strategy = load_strategy(settings.strategy)
        out(f"  strategy    {settings.strategy} (period {strategy.period})")
        out("")
        control = RunControl(progress=progress or (lambda tracker, what, count: None))
        with StateStore.open(settings.state_file()) as store:
            outcomes = sync_trackers(
                settings, strategy, store, settings.trackers(), SyncOptions(full=True), control=control
            )
            report = build_report(store, strategy, settings.trackers(), now=datetime.now(UTC))
            html = directory / "report.html"
            write_private(html, render(report, "html"))
            for line in summary_lines(store, strategy, outcomes, report):
                out(line)
        out("")
        out(f"HTML report: {html}")
        out(f"Settings, strategy and state: {directory}")
        if keep_running:
            linear_used = own is None or own.linear_export is not None
            _serve(out, config, jira, linear if linear_used else None, stop or threading.Event(), example=first_key)
        else:
            out("Run it with --keep-running to keep the emulators up, then try:")
            out(f"  {command_line('--config', config, 'explain', first_key)}")
        return DemoResult(tuple(outcomes), report, directory)


def _load_own(
    directory: Path, own: DemoData, jira: JiraEmulator, linear: LinearEmulator, out: Print
) -> tuple[Path, str]:
    """Load the user's exports into the emulators, say what did not load, and write the demo's files."""
    out("syncd demo: your own issues on emulated trackers (no credentials needed)")
    keys: list[str] = []
    projects: tuple[str, ...] | None = None
    teams: tuple[str, ...] | None = None
    if own.jira_export is not None:
        loaded = load_jira_export(jira.store, read_export(own.jira_export))
        projects, keys = loaded.projects, [*keys, *loaded.keys]
        out(f"  Jira Cloud  {jira.url}  projects {', '.join(projects)}  ({len(loaded.keys)} issues loaded)")
        for problem in loaded.problems:
            out(f"  not loaded: {problem}")
    if own.linear_export is not None:
        add_demo_account(linear.workspace)
        loaded = load_linear_export(linear.workspace, read_export(own.linear_export))
        teams, keys = loaded.projects, [*keys, *loaded.keys]
        out(f"  Linear      {linear.graphql_url}  teams {', '.join(teams)}  ({len(loaded.keys)} issues loaded)")
        for problem in loaded.problems:
            out(f"  not loaded: {problem}")
    strategy_text = own.strategy.read_text(encoding="utf-8") if own.strategy else None
    config = _write_files(
        directory,
        jira if projects is not None else None,
        linear if teams is not None else None,
        strategy_text=strategy_text,
        projects=projects or (),
        teams=teams or (),
    )
    return config, keys[0] if keys else "KEY"


def _write_files(
    directory: Path,
    jira: JiraEmulator | None,
    linear: LinearEmulator | None,
    *,
    strategy_text: str | None = None,
    projects: tuple[str, ...] = ("GROW", "ENT", "OPS", "WEB"),
    teams: tuple[str, ...] = ("GRO", "ENG", "INF"),
) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if directory.stat().st_mode & 0o077:
        directory.chmod(0o700)  # it holds the state and the settings: its owner's alone, as SECURITY.md says
    for stale in directory.glob("state.db*"):
        stale.unlink()
    write_private(directory / ".gitignore", "# Written by syncd demo: state and credentials, never to commit.\n*\n")
    strategy = directory / "strategy.yaml"
    write_private(strategy, strategy_text if strategy_text is not None else example_strategy_text())
    config = directory / "syncd.toml"
    text = textwrap.dedent(
        """\
        # Written by syncd demo: the emulated trackers on loopback.
        strategy = "strategy.yaml"
        state_path = "state.db"
        """
    )
    if jira is not None:
        email, token = jira.basic_auth
        keys = ", ".join(f'"{project}"' for project in projects)
        text += textwrap.dedent(
            f"""
            [jira.acme]
            url = "{jira.url}"
            deployment = "cloud"
            email = "{email}"
            api_token = "{token}"
            projects = [{keys}]
            """
        )
    if linear is not None:
        team_keys = ", ".join(f'"{team}"' for team in teams)
        text += textwrap.dedent(
            f"""
            [linear.acme]
            url = "{linear.graphql_url}"
            api_key = "{DEMO_LINEAR_KEY}"
            teams = [{team_keys}]
            """
        )
    write_private(config, text)
    return config


def read_export(path: Path) -> Any:
    """The export's JSON; a file that is missing or not JSON is a clear error naming it."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(str(path), [Problem("", "file not found")]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(str(path), [Problem(f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]) from None


def _serve(
    out: Print,
    config: Path,
    jira: JiraEmulator,
    linear: LinearEmulator | None,
    stop: threading.Event,
    *,
    example: str,
) -> None:
    email, token = jira.basic_auth
    out("")
    out("The emulators keep running (Ctrl-C to stop):")
    out(f"  Jira Cloud  {jira.url}   basic auth {email} / {token}")
    if linear is not None:
        out(f"  Linear      {linear.graphql_url}   Authorization: {DEMO_LINEAR_KEY}")
    out("Try:")
    out(f"  {command_line('--config', config, 'explain', example)}")
    out(f"  {command_line('--config', config, 'sync', '--dry-run')}")
    out(f"  {command_line('--config', config, 'report', '--format', 'md')}")
    out(f"  curl -u {email}:{token} '{jira.url}/rest/api/3/issue/{example}'")
    try:
        stop.wait()
    except KeyboardInterrupt:
        out("stopped")
