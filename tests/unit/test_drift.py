"""Drift analysis: the worked example of the design, and every edge case with a defined answer."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from syncd.core.drift import analyse
from syncd.core.drift_history import history_of, off_plan_since, series
from syncd.model import Alignment, Rule, StatusCategory, TrackerKind, WorkItem
from syncd.strategy import Strategy, TeamPlan, parse_strategy
from tests.conftest import make_item

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
STRATEGY = textwrap.dedent(
    """
    version: 1
    period: "2026-Q4"
    objectives:
      - {id: growth, name: Growth, target: 0.5, match: {keywords: [g]}}
      - {id: reliability, name: Reliability, target: 0.3, match: {keywords: [r]}}
    values:
      - {id: quality, name: Quality, match: {keywords: [q]}}
    drift: {tolerance: 0.10, window_days: 14, starved_after_days: 21}
    """
)


@pytest.fixture
def strategy() -> Strategy:
    return parse_strategy(STRATEGY)


def entry(
    key: str,
    primary: str | None,
    status: StatusCategory,
    estimate: float | None,
    *,
    done_days_ago: float | None = None,
    values: tuple[str, ...] = (),
    tracker: str = "jira.acme",
    project: str = "GROW",
) -> tuple[WorkItem, Alignment]:
    resolved = NOW - done_days_ago * DAY if done_days_ago is not None else None
    item = make_item(
        key,
        status=status,
        estimate=estimate,
        resolved=resolved,
        tracker=tracker,
        project=project,
        title=f"Issue {key}",
        url=f"https://x/{key}",
    )
    objectives = (primary,) if primary else ()
    return item, Alignment(key, objectives, values, (), Rule.FIELD if primary else None)


def design_example() -> list[tuple[WorkItem, Alignment]]:
    """DESIGN §6: the table of items A to G."""
    return [
        entry("A-1", "growth", StatusCategory.IN_PROGRESS, 5, values=("quality",)),
        entry("B-1", "growth", StatusCategory.DONE, 3, done_days_ago=3),
        entry("C-1", "reliability", StatusCategory.IN_PROGRESS, 2),
        entry("D-1", None, StatusCategory.IN_PROGRESS, 0),
        entry("E-1", None, StatusCategory.IN_PROGRESS, None),
        entry("F-1", "growth", StatusCategory.TODO, 8),
        entry("G-1", "reliability", StatusCategory.DONE, 5, done_days_ago=30),
    ]


def test_the_design_worked_example(strategy: Strategy) -> None:
    report = analyse(design_example(), strategy, now=NOW)
    figures = report.overall
    assert figures.total_effort == 11
    assert figures.items == 5
    growth, reliability = figures.objectives
    assert growth.actual == pytest.approx(8 / 11)
    assert growth.drift == pytest.approx(0.227, abs=1e-3)
    assert growth.flagged
    assert reliability.actual == pytest.approx(2 / 11)
    assert reliability.drift == pytest.approx(-0.118, abs=1e-3)
    assert reliability.flagged
    assert figures.unaligned.target == pytest.approx(0.2)
    assert figures.unaligned.actual == pytest.approx(1 / 11)
    assert figures.unaligned.drift == pytest.approx(-0.109, abs=1e-3)
    assert figures.score == pytest.approx(0.773, abs=1e-3)
    assert growth.planned == pytest.approx(1.0)
    assert reliability.planned == pytest.approx(0.0)
    assert figures.backlog_effort == 8
    assert [u.key for u in figures.largest_unaligned] == ["E-1", "D-1"]
    assert figures.values[0].share == pytest.approx(5 / 11)
    assert not growth.starved
    assert not reliability.starved, "in progress now"
    assert [f.scope for f in report.trackers] == ["jira.acme"]
    assert report.trackers[0].score == figures.score


def test_no_items_in_scope(strategy: Strategy) -> None:
    report = analyse([entry("F-1", "growth", StatusCategory.TODO, 8)], strategy, now=NOW)
    figures = report.overall
    assert figures.total_effort == 0
    assert figures.score is None
    assert all(o.actual == 0 and not o.flagged for o in figures.objectives)
    assert figures.objectives[1].starved, "a target and never any effort"
    assert analyse([], strategy, now=NOW).overall.score is None


def test_all_unaligned(strategy: Strategy) -> None:
    report = analyse([entry("X-1", None, StatusCategory.IN_PROGRESS, 3)], strategy, now=NOW)
    figures = report.overall
    assert figures.unaligned.actual == 1.0
    assert figures.score == pytest.approx(1 - 0.5 * (0.5 + 0.3 + 0.8))


def test_zero_and_missing_estimates(strategy: Strategy) -> None:
    entries = [
        entry("Z-1", "growth", StatusCategory.IN_PROGRESS, 0),
        entry("M-1", "reliability", StatusCategory.IN_PROGRESS, None),
    ]
    figures = analyse(entries, strategy, now=NOW).overall
    assert figures.total_effort == 1
    assert figures.objectives[0].items == 1
    assert figures.objectives[0].actual == 0
    assert figures.objectives[1].actual == 1


def test_work_in_scope_with_zero_total_effort(strategy: Strategy) -> None:
    """Every estimate 0: there is work but no effort to share out, so no shares, flags or score — the same
    answer as an empty scope, not a division by zero, and not a score of 0 that would read as "off plan"."""
    entries = [
        entry("Z-1", "growth", StatusCategory.IN_PROGRESS, 0, values=("quality",)),
        entry("Z-2", None, StatusCategory.DONE, 0, done_days_ago=2),
        entry("F-1", "reliability", StatusCategory.TODO, 0),
    ]
    report = analyse(entries, strategy, now=NOW)
    figures = report.overall
    assert (figures.items, figures.total_effort) == (2, 0)
    assert figures.score is None
    assert figures.flagged == ()
    assert [o.actual for o in (*figures.objectives, figures.unaligned)] == [0, 0, 0]
    assert [o.items for o in (*figures.objectives, figures.unaligned)] == [1, 0, 1]
    assert figures.values[0].share == 0
    assert [u.key for u in figures.largest_unaligned] == ["Z-2"]
    assert figures.objectives[1].planned is None, "a backlog of effort 0 has no shares either"
    assert figures.backlog_effort == 0
    assert not figures.objectives[0].starved, "work on it is in progress"
    again = analyse(entries, strategy, now=NOW + DAY, previous=report.to_json())
    assert again.overall.score is None
    assert again.overall.previous_score is None


def test_count_measure(strategy: Strategy) -> None:
    counted = parse_strategy(STRATEGY.replace("drift: {", "drift: {measure: count, "))
    figures = analyse(design_example(), counted, now=NOW).overall
    assert figures.total_effort == 5
    assert figures.objectives[0].actual == pytest.approx(2 / 5)


def test_targets_summing_below_one_leave_slack_for_unaligned(strategy: Strategy) -> None:
    on_plan = [
        entry("G-1", "growth", StatusCategory.IN_PROGRESS, 5),
        entry("R-1", "reliability", StatusCategory.IN_PROGRESS, 3),
        entry("U-1", None, StatusCategory.IN_PROGRESS, 2),
    ]
    figures = analyse(on_plan, strategy, now=NOW).overall
    assert figures.score == pytest.approx(1.0)
    assert not figures.flagged


def test_starved_after_days(strategy: Strategy) -> None:
    entries = [entry("R-1", "reliability", StatusCategory.DONE, 1, done_days_ago=22)]
    figures = analyse(entries, strategy, now=NOW).overall
    assert figures.objectives[1].starved
    assert figures.objectives[1].last_active == NOW - 22 * DAY
    recent = analyse([entry("R-1", "reliability", StatusCategory.DONE, 1, done_days_ago=20)], strategy, now=NOW)
    assert not recent.overall.objectives[1].starved, "out of the 14-day window but not yet starved"
    assert recent.overall.objectives[1].effort == 0


def test_canceled_work_is_out_of_scope(strategy: Strategy) -> None:
    item, alignment = entry("C-9", "growth", StatusCategory.DONE, 5)
    assert analyse([(item, alignment)], strategy, now=NOW).overall.total_effort == 0


def test_declined_work_leaves_the_allocation_and_is_counted_apart(strategy: Strategy) -> None:
    wont, alignment = entry("W-1", "growth", StatusCategory.DONE, 5, done_days_ago=2)
    dup, dup_alignment = entry("W-2", None, StatusCategory.DONE, 3, done_days_ago=1)
    old, old_alignment = entry("W-3", "growth", StatusCategory.DONE, 8, done_days_ago=40)
    entries = [
        *design_example(),
        (replace(wont, resolution="Won’t Do"), alignment),
        (replace(dup, resolution="duplicate", kind=TrackerKind.LINEAR), dup_alignment),
        (replace(old, resolution="Won't Fix"), old_alignment),
    ]
    figures = analyse(entries, strategy, now=NOW).overall
    assert figures.total_effort == 11, "the design example's effort, nothing declined in it"
    assert (figures.declined_items, figures.declined_effort) == (2, 8)
    assert figures.to_json()["declined"] == {"effort": 8.0, "items": 2}
    assert figures.largest_unaligned[0].key != "W-2"


def test_declining_resolutions_are_a_setting(strategy: Strategy) -> None:
    item, alignment = entry("N-1", "growth", StatusCategory.DONE, 5, done_days_ago=2)
    considered = replace(item, resolution="Not Being Considered")
    by_default = analyse([(considered, alignment)], strategy, now=NOW).overall
    assert (by_default.total_effort, by_default.declined_items) == (5, 0), "not a stock resolution"
    site = parse_strategy(
        STRATEGY.replace(
            "starved_after_days: 21}", "starved_after_days: 21, declined_resolutions: [Not Being Considered]}"
        )
    )
    declined = analyse([(considered, alignment)], site, now=NOW).overall
    assert (declined.total_effort, declined.declined_items) == (0, 1)
    nothing = parse_strategy(
        STRATEGY.replace("starved_after_days: 21}", "starved_after_days: 21, declined_resolutions: []}")
    )
    wont = replace(item, resolution="Won't Do")
    assert analyse([(wont, alignment)], nothing, now=NOW).overall.total_effort == 5, "an empty list counts all"


def test_trend_and_objectives_added_or_removed(strategy: Strategy) -> None:
    first = analyse(design_example(), strategy, now=NOW - 7 * DAY)
    previous = first.to_json()
    previous["overall"]["objectives"].append({**previous["overall"]["objectives"][0], "id": "retired"})
    changed = parse_strategy(
        STRATEGY.replace("  - {id: reliability", "  - {id: data, name: Data, target: 0.1}\n  - {id: reliability")
    )
    report = analyse(design_example(), changed, now=NOW, previous=previous)
    figures = report.overall
    assert report.previous_at == NOW - 7 * DAY
    assert figures.previous_score == pytest.approx(first.overall.score, abs=1e-4)
    growth, data, _ = figures.objectives
    assert growth.previous == pytest.approx(8 / 11, abs=1e-4)
    assert data.previous is None, "new since the last report"
    assert figures.removed == ("retired",)


def test_per_tracker_and_per_team(strategy: Strategy) -> None:
    entries = [
        entry("A-1", "growth", StatusCategory.IN_PROGRESS, 4, project="GROW"),
        entry("B-1", "reliability", StatusCategory.IN_PROGRESS, 4, project="OPS"),
        entry("ENG-1", None, StatusCategory.IN_PROGRESS, 2, tracker="linear.acme", project="ENG"),
    ]
    report = analyse(entries, strategy, now=NOW, per_team=True)
    assert [f.scope for f in report.trackers] == ["jira.acme", "linear.acme"]
    assert [f.scope for f in report.teams] == ["jira.acme GROW", "jira.acme OPS", "linear.acme ENG"]
    assert report.overall.total_effort == 10
    assert report.scope("jira.acme OPS").objectives[1].actual == 1.0  # type: ignore[union-attr]


def test_largest_unaligned_keeps_the_ten_biggest(strategy: Strategy) -> None:
    entries = [entry(f"U-{n}", None, StatusCategory.IN_PROGRESS, n % 13) for n in range(40)]
    largest = analyse(entries, strategy, now=NOW).overall.largest_unaligned
    assert [u.effort for u in largest] == [12, 12, 12, 11, 11, 11, 10, 10, 10, 9]
    assert [u.key for u in largest[:3]] == ["U-12", "U-25", "U-38"]


def test_unestimated_unaligned_work_is_listed_by_last_update_and_counted(strategy: Strategy) -> None:
    entries = []
    for n, days_ago in [(586, 9), (59, 1), (60, 30), (7, 3)]:
        item, alignment = entry(f"NUTCH-{n}", None, StatusCategory.IN_PROGRESS, None)
        entries.append((replace(item, updated=NOW - days_ago * DAY), alignment))
    entries.append(entry("NUTCH-1", "growth", StatusCategory.IN_PROGRESS, 3))
    figures = analyse(entries, strategy, now=NOW).overall
    assert [u.key for u in figures.largest_unaligned] == ["NUTCH-59", "NUTCH-7", "NUTCH-586", "NUTCH-60"]
    assert (figures.unestimated, figures.items) == (4, 5)
    counted = parse_strategy(STRATEGY.replace("drift: {", "drift: {measure: count, "))
    assert analyse(entries, counted, now=NOW).overall.unestimated == 0, "counting items needs no estimate"


def test_report_json_is_stable(strategy: Strategy) -> None:
    data = analyse(design_example(), strategy, now=NOW).to_json()
    assert data["schema"] == 1
    assert set(data) == {
        "schema",
        "period",
        "generated_at",
        "previous_at",
        "measure",
        "tolerance",
        "window_days",
        "starved_after_days",
        "overall",
        "trackers",
        "teams",
    }
    assert data["overall"]["objectives"][0] == {
        "id": "growth",
        "name": "Growth",
        "target": 0.5,
        "actual": 0.7273,
        "drift": 0.2273,
        "flagged": True,
        "effort": 8.0,
        "items": 2,
        "planned": 1.0,
        "previous": None,
        "starved": False,
        "last_active": NOW.isoformat(),
        "keyword_effort": 0.0,
        "on_keywords": 0.0,
    }


def test_history_keeps_the_period_and_tells_since_when_an_objective_is_off_plan(strategy: Strategy) -> None:
    growth_only = [entry("G-1", "growth", StatusCategory.IN_PROGRESS, 5)]
    balanced = [
        *growth_only,
        entry("R-1", "reliability", StatusCategory.IN_PROGRESS, 3),
        entry("U-1", None, StatusCategory.IN_PROGRESS, 2),
    ]
    reports = [
        analyse(balanced, strategy, now=NOW - 9 * DAY).to_json(),
        analyse(growth_only, strategy, now=NOW - 6 * DAY).to_json(),
        {**analyse(balanced, strategy, now=NOW - 4 * DAY).to_json(), "period": "2026-Q3"},
        analyse(growth_only, strategy, now=NOW - 3 * DAY).to_json(),
        analyse(growth_only, strategy, now=NOW).to_json(),
    ]
    history = history_of(reports, period="2026-Q4")
    assert [point.at for point in history] == [NOW - 9 * DAY, NOW - 6 * DAY, NOW - 3 * DAY, NOW]
    assert off_plan_since(history, "all", "growth") == NOW - 6 * DAY, "over since growth took everything"
    assert off_plan_since(history, "all", "reliability") == NOW - 6 * DAY
    assert off_plan_since(history[:1], "all", "growth") is None, "on plan in the latest report"
    assert [p.score for _, p in series(history, "jira.acme")] == [p.scope("all").score for p in history]  # type: ignore[union-attr]


def test_off_plan_since_restarts_when_the_drift_changes_side(strategy: Strategy) -> None:
    over = [
        entry("G-1", "growth", StatusCategory.IN_PROGRESS, 9),
        entry("R-1", "reliability", StatusCategory.IN_PROGRESS, 1),
    ]
    under = [
        entry("G-1", "growth", StatusCategory.IN_PROGRESS, 1),
        entry("R-1", "reliability", StatusCategory.IN_PROGRESS, 9),
    ]
    reports = [analyse(over, strategy, now=NOW - DAY).to_json(), analyse(under, strategy, now=NOW).to_json()]
    assert off_plan_since(history_of(reports, period="2026-Q4"), "all", "growth") == NOW


def test_a_team_with_its_own_plan_is_compared_with_it(strategy: Strategy) -> None:
    planned = strategy.model_copy(update={"teams": (TeamPlan(project="OPS", targets={"reliability": 0.9}),)})
    busy = StatusCategory.IN_PROGRESS
    entries = [
        entry("O-1", "reliability", busy, 9, project="OPS"),
        entry("O-2", "growth", busy, 1, project="OPS"),
        entry("G-1", "growth", busy, 9, project="GROW"),
        entry("G-2", "reliability", busy, 1, project="GROW"),
    ]
    report = analyse(entries, planned, now=NOW, per_team=True)
    ops, grow = report.scope("jira.acme OPS"), report.scope("jira.acme GROW")
    assert ops is not None
    assert grow is not None
    assert [(o.id, o.target) for o in (*ops.objectives, ops.unaligned)] == [
        ("growth", 0.0),
        ("reliability", 0.9),
        ("unaligned", pytest.approx(0.1)),
    ]
    assert ops.score == pytest.approx(0.9), "10% growth against a plan of none"
    assert [o.target for o in grow.objectives] == [0.5, 0.3], "a team with no plan keeps the company's"
    assert [o.target for o in report.overall.objectives] == [0.5, 0.3]
    assert ops.own_plan
    assert ops.to_json()["own_plan"] is True
    assert not grow.own_plan
    assert "own_plan" not in grow.to_json(), "figures without a plan read as they always did"


def test_the_report_says_how_much_of_each_share_rests_on_keywords(strategy: Strategy) -> None:
    firm = entry("G-1", "growth", StatusCategory.IN_PROGRESS, 3)
    item, _ = entry("G-2", "growth", StatusCategory.IN_PROGRESS, 1)
    keyword = (item, Alignment("G-2", ("growth",), (), (), Rule.KEYWORD, margin=2.0))
    item, _ = entry("R-1", "reliability", StatusCategory.IN_PROGRESS, 4)
    tie = (item, Alignment("R-1", ("reliability",), (), (), Rule.KEYWORD, margin=0.0))
    unaligned = entry("U-1", None, StatusCategory.IN_PROGRESS, 2)
    figures = analyse([firm, keyword, tie, unaligned], strategy, now=NOW).overall
    growth, reliability = figures.objectives
    assert (growth.keyword_effort, growth.on_keywords) == (1, 0.25)
    assert (reliability.keyword_effort, reliability.on_keywords) == (4, 1.0)
    assert figures.keyword_effort == 5
    assert figures.on_keywords == 5 / 8, "of the aligned effort: 3 + 1 + 4"
    assert figures.to_json()["on_keywords"] == 0.625
    assert figures.unaligned.on_keywords == 0.0
