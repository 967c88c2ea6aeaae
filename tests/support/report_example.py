"""The report the rendering tests and the browser tests draw: every kind of figure, a title full of markup,
a history of three reports in which one objective has been off plan since the first, and a review of
sampled keyword tags."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from syncd.core.drift import analyse
from syncd.core.drift_history import history_of
from syncd.core.drift_model import DriftReport
from syncd.core.review_figures import ReviewFigures, ShareEstimate
from syncd.model import Alignment, Rule, StatusCategory, WorkItem
from syncd.strategy import Strategy
from tests.conftest import make_item

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NASTY = "Fix *bold* | pipes [x](javascript:alert(1)) {code} <script>alert('x')</script> _under_ #1 \\ `tick`"


def entry(
    key: str, primary: str | None, estimate: float, title: str = "An issue", **fields: object
) -> tuple[WorkItem, Alignment]:
    item = make_item(key, title=title, estimate=estimate, url=f"https://acme.atlassian.net/browse/{key}", **fields)
    return item, Alignment(key, (primary,) if primary else (), (), (), Rule.FIELD if primary else None)


def report(strategy: Strategy) -> DriftReport:
    entries = [
        entry("GROW-1", "self-serve-growth", 8, "Checkout v2"),
        entry("ENT-1", "enterprise-readiness", 2, "SAML login"),
        entry("OPS-1", "reliability", 3, "Pager rota", status=StatusCategory.DONE, resolved=NOW - timedelta(days=2)),
        entry("MISC-1", None, 5, NASTY),
        entry("MISC-2", None, 1, "Office plants"),
        entry("GROW-9", "self-serve-growth", 5, "Pricing experiment", status=StatusCategory.TODO),
        entry(
            "GROW-7",
            "self-serve-growth",
            3,
            "Coupon codes",
            status=StatusCategory.DONE,
            resolved=NOW - timedelta(days=1),
            resolution="Won't Do",
        ),
    ]
    first = analyse([entries[0], entries[3]], strategy, now=NOW - timedelta(days=14)).to_json()
    previous = analyse([*entries[:3], entries[4]], strategy, now=NOW - timedelta(days=7)).to_json()
    current = analyse(entries, strategy, now=NOW, previous=previous)
    history = history_of([first, previous, current.to_json()], period="2026-Q4")
    return dataclasses.replace(current, history=history, review=tuple(review(scope) for scope in ("all", "jira.acme")))


def review(scope: str) -> ReviewFigures:
    """31 of 40 sampled keyword tags confirmed, and the shares a review of that kind would estimate."""
    shares = (
        ShareEstimate("self-serve-growth", tagged=0.59, estimate=0.52, low=0.41, high=0.63),
        ShareEstimate("enterprise-readiness", tagged=0.09, estimate=0.12, low=0.05, high=0.19),
        ShareEstimate("reliability", tagged=0.14, estimate=0.13, low=0.06, high=0.2),
        ShareEstimate("unaligned", tagged=0.18, estimate=0.23, low=0.13, high=0.33),
    )
    return ReviewFigures(scope, reviewed=40, confirmed=31, shares=shares)
