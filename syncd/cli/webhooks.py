"""``syncd webhooks``: register syncd's webhook endpoint on each tracker, list it, remove it."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from syncd.cli.session import Session, guarded, say, session_of
from syncd.errors import TrackerError
from syncd.service.webhooks.registration import install, listed, remove
from syncd.settings import Settings
from syncd.state import Mark, StateStore
from syncd.sync.all_trackers import select_trackers

__all__ = ["check_lines", "webhook_check_lines", "webhooks_app"]

webhooks_app = typer.Typer(
    help="Register syncd's webhook endpoint on the trackers (README, Webhooks).", no_args_is_help=True
)
TrackerOption = Annotated[list[str] | None, typer.Option("--tracker", "-t", help="Only these trackers.")]


@webhooks_app.command("install")
@guarded
def install_command(ctx: typer.Context, tracker: TrackerOption = None) -> None:
    """Register the endpoint on each tracker where it is not registered yet (safe to run again)."""
    settings = session_of(ctx).settings()
    for name, site in select_trackers(settings, tracker or ()).items():
        hooks, added = install(settings, name, site)
        verb = "registered" if added else "already registered"
        described = ", ".join(f"{hook.id} ({hook.scope or 'every project'})" for hook in hooks)
        say(f"{name}: {verb}: {described}")


@webhooks_app.command("list")
@guarded
def list_command(ctx: typer.Context, tracker: TrackerOption = None) -> None:
    """Show syncd's webhooks on each tracker."""
    settings = session_of(ctx).settings()
    for name, site in select_trackers(settings, tracker or ()).items():
        hooks = listed(settings, name, site)
        say(f"{name}: {len(hooks)} webhook(s)" + "".join(f"\n  {h.id} {h.url} {h.scope}" for h in hooks))


@webhooks_app.command("remove")
@guarded
def remove_command(ctx: typer.Context, tracker: TrackerOption = None) -> None:
    """Delete syncd's webhooks from each tracker (other integrations' webhooks are left alone)."""
    settings = session_of(ctx).settings()
    for name, site in select_trackers(settings, tracker or ()).items():
        say(f"{name}: removed {len(remove(settings, name, site))} webhook(s)")


def webhook_check_lines(settings: Settings, store: StateStore | None) -> list[str]:
    """``syncd check``'s lines on webhooks: registered or not, and when the last one arrived."""
    if not settings.service.webhooks.enabled:
        return []
    lines = ["webhooks:"]
    for name, site in settings.trackers().items():
        last = store.marks.get(name, Mark.LAST_WEBHOOK) if store is not None else None
        when = f"last arrived {datetime.fromisoformat(last):%Y-%m-%d %H:%M:%S %Z}" if last else "none arrived yet"
        try:
            hooks = listed(settings, name, site)
            registered = f"registered ({len(hooks)})" if hooks else "not registered: run `syncd webhooks install`"
        except Exception as error:  # a check reports, it never stops
            registered = f"unknown ({error.message if isinstance(error, TrackerError) else error})"
        lines.append(f"  {name}: {registered}; {when}")
    return lines


def check_lines(session: Session) -> list[str]:
    """:func:`webhook_check_lines` with the state store when there is one (a check never creates it)."""
    settings = session.settings()
    if not settings.service.webhooks.enabled:
        return []
    target = settings.state_target()
    if isinstance(target, Path) and not target.exists():
        return webhook_check_lines(settings, None)
    with session.open_store() as store:
        return webhook_check_lines(settings, store)
