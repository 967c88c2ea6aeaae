"""The emulator's pure parts: keyset pagination, filters, the leaky buckets, time, indexes and seeding."""

from __future__ import annotations

import argparse
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncd.sandbox.clock import to_ms
from syncd.sandbox.linear import Clock, LinearApiError, LinearWorkspace, add_cli, seed_demo, seed_synthetic
from syncd.sandbox.linear.datetimes import format_ms, parse_instant
from syncd.sandbox.linear.filters import FilterContext, compile_filter, sort_bounds
from syncd.sandbox.linear.pagination import Key, PageArgs, decode_cursor, encode_cursor, paginate
from syncd.sandbox.linear.ratelimit import RateLimiter, RateLimits

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def walk(keys: list[Key], args: dict[str, Any], **bounds: Any) -> tuple[list[str], Any]:
    page = paginate(keys, lambda ident: ident, lambda ident: int(ident) % 2 == 0, PageArgs.from_args(args), **bounds)
    return page.nodes, page.page_info


KEYS: list[Key] = sorted((stamp, f"{stamp:03d}") for stamp in range(20))


def test_a_forward_walk_is_newest_first_and_resumes_after_its_cursor() -> None:
    nodes, info = walk(KEYS, {"first": 3})
    assert nodes == ["018", "016", "014"]
    assert info.has_next_page is True
    assert info.has_previous_page is False
    nodes, info = walk(KEYS, {"first": 3, "after": info.end_cursor})
    assert nodes == ["012", "010", "008"]
    assert info.has_previous_page is True


def test_a_backward_walk_ends_before_its_cursor() -> None:
    nodes, info = walk(KEYS, {"last": 2})
    assert nodes == ["002", "000"]
    nodes, info = walk(KEYS, {"last": 2, "before": info.start_cursor})
    assert nodes == ["006", "004"]
    assert info.has_next_page is True


def test_bounds_limit_the_walk() -> None:
    nodes, info = walk(KEYS, {"first": 50}, lower=(5, ""), upper=(12, ""))
    assert nodes == ["010", "008", "006"]
    assert info.has_next_page is False


def test_a_cursor_keeps_its_place_when_its_item_is_gone() -> None:
    cursor = encode_cursor((9, "009"))
    remaining = [key for key in KEYS if key != (9, "009")]
    nodes, _ = walk(remaining, {"first": 2, "after": cursor})
    assert nodes == ["008", "006"]


def test_foreign_cursors_and_oversized_pages_are_refused() -> None:
    assert decode_cursor(encode_cursor((5, "abc"))) == (5, "abc")
    with pytest.raises(LinearApiError):
        decode_cursor("not a cursor")
    with pytest.raises(LinearApiError):
        PageArgs.from_args({"first": 251})
    assert PageArgs.from_args({}).first == 50


@pytest.fixture
def ws() -> LinearWorkspace:
    workspace = LinearWorkspace(clock=Clock(T0))
    workspace.add_user("Ada Lovelace")
    workspace.add_team("ENG")
    return workspace


def test_filters_compile_and_refuse_what_they_do_not_know(ws: LinearWorkspace) -> None:
    ctx = FilterContext(ws.store, to_ms(T0))
    issue = ws.add_issue("ENG", "Checkout latency", estimate=3)
    assert compile_filter("Issue", {"title": {"startsWithIgnoreCase": "checkout"}}, ctx)(issue)
    assert not compile_filter("Issue", {"estimate": {"null": True}}, ctx)(issue)
    assert compile_filter("Issue", {"labels": {"length": {"eq": 0}}}, ctx)(issue)
    assert compile_filter("Issue", {"createdAt": {"gt": "-P1D"}}, ctx)(issue)
    with pytest.raises(LinearApiError, match="not supported"):
        compile_filter("Issue", {"title": {"matches": "x"}}, ctx)
    with pytest.raises(LinearApiError, match="not supported"):
        compile_filter("Issue", {"snoozedBy": {"null": True}}, ctx)


def test_sort_bounds_follow_the_range_filter(ws: LinearWorkspace) -> None:
    ctx = FilterContext(ws.store, to_ms(T0))
    at = to_ms(T0)
    spec = {"updatedAt": {"gt": T0.isoformat(), "lte": (T0 + timedelta(seconds=1)).isoformat()}}
    assert sort_bounds(spec, "updatedAt", ctx) == ((at + 1, ""), (at + 1001, ""))
    assert sort_bounds(spec, "createdAt", ctx) == (None, None)


