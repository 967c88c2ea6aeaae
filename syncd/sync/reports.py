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

Optional notices (``report.notify_unaligned``) comment once on unaligned issues in progress, at most
``max_notices`` a run. They have their own outbox kind and are sent after the report comment, so a notice
that fails never holds the report back, and one left pending by an earlier run takes a place under the
cap instead of going out on top of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import islice
from typing import Any

from syncd.connectors.base import Connector
from syncd.core.drift import ALL, analyse
from syncd.core.drift_history import history_of
from syncd.core.drift_model import DriftReport, Figures
from syncd.core.review_figures import ReviewFigures
from syncd.errors import AuthError, TrackerError
from syncd.logging import get_logger
from syncd.model import StatusCategory, TrackerKind
from syncd.render import Format, comment_body, marker_for, render_blocks
from syncd.render.blocks import Block, BulletList, Paragraph, Text
from syncd.state import OutboxEntry, StateStore, StoredItem
from syncd.strategy import Strategy
from syncd.sync.review import current_answers, review_figures
from syncd.sync.writes import gives_up

__all__ = [
    "COMMENT",
    "NOTICE",
    "SNAPSHOT_SCOPE",
    "CommentWrite",
    "PostResult",
    "build_report",
    "figures_hash",
    "post_reports",
]

_log = get_logger("syncd.sync.reports")
COMMENT = "comment"
SNAPSHOT_SCOPE = "report"
_ANY_PERIOD = "*"
NOTICE = "notice"
_NOTICE_PERIOD = "notice"
_GIVEN_UP = "given-up"


@dataclass(frozen=True, slots=True)
class PostResult:
    """What happened to one tracker's report comment (and its notices).

    Attributes:
        notices: notices posted in this run; ``notice_failures`` the ones the tracker refused, which never
            count as the report's ``error``.
    """

    tracker: str
    target: str | None
    posted: bool
    unchanged: bool = False
    notices: int = 0
    notice_failures: int = 0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class CommentWrite:
    """One comment of the outbox's ``comment`` and ``notice`` kinds, and what to keep once the tracker
    confirms it: the comment's id under ``target`` and ``period``, with ``hash``, the fingerprint of what
    it shows (an unchanged report is not posted again).

    Its payload is ``{"target", "marker", "body", "hash", "period"}``; ``body`` is in the tracker's
    comment format (an ADF document, or a wiki or Markdown string).
    """

    target: str
    marker: str
    body: Any
    hash: str
    period: str

    def encode(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "marker": self.marker,
            "body": self.body,
            "hash": self.hash,
            "period": self.period,
        }

    @classmethod
    def decode(cls, entry: OutboxEntry) -> CommentWrite:
        payload = entry.payload
        return cls(payload["target"], payload["marker"], payload["body"], payload["hash"], payload["period"])


@dataclass(frozen=True, slots=True)
class _Poster:
    """What every step of posting to one tracker works with."""

    strategy: Strategy
    store: StateStore
    name: str
    connector: Connector


def build_report(
    store: StateStore, strategy: Strategy, trackers: Iterable[str], *, now: datetime, per_team: bool = False
) -> DriftReport:
    """The report over every stored item of the trackers, with the trend since the last snapshot."""
    names = list(trackers)
    entries = ((stored.item, stored.alignment) for name in names for stored in store.items.all(name))
    last = store.snapshots.last(SNAPSHOT_SCOPE)
    report = analyse(entries, strategy, now=now, previous=last[1] if last else None, per_team=per_team)
    report = replace(report, review=_review(store, strategy, names, now=now))
    reports = [*store.snapshots.recent(SNAPSHOT_SCOPE), report.to_json()]
    return replace(report, history=history_of(reports, period=report.period))


def _review(store: StateStore, strategy: Strategy, names: list[str], *, now: datetime) -> tuple[ReviewFigures, ...]:
    """What the answers of ``syncd review`` that still count say about the figures (none without answers)."""
    answers = current_answers(store.reviews.of_period(strategy.period), strategy)
    if not answers:
        return ()
    entries = ((stored.item, stored.alignment) for name in names for stored in store.items.all(name))
    return review_figures(entries, answers, strategy, now=now, scopes=[ALL, *names])


