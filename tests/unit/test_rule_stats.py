"""``syncd rules``' figures, computed from plain items."""

from __future__ import annotations

import textwrap

from syncd.core.mapper import Mapper
from syncd.core.rule_stats import rules_lines, rules_report
from syncd.strategy import parse_strategy
from tests.conftest import make_item

STRATEGY = textwrap.dedent(
    """
    version: 1
    period: "2026-Q4"
    objectives:
      - {id: security, name: S, target: 0.2, match: {keywords: [credentials, tls]}}
      - {id: reliability, name: R, target: 0.2, match: {keywords: [flaky, crash]}}
    mapping: {min_score: 2}
    """
)


def test_what_each_keyword_did() -> None:
    log = "{noformat}I0114 Loading credentials for authentication{noformat}"
    items = [
        make_item("M-1", title="FooTest is flaky", description=log),
        make_item("M-2", title="BarTest is flaky", description=log),
        make_item("M-3", title="Rotate TLS credentials"),
        make_item("M-4", title="Crash in the TLS handshake"),
        make_item("M-5", title="x", description="a crash"),
        make_item("M-6", title="Update the mirror list"),
        make_item("M-7", title="Mirror is stale"),
    ]
    report = rules_report(items, Mapper(parse_strategy(STRATEGY)))
    stats = {(s.keyword, s.objective): s for s in report.keywords}
    assert (report.items, report.by_keywords, report.unaligned) == (7, 4, 3)
    assert stats["flaky", "reliability"].decided == 2
    assert stats["credentials", "security"].fires == 1
    assert stats["credentials", "security"].in_noise == 2
    assert stats["credentials", "security"].mostly_in_noise
    assert stats["tls", "security"].lost == {"reliability": 1}
    assert stats["crash", "reliability"].lost == {"untagged": 1}, "a description word scores 1, below min_score 2"
    assert report.distinguishing[0][0] == "mirror"
    text = "\n".join(rules_lines(report))
    assert "  credentials: 2 items there, 1 in the prose" in text
