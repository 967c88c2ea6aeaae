"""The ``syncd`` command line: check, explain, rules, sync, run, report, demo and state.

Commands are thin: they load settings and strategy through :class:`Session`, call the core, and print.
Every exception reaches :func:`syncd.diagnosis.describe_error` through :func:`~syncd.cli.session.guarded`, so each
failure is one clear message and a documented exit code, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from syncd import __version__
from syncd.cli.init import TerminalPrompts, init_from_answers, init_interactively
from syncd.cli.item_sources import from_state, pick, read_items, tracker_labels
from syncd.cli.json_documents import check_json, sync_json
from syncd.cli.review import review
from syncd.cli.session import (
    LogFormat,
    LogLevel,
    Session,
    StrategyOption,
    guarded,
    hoist_global_options,
    progress_line,
    say,
    session_of,
    validate_files,
)
from syncd.cli.state import state_app
from syncd.cli.texts import (
    checklist,
    drift_bucket,
    explain_item,
    nothing_synced,
    summarise_outcome,
)
from syncd.cli.webhooks import check_lines, check_statuses, webhooks_app
from syncd.connectors.base import Check
from syncd.core.mapper import Mapper, map_items
from syncd.core.reconcile import plan_item
from syncd.core.rule_stats import rules_lines, rules_report
from syncd.demo import run_demo
from syncd.demo.run import DemoData
from syncd.diagnosis import EXIT_CONFIG, EXIT_PARTIAL, EXIT_UNREACHABLE, sync_exit_code, worst_exit_code
from syncd.errors import ConfigError, Problem
from syncd.files import write_private
from syncd.logging import REDACTOR, configure_logging
from syncd.model import JournalEntry
from syncd.render import Format, render
from syncd.service.daemon import Service
from syncd.sync.all_trackers import checks_exit_code, post_now, probe_trackers, select_trackers, sync_trackers
from syncd.sync.model import RunControl, SyncOptions
from syncd.sync.reports import build_report

__all__ = ["app", "main"]

app = typer.Typer(
    name="syncd",
    help="Keep a team's tracker work honest to its strategy: map Jira and Linear issues to objectives, "
    "write alignment labels back, and report drift.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
app.add_typer(state_app, name="state")
app.add_typer(webhooks_app, name="webhooks")
app.command()(review)


def _version(value: bool) -> None:
    if value:
        say(f"syncd {__version__}")
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
    log_level: Annotated[
        LogLevel | None,
        typer.Option("--log-level", help="How much to log to the terminal (default: warning; info for `run`)."),
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    level = log_level or ("info" if ctx.invoked_subcommand == "run" else "warning")
    configure_logging(format=log_format, level=level)
    ctx.obj = Session(config=config, strategy_path=strategy, log_format=log_format, log_level=level)


@app.command()
@guarded
def check(
    ctx: typer.Context,
    strategy_path: StrategyOption = None,
    offline: Annotated[bool, typer.Option("--offline", help="Only validate the files; contact no tracker.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")] = False,
) -> None:
    """Validate settings and strategy, then test each tracker's credentials and permissions (reads only)."""
    session = session_of(ctx, strategy_path)
    files = validate_files(session)
    lines = [*files.lines, *(f"warning: {w}" for w in files.warnings)]
    problems = list(files.problems)
    checks: dict[str, list[Check]] = {}
    if not problems:
        lines.append("OK: settings and strategy are valid.")
        settings = session.settings()
        if not settings.trackers() and not offline:
            problems.append(
                ConfigError(
                    str(session.config or "settings"),
                    [Problem("", "no trackers configured: add a [jira.<name>] or [linear.<name>] table")],
                    hint="`syncd init` writes one for you; `--offline` checks the files alone.",
                )
            )
        elif not offline:
            checks = probe_trackers(settings, session.strategy())
    code = EXIT_CONFIG if problems else worst_exit_code(checks_exit_code(c) for c in checks.values())
    webhooks = check_statuses(session) if checks else []
    if as_json:
        document = check_json(
            exit_code=code,
            settings_source=files.settings_source,
            strategy_source=files.strategy_source,
            problems=problems,
            warnings=files.warnings,
            trackers=checks,
            webhooks=webhooks,
        )
        say(json.dumps(document, indent=2, ensure_ascii=False))
        raise typer.Exit(code)
    for line in lines:
        say(line)
    for problem in problems:
        hint = f"\n{problem.hint}" if problem.hint else ""
        say(REDACTOR.text(f"error: {problem}{hint}"), err=True)
    for name, tracker_checks in checks.items():
        say(f"{name}:")
        for line in checklist(tracker_checks):
            say(f"  {line}")
    for line in check_lines(webhooks):
        say(line)
    raise typer.Exit(code)