def figures_hash(figures: Figures, report: DriftReport, *, with_teams: bool = True) -> str:
    """A fingerprint of what a comment shows, without its time stamps and trend, which move every run.

    A per-team report's comment also shows its teams, so they count too; without teams the fingerprint
    is what it always was, so an upgrade does not edit every comment once.
    """
    data = _steady(figures.to_json())
    data["starved"] = [o.id for o in report.overall.starved]
    data["all_score"] = report.overall.to_json()["score"]
    data["period"] = report.period
    review = report.review_of(figures.scope)
    if review is not None:
        data["review"] = review.to_json()
    teams = report.teams_of(figures.scope) if with_teams else ()
    if teams:
        data["teams"] = [_steady(team.to_json()) for team in teams]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def _steady(data: dict[str, Any]) -> dict[str, Any]:
    """Figures without what changes on its own between runs: the trend, the last-active times, and the
    order of equal efforts among the largest unaligned issues (by last update, which syncd's own label
    writes move). Declined and unestimated work count only when the comment shows them, so an upgrade
    does not edit every comment once."""
    for objective in (*data["objectives"], data["unaligned"]):
        objective.pop("previous")
        objective.pop("last_active")
    data.pop("previous_score")
    data["largest_unaligned"].sort(key=lambda u: (-u["effort"], u["key"], u["tracker"]))
    if not data["declined"]["items"]:
        data.pop("declined")
    if not data["unestimated"]:
        data.pop("unestimated")
    return data


def record_snapshot(store: StateStore, report: DriftReport) -> bool:
    """Keep the report's figures for the next trend, when they changed since the last snapshot.

    Teams do not count here: a ``--per-team`` post between two syncs would otherwise add a snapshot of
    unchanged figures and move the date the next trend is "since".
    """
    digest = figures_hash(report.overall, report, with_teams=False)
    last = store.snapshots.last(SNAPSHOT_SCOPE)
    if last is not None and last[1].get("fingerprint") == digest:
        return False
    store.snapshots.add(SNAPSHOT_SCOPE, {**report.to_json(), "fingerprint": digest})
    return True


def comment_format(connector: Connector) -> Format:
    return connector.comment_format


def post_reports(
    report: DriftReport, strategy: Strategy, store: StateStore, connectors: Mapping[str, Connector]
) -> list[PostResult]:
    """Queue and send each tracker's report comment, then its notices; one tracker's failure stays its own."""
    results = [
        _post_tracker(report, _Poster(strategy, store, name, connector)) for name, connector in connectors.items()
    ]
    record_snapshot(store, report)
    return results


def _post_tracker(report: DriftReport, post: _Poster) -> PostResult:
    """The report comment first and on its own: a notice that fails must never keep the report from a tracker.

    Everything runs under the tracker's report lock, and the stored comment and the marker are looked for
    under it: a second process posting at the same time finds the first one's comment and edits it."""
    with post.store.report_lock(post.name):
        return _post_locked(report, post)


def _post_locked(report: DriftReport, post: _Poster) -> PostResult:
    target = _target(post.strategy, post.connector)
    error: str | None = None
    queued = False
    try:
        queued = _queue_comment(report, post, target)
        _send_report(post)
    except TrackerError as failure:
        _log.warning("report.failed", tracker=post.name, error=str(failure))
        error = str(failure)
    _queue_notices(post)
    sent, failed = _send_notices(post)
    posted = queued and error is None
    unchanged = target is not None and not queued and error is None
    return PostResult(post.name, target, posted, unchanged, notices=sent, notice_failures=failed, error=error)


def _target(strategy: Strategy, connector: Connector) -> str | None:
    options = strategy.report.jira if connector.kind is TrackerKind.JIRA else strategy.report.linear
    return options.issue if options else None


def _queue_comment(report: DriftReport, post: _Poster, target: str | None) -> bool:
    if target is None:
        return False
    figures = report.scope(post.name) or report.overall
    append = post.strategy.report.mode == "append"
    period = report.period if append else _ANY_PERIOD
    digest = figures_hash(figures, report)
    stored = post.store.comments.get(post.name, target, period)
    if stored is not None and stored.body_hash == digest:
        return False
    marker = marker_for(post.name, report.period if append else None)
    body = comment_body(report, post.name, comment_format(post.connector), marker)
    write = CommentWrite(target, marker, body, digest, period)
    post.store.outbox.enqueue(post.name, COMMENT, [(f"{target}:{period}", write.encode())])
    return True


