"""The paginators, driven over plain pages: where each read goes next, and the repeated-token guard."""

from __future__ import annotations

from typing import Any

import pytest

from syncd.connectors.paging import ClassicSearch, EnhancedSearch, Offsets, Paginator, RelayCursors, paginate
from syncd.errors import TransientError


def walk(paginator: Paginator[Any], pages: dict[Any, Any]) -> tuple[list[Any], list[Any]]:
    """The items handed on, and the tokens asked for, in order."""
    asked: list[Any] = []

    def fetch(token: Any) -> Any:
        asked.append(token)
        page = pages[token]
        paginator.check(page)
        return page

    return list(paginate(paginator, fetch)), asked


def relay(nodes: list[str], cursor: str | None, more: bool) -> dict[str, Any]:
    return {"issues": {"nodes": nodes, "pageInfo": {"hasNextPage": more, "endCursor": cursor}}}


def test_enhanced_search_follows_tokens_until_the_last_page() -> None:
    pages = {
        None: {"issues": [1, 2], "nextPageToken": "a", "isLast": False},
        "a": {"issues": [3], "nextPageToken": "b"},
        "b": {"issues": [4], "isLast": True},
    }
    assert walk(EnhancedSearch(tracker="jira"), pages) == ([1, 2, 3, 4], [None, "a", "b"])


def test_a_page_token_given_twice_is_refused_as_transient() -> None:
    pages = {
        None: {"issues": [1], "nextPageToken": "a"},
        "a": {"issues": [2], "nextPageToken": "b"},
        "b": {"issues": [3], "nextPageToken": "a"},
    }
    with pytest.raises(TransientError, match="already gave") as raised:
        walk(EnhancedSearch(tracker="jira.acme"), pages)
    assert raised.value.tracker == "jira.acme"


def test_a_search_answer_that_is_no_page_is_transient_never_an_end() -> None:
    with pytest.raises(TransientError, match="not a page of issues"):
        walk(EnhancedSearch(), {None: {"values": []}})


def test_relay_cursors_read_every_node_and_refuse_a_cursor_that_comes_back() -> None:
    pages = {None: relay(["A", "B"], "c1", True), "c1": relay(["C"], "c2", False)}
    assert walk(RelayCursors("issues"), pages) == (["A", "B", "C"], [None, "c1"])
    looping = {None: relay(["A"], "c1", True), "c1": relay(["B"], "c1", True)}
    with pytest.raises(TransientError, match="repeated an earlier one"):
        walk(RelayCursors("issues"), looping)


def test_relay_cursors_start_after_a_given_cursor() -> None:
    pages = {"c5": relay(["F"], "c6", False)}
    assert walk(RelayCursors("issues", "c5"), pages) == (["F"], ["c5"])


def test_an_unshaped_relay_read_still_refuses_a_repeated_cursor() -> None:
    paginator = RelayCursors("issues", shaped=False)
    looping = {None: relay(["A"], "c1", True), "c1": relay(["B"], "c1", True)}
    with pytest.raises(TransientError):
        list(paginate(paginator, lambda token: looping[token]))


def test_offsets_move_by_what_each_page_held_up_to_the_total() -> None:
    pages = {0: {"comments": [1, 2], "total": 5}, 2: {"comments": [3, 4], "total": 5}, 4: {"comments": [5], "total": 5}}
    assert walk(Offsets("comments"), pages) == ([1, 2, 3, 4, 5], [0, 2, 4])


def test_offsets_end_on_an_empty_or_unshaped_page_and_on_is_last() -> None:
    assert walk(Offsets("comments"), {0: {"comments": [], "total": 9}}) == ([], [0])
    assert walk(Offsets("values", is_last=True), {0: {"values": "nope"}}) == ([], [0])
    assert walk(Offsets("values", is_last=True), {0: {"values": [1], "total": 9}}) == ([1], [0])
    pages = {0: {"values": [1], "total": 9, "isLast": False}, 1: {"values": [2], "total": 9, "isLast": True}}
    assert walk(Offsets("values", is_last=True), pages) == ([1, 2], [0, 1])


def classic(keys: list[str], total: int) -> dict[str, Any]:
    return {"issues": [{"key": key} for key in keys], "total": total}


def test_classic_search_overlaps_one_issue_and_hands_each_on_once_in_order() -> None:
    pages = {0: classic(["A", "B", "C"], 5), 2: classic(["C", "D", "E"], 5)}
    items, asked = walk(ClassicSearch(2), pages)
    assert [item["key"] for item in items] == ["A", "B", "C", "C", "D", "E"]
    assert asked == [0, 2]


def test_classic_search_steps_back_when_the_shared_issue_moved() -> None:
    answers = iter([classic(["A", "B", "C"], 5), classic(["D", "E"], 4), classic(["A", "B", "D"], 3)])
    paginator = ClassicSearch(2)
    asked: list[Any] = []

    def fetch(token: Any) -> Any:
        asked.append(token)
        return next(answers)

    items = [item["key"] for item in paginate(paginator, fetch)]
    assert asked == [0, 2, 0], "the page whose first issue is not the shared one is not handed on"
    assert items == ["A", "B", "C", "A", "B", "D"]


def test_classic_search_gives_up_when_results_keep_shifting() -> None:
    answers = iter([classic(["A", "B", "C"], 9), *[classic(["X", "Y", "Z"], 9)] * 100])
    with pytest.raises(TransientError, match="kept shifting"):
        list(paginate(ClassicSearch(2), lambda token: next(answers)))
