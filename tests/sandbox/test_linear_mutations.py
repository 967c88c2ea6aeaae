"""Writes through the real ``gql`` client: labels and label groups, batch updates, comments, permissions."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from gql.transport.exceptions import TransportQueryError

from syncd.sandbox.linear import BATCH_LIMIT, LinearEmulator

from .test_linear_emulator import T0, Org, build_org, call, error_of, post, use


@pytest.fixture(scope="module")
def served() -> Iterator[LinearEmulator]:
    with LinearEmulator() as emulator:
        yield emulator


@pytest.fixture
def org() -> Org:
    return build_org()


@pytest.fixture
def linear(served: LinearEmulator, org: Org) -> LinearEmulator:
    return use(served, org)


ADD_LABEL = """mutation($id: String!, $label: String!) {
  issueAddLabel(id: $id, labelId: $label) { success issue { updatedAt labels { nodes { name } } } } }"""
UPDATE = """mutation($id: String!, $input: IssueUpdateInput!) {
  issueUpdate(id: $id, input: $input) { success lastSyncId issue { identifier updatedAt labelIds } } }"""
BATCH = """mutation($ids: [UUID!]!, $input: IssueUpdateInput!) {
  issueBatchUpdate(ids: $ids, input: $input) { success issues { identifier labelIds } } }"""
CREATE_LABEL = """mutation($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id name isGroup team { key } parent { name } } } }"""


def label_names(org: Org, ref: str) -> set[str]:
    return set(org.ws.issue_labels(ref))


# -- label groups -------------------------------------------------------------------------------------


def test_label_groups_and_labels_are_created_in_workspace_or_team(linear: LinearEmulator, org: Org) -> None:
    group = call(linear, org.key, CREATE_LABEL, input={"name": "objective", "isGroup": True})
    group_label = group["issueLabelCreate"]["issueLabel"]
    assert group_label["isGroup"] is True
    assert group_label["team"] is None
    child = call(linear, org.key, CREATE_LABEL, input={"name": "objective:growth", "parentId": group_label["id"]})[
        "issueLabelCreate"
    ]["issueLabel"]
    assert child["parent"] == {"name": "objective"}
    team_label = call(linear, org.key, CREATE_LABEL, input={"name": "eng-only", "teamId": org.eng.id})
    assert team_label["issueLabelCreate"]["issueLabel"]["team"] == {"key": "ENG"}
    assert org.ws.label("objective:growth").parent_id == group_label["id"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "bug"}, "already exists"),
        ({"name": "x", "parentId": "{bug}"}, "is not a group"),
        ({"name": "x", "parentId": "{area}", "isGroup": True}, "cannot be inside"),
        ({"name": "x", "parentId": str(uuid.uuid4())}, "Could not find referenced IssueLabel"),
        ({"name": "x", "teamId": str(uuid.uuid4())}, "Could not find referenced Team"),
    ],
)
def test_label_creation_follows_linears_rules(
    linear: LinearEmulator, org: Org, data: dict[str, Any], message: str
) -> None:
    ids = {"bug": org.bug.id, "area": org.area.id}
    data = {k: v.format(**ids) if isinstance(v, str) else v for k, v in data.items()}
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, CREATE_LABEL, input=data)
    error = error_of(raised)
    assert error["extensions"]["code"] == "INPUT_ERROR"
    assert message in error["extensions"]["userPresentableMessage"]


def test_adding_a_label_moves_updated_at_and_adding_again_does_not(linear: LinearEmulator, org: Org) -> None:
    issue = org.issues[0]
    linear.clock.advance(5)
    first = call(linear, org.key, ADD_LABEL, id=issue.identifier, label=org.frontend.id)["issueAddLabel"]
    assert first["success"] is True
    assert first["issue"]["labels"]["nodes"] == [{"name": "Frontend"}]
    assert first["issue"]["updatedAt"] == "2026-11-02T09:00:05.000Z"
    linear.clock.advance(5)
    again = call(linear, org.key, ADD_LABEL, id=issue.id, label=org.frontend.id)["issueAddLabel"]
    assert again["issue"]["updatedAt"] == first["issue"]["updatedAt"]
    removed = call(
        linear,
        org.key,
        """mutation($id: String!, $label: String!) {
          issueRemoveLabel(id: $id, labelId: $label) { issue { updatedAt labels { nodes { name } } } } }""",
        id=issue.id,
        label=org.frontend.id,
    )["issueRemoveLabel"]["issue"]
    assert removed == {"updatedAt": "2026-11-02T09:00:10.000Z", "labels": {"nodes": []}}


def test_a_second_label_of_a_group_fails_and_changes_nothing(linear: LinearEmulator, org: Org) -> None:
    issue = org.issues[0]
    org.ws.edit_labels(issue, add=[org.frontend])
    before = org.ws.issue(issue)
    for query, variables in (
        (ADD_LABEL, {"id": issue.id, "label": org.backend.id}),
        (UPDATE, {"id": issue.id, "input": {"addedLabelIds": [org.backend.id, org.bug.id]}}),
    ):
        response = post(linear, org.key, query, **variables)
        assert response.status_code == 200
        error = response.json()["errors"][0]
        assert error["extensions"]["code"] == "INPUT_ERROR"
        assert error["extensions"]["type"] == "invalid input"
        assert error["extensions"]["userError"] is True
        assert "Only one label in a group can be applied" in error["extensions"]["userPresentableMessage"]
        assert "'Backend' is in the same group as 'Frontend'" in error["extensions"]["userPresentableMessage"]
    assert org.ws.issue(issue) == before


def test_swapping_labels_of_a_group_in_one_update_works(linear: LinearEmulator, org: Org) -> None:
    issue = org.issues[0]
    org.ws.edit_labels(issue, add=[org.frontend, org.bug])
    swap = {"addedLabelIds": [org.backend.id], "removedLabelIds": [org.frontend.id]}
    result = call(linear, org.key, UPDATE, id=issue.id, input=swap)["issueUpdate"]
    assert set(result["issue"]["labelIds"]) == {org.bug.id, org.backend.id}
    assert result["lastSyncId"] > 0


@pytest.mark.parametrize(
    ("label", "message"),
    [("area", "is a group"), ("eng_only", "belongs to another team")],
)
def test_groups_and_other_teams_labels_cannot_be_applied(
    linear: LinearEmulator, org: Org, label: str, message: str
) -> None:
    gro_issue = org.issues[1]
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, ADD_LABEL, id=gro_issue.id, label=getattr(org, label).id)
    assert message in error_of(raised)["extensions"]["userPresentableMessage"]


def test_label_ids_replace_the_whole_set(linear: LinearEmulator, org: Org) -> None:
    org.ws.edit_labels(org.issues[0], add=[org.bug])
    result = call(linear, org.key, UPDATE, id=org.issues[0].id, input={"labelIds": [org.frontend.id]})
    assert result["issueUpdate"]["issue"]["labelIds"] == [org.frontend.id]


def test_unsupported_input_fields_are_refused_not_dropped(linear: LinearEmulator, org: Org) -> None:
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, UPDATE, id=org.issues[0].id, input={"subscriberIds": []})
    assert "subscriberIds" in error_of(raised)["message"]


# -- batch updates --------------------------------------------------------------------------------------


def test_a_batch_of_fifty_is_applied(served: LinearEmulator) -> None:
    org = build_org(issues=BATCH_LIMIT + 1)
    served.reset(org.ws)
    ids = [issue.id for issue in org.issues[:BATCH_LIMIT]]
    result = call(served, org.key, BATCH, ids=ids, input={"addedLabelIds": [org.bug.id]})["issueBatchUpdate"]
    assert result["success"] is True
    assert len(result["issues"]) == BATCH_LIMIT
    assert all(label_names(org, i) == {"bug"} for i in ids)
    with pytest.raises(TransportQueryError) as raised:
        call(served, org.key, BATCH, ids=[i.id for i in org.issues], input={"addedLabelIds": [org.bug.id]})
    assert "at most 50" in error_of(raised)["extensions"]["userPresentableMessage"]
    assert label_names(org, org.issues[-1].id) == set()


def test_a_batch_is_all_or_nothing(linear: LinearEmulator, org: Org) -> None:
    org.ws.edit_labels(org.issues[4], add=[org.frontend])
    ids = [org.issues[0].id, org.issues[2].id, org.issues[4].id]
    before = [org.ws.issue(i) for i in ids]
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, BATCH, ids=ids, input={"addedLabelIds": [org.backend.id]})
    assert "Only one label in a group" in error_of(raised)["extensions"]["userPresentableMessage"]
    assert [org.ws.issue(i) for i in ids] == before


def test_a_batch_takes_uuids_not_identifiers(linear: LinearEmulator, org: Org) -> None:
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, BATCH, ids=["ENG-1"], input={"addedLabelIds": [org.bug.id]})
    assert "UUID" in error_of(raised)["extensions"]["userPresentableMessage"]


# -- comments --------------------------------------------------------------------------------------------

COMMENT_CREATE = """mutation($input: CommentCreateInput!) {
  commentCreate(input: $input) {
    success comment { id body url createdAt editedAt user { name } issue { identifier } } } }"""
COMMENT_UPDATE = """mutation($id: String!, $body: String!) {
  commentUpdate(id: $id, input: {body: $body}) { success comment { body editedAt updatedAt } } }"""


def test_comments_are_created_edited_and_listed(linear: LinearEmulator, org: Org) -> None:
    issue = org.issues[0]
    created = call(linear, org.key, COMMENT_CREATE, input={"issueId": "ENG-1", "body": "Drift report v1"})
    comment = created["commentCreate"]["comment"]
    assert comment["user"] == {"name": "Sync Bot"}
    assert comment["issue"] == {"identifier": "ENG-1"}
    assert comment["editedAt"] is None
    linear.clock.advance(30)
    edited = call(linear, org.key, COMMENT_UPDATE, id=comment["id"], body="Drift report v2")["commentUpdate"]
    assert edited["comment"] == {
        "body": "Drift report v2",
        "editedAt": "2026-11-02T09:00:30.000Z",
        "updatedAt": "2026-11-02T09:00:30.000Z",
    }
    person = org.ws.store.api_keys[org.read_key].user_id
    org.ws.add_comment(issue, "A person's reply", user=person)
    listed = call(
        linear,
        org.key,
        """query($id: String!, $issue: ID) {
          issue(id: $id) { updatedAt comments { nodes { body user { name } } } }
          comments(filter: {issue: {id: {eq: $issue}}}) { nodes { body } } }""",
        id=issue.id,
        issue=issue.id,
    )
    bodies = {n["body"] for n in listed["issue"]["comments"]["nodes"]}
    assert bodies == {"Drift report v2", "A person's reply"}
    assert listed["comments"]["nodes"] == [{"body": n["body"]} for n in listed["issue"]["comments"]["nodes"]]
    assert listed["issue"]["updatedAt"] == "2026-11-02T03:00:00.000Z"  # a comment leaves it be
    assert [c.body for c in org.ws.comments(issue)] == ["Drift report v2", "A person's reply"]


def test_a_comment_id_chosen_by_the_client_is_not_created_twice(linear: LinearEmulator, org: Org) -> None:
    chosen = str(uuid.uuid4())
    data = {"issueId": org.issues[0].id, "body": "Once", "id": chosen}
    call(linear, org.key, COMMENT_CREATE, input=data)
    with pytest.raises(TransportQueryError):
        call(linear, org.key, COMMENT_CREATE, input=data)
    assert len(org.ws.comments(org.issues[0])) == 1


def test_only_the_author_edits_a_comment(linear: LinearEmulator, org: Org) -> None:
    person = org.ws.store.api_keys[org.read_key].user_id
    theirs = org.ws.add_comment(org.issues[0], "Mine", user=person)
    with pytest.raises(TransportQueryError) as raised:
        call(linear, org.key, COMMENT_UPDATE, id=theirs.id, body="Hijacked")
    assert error_of(raised)["extensions"]["code"] == "FORBIDDEN"
    assert org.ws.comments(org.issues[0])[0].body == "Mine"


# -- permissions and people --------------------------------------------------------------------------------


def test_a_read_only_key_reads_but_cannot_write(linear: LinearEmulator, org: Org) -> None:
    assert call(linear, org.read_key, "{ viewer { name } }") == {"viewer": {"name": "Ada Lovelace"}}
    response = post(linear, org.read_key, ADD_LABEL, id=org.issues[0].id, label=org.bug.id)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["message"] == "Invalid scope: `write` required"
    assert error["extensions"]["code"] == "FORBIDDEN"
    assert error["extensions"]["type"] == "forbidden"
    assert label_names(org, org.issues[0].id) == set()


def test_a_person_picking_a_label_replaces_its_group_sibling(linear: LinearEmulator, org: Org) -> None:
    issue = org.issues[0]
    org.ws.edit_labels(issue, add=[org.frontend, org.bug])
    linear.clock.advance(1)
    edited = org.ws.edit_labels(issue, add=["Backend"])
    assert label_names(org, issue.id) == {"bug", "Backend"}
    assert edited.updated_at > issue.updated_at


def test_moving_an_issue_maps_its_state_and_clears_its_cycle(linear: LinearEmulator, org: Org) -> None:
    cycle = org.ws.add_cycle(org.eng, starts_at=T0, ends_at=T0 + timedelta(days=7))
    issue = org.ws.update_issue(org.issues[0], state="In Progress", cycle=cycle)
    moved = org.ws.move_issue(issue, "GRO")
    state = org.ws.store.states[moved.state_id]
    assert (state.team_id, state.type, moved.cycle_id) == (org.gro.id, "started", None)
    assert org.ws.issue("ENG-1").id == issue.id
