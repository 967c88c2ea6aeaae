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
        self._keys = sorted(self._owners, key=lambda k: (-len(k), k))
        self._position = {key: index for index, key in enumerate(self._keys)}
        self._single = frozenset(key for key in self._keys if _PLAIN.fullmatch(key) and " " not in key)
        self._phrases = [(key, f" {key} ") for key in self._keys if _PLAIN.fullmatch(key) and " " in key]
        self._special = [(key, _compile(key)) for key in self._keys if not _PLAIN.fullmatch(key)]

    def hits(self, title: str, description: str) -> list[KeywordHit[T]]:
        """Each (keyword, owner) found, once, preferring the title when it is in both."""
        return [
            KeywordHit(self._spelling[key], owner, in_title)
            for key, in_title in self.found(title, description)
            for owner in self._owners[key]
        ]

    def found(self, title: str, description: str) -> list[tuple[str, bool]]:
        """Each keyword found (normalised), with whether it is in the title, title first."""
        found: dict[str, bool] = dict.fromkeys(self._scan(title), True)
        if description:
            for key in self._scan(description):
                found.setdefault(key, False)
        return list(found.items())

    def owners(self, key: str) -> list[T]:
        return self._owners[key]

    def spelling(self, key: str) -> str:
        """The keyword as the strategy wrote it."""
        return self._spelling[key]

    def _scan(self, text: str) -> list[str]:
        """The keywords in ``text``.

        The text is split into words once (lower-casing, turning punctuation into spaces and splitting
        all run in C); single-word keywords are then a set intersection, phrases a substring test on the
        words re-joined by single spaces, padded so that only whole words match. Keywords with punctuation
        of their own (``c++``) use a regex.
        """
        if not text:
            return []
        words = text.lower().translate(_PUNCTUATION).split()
        found = sorted(self._single.intersection(words), key=self._position.__getitem__)
        if self._phrases:
            joined = f" {' '.join(words)} "
            found += [key for key, padded in self._phrases if padded in joined]
        found += [key for key, pattern in self._special if pattern.search(text)]
        return found


_PLAIN = re.compile(r"[^\W_]+(?: [^\W_]+)*|\w+(?: \w+)*")
_PUNCTUATION = str.maketrans(dict.fromkeys("!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~…“”‘’–—«»·¡¿", " "))
_SPACE = r"\s+"


def _compile(key: str) -> re.Pattern[str]:
    """``key`` as a whole word or phrase, any case, any run of white space between its words."""
    phrase = _SPACE.join(re.escape(word) for word in key.split(" "))
    return re.compile(rf"(?<!\w){phrase}(?!\w)", re.IGNORECASE)
