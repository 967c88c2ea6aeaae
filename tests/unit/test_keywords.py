"""Keyword search: inflections, exact quoted keywords, Unicode word splitting, phrases hiding their words."""

from __future__ import annotations

import pytest

from syncd.text.keywords import KeywordMatcher, Place, keyword_key, words


def found(matcher: KeywordMatcher[str], title: str, description: str = "") -> list[tuple[str, Place]]:
    return [(matcher.spelling(key), place) for key, place in matcher.found(title, description)]


def test_a_keyword_matches_its_inflected_forms() -> None:
    matcher = KeywordMatcher({"reliability": ["crash", "flaky"]})
    assert found(matcher, "Agent crashes on start") == [("crash", Place.TITLE)]
    assert found(matcher, "x", "flakiness of the suite") == [("flaky", Place.DESCRIPTION)]


def test_inflections_listed_apart_are_one_keyword() -> None:
    matcher = KeywordMatcher({"reliability": ["crash", "crashes", "crashed"]})
    assert matcher.found("crashed, crashes, crash", "") == [(keyword_key("crash"), Place.LEAD)]


def test_a_quoted_keyword_is_exact() -> None:
    matcher = KeywordMatcher({"docs": ['"docs"']})
    assert found(matcher, "Update the docs") == [('"docs"', Place.TITLE)]
    assert found(matcher, "Update the doc") == []


def test_a_keyword_with_punctuation_is_exact_and_whole() -> None:
    matcher = KeywordMatcher({"lang": ["c++", "state.json"]})
    assert [s for s, _ in found(matcher, "Port to C++ and read state.json")] == ["c++", "state.json"]
    assert found(matcher, "cc++x and state.jsonl") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("null，so", ["null", "so"]),  # a full-width comma
        ("does´t", ["does", "t"]),  # an acute accent
        ("a—b «c» d…e", ["a", "b", "c", "d", "e"]),
        ("Café crème", ["café", "crème"]),
        ("Cafe\u0301", ["café"]),  # a combining accent joins its letter
        ("snake_case stays", ["snake_case", "stays"]),
    ],
)
def test_words_split_wherever_unicode_says_a_word_ends(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_a_keyword_next_to_unicode_punctuation_matches() -> None:
    matcher = KeywordMatcher({"reliability": ["null"]})
    assert found(matcher, "value is null，so it fails") == [("null", Place.STATED)]


def test_a_statement_title_names_the_work_after_its_verb() -> None:
    matcher = KeywordMatcher({"security": ["ssl"], "reliability": ["fail", "broken"]})
    assert found(matcher, "SSL tests can fail on some hosts") == [("ssl", Place.TITLE), ("fail", Place.STATED)]
    assert found(matcher, "SSL tests aren't broken") == [("ssl", Place.TITLE), ("broken", Place.STATED)]
    assert found(matcher, "SSL handshake fails") == [("ssl", Place.LEAD), ("fail", Place.TITLE)]
    assert found(matcher, "Is SSL broken") == [("ssl", Place.TITLE), ("broken", Place.TITLE)], "no subject before it"


def test_a_matched_phrase_hides_the_keywords_inside_it() -> None:
    matcher = KeywordMatcher({"reliability": ["flaky test", "flaky"], "quality": ["test"]})
    assert found(matcher, "x", "a flaky test in CI") == [("flaky test", Place.DESCRIPTION)]
    both = found(matcher, "x", "a flaky test, and another test")
    assert both == [("flaky test", Place.DESCRIPTION), ("test", Place.DESCRIPTION)], "test occurs apart too"


def test_keywords_come_in_the_order_written_title_first() -> None:
    matcher = KeywordMatcher({"a": ["pricing"], "b": ["outage"], "c": ["latency"]})
    assert found(matcher, "latency and outage", "pricing") == [
        ("latency", Place.LEAD),
        ("outage", Place.TITLE),
        ("pricing", Place.DESCRIPTION),
    ]


def test_a_keyword_in_both_counts_once_at_its_most_prominent_place() -> None:
    matcher = KeywordMatcher({"a": ["outage"]})
    assert found(matcher, "Big outage", "the outage, outages again") == [("outage", Place.TITLE)]


def test_a_title_phrase_may_hold_a_few_words_in_its_order() -> None:
    matcher = KeywordMatcher({"quality": ["add tests"], "ops": ["upgrade"], "deps": ["upgrade to"]})
    assert found(matcher, "Add unit tests for the fetcher") == [("add tests", Place.LEAD)]
    assert found(matcher, "Upgrade bundled boost to 1.65") == [("upgrade to", Place.LEAD)], "hides upgrade"
    assert found(matcher, "Add a few more unit tests") == [], "four words among them are too many"
    assert found(matcher, "Tests to add") == [], "the phrase's order is kept"


def test_a_description_phrase_stays_exact() -> None:
    matcher = KeywordMatcher({"quality": ["add tests"]})
    assert found(matcher, "x", "we should add unit tests") == []
    assert found(matcher, "x", "we should add tests") == [("add tests", Place.DESCRIPTION)]


def test_a_title_that_denies_what_its_subject_does_reads_as_the_failure_keyword() -> None:
    matcher = KeywordMatcher({"reliability": ["fail"], "capability": ["isolator"]}, negation_reads_as=["fail"])
    assert found(matcher, "Isolator does not unmount volumes") == [
        ("isolator", Place.TITLE),
        ("fail (a negation)", Place.STATED),
    ]
    assert found(matcher, "Tasks can't be killed") == [("fail (a negation)", Place.STATED)]
    assert found(matcher, "Agent fails, does not restart") == [("fail", Place.TITLE)], "counted once"
    assert found(matcher, "Do not use the isolator") == [("isolator", Place.TITLE)], "an instruction"
    assert KeywordMatcher({"a": ["isolator"]}, negation_reads_as=["fail"]).found("x does not work", "") == []


def test_a_title_that_opens_by_reworking_code_reads_as_the_refactoring_keyword() -> None:
    keywords = {"maintainability": ["refactor", "rename"], "capability": ["isolator", "containerizer"]}
    matcher = KeywordMatcher(keywords, rework_reads_as=["refactoring", "refactor"])
    assert found(matcher, "Move all containerizer files under src/slave") == [
        ("refactor (a rework)", Place.LEAD),
        ("containerizer", Place.TITLE),
    ]
    assert found(matcher, "Remove pthread specific code") == [("refactor (a rework)", Place.LEAD)]
    assert found(matcher, "Rename the isolator") == [("rename", Place.LEAD), ("isolator", Place.TITLE)], (
        "a keyword of the strategy leads it already"
    )
    assert found(matcher, "Remove code to refactor") == [("refactor", Place.TITLE)], "counted once"
    assert found(matcher, "Removed isolator") == [("isolator", Place.TITLE)], "an imperative verb only"
    assert found(matcher, "Isolator should remove files") == [("isolator", Place.TITLE)], "opens the title"
    assert found(matcher, "...") == []
    unaffected = KeywordMatcher({"a": ["isolator"]}, rework_reads_as=["refactor"])
    assert found(unaffected, "Remove the isolator") == [("isolator", Place.TITLE)], "no refactoring keyword"
