"""The ``syncd`` command line: check, explain, sync, run, report, demo and state.

Commands are thin: they load settings and strategy through :class:`Session`, call the core, and print.
Every exception reaches :func:`syncd.diagnosis.describe_error` through :func:`~syncd.cli_session.guarded`, so each
failure is one clear message and a documented exit code, never a traceback.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from pydantic import SecretStr

from syncd import __version__
from syncd.cli_session import LogFormat, LogLevel, Session, StrategyOption, guarded, progress_line, session_of
from syncd.daemon import Service
from syncd.demo import run_demo
from syncd.diagnosis import EXIT_CONFIG, EXIT_PARTIAL, describe_error, worst_exit_code
from syncd.errors import ConfigError, Problem
from syncd.explain import (
    checklist,
    drift_bucket,
    explain_item,
    summarise_outcome,
    summarise_settings,
    summarise_strategy,
)
from syncd.files import write_private
from syncd.item_sources import from_state, pick, read_items, tracker_labels
from syncd.logging import REDACTOR, configure_logging
from syncd.mapper import map_items
from syncd.model import JournalEntry
from syncd.reconcile import plan_item
from syncd.render import Format, render
from syncd.reports import build_report
from syncd.state import StateStore
from syncd.strategy_checks import strategy_warnings
from syncd.sync_model import RunControl, SyncOptions
from syncd.trackers import checks_exit_code, post_now, probe_trackers, select_trackers, sync_trackers

__all__ = ["app", "main"]

app = typer.Typer(
    name="syncd",
    help="Keep a team's tracker work honest to its strategy: map Jira and Linear issues to objectives, "
    "write alignment labels back, and report drift.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
state_app = typer.Typer(help="Inspect or reset the state store.", no_args_is_help=True)
app.add_typer(state_app, name="state")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"syncd {__version__}")
        raise typer.Exit()


@app.callback()
def _options(
    ctx: typer.Context,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="Settings file (TOML); also SYNCD_CONFIG.")
    ] = None,
    strategy: StrategyOption = None,
    log_format: Annotated[
        LogFormat, typer.Option("--log-format", help="auto: readable on a terminal, JSON lines otherwise.")
    ] = "auto",
    log_level: Annotated[LogLevel, typer.Option("--log-level", help="How much to log.")] = "info",
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    configure_logging(format=log_format, level=log_level)
    ctx.obj = Session(config=config, strategy_path=strategy, log_format=log_format, log_level=log_level)


@app.command()
@guarded
def check(
    ctx: typer.Context,
    strategy_path: StrategyOption = None,
    offline: Annotated[bool, typer.Option("--offline", help="Only validate the files; contact no tracker.")] = False,
) -> None:
    """Validate settings and strategy, then test each tracker's credentials and permissions (reads only)."""
    session = session_of(ctx, strategy_path)
    problems: list[ConfigError] = []
    settings_lines: list[str] = []
    try:
        settings = session.settings()
        settings_lines = summarise_settings(settings, str(session.config or "defaults and environment"))
    except ConfigError as exc:
        problems.append(exc)
    strategy_lines: list[str] = []
    warnings: list[Problem] = []
    if session.strategy_path is not None or not problems:
        try:
            strategy = session.strategy()
            strategy_lines = summarise_strategy(strategy, str(session.strategy_file()))
            warnings = strategy_warnings(strategy)
        except ConfigError as exc:
            problems.append(exc)
    for line in (*settings_lines, *strategy_lines):
        typer.echo(line)
    for warning in warnings:
        typer.echo(f"warning: {warning}")
    if problems:
        for problem in problems:
            typer.echo(describe_error(problem).message, err=True)
        raise typer.Exit(EXIT_CONFIG)
    typer.echo("OK: settings and strategy are valid.")
    if offline or not settings.trackers():
        return
    code = 0
    for name, checks in probe_trackers(settings, session.strategy()).items():
        typer.echo(f"{name}:")
        for line in checklist(checks):
            typer.echo(f"  {line}")
        code = worst_exit_code([code, checks_exit_code(checks)])
    raise typer.Exit(code)


