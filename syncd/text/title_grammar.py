"""How a title's words say what kind of work it is, beyond its keywords (pure).

Titles follow a few English patterns that :class:`~syncd.text.keywords.KeywordMatcher` reads: a statement
("SSL tests can fail…") names its subject before its auxiliary verb; a title that denies what its subject
does ("Master does not recover…", "Tasks can't be killed") reports a failure; a title that opens with a
verb that reworks code ("Remove…", "Move…", "Unify…") names maintenance. Titles are lower-cased words here,
contractions split at the apostrophe ("can't" is "can", "t").
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

__all__ = ["negation", "reworks", "statement_verb"]

_AUXILIARIES = frozenset({
    "is", "isn", "are", "aren", "was", "wasn", "were", "weren", "can", "cannot", "could", "couldn",
    "should", "shouldn", "does", "doesn", "do", "don", "did", "didn", "may", "might", "must", "will",
    "won", "would", "wouldn", "has", "hasn", "have", "haven",
})  # fmt: skip
"""English auxiliary and modal verbs (contractions split at the apostrophe): after the first word, the
first of them ends a statement title's subject."""

_NEGATIONS = frozenset({
    "not", "never", "cannot", "unable", "cant", "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "wont",
})  # fmt: skip
"""English words that deny what a title's subject does; "n't" is read too, split off as "t" after its verb
(_CONTRACTED), and "no longer"."""

_CONTRACTED = frozenset({
    "can", "couldn", "don", "doesn", "didn", "isn", "aren", "wasn", "weren", "won", "wouldn", "shouldn",
    "hasn", "haven", "hadn", "mustn",
})  # fmt: skip

_SPLIT_NEGATIONS = frozenset({("t", verb) for verb in _CONTRACTED} | {("longer", "no")})
"""A negation's last word and the one before it: "n't" after its verb, "no longer"."""

_DENYING = _NEGATIONS | {last for last, _ in _SPLIT_NEGATIONS}
"""The words without which a title denies nothing: a title has one of them or is read no further."""

_IMPERATIVES = (("do", "not"), ("don", "t"), ("dont",), ("never",))
"""A title opening with these is an instruction ("Do not use…", "Never retry…"), not a failure."""

_REWORKING = frozenset({
    "remove", "drop", "delete", "move", "replace", "rename", "change", "use", "unify", "standardize",
    "standardise", "consolidate", "simplify", "extract", "reorganize", "reorganise",
    "restructure",
})  # fmt: skip
"""Imperative verbs that open a title whose work changes code which exists rather than adding to it
("Remove pthread specific code", "Move the isolator's files under…", "Use `Connection` to compare…"). On the
labelled Mesos issues, 18 of the 24 titles opening with one of these serve maintainability."""


def statement_verb(title: Sequence[str], present: AbstractSet[str]) -> int | None:
    """Where a statement title's verb is: its first auxiliary or modal verb after the first word.
    ``present`` holds the title's words, for a quick "none there"."""
    if present.isdisjoint(_AUXILIARIES):
        return None
    return next((index for index, word in enumerate(title) if index and word in _AUXILIARIES), None)


def negation(title: Sequence[str], present: AbstractSet[str]) -> int | None:
    """Where a title denies what its subject does (the negation's first word), unless it opens with an
    instruction."""
    if present.isdisjoint(_DENYING):
        return None
    if any(tuple(title[: len(opening)]) == opening for opening in _IMPERATIVES):
        return None
    for index, word in enumerate(title):
        if word in _NEGATIONS:
            return index
        if index and (word, title[index - 1]) in _SPLIT_NEGATIONS:
            return index - 1
    return None


def reworks(title: Sequence[str]) -> bool:
    """The title opens with an imperative verb that reworks code (:data:`_REWORKING`)."""
    return bool(title) and title[0] in _REWORKING
