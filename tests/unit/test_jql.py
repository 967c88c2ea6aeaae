"""The JQL syncd sends: escaped values, dates in the user's zone, a stable order."""

from __future__ import annotations

from datetime import UTC, datetime

from syncd.connectors.jql import issue_query, jql_string, jql_time

MOMENT = datetime(2026, 11, 2, 9, 30, 45, tzinfo=UTC)


def test_strings_are_quoted_and_escaped() -> None:
    assert jql_string("GROW") == '"GROW"'
    assert jql_string('A" OR project = "B') == '"A\\" OR project = \\"B"'
    assert jql_string("back\\slash") == '"back\\\\slash"'


def test_time_is_written_in_the_users_zone_floored_to_the_minute() -> None:
    assert jql_time(MOMENT, "UTC") == '"2026/11/02 09:30"'
    assert jql_time(MOMENT, "Pacific/Auckland") == '"2026/11/02 22:30"'
    assert jql_time(MOMENT, "America/Los_Angeles") == '"2026/11/02 01:30"'


def test_unknown_zone_reads_more_never_less() -> None:
    assert jql_time(MOMENT, "Mars/Olympus") == '"2026/11/01 19:30"'
    assert jql_time(MOMENT, None) == '"2026/11/01 19:30"'


def test_incremental_query_overlaps_and_orders_stably() -> None:
    query = issue_query(projects=["GROW", "OPS"], since=MOMENT, time_zone="UTC")
    assert query == 'project in ("GROW", "OPS") AND updated >= "2026/11/02 09:28" ORDER BY created ASC, key ASC'


def test_full_query_is_bounded_even_without_projects() -> None:
    assert issue_query(projects=[], since=None, time_zone="UTC") == (
        'updated >= "1970/01/01" ORDER BY created ASC, key ASC'
    )
    assert issue_query(projects=["A"], since=None, time_zone=None) == 'project in ("A") ORDER BY created ASC, key ASC'
