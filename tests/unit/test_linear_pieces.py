"""The pure parts of the Linear connector: label naming, the label directory, errors, rate-limit waits."""

from __future__ import annotations

from typing import Any

from gql.transport.exceptions import TransportQueryError, TransportServerError

from syncd.connectors.base import Skipped
from syncd.connectors.linear_errors import retry_after, translate_error
from syncd.connectors.linear_issues import (
    LabelNaming,
    label_ids_without_group,
    labels_cursor,
    to_work_item,
    with_groups,
    with_labels,
)
from syncd.connectors.linear_labels import LabelDirectory, LinearLabel
from syncd.errors import AuthError, BadRequest, NotFound, PermissionDenied, RateLimited, TransientError
from syncd.model import StatusCategory
from syncd.strategy import LabelScheme

NAMING = LabelNaming(LabelScheme(), "Objective", "Value")
FLAT = LabelNaming(LabelScheme(), "Objective", None)


def test_label_naming_round_trips() -> None:
    for canonical in ("objective:growth", "value:quality", "alignment:none", "frontend"):
        assert NAMING.canonical(*reversed(NAMING.placement(canonical))) == canonical
    assert NAMING.placement("objective:growth") == ("Objective", "growth")
    assert NAMING.placement("alignment:none") == ("Objective", "alignment:none")
    assert FLAT.placement("value:quality") == (None, "value:quality")
    assert NAMING.canonical("growth", "objective") == "objective:growth", "group names compare case-insensitively"


def node(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "uuid-1",
        "identifier": "ENG-7",
        "url": "https://linear.app/acme/issue/ENG-7",
        "title": "Okta",
        "description": None,
        "priorityLabel": "High",
        "estimate": 3,
        "createdAt": "2026-11-01T10:00:00.000Z",
        "updatedAt": "2026-11-02T10:00:00.000Z",
        "completedAt": None,
        "state": {"type": "started"},
        "team": {"key": "ENG"},
        "project": {"id": "p1", "name": "SAML SSO"},
        "parent": {"identifier": "ENG-2"},
        "labels": {
            "nodes": [
                {"id": "l1", "name": "growth", "parent": {"name": "Objective"}},
                {"id": "l2", "name": "bug", "parent": None},
            ]
        },
    }
    base.update(fields)
    return base


def test_issue_node_becomes_a_work_item() -> None:
    item = to_work_item(node(), tracker="linear.acme", naming=NAMING, initiatives={"p1": ("Enterprise",)})
    assert not isinstance(item, Skipped)
    assert item.status is StatusCategory.IN_PROGRESS
    assert item.labels == {"objective:growth", "bug"}
    assert item.initiatives == ("Enterprise",)
    assert item.parent == "ENG-2"
    assert item.project == "ENG"
    assert item.estimate == 3.0


def test_canceled_work_is_done_but_never_resolved() -> None:
    item = to_work_item(node(state={"type": "canceled"}), tracker="t", naming=NAMING, initiatives={})
    assert not isinstance(item, Skipped)
    assert item.status is StatusCategory.DONE
    assert item.resolved is None


def test_malformed_node_is_skipped_with_the_reason() -> None:
    skipped = to_work_item(node(state=None), tracker="t", naming=NAMING, initiatives={})
    assert isinstance(skipped, Skipped)
    assert skipped.key == "ENG-7"
    assert "malformed" in skipped.reason
    assert isinstance(to_work_item({"id": "x"}, tracker="t", naming=NAMING, initiatives={}), Skipped)


def test_directory_prefers_the_teams_label_and_creates_groups_once() -> None:
    created: list[dict[str, Any]] = []

    def create(payload: dict[str, Any]) -> LinearLabel:
        created.append(payload)
        parent = "Objective" if payload.get("parentId") else None
        return LinearLabel(f"new-{len(created)}", payload["name"], bool(payload.get("isGroup")), parent, None)

    labels = [
        LinearLabel("ws-growth", "growth", False, "Objective", None),
        LinearLabel("eng-growth", "growth", False, "Objective", "ENG"),
        LinearLabel("group", "Objective", True, None, None),
    ]
    directory = LabelDirectory(labels, NAMING, create)
    assert directory.ensure("objective:growth", "ENG").id == "eng-growth"
    assert directory.ensure("objective:growth", "GRO").id == "ws-growth"
    assert directory.ids_for_removal("objective:growth", None) == ["ws-growth", "eng-growth"]
    assert directory.ensure("objective:ops", "GRO").id == "new-1"
    assert created == [{"name": "ops", "parentId": "group"}]
    directory.ensure("value:quality", None)
    directory.ensure("value:customer", None)
    assert [p.get("isGroup") for p in created[1:]] == [True, None, None], "the Value group is created once"


def test_an_issue_with_more_labels_than_its_page_is_completed() -> None:
    first = node(labels={"nodes": [{"id": "l1", "name": "bug"}], "pageInfo": {"hasNextPage": True, "endCursor": "c1"}})
    assert labels_cursor(first) == "c1"
    assert labels_cursor(node()) is None, "a page without pageInfo is the whole list"
    assert labels_cursor({"labels": first["labels"]}) is None, "no id to read the rest with"
    assert labels_cursor("not a node") is None
    pin = {"id": "l2", "name": "growth", "parent": {"name": "Objective"}}
    complete = with_labels(first, [pin])
    assert complete["labels"]["pageInfo"] == {"hasNextPage": False, "endCursor": None}
    assert labels_cursor(complete) is None
    item = to_work_item(complete, tracker="t", naming=NAMING, initiatives={})
    assert not isinstance(item, Skipped)
    assert item.labels == {"bug", "objective:growth"}


