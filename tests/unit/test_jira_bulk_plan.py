"""The pure parts of Jira Cloud's bulk label writes: grouping ops, the payload, reading the task's answer."""

from __future__ import annotations

from syncd.connectors.jira_bulk import bulk_batches, bulk_body, outcomes, saves_requests
from syncd.errors import BadRequest, NotFound
from syncd.model import LabelOp


def _op(number: int, *, add: tuple[str, ...] = (), remove: tuple[str, ...] = ()) -> LabelOp:
    return LabelOp("jira.acme", str(10000 + number), f"GROW-{number}", frozenset(add), frozenset(remove))


def test_ops_are_grouped_by_identical_delta_in_order_of_first_appearance() -> None:
    ops = [_op(1, add=("a",)), _op(2, add=("b",)), _op(3, add=("a",)), _op(4, add=("a",), remove=("b",))]

    batches = list(bulk_batches(ops))

    assert [(sorted(b.add), sorted(b.remove), [o.key for o in b.ops]) for b in batches] == [
        (["a"], [], ["GROW-1", "GROW-3"]),
        (["b"], [], ["GROW-2"]),
        (["a"], ["b"], ["GROW-4"]),
    ]


def test_a_group_is_cut_at_the_limit() -> None:
    batches = list(bulk_batches([_op(n, add=("a",)) for n in range(2500)]))

    assert [len(b.ops) for b in batches] == [1000, 1000, 500]


def test_the_payload_is_an_issue_bulk_edit_payload_with_one_labels_field() -> None:
    body = bulk_body(["10001", "10002"], "REMOVE", {"b", "a"})

    assert body == {
        "selectedIssueIdsOrKeys": ["10001", "10002"],
        "selectedActions": ["labels"],
        "editedFieldsInput": {
            "labelsFields": [
                {
                    "fieldId": "labels",
                    "bulkEditMultiSelectFieldOption": "REMOVE",
                    "labels": [{"name": "a"}, {"name": "b"}],
                }
            ]
        },
        "sendBulkNotification": False,
    }


def test_each_op_is_read_from_the_per_issue_answer() -> None:
    ops = [_op(1), _op(2), _op(3)]
    progress = {
        "status": "COMPLETE",
        "processedAccessibleIssues": [10001],
        "failedAccessibleIssues": {"10002": ["Labels cannot contain spaces."]},
        "invalidOrInaccessibleIssueCount": 1,
    }

    result = outcomes(progress, ops, tracker="jira.acme")

    assert result["10001"] is None
    refused = result["10002"]
    assert isinstance(refused, BadRequest)
    assert "Labels cannot contain spaces." in refused.message
    assert not refused.may_have_landed
    assert isinstance(result["10003"], NotFound)


def test_bulk_edit_is_used_only_where_it_saves_requests() -> None:
    adds = list(bulk_batches([_op(n, add=("a",)) for n in range(3)]))
    swaps = list(bulk_batches([_op(n, add=("a",), remove=("b",)) for n in range(4)]))

    assert saves_requests(adds[0]), "a submission and a poll for three issues"
    assert not saves_requests(next(bulk_batches(adds[0].ops[:2])))
    assert not saves_requests(swaps[0]), "two submissions and two polls cost as much as four edits"
    assert saves_requests(next(bulk_batches([*swaps[0].ops, _op(9, add=("a",), remove=("b",))])))
