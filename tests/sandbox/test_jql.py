"""The JQL subset parser: what it accepts, how it reads it, and Jira's words for what it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from syncd.sandbox.jira.jql import (
    And,
    JqlError,
    LocalDate,
    Not,
    Or,
    Period,
    Query,
    QueryField,
    SortField,
    Terminal,
    parse,
    parse_date,
)
from syncd.sandbox.jira.model import ISSUE_TYPES, STATUSES, Issue
from syncd.sandbox.jira.search import compile_query


def test_the_query_syncd_sends_for_an_incremental_pull() -> None:
    query = parse('project in (GROW, "Core Platform") AND updated >= "2026-11-01 10:00" ORDER BY created ASC, key')

    assert query == Query(
        And(
            (
                Terminal(QueryField.PROJECT, "project", "in", ("GROW", "Core Platform")),
                Terminal(
                    QueryField.UPDATED,
                    "updated",
                    ">=",
                    ("2026-11-01 10:00",),
                    (LocalDate(datetime(2026, 11, 1, 10, 0)),),
                ),
            )
        ),
        (SortField(QueryField.CREATED, descending=False), SortField(QueryField.KEY, descending=False)),
    )


@pytest.mark.parametrize(
    ("jql", "field", "operator", "values"),
    [
        ("project = GROW", QueryField.PROJECT, "=", ("GROW",)),
        ("PROJECT != 'GROW'", QueryField.PROJECT, "!=", ("GROW",)),
        ("project not in (A, B)", QueryField.PROJECT, "not in", ("A", "B")),
        ("key in (GROW-1, grow-2)", QueryField.KEY, "in", ("GROW-1", "grow-2")),
        ("issuekey = GROW-1", QueryField.KEY, "=", ("GROW-1",)),
        ("issue in (10001)", QueryField.KEY, "in", ("10001",)),
        ("updatedDate > 2026-11-01", QueryField.UPDATED, ">", ("2026-11-01",)),
        ("created <= '2026/11/01 7:05'", QueryField.CREATED, "<=", ("2026/11/01 7:05",)),
    ],
)
def test_terminal_clauses(jql: str, field: QueryField, operator: str, values: tuple[str, ...]) -> None:
    where = parse(jql).where

    assert isinstance(where, Terminal)
    assert (where.field, where.operator, where.values) == (field, operator, values)


def test_quoted_strings_with_escapes() -> None:
    where = parse(r'project = "Team \"A\" \\ \u0042\ \n"').where

    assert isinstance(where, Terminal)
    assert where.values == ('Team "A" \\ B \n',)


def test_precedence_not_over_and_over_or_and_parentheses() -> None:
    query = parse("project = A OR project = B AND NOT key = A-1")
    grouped = parse("(project = A OR project = B) AND NOT key = A-1")

    assert isinstance(query.where, Or)
    assert isinstance(query.where.clauses[1], And)
    assert isinstance(grouped.where, And)
    assert isinstance(grouped.where.clauses[0], Or)
    assert isinstance(grouped.where.clauses[1], Not)
    assert parse("project = A && project = B || key = A-1") == parse("project = A and project = B or key = A-1")


def test_order_by_only_is_an_unbounded_query() -> None:
    assert parse("order by updated desc, key") == Query(
        None, (SortField(QueryField.UPDATED, descending=True), SortField(QueryField.KEY, descending=False))
    )
    assert parse("") == Query(None, ())


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-01 10:00", LocalDate(datetime(2026, 11, 1, 10, 0))),
        ("2026/11/01 10:00", LocalDate(datetime(2026, 11, 1, 10, 0))),
        ("2026-11-01", LocalDate(datetime(2026, 11, 1))),
        ("2026/1/5", LocalDate(datetime(2026, 1, 5))),
        ("-5d", Period(timedelta(days=-5))),
        ("4w 2d", Period(timedelta(weeks=4, days=2))),
        ("-1h 30m", Period(timedelta(hours=-1, minutes=-30))),
    ],
)
def test_date_formats(value: str, expected: LocalDate | Period) -> None:
    assert parse_date(value, "updated") == expected


@pytest.mark.parametrize("value", ["2026-13-01", "2026-11-01T10:00", "2026-11-01 10:00:30", "01/11/2026", "soon"])
def test_invalid_dates_use_jiras_message(value: str) -> None:
    with pytest.raises(JqlError) as raised:
        parse(f'updated >= "{value}"')

    assert raised.value.message == (
        f"Date value '{value}' for field 'updated' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
        "'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'."
    )


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        (
            "project = A B",
            "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'B'. (line 1, character 13)",
        ),
        ("project A", "Error in the JQL Query: Expecting operator but got 'A'."),
        (
            "project in (A",
            "Error in the JQL Query: Expecting ')' but got the end of the query. (line 1, character 14)",
        ),
        ("project = ", "Error in the JQL Query: Expecting either a value, list or function but got the end"),
        ('project = "GROW', "Error in the JQL Query: The quoted string 'GROW' has not been completed."),
        ("project = a.b", "Error in the JQL Query: The character '.' is a reserved JQL character."),
        (r'project = "a\qb"', r"Error in the JQL Query: '\q' is an illegal JQL escape sequence."),
        (
            "project = A\nAND ) ",
            "Error in the JQL Query: Expecting a field name but got ')'. (line 2, character 5)",
        ),
        ("assignee = x", "Error in the JQL Query: The field 'assignee' is not supported by the Jira emulator"),
        ("sprint = 3", "Error in the JQL Query: The field 'sprint' is not supported by the Jira emulator"),
        ("labels is x", "The operator 'IS' only supports EMPTY or NULL for field 'labels'."),
        ("text = x", "The operator '=' is not supported by the text field."),
        ("project = A ORDER BY component", "Error in the JQL Query: Sorting by 'component' is not supported"),
        (
            "cf[10016] = 3",
            "Error in the JQL Query: The field 'cf[10016]' is not supported by the Jira emulator",
        ),
        ("frobnicate = 1", "Field 'frobnicate' does not exist or you do not have permission to view it."),
        ("project ~ GROW", "The operator '~' is not supported by the project field."),
        ("updated ~ x", "The operator '~' is not supported by the updated field."),
        (
            "key > GROW-1",
            "Error in the JQL Query: The operator '>' on 'key' is not supported by the Jira emulator.",
        ),
        ("project is EMPTY", "Error in the JQL Query: The operator 'IS' on 'project' is not supported"),
        (
            "updated > startOfDay()",
            "Error in the JQL Query: JQL functions such as 'startOfDay()' are not supported",
        ),
        ("status was Done", "Error in the JQL Query: History searches ('WAS') are not supported"),
        ("project = A ORDER BY rank", "Error in the JQL Query: Sorting by 'rank' is not supported"),
        ("project = A ORDER BY bogus", "Not able to sort using field 'bogus'."),
        ("project = A ORDER key", "Error in the JQL Query: Expecting 'by' but got 'key'."),
    ],
)
def test_refusals_never_ignore_a_clause(jql: str, message: str) -> None:
    with pytest.raises(JqlError) as raised:
        parse(jql)

    assert raised.value.message.startswith(message)


class _Data:
    """A resolver over two projects and three issues (GROW-3 was moved from CORE-7)."""

    def project_id_for(self, value: str) -> int | None:
        return {"GROW": 1, "GROWTH": 1, "1": 1, "CORE": 2}.get(value.upper())

    def issue_id_for(self, value: str) -> int | None:
        return {"GROW-1": 11, "GROW-2": 12, "GROW-3": 13, "CORE-7": 13, "13": 13}.get(value.upper())


def _issue(issue_id: int, key: str, project_id: int, updated: datetime) -> Issue:
    return Issue(
        id=issue_id,
        key=key,
        project_id=project_id,
        number=int(key.split("-")[1]),
        summary=key,
        description=None,
        issue_type=ISSUE_TYPES["story"],
        status=STATUSES["to do"],
        priority="Medium",
        labels=(),
        component_ids=(),
        parent_id=None,
        epic_id=None,
        story_points=None,
        created=updated,
        updated=updated,
        resolutiondate=None,
        reporter="me",
    )


def test_dates_are_read_in_the_users_time_zone_with_minute_precision() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    before = _issue(11, "GROW-1", 1, datetime(2026, 11, 1, 8, 59, 59, 999000, tzinfo=UTC))
    at = _issue(12, "GROW-2", 1, datetime(2026, 11, 1, 9, 0, tzinfo=UTC))

    plan = compile_query(parse('updated >= "2026-11-01 10:00"'), resolver=_Data(), zone=berlin, now=now)

    assert not plan.predicate(before)
    assert plan.predicate(at)
    utc_plan = compile_query(parse('updated >= "2026-11-01 10:00"'), resolver=_Data(), zone=ZoneInfo("UTC"), now=now)
    assert not utc_plan.predicate(at)


def test_relative_dates_count_from_now() -> None:
    now = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
    plan = compile_query(parse("updated > -1d"), resolver=_Data(), zone=ZoneInfo("UTC"), now=now)

    assert plan.predicate(_issue(11, "GROW-1", 1, now - timedelta(hours=23)))
    assert not plan.predicate(_issue(11, "GROW-1", 1, now - timedelta(hours=25)))


def test_values_are_checked_against_the_data() -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    utc = ZoneInfo("UTC")

    with pytest.raises(JqlError, match=r"^The value 'NOPE' does not exist for the field 'project'\.$"):
        compile_query(parse("project in (GROW, NOPE)"), resolver=_Data(), zone=utc, now=now)
    with pytest.raises(JqlError, match=r"^An issue with key 'GROW-9' does not exist for field 'issuekey'\.$"):
        compile_query(parse("issuekey in (GROW-9)"), resolver=_Data(), zone=utc, now=now)
    with pytest.raises(JqlError, match=r"^The issue key 'nonsense' for field 'key' is invalid\.$"):
        compile_query(parse("key = nonsense"), resolver=_Data(), zone=utc, now=now)

    lenient = compile_query(parse("project in (GROW, NOPE)"), resolver=_Data(), zone=utc, now=now, strict=False)
    assert lenient.warnings == ("The value 'NOPE' does not exist for the field 'project'.",)


def test_projects_by_key_name_or_id_and_moved_keys_resolve() -> None:
    now = datetime(2026, 11, 2, tzinfo=UTC)
    utc = ZoneInfo("UTC")
    moved = _issue(13, "GROW-3", 1, now)

    by_name = compile_query(parse('project = "growth"'), resolver=_Data(), zone=utc, now=now)
    by_old_key = compile_query(parse("key in (CORE-7)"), resolver=_Data(), zone=utc, now=now)

    assert by_name.predicate(moved)
    assert by_old_key.predicate(moved)
    assert by_old_key.candidates == frozenset({13})
