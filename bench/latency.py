"""Syncs at a real site's latency: cold, warm and 1%-changed syncs with every answer held ``--latency`` ms
(with jitter) and the emulators' default rate limits on, in requests beside the lower bound and in wall
time, beside the per-issue behaviour.

Jira Cloud writes labels through bulk edit: the lower bound is the pages of the maximum size for the issues
that must be read, one submission and one task poll per 1,000 issues of each label change (bulk edit
takes one ADD or REMOVE per field, so each distinct change is a task of its own), and the report comment.
Linear's bound is the pages, one batch update per 50 changed issues (``issueBatchUpdate`` takes 50 ids at
most) and the report comment. The per-issue rows are Jira's fallback (an account without the
global Bulk change permission) measured without latency; their wall time at the latency is estimated as
the measured time plus one round trip per request, since those requests are sent one after another.

Both emulators enforce their default limits: Jira Cloud's burst limit, Linear's hourly budgets of a
personal API key (2,500 requests, 3,000,000 complexity points). syncd paces itself by the answers'
rate-limit headers, and the 429s column counts what it tripped anyway.

Between the cold sync and the next, the emulators' clocks are moved on ``--settle`` seconds instead of
waiting: the "settle" sync re-reads syncd's own writes once, and the warm rows then read nothing new.
Linear's clock is moved on an hour between phases, so each sync starts with the full budgets a daily sync
finds; a cold sync of 100,000 issues spends most of an hour's request budget by itself.

    python -m bench.latency --sizes 10000 --latency 150
"""

from __future__ import annotations

import argparse
import math
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import JIRA_PAGE, LINEAR_PAGE, Measured, Site, measure_sync, write_json
from bench.economy import bound, person_changes
from syncd.connectors.linear import BATCH_LIMIT as LINEAR_BATCH

__all__ = ["batch_bound", "bulk_bound", "run"]

MAX_BULK = 1000
HOUR = 3600.0


def bulk_bound(site: Site, measured: Measured, *, read: int) -> int:
    """Pages, one submission and one poll per 1,000 issues of each (verb, labels) the tasks carried, and
    the report comment."""
    issues: Counter[tuple[tuple[str, str], ...]] = Counter()
    for task in site.jira.app.bulk.tasks():
        issues[task.ops] += len(task.issues)
    tasks = sum(math.ceil(n / MAX_BULK) for n in issues.values())
    pages = max(1, math.ceil(read / JIRA_PAGE))
    report = 1 if measured.changed or measured.phase.startswith("cold") else 0
    return pages + 2 * tasks + report


def run(
    kind: str, count: int, *, latency: float, settle: float, concurrency: int | None = None
) -> list[dict[str, Any]]:
    """Cold, settle, warm and 1%-changed syncs of one tracker at ``latency`` seconds a round trip, with
    ``concurrency`` requests in flight (the tracker's default when None)."""
    rows: list[dict[str, Any]] = []
    with (
        Site(kind, count, latency=latency, jitter=latency / 5, limits=True) as site,
        tempfile.TemporaryDirectory() as scratch,
    ):
        config = site.settings(Path(scratch), concurrency=concurrency)
        phases = [("cold", count), ("settle (re-reads syncd's own writes)", 0), ("warm, nothing changed", 0)]
        for phase, read in phases:
            _clear_tasks(site)
            measured = measure_sync(site, config, phase)
            rows.append(_row(site, measured, _bound(site, measured, read=read), latency))
            site.emulator.clock.advance(_pause(kind, phase, settle))
        changed = person_changes(site, 0.01)
        _clear_tasks(site)
        measured = measure_sync(site, config, "warm, 1% changed")
        rows.append(_row(site, measured, _bound(site, measured, read=changed), latency))
    return rows


