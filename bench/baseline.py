"""The naive baseline: the same job written the obvious way with the ``jira`` package, in the same run
as syncd, on the same emulated Jira Cloud.

The obvious way: fetch every issue of the projects with the package's search at its default page size,
compute each issue's labels with syncd's own mapper (so both do the same mapping), and where they differ
set the whole ``labels`` field with ``Issue.update()`` — which the package follows with a GET. No state,
so every run reads everything again.

    python -m bench.baseline --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import jira

from bench.common import STRATEGY, Site, measure_sync, write_json
from syncd.connectors.base import Skipped
from syncd.connectors.jira_issues import JiraProfile, base_fields, to_work_item
from syncd.core.mapper import Mapper
from syncd.core.reconcile import desired_labels
from syncd.strategy import TrackerLabels, load_strategy

JQL = 'project in ("GROW", "CORE", "OPS") ORDER BY created ASC'


def naive_sync(site: Site) -> dict[str, Any]:
    """One run of the naive job; returns its request count and duration."""
    strategy = load_strategy(STRATEGY)
    mapper = Mapper(strategy)
    labels = TrackerLabels(strategy.labels)
    site.log.clear()
    started = time.perf_counter()
    client = jira.JIRA(server=site.jira.url, basic_auth=site.jira.basic_auth, max_retries=0)
    profile = JiraProfile("cloud", "UTC", "", story_points_fields=("customfield_10016",))
    issues = client.enhanced_search_issues(JQL, maxResults=0, fields=base_fields(profile))
    updated = 0
    for issue in issues:
        item = to_work_item(issue.raw, profile=profile, tracker="jira.naive", server=site.jira.url)
        if isinstance(item, Skipped):
            continue
        owned = {label for label in item.labels if strategy.labels.owns(label)}
        wanted = (item.labels - owned) | desired_labels(mapper.align(item), labels)
        if wanted != item.labels:
            issue.update(fields={"labels": sorted(wanted)})
            updated += 1
    seconds = time.perf_counter() - started
    return {"requests": sum(site.log.by_endpoint().values()), "updated": updated, "seconds": round(seconds, 2)}


def compare(count: int, settle: float) -> list[dict[str, Any]]:
    """Both jobs on their own copy of the same site: a cold run, then a run with nothing changed (syncd's
    after its settle run, see economy.py)."""
    rows = []
    with Site("jira", count) as naive_site:
        cold = naive_sync(naive_site)
        warm = naive_sync(naive_site)
    with Site("jira", count) as site, tempfile.TemporaryDirectory() as scratch:
        config = site.settings(Path(scratch))
        syncd_cold = measure_sync(site, config, "cold")
        time.sleep(settle)
        measure_sync(site, config, "settle")
        syncd_next = measure_sync(site, config, "warm")
    for phase, naive, ours in (("cold", cold, syncd_cold), ("warm", warm, syncd_next)):
        rows.append(
            {
                "issues": count,
                "phase": phase,
                "naive_requests": naive["requests"],
                "syncd_requests": ours.requests,
                "ratio": round(ours.requests / naive["requests"], 3),
                "naive_seconds": naive["seconds"],
                "syncd_seconds": ours.seconds,
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--settle", type=float, default=180.0)
    args = parser.parse_args()
    rows = []
    print(
        f"{'N':>7} {'phase':<9} {'naive reqs':>10} {'syncd reqs':>10} {'syncd/naive':>11} {'naive s':>8} {'syncd s':>8}"
    )
    for count in args.sizes:
        for row in compare(count, args.settle):
            rows.append(row)
            print(
                f"{row['issues']:>7} {row['phase']:<9} {row['naive_requests']:>10} {row['syncd_requests']:>10} "
                f"{row['ratio']:>11} {row['naive_seconds']:>8} {row['syncd_seconds']:>8}",
                flush=True,
            )
    print(f"wrote {write_json('baseline', rows)}")


if __name__ == "__main__":
    main()
