"""Mapper throughput, and the emulators' own speed (so they are known not to dominate the sync figures).

python -m bench.throughput --count 100000
"""

from __future__ import annotations

import argparse
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from bench.common import LINEAR_KEY, STRATEGY, Site, write_json
from syncd.connectors import linear_queries
from syncd.connectors.jira_issues import JiraProfile, base_fields
from syncd.core.mapper import Mapper, map_items
from syncd.model import StatusCategory, TrackerKind, WorkItem
from syncd.strategy import load_strategy

_WORDS = (
    "checkout",
    "sso",
    "latency",
    "audit log",
    "pricing",
    "onboarding",
    "search",
    "export",
    "alerts",
    "refactor",
    "billing",
    "dashboard",
    "trial",
    "incident",
    "warehouse",
    "mobile",
    "settings",
)


_FILLER = [
    "the",
    "when",
    "user",
    "users",
    "page",
    "we",
    "should",
    "can",
    "not",
    "after",
    "before",
    "this",
    "that",
    "with",
    "from",
    "into",
    "button",
    "list",
    "view",
    "data",
    "report",
    "email",
    "team",
    "account",
    "workspace",
    "admin",
    "project",
    "issue",
    "error",
    "message",
    "request",
    "response",
    "api",
    "update",
    "create",
    "delete",
    "load",
    "save",
    "open",
    "close",
    "show",
    "hide",
    "new",
    "old",
    "first",
    "last",
    "next",
    "previous",
    "time",
    "date",
    "value",
    "field",
    "form",
    "table",
    "row",
    "column",
    "filter",
    "sort",
    "order",
    "status",
    "state",
    "flow",
    "step",
    "test",
    "build",
    "deploy",
    "release",
    "version",
    "bug",
    "fix",
    "change",
    "add",
    "remove",
    "improve",
    "make",
    "use",
    "need",
    "want",
    "see",
    "expect",
    "actual",
    "steps",
]


def synthetic_items(count: int) -> list[WorkItem]:
    """Items shaped like a real backlog: epics and children, components, labels; descriptions empty for
    four issues in ten, else 20 to 150 words of which about one in thirty is one of the strategy's kind."""
    rng = random.Random(3)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    projects = ("GROW", "CORE", "OPS", "ENT", "WEB")
    items = []
    for n in range(count):
        project = projects[n % len(projects)]
        length = 0 if rng.random() < 0.4 else rng.randint(20, 150)
        words = [rng.choice(_WORDS) if rng.random() < 0.03 else rng.choice(_FILLER) for _ in range(length)]
        items.append(
            WorkItem(
                tracker="jira.bench",
                kind=TrackerKind.JIRA,
                id=str(n),
                key=f"{project}-{n}",
                title=f"{rng.choice(('Fix', 'Add', 'Improve'))} {rng.choice(_WORDS)} {rng.choice(_WORDS)}",
                description=" ".join(words),
                status=rng.choice(list(StatusCategory)),
                created=now - timedelta(days=rng.randint(1, 90)),
                updated=now,
                project=project,
                components=(rng.choice(("Billing", "SSO", "Audit", "API")),) if rng.random() < 0.5 else (),
                labels=frozenset(rng.sample(("pricing", "customer-reported", "tech-debt"), k=rng.randint(0, 2))),
                epic=f"{project}-{n - n % 40}" if n % 40 else None,
                estimate=rng.choice((1.0, 2.0, 3.0, 5.0, None)),
            )
        )
    return items


def mapper_throughput(count: int) -> dict[str, Any]:
    strategy = load_strategy(STRATEGY)
    items = synthetic_items(count)
    mapper = Mapper(strategy)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    started = time.process_time()
    alignments = map_items(items, mapper)
    seconds = time.process_time() - started
    aligned = sum(1 for a in alignments.values() if a.aligned)
    return {
        "items": count,
        "cpu_seconds": round(seconds, 2),
        "items_per_second": round(count / seconds),
        "aligned": aligned,
        "mean_description_words": round(sum(len(i.description.split()) for i in items) / count, 1),
    }


def emulator_speed(kind: str, count: int) -> dict[str, Any]:
    """Page through every issue with a bare HTTP client: the emulator's cost alone."""
    with Site(kind, count) as site:
        session = requests.Session()
        started = time.perf_counter()
        pages = 0
        if kind == "jira":
            session.auth = site.jira.basic_auth
            token = None
            fields = base_fields(JiraProfile("cloud", "UTC", ""))
            while True:
                body: dict[str, Any] = {
                    "jql": 'project in ("GROW", "CORE", "OPS") ORDER BY created ASC, key ASC',
                    "maxResults": 100,
                    "fields": fields,
                }
                if token:
                    body["nextPageToken"] = token
                page = session.post(f"{site.jira.url}/rest/api/3/search/jql", json=body).json()
                pages += 1
                token = page.get("nextPageToken")
                if not token:
                    break
        else:
            session.headers["Authorization"] = LINEAR_KEY
            query = linear_queries.ISSUES.document.loc.source.body  # type: ignore[union-attr]
            after = None
            while True:
                variables: dict[str, Any] = {"filter": {}, "first": 250, "after": after}
                data = session.post(site.linear.graphql_url, json={"query": query, "variables": variables}).json()
                pages += 1
                info = data["data"]["issues"]["pageInfo"]
                if not info["hasNextPage"]:
                    break
                after = info["endCursor"]
        seconds = time.perf_counter() - started
    return {
        "tracker": kind,
        "issues": count,
        "pages": pages,
        "seconds": round(seconds, 2),
        "issues_per_second": round(count / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    mapper = mapper_throughput(args.count)
    print(
        f"mapper: {mapper['items']} items in {mapper['cpu_seconds']} s of one core "
        f"({mapper['items_per_second']}/s; target: under 2 s)",
        flush=True,
    )
    emulators = [emulator_speed(kind, args.count) for kind in ("jira", "linear")]
    for figures in emulators:
        print(
            f"emulator alone, {figures['tracker']}: {figures['issues']} issues in {figures['pages']} pages, "
            f"{figures['seconds']} s ({figures['issues_per_second']}/s)",
            flush=True,
        )
    print(f"wrote {write_json('throughput', {'mapper': mapper, 'emulators': emulators})}")


if __name__ == "__main__":
    main()
