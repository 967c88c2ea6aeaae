"""The ``--json`` output of ``sync``, ``check`` and ``state show``: stable documents for scripts and CI.

Each document carries ``"schema": 1`` and the command's name; keys may be added, none removed or renamed
without raising the number (as the report's JSON). Pure functions over what the commands already hold,
so the text and the JSON of a command always say the same thing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from syncd.cli.webhooks import WebhookStatus
from syncd.connectors.base import Check
from syncd.errors import ConfigError
from syncd.logging import REDACTOR
from syncd.state import OutboxEntry, RunRecord
from syncd.sync.all_trackers import TrackerOutcome

__all__ = ["COMMAND_SCHEMA_VERSION", "check_json", "state_json", "sync_json"]

COMMAND_SCHEMA_VERSION = 1


def _document(command: str, exit_code: int, **body: Any) -> dict[str, Any]:
    return {"schema": COMMAND_SCHEMA_VERSION, "command": command, "exit_code": exit_code, **body}


def sync_json(outcomes: Sequence[TrackerOutcome], *, dry_run: bool, exit_code: int) -> dict[str, Any]:
    """What ``syncd sync --json`` prints: per tracker, its status, counts, errors, planned changes (dry run)
    and what became of its drift report."""
    return _document("sync", exit_code, dry_run=dry_run, trackers=[_tracker_sync(o, dry_run) for o in outcomes])


def _tracker_sync(outcome: TrackerOutcome, dry_run: bool) -> dict[str, Any]:
    result = outcome.result
    entry: dict[str, Any] = {
        "name": outcome.name,
        "status": result.status if result is not None else "failed",
        "error": REDACTOR.text(outcome.error) if outcome.error else None,
        "counts": result.counts() if result is not None else None,
        "errors": [REDACTOR.text(e) for e in result.errors] if result is not None else [],
        "report": None,
    }
    if dry_run and result is not None:
        entry["changes"] = [
            {"key": c.key, "add": list(c.add), "remove": list(c.remove), "why": c.why} for c in result.changes
        ]
    post = outcome.report
    if post is not None:
        entry["report"] = {
            "issue": post.target,
            "posted": post.posted,
            "error": post.error,
            "notices": post.notices,
            "notice_failures": post.notice_failures,
        }
    return entry


def check_json(
    *,
    exit_code: int,
    settings_source: str,
    strategy_source: str | None,
    problems: Iterable[ConfigError],
    warnings: Iterable[object],
    trackers: dict[str, list[Check]],
    webhooks: Iterable[WebhookStatus] = (),
) -> dict[str, Any]:
    """What ``syncd check --json`` prints: every problem with its file and place, the strategy's warnings,
    each tracker's checklist (``ok`` null when it could not be told) and, when webhooks are on, each
    tracker's webhooks (``registered`` null when the tracker could not say)."""
    return _document(
        "check",
        exit_code,
        settings=settings_source,
        strategy=strategy_source,
        problems=[
            {"source": error.source, "location": p.location, "message": REDACTOR.text(p.message)}
            for error in problems
            for p in error.problems
        ],
        warnings=[str(w) for w in warnings],
        trackers=[
            {"name": name, "checks": [{"name": c.name, "ok": c.ok, "detail": REDACTOR.text(c.detail)} for c in checks]}
            for name, checks in trackers.items()
        ],
        webhooks=[
            {
                "tracker": status.tracker,
                "registered": status.registered,
                "error": status.error,
                "last_arrived": status.last_arrived.isoformat() if status.last_arrived else None,
            }
            for status in webhooks
        ],
    )


def state_json(
    *,
    state_file: str,
    schema_version: int | None,
    trackers: Iterable[tuple[str, str | None, int, Sequence[OutboxEntry], Sequence[OutboxEntry]]],
    runs: Iterable[RunRecord],
) -> dict[str, Any]:
    """What ``syncd state show --json`` prints; ``schema_version`` null when there is no state yet."""
    return _document(
        "state show",
        0,
        state_file=state_file,
        state_schema=schema_version,
        trackers=[
            {
                "name": name,
                "cursor": cursor,
                "items": items,
                "pending": [_write(op) for op in pending],
                "refused": [_write(op) for op in refused],
            }
            for name, cursor, items, pending, refused in trackers
        ],
        runs=[
            {
                "id": run.id,
                "tracker": run.tracker,
                "started_at": run.started_at.isoformat(),
                "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                "status": run.status,
                "counts": run.counts,
                "error": REDACTOR.text(run.error) if run.error else None,
            }
            for run in runs
        ],
    )


def _write(op: OutboxEntry) -> dict[str, Any]:
    error = REDACTOR.text(op.last_error) if op.last_error else None
    return {"kind": op.kind, "key": op.key, "attempts": op.attempts, "last_error": error}
