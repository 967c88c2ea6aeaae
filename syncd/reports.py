"""Drift reports from the state store, posted as tracker comments through the outbox.

The report is computed from the item snapshots the syncs stored, for every tracker together, so posting
needs no extra reads. Each tracker gets one comment on the issue the strategy names for its kind, in its
own format (ADF on Jira Cloud, wiki markup on Data Center, Markdown on Linear):

* ``mode: update`` edits one comment in place; ``mode: append`` starts a new one each period.
* A comment is written only when its figures changed (every edit notifies the issue's watchers).
* The post goes through the outbox like a label write. The comment id is kept in the state store, and a
  marker line in the body lets syncd find its own comment if the state is lost, so a crash between the
  post and the state write, or a retry, edits the comment instead of adding a second one.

A snapshot of the report is stored whenever its figures change; the next report's trend compares with it.
Optional notices (``report.notify_unaligned``) comment once on unaligned issues in progress.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.connectors.base import Connector
from syncd.drift import analyse
from syncd.drift_model import DriftReport, Figures
from syncd.errors import Fatal, TrackerError
from syncd.logging import get_logger
from syncd.model import StatusCategory, TrackerKind
from syncd.render import Format, comment_body, marker_for, render_blocks
from syncd.render.blocks import Block, BulletList, Paragraph, Text
from syncd.state import StateStore
from syncd.strategy import Strategy

__all__ = ["COMMENT", "SNAPSHOT_SCOPE", "PostResult", "build_report", "figures_hash", "post_reports"]

_log = get_logger("syncd.reports")
COMMENT = "comment"
SNAPSHOT_SCOPE = "report"
_ANY_PERIOD = "*"
_NOTICE = "notice"


@dataclass(frozen=True, slots=True)
class PostResult:
    """What happened to one tracker's report comment (and its notices)."""

    tracker: str
    target: str | None
    posted: bool
    unchanged: bool = False
    notices: int = 0
    error: str | None = None


def build_report(
    store: StateStore, strategy: Strategy, trackers: Iterable[str], *, now: datetime, per_team: bool = False
) -> DriftReport:
    """The report over every stored item of the trackers, with the trend since the last snapshot."""
    names = list(trackers)
    entries = ((stored.item, stored.alignment) for name in names for stored in store.items.all(name))
    last = store.snapshots.last(SNAPSHOT_SCOPE)
    return analyse(entries, strategy, now=now, previous=last[1] if last else None, per_team=per_team)


def figures_hash(figures: Figures, report: DriftReport) -> str:
    """A fingerprint of what a comment shows, without its time stamps and trend, which move every run."""
    data = figures.to_json()
    for objective in (*data["objectives"], data["unaligned"]):
        objective.pop("previous")
        objective.pop("last_active")
    data.pop("previous_score")
    data["starved"] = [o.id for o in report.overall.starved]
    data["all_score"] = report.overall.to_json()["score"]
    data["period"] = report.period
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def record_snapshot(store: StateStore, report: DriftReport) -> bool:
    """Keep the report's figures for the next trend, when they changed since the last snapshot."""
    digest = figures_hash(report.overall, report)
    last = store.snapshots.last(SNAPSHOT_SCOPE)
    if last is not None and last[1].get("fingerprint") == digest:
        return False
    store.snapshots.add(SNAPSHOT_SCOPE, {**report.to_json(), "fingerprint": digest})
    return True


def comment_format(connector: Connector) -> Format:
    if connector.kind is TrackerKind.LINEAR:
        return "md"
    cloud = getattr(getattr(connector, "profile", None), "cloud", True)
    return "adf" if cloud else "wiki"


def post_reports(
    report: DriftReport, strategy: Strategy, store: StateStore, connectors: Mapping[str, Connector]
) -> list[PostResult]:
    """Queue and send each tracker's report comment (and notices); one tracker's failure stays its own."""
    results = []
    for name, connector in connectors.items():
        target = _target(strategy, connector)
        try:
            queued = _queue_comment(report, strategy, store, name, connector, target)
            notices = _queue_notices(strategy, store, name, connector)
            _send_pending(store, name, connector)
        except TrackerError as error:
            _log.warning("report.failed", tracker=name, error=str(error))
            results.append(PostResult(name, target, posted=False, error=str(error)))
            continue
        results.append(
            PostResult(name, target, posted=queued, unchanged=target is not None and not queued, notices=notices)
        )
    record_snapshot(store, report)
    return results


def _target(strategy: Strategy, connector: Connector) -> str | None:
    options = strategy.report.jira if connector.kind is TrackerKind.JIRA else strategy.report.linear
    return options.issue if options else None


def _queue_comment(
    report: DriftReport, strategy: Strategy, store: StateStore, name: str, connector: Connector, target: str | None
) -> bool:
    if target is None:
        return False
    figures = report.scope(name) or report.overall
    append = strategy.report.mode == "append"
    period = report.period if append else _ANY_PERIOD
    digest = figures_hash(figures, report)
    stored = store.comments.get(name, target, period)
    if stored is not None and stored.body_hash == digest:
        return False
    marker = marker_for(name, report.period if append else None)
    body = comment_body(report, name, comment_format(connector), marker)
    payload = {"target": target, "marker": marker, "body": body, "hash": digest, "period": period}
    store.outbox.enqueue(name, COMMENT, [(f"{target}:{period}", payload)])
    return True


def _queue_notices(strategy: Strategy, store: StateStore, name: str, connector: Connector) -> int:
    options = strategy.report
    if not options.notify_unaligned or options.max_notices == 0:
        return 0
    queued = 0
    for stored in store.items.all(name):
        if queued >= options.max_notices:
            break
        item = stored.item
        if item.status is not StatusCategory.IN_PROGRESS or (stored.alignment and stored.alignment.aligned):
            continue
        if store.comments.get(name, item.key, _NOTICE) is not None:
            continue
        marker = marker_for(f"{name}:notice:{item.key}")
        body = _notice_body(strategy, connector, marker)
        payload = {"target": item.key, "marker": marker, "body": body, "hash": "notice", "period": _NOTICE}
        store.outbox.enqueue(name, COMMENT, [(f"{item.key}:{_NOTICE}", payload)])
        queued += 1
    return queued


def _notice_body(strategy: Strategy, connector: Connector, marker: str) -> Any:
    scheme = strategy.labels
    blocks: list[Block] = [
        Paragraph(
            (
                Text(f"syncd found no objective of the {strategy.period} strategy that this issue serves. "),
                Text("If it serves one, add that objective's label and syncd will keep it:"),
            )
        ),
        BulletList(
            tuple((Text(scheme.objective_label(o.id), strong=True), Text(f" {o.name}")) for o in strategy.objectives)
        ),
        Paragraph((Text(f"{marker} — posted once by syncd.", muted=True),)),
    ]
    return render_blocks(blocks, comment_format(connector))


def _send_pending(store: StateStore, name: str, connector: Connector) -> None:
    for entry in store.outbox.pending(name, COMMENT):
        payload = entry.payload
        stored = store.comments.get(name, payload["target"], payload["period"])
        try:
            comment_id = connector.upsert_comment(
                payload["target"], payload["marker"], payload["body"], stored.comment_id if stored else None
            )
        except TrackerError as error:
            store.outbox.fail(entry.id, str(error), give_up=isinstance(error, Fatal), uncertain=error.status is None)
            raise
        with store.transaction():
            store.comments.put(name, payload["target"], payload["period"], comment_id, payload["hash"])
            store.outbox.complete(name, [(entry.id, entry.key, None)])
        _log.info("report.posted", tracker=name, issue=payload["target"], comment=comment_id)
