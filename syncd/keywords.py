"""Whole-word, case-insensitive keyword search over issue text.

All keywords of a strategy are compiled into one alternation, longest first, so a text is scanned once
however many objectives there are (the mapper runs over every pulled issue; per-keyword scans would make
its cost grow with the strategy). Word boundaries are look-arounds on ``\\w`` rather than ``\\b`` so that
keywords beginning or ending in punctuation (``c++``, ``.net``) still match as whole words, and phrases
match across any run of white space (``audit  log`` matches ``audit log``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["KeywordHit", "KeywordMatcher", "normalise"]

T = TypeVar("T")


def normalise(phrase: str) -> str:
    """The form keywords are compared in: lower case (as the regex's IGNORECASE sees it), one space."""
    return " ".join(phrase.split()).lower()


@dataclass(frozen=True, slots=True)
class KeywordHit(Generic[T]):
    """A keyword found in a text, with what it stands for and where it was seen."""

    keyword: str
    owner: T
    in_title: bool


class KeywordMatcher(Generic[T]):
    """Finds the keywords of many owners (objectives, values) in one pass per text.

    Args:
        keywords: for each owner, its keywords; an owner may share a keyword with another.
    """

    def __init__(self, keywords: Mapping[T, Iterable[str]]) -> None:
        self._owners: dict[str, list[T]] = {}
        self._spelling: dict[str, str] = {}
        for owner, words in keywords.items():
            for word in words:
                key = normalise(word)
                if not key:
                    continue
                self._spelling.setdefault(key, word)
                owners = self._owners.setdefault(key, [])
                if owner not in owners:
                    owners.append(owner)
        self._pattern = _compile(self._owners)

    def hits(self, title: str, description: str) -> list[KeywordHit[T]]:
        """Each (keyword, owner) found, once, preferring the title when it is in both."""
        pattern = self._pattern
        if pattern is None:
            return []
        found: dict[str, bool] = {}
        for key in _scan(pattern, title):
            found[key] = True
        for key in _scan(pattern, description):
            found.setdefault(key, False)
        return [
            KeywordHit(self._spelling[key], owner, in_title)
            for key, in_title in found.items()
            for owner in self._owners[key]
        ]


def _scan(pattern: re.Pattern[str], text: str) -> Iterable[str]:
    if not text:
        return ()
    return {normalise(match.group(0)) for match in pattern.finditer(text)}


def _compile(keys: Iterable[str]) -> re.Pattern[str] | None:
    alternatives = sorted(keys, key=lambda k: (-len(k), k))
    if not alternatives:
        return None
    body = "|".join(r"\s+".join(re.escape(word) for word in key.split(" ")) for key in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
