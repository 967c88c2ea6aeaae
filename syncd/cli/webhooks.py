"""``syncd webhooks``: register syncd's webhook endpoint on each tracker, list it, remove it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from syncd.cli.session import Session, guarded, say, session_of
from syncd.errors import TrackerError
from syncd.logging import REDACTOR
from syncd.service.webhooks.registration import install, listed, remove
from syncd.settings import Settings
from syncd.state import Mark, StateStore
from syncd.sync.all_trackers import select_trackers

__all__ = ["WebhookStatus", "check_lines", "check_statuses", "webhook_statuses", "webhooks_app"]

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


@dataclass(frozen=True, slots=True)
class WebhookStatus:
    """What ``syncd check`` can tell of one tracker's webhooks.

    Attributes:
        registered: syncd's webhooks registered on the tracker; None when the tracker could not say.
        error: why it could not say, when it could not.
        last_arrived: when the last verified delivery arrived, as the state recorded it.
    """

    tracker: str
    registered: int | None
    error: str | None
    last_arrived: datetime | None

    def line(self) -> str:
        if self.registered is None:
            registered = f"unknown ({self.error})"
        elif self.registered:
            registered = f"registered ({self.registered})"
        else:
            registered = "not registered: run `syncd webhooks install`"
        when = f"last arrived {self.last_arrived:%Y-%m-%d %H:%M:%S %Z}" if self.last_arrived else "none arrived yet"
        return f"  {self.tracker}: {registered}; {when}"


def webhook_statuses(settings: Settings, store: StateStore | None) -> list[WebhookStatus]:
    """Each tracker's webhooks as ``syncd check`` reports them: registered or not, and when the last one
    arrived; empty when webhooks are off."""
    if not settings.service.webhooks.enabled:
        return []
    statuses = []
    for name, site in settings.trackers().items():
        last = store.marks.get(name, Mark.LAST_WEBHOOK) if store is not None else None
        arrived = datetime.fromisoformat(last) if last else None
        try:
            statuses.append(WebhookStatus(name, len(listed(settings, name, site)), None, arrived))
        except Exception as error:  # a check reports, it never stops
            said = error.message if isinstance(error, TrackerError) else str(error)
            statuses.append(WebhookStatus(name, None, REDACTOR.text(said), arrived))
    return statuses


def check_statuses(session: Session) -> list[WebhookStatus]:
    """:func:`webhook_statuses` with the state store when there is one (a check never creates it)."""
    settings = session.settings()
    if not settings.service.webhooks.enabled:
        return []
    target = settings.state_target()
    if isinstance(target, Path) and not target.exists():
        return webhook_statuses(settings, None)
    with session.open_store() as store:
        return webhook_statuses(settings, store)


def check_lines(statuses: list[WebhookStatus]) -> list[str]:
    """``syncd check``'s lines on webhooks."""
    return ["webhooks:", *(status.line() for status in statuses)] if statuses else []
