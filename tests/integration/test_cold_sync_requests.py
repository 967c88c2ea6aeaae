"""What a first sync of 500 synthetic issues asks each tracker, endpoint by endpoint, as ``syncd sync`` runs
it (the benchmarks' emulated sites, no latency, no rate limits).

The counts are deterministic, so they are held exactly: the pages, the label writes (bulk edit tasks on
Jira Cloud, batch updates on Linear), the report comment and the few setup reads. A request that creeps in
(a label history read for an issue planned twice in the run, a page read again) shows here as a diff.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.common import Site, measure_sync

ISSUES = 500

EXPECTED = {
    "jira": {
        "myself": 1,
        "field": 1,
        "search_jql": 6,
        "bulk_edit": 13,
        "bulk_progress": 13,
        "issue_edit": 4,
        "comment_list": 1,
        "comment_add": 1,
    },
    "linear": {
        "projects": 1,
        "teams": 1,
        "issues": 4,
        "issueLabels": 1,
        "issueLabelCreate": 5,
        "issueBatchUpdate": 11,
        "issue": 1,
        "commentCreate": 1,
    },
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_a_first_sync_asks_for_the_pages_the_writes_and_the_report_only(kind: str, tmp_path: Path) -> None:
    with Site(kind, ISSUES) as site:
        measured = measure_sync(site, site.settings(tmp_path), "cold")
    assert measured.pulled == ISSUES
    assert measured.by_endpoint == EXPECTED[kind]
