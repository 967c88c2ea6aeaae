"""Configuration never changes the shape of a query: JQL values are quoted, GraphQL takes variables."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from syncd.connectors.jql import issue_query
from syncd.errors import ConfigError
from syncd.sandbox.jira import jql
from syncd.settings import load_settings

HOSTILE = ['GROW" OR project = "OPS', 'A\\" OR key = \\"B', "X) OR (project = Y", 'Z" ORDER BY key --']


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_project_value_stays_one_value(value: str) -> None:
    query = jql.parse(issue_query(projects=[value, "OPS"], since=datetime(2026, 11, 1, tzinfo=UTC), time_zone="UTC"))
    assert isinstance(query.where, jql.And)
    project, updated = query.where.clauses
    assert isinstance(project, jql.Terminal)
    assert project.field is jql.QueryField.PROJECT
    assert project.values == (value, "OPS"), "the whole string is one project key"
    assert isinstance(updated, jql.Terminal)
    assert updated.field is jql.QueryField.UPDATED
    assert [s.field for s in query.order_by] == [jql.QueryField.CREATED, jql.QueryField.KEY]


def test_settings_refuse_such_keys_before_any_query(tmp_path: Path) -> None:
    config = tmp_path / "syncd.toml"
    config.write_text(
        textwrap.dedent(
            """
            [jira.a]
            url = "https://a.atlassian.net"
            token = "t"
            projects = ['GROW" OR project = "OPS']

            [linear.b]
            api_key = "k"
            teams = ['ENG"}']
            """
        )
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    found = [str(p) for p in caught.value.problems]
    assert any(p.startswith("jira.a.projects:") and "upper-case letters" in p for p in found), found
    assert any(p.startswith("linear.b.teams:") for p in found), found
