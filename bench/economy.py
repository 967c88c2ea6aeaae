"""API-call economy: requests for a cold sync, a warm sync with nothing changed and a warm sync with 1%
changed, each beside the lower bound, for Jira Cloud and Linear at each size.

Lower bound: pages of the maximum size for the issues that must be read, plus one write per issue whose
labels must change, plus one for the report comment. Between the cold sync and the next, the benchmark
waits ``--settle`` seconds: syncd's own label writes move every edited issue's ``updated``, and the
following pull re-reads them once (a person may have edited them in between); the "settle" row shows
that re-read, and the wait keeps it out of the warm rows (JQL compares at minute precision and syncd's
cursor overlaps by two minutes).

    python -m bench.economy --sizes 1000 10000 100000 --settle 180
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import JIRA_PAGE, LINEAR_PAGE, Measured, Site, measure_sync, write_json

OUTAGE = "outage"


def bound(measured: Measured, *, read: int, page: int) -> int:
    pages = max(1, math.ceil(read / page))
    report = 1 if measured.changed or measured.phase == "cold" else 0
    return pages + measured.changed + report


def person_changes(site: Site, share: float) -> int:
    """A person retitles ``share`` of the issues so that they map to reliability."""
    rng = random.Random(7)
    if site.kind == "jira":
        issues = site.jira.store.issues()
        chosen = rng.sample(issues, k=max(1, int(len(issues) * share)))
        from syncd.sandbox.jira.changes import IssueEdit

        for issue in chosen:
            site.jira.store.edit_issue(issue.key, IssueEdit(summary=f"{issue.summary} {OUTAGE}"))
        return len(chosen)
    workspace = site.linear.workspace
    ids = sorted(workspace.store.issues)
    chosen_ids = rng.sample(ids, k=max(1, int(len(ids) * share)))
    for issue_id in chosen_ids:
        workspace.update_issue(issue_id, title=f"{workspace.store.issues[issue_id].title} {OUTAGE}")
    return len(chosen_ids)


def run(kind: str, count: int, settle: float) -> list[dict[str, Any]]:
    page = JIRA_PAGE if kind == "jira" else LINEAR_PAGE
    rows: list[dict[str, Any]] = []
    with Site(kind, count) as site, tempfile.TemporaryDirectory() as scratch:
        config = site.settings(Path(scratch))
        cold = measure_sync(site, config, "cold")
        rows.append(_row(cold, bound(cold, read=count, page=page)))
        time.sleep(settle)
        again = measure_sync(site, config, "settle (re-reads syncd's own writes)")
        rows.append(_row(again, bound(again, read=0, page=page)))
        warm = measure_sync(site, config, "warm, nothing changed")
        rows.append(_row(warm, bound(warm, read=0, page=page)))
        changed = person_changes(site, 0.01)
        warm_changed = measure_sync(site, config, "warm, 1% changed")
        rows.append(_row(warm_changed, bound(warm_changed, read=changed, page=page)))
    return rows


def _row(measured: Measured, lower: int) -> dict[str, Any]:
    row = {k: v for k, v in measured.__dict__.items() if k != "by_endpoint"}
    row["bound"] = lower
    row["ratio"] = round(measured.requests / lower, 3)
    row["by_endpoint"] = measured.by_endpoint
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--trackers", nargs="+", default=["jira", "linear"])
    parser.add_argument("--settle", type=float, default=180.0)
    args = parser.parse_args()
    rows = []
    print(
        f"{'tracker':<7} {'N':>7} {'phase':<38} {'reqs':>7} {'reads':>6} {'writes':>7} {'bound':>7} "
        f"{'ratio':>6} {'secs':>7} {'items/s':>8} {'RSS MB':>7}"
    )
    for count in args.sizes:
        for kind in args.trackers:
            for row in run(kind, count, args.settle):
                rows.append(row)
                print(
                    f"{row['tracker']:<7} {row['issues']:>7} {row['phase']:<38} {row['requests']:>7} "
                    f"{row['reads']:>6} {row['writes']:>7} {row['bound']:>7} {row['ratio']:>6} "
                    f"{row['seconds']:>7} {row['items_per_second']:>8} {row['peak_rss_mb']:>7}",
                    flush=True,
                )
    print(f"wrote {write_json('economy', rows)}")


if __name__ == "__main__":
    main()
