"""``syncd state``: show what syncd remembers of each tracker, or forget it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from pydantic import SecretStr

from syncd.cli.json_documents import state_json
from syncd.cli.session import guarded, say, session_of
from syncd.errors import ConfigError, Problem
from syncd.logging import REDACTOR
from syncd.state import Mark, StateStore

__all__ = ["state_app"]

state_app = typer.Typer(help="Inspect or reset the state store.", no_args_is_help=True)


@state_app.command("show")
@guarded
def state_show(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")] = False,
) -> None:
    """Print cursors, recent runs and pending writes."""
    session = session_of(ctx)
    target = session.settings().state_target()
    if isinstance(target, Path) and not target.exists():
        if as_json:
            document = state_json(state_file=str(target), schema_version=None, trackers=[], runs=[])
            say(json.dumps(document, indent=2))
            return
        say(f"No state yet: {target} does not exist (nothing has been synced with these settings).")
        return
    with session.open_store() as store:
        trackers = [
            (
                name,
                store.marks.get(name, Mark.PULL_CURSOR),
                store.items.count(name),
                store.outbox.pending(name),
                store.outbox.refused(name),
            )
            for name in store.trackers()
        ]
        runs = store.runs.latest(limit=10)
        if as_json:
            document = state_json(
                state_file=store.location, schema_version=store.schema_version, trackers=trackers, runs=runs
            )
            say(json.dumps(document, indent=2, ensure_ascii=False))
            return
        say(f"State: {store.location} (schema {store.schema_version})")
        if not trackers:
            say("  nothing synced yet")
        for name, cursor, items, pending, refused in trackers:
            say(f"  {name}: cursor {cursor or 'none'}, {items} items, {len(pending)} pending writes")
            for op in pending[:10]:
                say(f"    pending {op.kind} {op.key} (attempts {op.attempts}) {op.last_error or ''}".rstrip())
            for op in refused:
                say(f"    refused {op.kind} {op.key}, not retried: {op.last_error or 'no reason given'}")
        for run in runs:
            counts = ", ".join(f"{k} {v}" for k, v in run.counts.items())
            say(f"  run {run.id} {run.tracker} {run.started_at:%Y-%m-%d %H:%M} {run.status} {counts}".rstrip())


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
            question = (
                f"Delete {what}? Labels already on issues stay; the next sync starts from scratch and reads "
                "the label history of each labelled issue once, to tell syncd's labels from people's."
            )
            typer.confirm(question, abort=True)
        store.reset(tracker)
    say(f"Deleted {what}.")


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
    say(f"Copied the state {where}: " + ", ".join(f"{table} {rows}" for table, rows in copied.items()))
