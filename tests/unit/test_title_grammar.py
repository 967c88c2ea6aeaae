"""The English patterns of titles the keyword matcher reads."""

from __future__ import annotations

from syncd.text.keywords import words
from syncd.text.title_grammar import negation, reworks, statement_verb


def read(title: str) -> tuple[list[str], set[str]]:
    split = words(title)
    return split, set(split)


def test_a_statement_titles_verb_is_its_first_auxiliary_after_the_first_word() -> None:
    assert statement_verb(*read("SSL tests can fail on CentOS")) == 2
    assert statement_verb(*read("Add support for roles")) is None
    assert statement_verb(*read("Is the master up")) is None, "the first word is never the verb"


def test_a_denial_is_found_where_it_starts_unless_the_title_is_an_instruction() -> None:
    assert negation(*read("Master does not recover")) == 2
    assert negation(*read("Tasks can't be killed")) == 1
    assert negation(*read("Agent no longer restarts")) == 1
    assert negation(*read("Do not retry on 404")) is None
    assert negation(*read("Agent restarts")) is None


def test_a_title_that_opens_with_a_verb_that_reworks_code() -> None:
    assert reworks(words("Remove pthread specific code"))
    assert reworks(words("Use `Connection` to compare stale connections"))
    assert not reworks(words("Removed files come back"))
    assert not reworks(words("Add a use for it"))
    assert not reworks([])
