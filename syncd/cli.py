"""The ``syncd`` command line: check, explain, sync, run, report, demo and state.

Commands are thin: they load settings and strategy through :class:`Session`, call the core, and print.
Every exception reaches :func:`syncd.diagnosis.describe_error` through :func:`_guarded`, so each
failure is one clear message and a documented exit code, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal, ParamSpec, TypeVar

import typer
from pydantic import ValidationError

from syncd import __version__
from syncd.daemon import Service
from syncd.demo import run_demo
from syncd.diagnosis import EXIT_CONFIG, EXIT_PARTIAL, describe_error, worst_exit_code
from syncd.engine import RunControl, SyncOptions
from syncd.errors import ConfigError, Problem
from syncd.explain import checklist, explain_item, summarise_outcome, summarise_settings, summarise_strategy
from syncd.files import write_private
from syncd.logging import REDACTOR, configure_logging
from syncd.mapper import map_items
from syncd.model import JournalEntry, TrackerKind, WorkItem
from syncd.problems import problems_from_validation
from syncd.reconcile import TrackerLabels, plan_item
from syncd.render import Format, render
from syncd.reports import build_report
from syncd.settings import Settings, load_settings
from syncd.state import StateStore
from syncd.strategy import Strategy, load_strategy
from syncd.strategy_checks import strategy_warnings
from syncd.trackers import checks_exit_code, post_now, probe_trackers, select_trackers, sync_trackers

__all__ = ["app", "main"]

P = ParamSpec("P")
R = TypeVar("R")
LogFormat = Literal["auto", "json", "console"]
LogLevel = Literal["debug", "info", "warning", "error"]
StrategyOption = Annotated[
    Path | None, typer.Option("--strategy", "-s", help="Strategy file (YAML); overrides the settings.")
]

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


def _guarded(command: Callable[P, R]) -> Callable[P, R]:
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


def _session(ctx: typer.Context, strategy_path: Path | None = None) -> Session:
    session: Session = ctx.ensure_object(Session)
    if strategy_path is not None:
        session.strategy_path = strategy_path
    return session


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
@_guarded
def check(
    ctx: typer.Context,
    strategy_path: StrategyOption = None,
    offline: Annotated[bool, typer.Option("--offline", help="Only validate the files; contact no tracker.")] = False,
) -> None:
    """Validate settings and strategy, then test each tracker's credentials and permissions (reads only)."""
    session = _session(ctx, strategy_path)
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
@_guarded
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
    session = _session(ctx, strategy_path)
    strategy = session.strategy()
    if item is not None:
        items = _read_items(item)
        target = _pick(items, key, str(item))
        journal = JournalEntry()
        known = {i.key: i for i in items}
    else:
        if key is None:
            raise typer.BadParameter("give an issue KEY, or --item FILE")
        target, journal, known = _from_state(session, key, tracker)
    alignment = map_items([target], strategy, applied={target.key: journal.applied}, known=known)[target.key]
    plan = plan_item(target, alignment, journal, _tracker_labels(target, session, strategy))
    if as_json:
        payload = {
            "item": target.to_json(),
            "alignment": alignment.to_json(),
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
    for line in explain_item(target, alignment, plan, strategy):
        typer.echo(line)


def _read_items(path: Path) -> list[WorkItem]:
    source = "stdin" if str(path) == "-" else str(path)
    try:
        text = sys.stdin.read() if source == "stdin" else path.read_text(encoding="utf-8")
        data = json.loads(text)
    except FileNotFoundError:
        raise ConfigError(source, [Problem("", "file not found")]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(source, [Problem(f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]) from None
    entries = data if isinstance(data, list) else [data]
    items: list[WorkItem] = []
    problems: list[Problem] = []
    for index, entry in enumerate(entries):
        try:
            items.append(WorkItem.from_json(entry))
        except ValidationError as exc:
            prefix = f"[{index}]" if isinstance(data, list) else ""
            problems += [
                Problem(f"{prefix}{'.' if prefix and p.location else ''}{p.location}", p.message)
                for p in problems_from_validation(exc)
            ]
    if problems:
        raise ConfigError(source, problems)
    if not items:
        raise ConfigError(source, [Problem("", "holds no work item")])
    return items


def _pick(items: list[WorkItem], key: str | None, source: str) -> WorkItem:
    if key is None:
        return items[0]
    for candidate in items:
        if candidate.key == key:
            return candidate
    raise ConfigError(source, [Problem("", f"has no item with key {key!r}")])


def _from_state(session: Session, key: str, tracker: str | None) -> tuple[WorkItem, JournalEntry, dict[str, WorkItem]]:
    with session.open_store() as store:
        trackers = [tracker] if tracker else store.trackers()
        for name in trackers:
            stored = store.items.get(name, key)
            if stored is None:
                continue
            known = {s.item.key: s.item for s in store.items.all(name)}
            journal = store.journal.get(name, [key]).get(key, JournalEntry())
            return stored.item, journal, known
    raise ConfigError(
        str(session.settings().state_file()),
        [Problem("", f"no issue {key!r} has been synced yet: run `syncd sync` first, or pass --item FILE")],
    )


def _tracker_labels(item: WorkItem, session: Session, strategy: Strategy) -> TrackerLabels:
    """Linear keeps objectives (and values, unless configured flat) in one-label-per-issue groups."""
    if item.kind is not TrackerKind.LINEAR:
        return TrackerLabels(strategy.labels)
    name = item.tracker.removeprefix("linear.")
    workspace = session.settings().linear.get(name)
    flat_values = workspace is not None and workspace.value_group is None
    return TrackerLabels(strategy.labels, exclusive_objectives=True, exclusive_values=not flat_values)


@state_app.command("show")
@_guarded
def state_show(ctx: typer.Context) -> None:
    """Print cursors, recent runs and pending writes."""
    session = _session(ctx)
    with session.open_store() as store:
        typer.echo(f"State file: {store.path} (schema {store.schema_version})")
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
        for run in store.runs.latest(limit=10):
            counts = ", ".join(f"{k} {v}" for k, v in run.counts.items())
            typer.echo(f"  run {run.id} {run.tracker} {run.started_at:%Y-%m-%d %H:%M} {run.status} {counts}".rstrip())


@state_app.command("reset")
@_guarded
def state_reset(
    ctx: typer.Context,
    tracker: Annotated[str | None, typer.Option("--tracker", "-t", help="Only this tracker.")] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Forget cursors, journal, outbox and reports (of one tracker, or all)."""
    session = _session(ctx)
    what = f"everything syncd remembers about {tracker}" if tracker else "everything syncd remembers"
    if not yes:
        typer.confirm(f"Delete {what}? Labels already on issues stay; the next sync starts from scratch.", abort=True)
    with session.open_store() as store:
        store.reset(tracker)
    typer.echo(f"Deleted {what}.")


@app.command()
@_guarded
def sync(
    ctx: typer.Context,
    tracker: Annotated[
        list[str] | None, typer.Option("--tracker", "-t", help="Only this tracker (repeatable), e.g. jira.acme.")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print the plan; write nothing anywhere.")] = False,
    full: Annotated[bool, typer.Option("--full", help="Read every issue, not only those updated.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Pass the safety stop of a full sync.")] = False,
    strategy_path: StrategyOption = None,
) -> None:
    """Sync trackers once: pull, map, write labels (exit 1 if some items failed, 3 if credentials failed)."""
    session = _session(ctx, strategy_path)
    settings, strategy = session.settings(), session.strategy()
    chosen = select_trackers(settings, tracker or ())
    control = RunControl(progress=progress_printer(session))
    options = SyncOptions(dry_run=dry_run, full=full, force=force)
    with session.open_store() as store:
        outcomes = sync_trackers(settings, strategy, store, chosen, options, control=control)
    if session.log_format != "json" and sys.stderr.isatty():
        sys.stderr.write("\r\033[K")
    for outcome in outcomes:
        for line in summarise_outcome(outcome, dry_run=dry_run):
            typer.echo(line, err=outcome.error is not None)
    raise typer.Exit(worst_exit_code(outcome.exit_code for outcome in outcomes))


@app.command()
@_guarded
def report(
    ctx: typer.Context,
    tracker: Annotated[
        str | None, typer.Option("--tracker", "-t", help="The scope of md/adf/wiki output (default: all).")
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="md, json, html, adf or wiki.")] = "md",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
    post: Annotated[bool, typer.Option("--post", help="Post each tracker's comment (when figures changed).")] = False,
    per_team: Annotated[bool, typer.Option("--per-team", help="Add figures per team or project.")] = False,
    strategy_path: StrategyOption = None,
) -> None:
    """Render the drift report from what the last syncs stored, or post it as tracker comments."""
    session = _session(ctx, strategy_path)
    settings, strategy = session.settings(), session.strategy()
    configured = select_trackers(settings)
    scope = next(iter(select_trackers(settings, [tracker]))) if tracker else "all"
    with session.open_store() as store:
        drift = build_report(store, strategy, configured, now=datetime.now(UTC), per_team=per_team)
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
@_guarded
def run(ctx: typer.Context, strategy_path: StrategyOption = None) -> None:
    """Run as a service: sync every interval, serve /healthz and /metrics, reload the strategy on SIGHUP."""
    session = _session(ctx, strategy_path)
    settings, strategy = session.settings(), session.strategy()
    with session.open_store() as store:
        service = Service(settings=settings, strategy=strategy, strategy_path=session.strategy_file(), store=store)
        code = service.run()
    raise typer.Exit(code)


@app.command()
@_guarded
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
    session = _session(ctx)
    if session.log_level == "info":
        configure_logging(format=session.log_format, level="warning")  # the summary says what happened
    result = run_demo(directory, out=typer.echo, keep_running=keep_running, progress=progress_printer(session))
    raise typer.Exit(0 if result.ok else EXIT_PARTIAL)


def main() -> None:
    """The console script."""
    app()