def test_time_formats_and_durations() -> None:
    now = to_ms(T0)
    assert format_ms(now + 7) == "2026-11-02T09:00:00.007Z"
    assert parse_instant("2026-11-02T09:00:00Z", 0) == now
    assert parse_instant("-P2W", now) == now - 14 * 86_400_000
    assert parse_instant("PT1H30M", now) == now + 5_400_000
    with pytest.raises(ValueError, match="Invalid isoformat"):
        parse_instant("yesterday", now)


def test_a_leaky_bucket_refills_at_a_constant_rate() -> None:
    limiter = RateLimiter(RateLimits(requests=2, complexity=100, period_ms=1_000))
    assert limiter.spend("k", 60, 0).allowed
    refused = limiter.spend("k", 60, 0)
    assert not refused.allowed
    assert refused.complexity.remaining == 40
    assert refused.complexity.reset_ms == 600
    assert limiter.spend("k", 60, 200).allowed  # 40 + 20 refilled
    assert not limiter.spend("k", 1, 200).allowed  # no requests left
    assert limiter.spend("k", 1, 700).requests.remaining == 0


def test_the_issue_indexes_follow_every_change(ws: LinearWorkspace) -> None:
    rng = random.Random(4)
    ws.add_team("GRO")
    issues = [ws.add_issue(rng.choice(["ENG", "GRO"]), f"Issue {n}") for n in range(40)]
    for _ in range(60):
        ws.clock.advance(rng.random() * 10)
        target = rng.choice(issues)
        action = rng.choice(["title", "move", "archive"])
        if action == "title":
            ws.update_issue(target.id, title="edited")
        elif action == "move":
            ws.move_issue(target.id, rng.choice(["ENG", "GRO"]))
        else:
            ws.archive_issue(target.id)
    store = ws.store
    assert store.issue_keys("updatedAt") == sorted((i.updated_at, i.id) for i in store.issues.values())
    assert store.issue_keys("createdAt") == sorted((i.created_at, i.id) for i in store.issues.values())
    for team in store.teams.values():
        expected = {i.id for i in store.issues.values() if i.team_id == team.id}
        assert store.related_issue_ids("team", team.id) == expected


def test_deleting_an_issue_orphans_its_children_and_drops_its_comments(ws: LinearWorkspace) -> None:
    parent = ws.add_issue("ENG", "Parent")
    child = ws.add_issue("ENG", "Child", parent=parent)
    ws.add_comment(parent, "Bye")
    ws.delete_issue(parent)
    assert ws.issue(child.id).parent_id is None
    assert not ws.store.comments
    with pytest.raises(LinearApiError):
        ws.issue(parent.id)


def test_synthetic_seeding_is_deterministic_and_keeps_one_label_per_group() -> None:
    first, second = LinearWorkspace(clock=Clock(T0)), LinearWorkspace(clock=Clock(T0))
    seed_synthetic(first, 500, seed=3)
    seed_synthetic(second, 500, seed=3)
    assert sorted(first.store.issues) == sorted(second.store.issues)
    for issue in first.store.issues.values():
        parents = [first.store.labels[i].parent_id for i in issue.label_ids if first.store.labels[i].parent_id]
        assert len(parents) == len(set(parents))
    assert first.store.issue_keys("updatedAt") == sorted(first.store.issue_keys("updatedAt"))


def test_the_demo_org_matches_the_example_strategy() -> None:
    ws = LinearWorkspace(clock=Clock(T0))
    demo = seed_demo(ws, api_key="lin_api_demo")
    assert demo.api_key == "lin_api_demo"
    assert demo.report_issue == "ENG-1"
    assert set(demo.teams) == {"ENG", "GRO", "INF"}
    assert {p.name for p in ws.store.projects.values()} >= {"Checkout revamp", "SAML SSO", "Warehouse migration"}
    assert ws.issue("ENG-1").title == "Strategy drift report"


def test_the_cli_registers_linear() -> None:
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers(dest="tracker"))
    args = parser.parse_args(["linear", "--port", "9000", "--issues", "10"])
    assert (args.tracker, args.port, args.host, args.issues) == ("linear", 9000, "127.0.0.1", 10)
    assert callable(args.serve)