def per_issue(count: int, *, latency: float) -> list[dict[str, Any]]:
    """Jira Cloud's one-edit-per-issue fallback, measured without latency, its wall time estimated."""
    rows: list[dict[str, Any]] = []
    with Site("jira", count, bulk_change=False) as site, tempfile.TemporaryDirectory() as scratch:
        config = site.settings(Path(scratch))
        cold = measure_sync(site, config, "cold, one edit per issue")
        rows.append(_row(site, cold, bound(cold, read=count, page=JIRA_PAGE), latency, estimated=True))
        site.emulator.clock.advance(600)
        measure_sync(site, config, "settle")
        changed = person_changes(site, 0.01)
        warm = measure_sync(site, config, "warm, 1% changed, one edit per issue")
        rows.append(_row(site, warm, bound(warm, read=changed, page=JIRA_PAGE), latency, estimated=True))
    return rows


def _pause(kind: str, phase: str, settle: float) -> float:
    """How far the clock moves after ``phase``: ``settle`` after the cold sync, and for Linear at least an
    hour, so that its budgets are full again."""
    pause = settle if phase == "cold" else 0.0
    return max(pause, HOUR) if kind == "linear" else pause


def batch_bound(measured: Measured, *, read: int) -> int:
    """Pages, one batch update per 50 changed issues, and the report comment."""
    pages = max(1, math.ceil(read / LINEAR_PAGE))
    report = 1 if measured.changed or measured.phase.startswith("cold") else 0
    return pages + math.ceil(measured.changed / LINEAR_BATCH) + report


def _bound(site: Site, measured: Measured, *, read: int) -> int:
    if site.kind == "jira":
        return bulk_bound(site, measured, read=read)
    return batch_bound(measured, read=read)


def _clear_tasks(site: Site) -> None:
    if site.kind == "jira":
        site.jira.app.bulk.clear()


def _row(site: Site, measured: Measured, lower: int, latency: float, *, estimated: bool = False) -> dict[str, Any]:
    row = {k: v for k, v in measured.__dict__.items() if k != "by_endpoint"}
    row["bound"] = lower
    row["ratio"] = round(measured.requests / lower, 3)
    row["rate_limited"] = site.log.count(status=429)
    row["latency_ms"] = round(latency * 1000)
    row["wall"] = round(measured.seconds + measured.requests * latency, 1) if estimated else measured.seconds
    row["estimated"] = estimated
    row["by_endpoint"] = measured.by_endpoint
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000])
    parser.add_argument("--trackers", nargs="+", default=["jira", "linear"])
    parser.add_argument("--latency", type=float, default=150.0, metavar="MS")
    parser.add_argument("--settle", type=float, default=180.0)
    parser.add_argument("--per-issue", action="store_true", help="also measure Jira's one-edit-per-issue fallback")
    parser.add_argument(
        "--concurrency", type=int, default=None, help="requests in flight (1: one after another; default: syncd's 4)"
    )
    args = parser.parse_args()
    latency = args.latency / 1000
    print(
        f"{'tracker':<7} {'N':>7} {'phase':<38} {'reqs':>7} {'writes':>7} {'bound':>7} {'ratio':>6} "
        f"{'429s':>5} {'wall s':>8} {'RSS MB':>7}"
    )
    rows = []
    for count in args.sizes:
        for kind in args.trackers:
            measured = run(kind, count, latency=latency, settle=args.settle, concurrency=args.concurrency)
            if kind == "jira" and args.per_issue:
                measured += per_issue(count, latency=latency)
            for row in measured:
                rows.append(row)
                wall = f"~{row['wall']}" if row["estimated"] else str(row["wall"])
                print(
                    f"{row['tracker']:<7} {row['issues']:>7} {row['phase']:<38} {row['requests']:>7} "
                    f"{row['writes']:>7} {row['bound']:>7} {row['ratio']:>6} {row['rate_limited']:>5} "
                    f"{wall:>8} {row['peak_rss_mb']:>7}",
                    flush=True,
                )
    print(f"wrote {write_json('latency', rows)}")


if __name__ == "__main__":
    main()