@app.command()
@guarded
def explain(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="The issue key, e.g. GROW-12.")] = None,
    item: Annotated[
        Path | None,
        typer.Option("--item", help="A work item as JSON (a file, or - for stdin); a list gives ancestors too."),
    ] = None,
    tracker: Annotated[str | None, typer.Option("--tracker", "-t", help="Limit the lookup to one tracker.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    strategy_path: StrategyOption = None,
) -> None:
    """Show why an issue maps to its objectives, and which labels syncd would write."""
    session = session_of(ctx, strategy_path)
    strategy = session.strategy()
    if item is not None:
        items = read_items(item)
        target = pick(items, key, str(item))
        journal = JournalEntry()
        known = {i.key: i for i in items}
    else:
        if key is None:
            raise typer.BadParameter("give an issue KEY, or --item FILE")
        target, journal, known = from_state(session, key, tracker)
    alignment = map_items([target], strategy, applied={target.key: journal.applied}, known=known)[target.key]
    plan = plan_item(target, alignment, journal, tracker_labels(target, session, strategy))
    now = datetime.now(UTC)
    if as_json:
        payload = {
            "item": target.to_json(),
            "alignment": alignment.to_json(),
            "drift": drift_bucket(target, alignment, strategy, now=now),
            "plan": {
                "add": sorted(plan.op.add),
                "remove": sorted(plan.op.remove),
                "desired": sorted(plan.desired),
                "pins": sorted(plan.pins),
                "declined": sorted(plan.declined),
                "blocked": sorted(plan.blocked),
            },
        }
        typer.echo(json.dumps(payload, indent=2))
        return
    for line in explain_item(target, alignment, plan, strategy, now=now):
        typer.echo(line)


@state_app.command("show")
@guarded
def state_show(ctx: typer.Context) -> None:
    """Print cursors, recent runs and pending writes."""
    session = session_of(ctx)
    with session.open_store() as store:
        typer.echo(f"State: {store.location} (schema {store.schema_version})")
        trackers = store.trackers()
        if not trackers:
            typer.echo("  nothing synced yet")
        for name in trackers:
            pending = store.outbox.pending(name)
            typer.echo(
                f"  {name}: cursor {store.cursors.get(name) or 'none'}, {store.items.count(name)} items, "
                f"{len(pending)} pending writes"
            )
            for op in pending[:10]:
                typer.echo(f"    pending {op.kind} {op.key} (attempts {op.attempts}) {op.last_error or ''}".rstrip())
            for op in store.outbox.refused(name):
                typer.echo(f"    refused {op.kind} {op.key}, not retried: {op.last_error or 'no reason given'}")
        for run in store.runs.latest(limit=10):
            counts = ", ".join(f"{k} {v}" for k, v in run.counts.items())
            typer.echo(f"  run {run.id} {run.tracker} {run.started_at:%Y-%m-%d %H:%M} {run.status} {counts}".rstrip())


@state_app.command("reset")
@guarded
def state_reset(
    ctx: typer.Context,
    tracker: Annotated[str | None, typer.Option("--tracker", "-t", help="Only this tracker.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Forget cursors, journal, outbox and reports (of one tracker, or all)."""
    session = session_of(ctx)
    what = f"everything syncd remembers about {tracker}" if tracker else "everything syncd remembers"
    with session.open_store() as store:
        known = store.trackers()
        if tracker is not None and tracker not in known:
            listed = ", ".join(known) or "none yet"
            raise ConfigError("command line", [Problem("--tracker", f"no state for {tracker!r} (known: {listed})")])
        if not yes:
            question = f"Delete {what}? Labels already on issues stay; the next sync starts from scratch."
            typer.confirm(question, abort=True)
        store.reset(tracker)
    typer.echo(f"Deleted {what}.")


@state_app.command("copy")
@guarded
def state_copy(
    ctx: typer.Context,
    to: Annotated[
        str,
        typer.Option(
            "--to",
            help="The empty state to copy into: postgresql://user@host/db (the password from PGPASSWORD or "
            "~/.pgpass, not the command line) or a SQLite file.",
        ),
    ],
) -> None:
    """Copy the whole state (journal, outbox, history, reports) into another engine; stop syncd first."""
    session = session_of(ctx)
    target = SecretStr(to) if to.startswith(("postgresql:", "postgres:")) else Path(to)
    if isinstance(target, SecretStr):
        REDACTOR.add([value for value in (to, urlsplit(to).password) if value])
    with session.open_store() as source, StateStore.connect(target) as destination:
        copied = source.copy_to(destination)
        where = f"from {source.location} to {destination.location}"
    typer.echo(f"Copied the state {where}: " + ", ".join(f"{table} {rows}" for table, rows in copied.items()))


@app.command()
@guarded
def sync(
    ctx: typer.Context,
    tracker: Annotated[
        list[str] | None, typer.Option("--tracker", "-t", help="Only this tracker (repeatable), e.g. jira.acme.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; write nothing to trackers or state.")
    ] = False,
    full: Annotated[bool, typer.Option("--full", help="Read every issue, not only those updated.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Pass the safety stop of a full sync.")] = False,
    strategy_path: StrategyOption = None,
) -> None:
    """Sync trackers once: pull, map, write labels (exit 1 if some items failed, 3 if credentials failed)."""
    session = session_of(ctx, strategy_path)
    settings, strategy = session.settings(), session.strategy()
    chosen = select_trackers(settings, tracker or ())
    progress = progress_line(session)
    options = SyncOptions(dry_run=dry_run, full=full, force=force)
    with session.open_store() as store:
        outcomes = sync_trackers(settings, strategy, store, chosen, options, control=RunControl(progress=progress))
    progress.clear()
    for outcome in outcomes:
        for line in summarise_outcome(outcome, dry_run=dry_run):
            typer.echo(line, err=outcome.error is not None)
    raise typer.Exit(worst_exit_code(outcome.exit_code for outcome in outcomes))


@app.command()
@guarded
def report(
    ctx: typer.Context,
    tracker: Annotated[
        str | None, typer.Option("--tracker", "-t", help="The scope of md/adf/wiki output (default: all).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="md, json, html, adf or wiki.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    post: Annotated[bool, typer.Option("--post", help="Post each tracker's comment (when figures changed).")] = False,
    per_team: Annotated[
        bool, typer.Option("--per-team", help="Add figures per team or project (always with report.per_team).")
    ] = False,
    strategy_path: StrategyOption = None,
) -> None:
    """Render the drift report from what the last syncs stored, or post it as tracker comments."""
    session = session_of(ctx, strategy_path)
    settings, strategy = session.settings(), session.strategy()
    configured = select_trackers(settings)
    scope = next(iter(select_trackers(settings, [tracker]))) if tracker else "all"
    with session.open_store() as store:
        teams = per_team or strategy.report.per_team
        drift = build_report(store, strategy, configured, now=datetime.now(UTC), per_team=teams)
        text = render(drift, fmt, scope=scope)
        if output is not None:
            write_private(output, text)
            typer.echo(f"Wrote the {fmt} report to {output}")
        elif not post:
            typer.echo(text, nl=False)
        if post:
            chosen = select_trackers(settings, [tracker] if tracker else ())
            results = post_now(settings, strategy, store, chosen, drift)
            for result in results:
                state = "not posted: " + result.error if result.error else "posted" if result.posted else "unchanged"
                typer.echo(f"{result.tracker}: drift report on {result.target or 'no issue configured'}: {state}")
            raise typer.Exit(EXIT_PARTIAL if any(r.error for r in results) else 0)


@app.command()
@guarded
def run(ctx: typer.Context, strategy_path: StrategyOption = None) -> None:
    """Run as a service: sync every interval, serve /healthz and /metrics, reload the strategy on SIGHUP."""
    session = session_of(ctx, strategy_path)
    settings, strategy = session.settings(), session.strategy()
    with session.open_store() as store:
        service = Service(settings=settings, strategy=strategy, strategy_path=session.strategy_file(), store=store)
        code = service.run()
    raise typer.Exit(code)


@app.command()
@guarded
def demo(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to write the demo's settings, strategy, state and HTML report.")
    ] = Path("syncd-demo"),
    keep_running: Annotated[
        bool, typer.Option("--keep-running", help="Keep the emulators up afterwards (Ctrl-C to stop).")
    ] = False,
) -> None:
    """Run the whole loop against bundled tracker emulators, no credentials needed."""
    session = session_of(ctx)
    if session.log_level == "info":
        configure_logging(format=session.log_format, level="warning")  # the summary says what happened
    progress = progress_line(session)

    def out(line: str) -> None:
        progress.clear()
        typer.echo(line)

    result = run_demo(directory, out=out, keep_running=keep_running, progress=progress)
    raise typer.Exit(0 if result.ok else EXIT_PARTIAL)


def main() -> None:
    """The console script."""
    app()