@app.command()
@guarded
def explain(
    ctx: typer.Context,
    key: Annotated[str | None, typer.Argument(help="The issue key, e.g. GROW-12.")] = None,
    item: Annotated[
        Path | None,
        typer.Option(
            "--item",
            help="A work item, or Jira's or Linear's own issue JSON (a file, or - for stdin); a list gives ancestors.",
        ),
    ] = None,
    tracker: Annotated[str | None, typer.Option("--tracker", "-t", help="Limit the lookup to one tracker.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    strategy_path: StrategyOption = None,
) -> None:
    """Show why an issue maps to its objectives, and which labels syncd would write."""
    session = session_of(ctx, strategy_path)
    strategy = session.strategy()
    if item is not None:
        items = read_items(item, strategy.labels)
        target = pick(items, key, str(item))
        journal = JournalEntry()
        known = {i.key: i for i in items}
        mapper = Mapper(strategy).learning_from(known.values())
    else:
        if key is None:
            raise typer.BadParameter("give an issue KEY, or --item FILE")
        found = from_state(session, key, tracker)
        target, journal, known = found.item, found.journal, found.known
        mapper = Mapper(strategy).with_model(found.similar)
    alignment = map_items([target], mapper, applied={target.key: journal.applied}, known=known)[target.key]
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
        say(json.dumps(payload, indent=2))
        return
    for line in explain_item(target, alignment, plan, strategy, now=now):
        say(line)


@app.command()
@guarded
def rules(
    ctx: typer.Context,
    tracker: Annotated[str | None, typer.Option("--tracker", "-t", help="Only this tracker's items.")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many keywords and words to list.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")] = False,
    strategy_path: StrategyOption = None,
) -> None:
    """Show what each keyword does over the synced items, with the current strategy: how often it fires,
    decides and loses (to what), the ties, keywords mostly inside pasted logs, and candidate words."""
    session = session_of(ctx, strategy_path)
    mapper = Mapper(session.strategy())
    with session.open_store() as store:
        trackers = [tracker] if tracker else store.trackers()
        items = [stored.item for name in trackers for stored in store.items.all(name)]
    report = rules_report(items, mapper, top=top)
    if as_json:
        say(json.dumps(report.to_json(), indent=2))
        return
    for line in rules_lines(report, top=top):
        say(line)


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
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")] = False,
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
    code = sync_exit_code(outcome.exit_code for outcome in outcomes)
    if as_json:
        say(json.dumps(sync_json(outcomes, dry_run=dry_run, exit_code=code), indent=2, ensure_ascii=False))
        raise typer.Exit(code)
    for outcome in outcomes:
        for line in summarise_outcome(outcome, dry_run=dry_run):
            say(line, err=outcome.error is not None)
    if code == EXIT_UNREACHABLE:
        say(nothing_synced(outcomes), err=True)
    raise typer.Exit(code)


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
            try:
                write_private(output, text)
            except OSError as exc:
                why = exc.strerror or str(exc)
                raise ConfigError("command line", [Problem("--output", f"cannot write {output}: {why}")]) from None
            say(f"Wrote the {fmt} report to {output}")
        elif not post:
            say(text, nl=False)
        if post:
            chosen = select_trackers(settings, [tracker] if tracker else ())
            results = post_now(settings, strategy, store, chosen, drift)
            for result in results:
                state = "not posted: " + result.error if result.error else "posted" if result.posted else "unchanged"
                say(f"{result.tracker}: drift report on {result.target or 'no issue configured'}: {state}")
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
    jira_export: Annotated[
        Path | None,
        typer.Option("--jira-export", help="Your own Jira issue JSON (a REST search answer) instead of Acme's."),
    ] = None,
    linear_export: Annotated[
        Path | None,
        typer.Option("--linear-export", help="Your own Linear issue JSON (a GraphQL answer) instead of Acme's."),
    ] = None,
    strategy_path: StrategyOption = None,
) -> None:
    """Run the whole loop against bundled tracker emulators, no credentials needed."""
    session = session_of(ctx, strategy_path)
    progress = progress_line(session)

    def out(line: str) -> None:
        progress.clear()
        say(line)

    own = None
    if jira_export or linear_export:
        own = DemoData(jira_export=jira_export, linear_export=linear_export, strategy=session.strategy_path)
    result = run_demo(directory, out=out, keep_running=keep_running, progress=progress, own=own)
    raise typer.Exit(0 if result.ok else EXIT_PARTIAL)


@app.command()
@guarded
def init(
    ctx: typer.Context,
    answers: Annotated[
        Path | None,
        typer.Option("--answers", help="Answer every question from this JSON file (no prompts; for automation)."),
    ] = None,
    replace: Annotated[bool, typer.Option("--replace", help="With --answers: replace files that exist.")] = False,
    days: Annotated[int, typer.Option("--days", min=1, max=3660, help="How far back to read the issues.")] = 90,
) -> None:
    """Write a settings file and a first strategy from what a tracker already holds (asks at a terminal)."""
    session = session_of(ctx)
    if answers is not None:
        init_from_answers(answers, environ=os.environ, replace=replace, say=typer.echo)
        return
    if not sys.stdin.isatty():
        raise ConfigError(
            "command line", [Problem("", "init asks questions: run it on a terminal, or pass --answers FILE")]
        )
    progress = progress_line(session)

    def pulled(count: int) -> None:
        progress("reading", "issues", count)

    init_interactively(TerminalPrompts(progress.clear), environ=os.environ, days=days, progress=pulled)


def main() -> None:
    """The console script."""
    app(args=hoist_global_options(sys.argv[1:]), prog_name="syncd")