def test_labels_a_page_read_without_their_group_get_it_from_the_directory() -> None:
    labels = [{"id": "l1", "name": "bug"}, {"id": "l2", "name": "growth"}, {"id": "l3", "name": "x", "parent": None}]
    page = node(labels={"nodes": labels})
    assert label_ids_without_group(page) == ["l1", "l2"], "a label that says its group needs no lookup"
    assert label_ids_without_group(node()) == []
    assert label_ids_without_group("not a node") == []
    grouped = with_groups(page, {"l2": "Objective", "l3": "Value"}.get)
    assert label_ids_without_group(grouped) == []
    item = to_work_item(grouped, tracker="t", naming=NAMING, initiatives={})
    assert not isinstance(item, Skipped)
    assert item.labels == {"bug", "objective:growth", "x"}, "unknown to the directory: outside any group"
    directory = LabelDirectory(
        [LinearLabel("l2", "growth", False, "Objective", None), LinearLabel("g", "Objective", True, None, None)],
        NAMING,
        lambda payload: LinearLabel("new", payload["name"], False, None, None),
    )
    assert directory.groups() == {"l2": "Objective"}, "groups themselves are not labels an issue carries"


def test_a_group_a_person_took_keeps_their_label() -> None:
    mine = LinearLabel("syncd-growth", "growth", False, "Objective", None, group_id="objective")
    old = LinearLabel("syncd-none", "alignment:none", False, "Objective", None, group_id="objective")
    value = LinearLabel("syncd-quality", "quality", False, "Value", None, group_id="value")
    persons = LinearLabel("person-ops", "ops", False, "Objective", None, group_id="objective")
    directory = LabelDirectory([mine, old, value, persons], NAMING, lambda _: mine)
    added, removed = frozenset({mine.id, value.id}), frozenset({old.id})
    assert directory.yield_to_people(added, removed, [persons]) == ({value.id}, frozenset()), (
        "the person's label replaced syncd's old one: syncd's add there is dropped, the value still goes"
    )
    assert directory.yield_to_people(added, removed, [old]) == (added, removed), "syncd's own label is swapped"
    assert directory.yield_to_people(added, removed, [mine, old]) == ({value.id}, removed), "already there"


def query_error(
    code: str = "", kind: str = "", message: str = "boom", presentable: str | None = None
) -> TransportQueryError:
    extensions: dict[str, Any] = {"code": code, "type": kind}
    if presentable is not None:
        extensions["userPresentableMessage"] = presentable
    return TransportQueryError(message, errors=[{"message": message, "extensions": extensions}])


def test_not_found_is_read_from_linears_developer_message() -> None:
    deleted = query_error(
        "INPUT_ERROR", "invalid input", "Entity not found: Comment", presentable="Could not find referenced Comment."
    )
    error = translate_error(deleted, tracker="t", issue="ENG-1")
    assert isinstance(error, NotFound)
    assert error.message == "Could not find referenced Comment.", "the words are the ones Linear shows people"
    exclusive = query_error(
        "INPUT_ERROR",
        "invalid input",
        "labelIds not exclusive child labels",
        presentable="The label 'a' is in the same group as 'b'. Only one label in a group can be applied to an issue.",
    )
    assert isinstance(translate_error(exclusive, tracker="t"), BadRequest)


def test_errors_are_translated_by_what_to_do_next() -> None:
    assert isinstance(translate_error(query_error("RATELIMITED"), tracker="t"), RateLimited)
    assert isinstance(translate_error(query_error(kind="ratelimited"), tracker="t"), RateLimited)
    assert isinstance(translate_error(query_error("AUTHENTICATION_ERROR"), tracker="t"), AuthError)
    assert isinstance(translate_error(query_error("FORBIDDEN"), tracker="t"), PermissionDenied)
    assert isinstance(
        translate_error(query_error("INPUT_ERROR", message="Entity not found: Issue"), tracker="t"), NotFound
    )
    assert isinstance(translate_error(query_error("INVALID_INPUT"), tracker="t"), BadRequest)
    assert isinstance(translate_error(TransportServerError("x", 503), tracker="t"), TransientError)
    assert isinstance(translate_error(TransportServerError("x", 429), tracker="t"), RateLimited)
    assert translate_error(ValueError("a bug"), tracker="t") is None


def test_rate_limit_wait_comes_from_the_exhausted_budget() -> None:
    headers = {
        "X-RateLimit-Requests-Remaining": "120",
        "X-RateLimit-Requests-Reset": "1000000",
        "X-RateLimit-Complexity-Remaining": "0",
        "X-RateLimit-Complexity-Reset": "1012500",
    }
    assert retry_after(headers, now=lambda: 1000.0) == 12.5
    assert retry_after({}, now=lambda: 1000.0) is None
    past = {"X-RateLimit-Requests-Remaining": "0", "X-RateLimit-Requests-Reset": "999000"}
    assert retry_after(past, now=lambda: 1000.0) == 0.0
