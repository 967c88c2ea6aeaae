"""Which custom fields estimates are read from, on a site whose field list holds look-alikes."""

from __future__ import annotations

from typing import Any

from syncd.connectors.base import Check
from syncd.connectors.estimates import estimates_check, number_fields_named

NAMES = ("story point estimate", "story points")


def field(field_id: str, name: str, schema_type: str, custom: str) -> dict[str, Any]:
    """A ``GET /rest/api/3/field`` entry as Jira Cloud lists it."""
    number = int(field_id.removeprefix("customfield_"))
    return {
        "id": field_id,
        "key": field_id,
        "name": name,
        "custom": True,
        "orderable": True,
        "navigable": True,
        "searchable": True,
        "clauseNames": [f"cf[{number}]", name],
        "schema": {"type": schema_type, "custom": custom, "customId": number},
    }


SELECT = field(
    "customfield_10200", "Story Points", "option", "com.atlassian.jira.plugin.system.customfieldtypes:select"
)
NUMBER = field("customfield_10028", "Story Points", "number", "com.atlassian.jira.plugin.system.customfieldtypes:float")
ESTIMATE = field("customfield_10016", "Story point estimate", "number", "com.pyxis.greenhopper.jira:jsw-story-points")


def test_of_two_fields_of_one_name_the_number_field_is_read_wherever_it_is_listed() -> None:
    assert number_fields_named([ESTIMATE, NUMBER, SELECT], NAMES) == ("customfield_10016", "customfield_10028")
    assert number_fields_named([SELECT, NUMBER, ESTIMATE], NAMES) == ("customfield_10016", "customfield_10028")


def test_a_name_with_no_number_field_still_reads_the_first_of_that_name() -> None:
    assert number_fields_named([SELECT], NAMES) == ("customfield_10200",)
    assert number_fields_named([{**NUMBER, "custom": False}], NAMES) == ()


def test_check_says_which_fields_are_read() -> None:
    assert estimates_check(("customfield_10016", "customfield_10028")) == Check(
        "estimates", True, "read from customfield_10016, customfield_10028 (the first with a value)"
    )
    assert estimates_check(()).ok is None