def _send_report(post: _Poster) -> None:
    """Send the pending report comment; raises what the tracker answered, after recording it."""
    store, name = post.store, post.name
    entries = store.outbox.pending(name, COMMENT)
    legacy = [entry.key for entry in entries if CommentWrite.decode(entry).period == _NOTICE_PERIOD]
    store.outbox.supersede(name, COMMENT, legacy)  # an earlier version's notices: queued again if they still apply
    for entry in entries:
        if entry.key not in legacy:
            _send(post, entry)


def _queue_notices(post: _Poster) -> None:
    """Make the pending notices this run's at most ``max_notices``: earlier ones that still apply first
    (they hold their place under the cap), then new ones; notices that no longer apply are dropped."""
    store, name = post.store, post.name
    options = post.strategy.report
    limit = options.max_notices if options.notify_unaligned else 0
    pending = [entry.key for entry in store.outbox.pending(name, NOTICE)]
    known = store.items.by_key(name, pending)
    kept = [key for key in pending if key in known and _needs_notice(post, known[key])][:limit]
    store.outbox.supersede(name, NOTICE, [key for key in pending if key not in kept])
    fresh = (
        stored.item.key
        for stored in store.items.all(name)
        if stored.item.key not in kept and _needs_notice(post, stored)
    )
    keys = [*kept, *islice(fresh, limit - len(kept))]
    store.outbox.enqueue(name, NOTICE, [(key, _notice(post, key).encode()) for key in keys])


def _needs_notice(post: _Poster, stored: StoredItem) -> bool:
    """Unaligned work in progress that has no notice yet (nor one the tracker refused for good)."""
    item, alignment = stored.item, stored.alignment
    if item.status is not StatusCategory.IN_PROGRESS or (alignment is not None and alignment.aligned):
        return False
    return post.store.comments.get(post.name, item.key, _NOTICE_PERIOD) is None


def _notice(post: _Poster, key: str) -> CommentWrite:
    marker = marker_for(f"{post.name}:notice:{key}")
    return CommentWrite(key, marker, _notice_body(post, marker), "notice", _NOTICE_PERIOD)


def _notice_body(post: _Poster, marker: str) -> Any:
    strategy = post.strategy
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
    return render_blocks(blocks, comment_format(post.connector))


def _send_notices(post: _Poster) -> tuple[int, int]:
    """Send the pending notices; each failure is logged and counted, never raised. A notice the tracker
    refuses for good (the issue is gone, or syncd may not comment on it) is recorded as given up, so it
    does not come back and hold a place under the cap; refused credentials end this run's notices."""
    sent = failed = 0
    for entry in post.store.outbox.pending(post.name, NOTICE):
        try:
            _send(post, entry)
        except TrackerError as error:
            failed += 1
            _log.warning("notice.failed", tracker=post.name, issue=entry.key, error=str(error))
            if gives_up(error):
                post.store.comments.put(post.name, entry.key, _NOTICE_PERIOD, "", _GIVEN_UP)
            if isinstance(error, AuthError):
                break
            continue
        sent += 1
    return sent, failed


def _send(post: _Poster, entry: OutboxEntry) -> None:
    """Post or edit one comment from the outbox, and record its id with the op done in one transaction."""
    store, name = post.store, post.name
    write = CommentWrite.decode(entry)
    stored = store.comments.get(name, write.target, write.period)
    store.fence(name)  # posting is leased too: a replica that lost the tracker posts nothing
    try:
        comment_id = post.connector.upsert_comment(
            write.target, write.marker, write.body, stored.comment_id if stored else None
        )
    except TrackerError as error:
        store.outbox.fail(entry.id, str(error), give_up=gives_up(error), uncertain=error.may_have_landed)
        raise

    def keep() -> None:
        store.comments.put(name, write.target, write.period, comment_id, write.hash)

    store.outbox.complete(name, [entry.id], keep=keep)
    _log.info("report.posted", tracker=name, issue=write.target, comment=comment_id)
