"""Whole-word, case-insensitive keyword search over issue text, inflections included (pure).

A keyword matches its inflected forms: text and keywords are compared word by word through the Snowball
English stemmer, so ``crash`` finds "crashes" and "crashed", ``flaky`` finds "flakiness". A keyword written
in double quotes inside the string (``'"docs"'``) is exact: it matches only those words. A keyword with
punctuation of its own (``c++``, ``state.json``, ``cram-md5``) is exact too. Phrases match word after word
across any white space and punctuation. In a title, a phrase's words may also stand apart, in their order,
with at most :data:`TITLE_GAP` other words among them: titles are terse and put the object inside the phrase
("Add unit tests for…" is ``add tests``, "Upgrade boost to 1.65" is ``upgrade to``). A description's
sentences are long and wander, so there a phrase stays exact.

Words are split wherever Unicode says a character is neither a letter, a digit nor ``_`` (``null，so`` is two
words, so is ``does´t``); ASCII text, the common case, takes a fast path with the same result.

All keywords of a strategy are compiled into lookup tables, so a text is split and stemmed once however
many objectives there are. A title that says something does not happen ("Master does not recover…",
"Tasks cannot be killed", "Agent doesn't start") reports a failure in other words; given a failure keyword
(``negation_reads_as``), such a title counts as that keyword, wherever the strategy lists it. Likewise a
title that opens with a verb that reworks code which exists ("Remove…", "Move…", "Replace…", "Unify…")
names maintenance work in other words; given a refactoring keyword (``rework_reads_as``), it counts as that
keyword leading the title, unless a keyword of the strategy leads it already. A phrase that
matched hides the shorter keywords inside it (``flaky test`` hides ``flaky`` and ``test`` unless they also
occur elsewhere), so one piece of evidence counts once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container, Iterable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

import snowballstemmer

from syncd.text.title_grammar import negation, reworks, statement_verb

__all__ = ["TITLE_GAP", "KeywordMatcher", "Place", "keyword_key", "normalise", "stem", "stem_all", "words"]

T = TypeVar("T")

_ASCII_PUNCTUATION = b"!\"#$%&'()*+,-./:;<=>?@[\\]^`{|}~"
_ASCII_NON_WORD = bytes.maketrans(_ASCII_PUNCTUATION, b" " * len(_ASCII_PUNCTUATION))
"""ASCII punctuation to spaces, as bytes: a bytes table translates a short text in a third of the time a
str table takes (the str one is set up again on every call)."""
_WORD = re.compile(r"\w+")
_STEM_CACHE_LIMIT = 200_000

TITLE_GAP = 3
"""The most words that may stand among a phrase's words in a title (in all, the phrase's order kept): enough
for an object ("add *unit* tests", "upgrade *boost* to"), too few to join the two halves of a title."""


class Place(StrEnum):
    """Where a keyword was found. A title's first words usually name the work itself ("Refactor…",
    "Document…", "Add support for…"), the rest of the title what it is about. A title written as a
    statement ("SSL tests can fail…", "Root tests for … are broken") names the work after its verb: its
    first words are the subject, what the work is about."""

    LEAD = "leading the title"
    STATED = "after the title's verb"
    TITLE = "in the title"
    DESCRIPTION = "in the description"


def normalise(phrase: str) -> str:
    """The form keywords are compared in: lower case, one space."""
    return " ".join(phrase.split()).lower()


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased: runs of Unicode letters, digits and ``_``."""
    return _lowered_words(text.lower())


def _lowered_words(lowered: str) -> list[str]:
    if lowered.isascii():
        return lowered.encode("ascii").translate(_ASCII_NON_WORD).decode("ascii").split()
    return _WORD.findall(unicodedata.normalize("NFC", lowered))


class _Stems(dict[str, str]):
    """Each word's stem, computed once; bounded, since text brings new words without end."""

    def __init__(self) -> None:
        super().__init__()
        self._stem = snowballstemmer.stemmer("english").stemWord

    def __missing__(self, word: str) -> str:
        stem: str = self._stem(word)
        if len(self) < _STEM_CACHE_LIMIT:
            self[word] = stem
        return stem


_STEMS = _Stems()


def stem(word: str) -> str:
    """A lower-case word's Snowball stem (cached): the form keywords and words are compared in."""
    return _STEMS[word]


def stem_all(words: Iterable[str]) -> list[str]:
    """Each lower-case word's stem, in order (see :func:`stem`)."""
    return list(map(_STEMS.__getitem__, words))


def keyword_key(keyword: str) -> str:
    """The identity a keyword is matched by; keywords with the same key are one piece of evidence.

    ``~`` starts a stemmed key, ``=`` an exact one, ``/`` one with punctuation of its own (a pattern).
    """
    text = keyword.strip()
    if len(text) > 2 and text[0] == text[-1] == '"':
        return "=" + " ".join(words(text[1:-1]))
    spelled = normalise(text)
    tokens = words(spelled)
    if " ".join(tokens) != spelled:
        return "/" + spelled
    return "~" + " ".join(_STEMS[token] for token in tokens)


class _Text:
    """A text split once: its words and their stems, as sequences and as sets; ``gap`` is how many other
    words may stand among a phrase's words in it. A gapped phrase's matches are found once and kept: finding
    it, placing it and what it hides all read them."""

    __slots__ = ("_spans", "gap", "lowered", "raw", "stem_set", "stems", "word_set", "words")

    def __init__(self, raw: str, lowered: str, words: list[str], stems: list[str], gap: int) -> None:
        self.raw = raw
        self.lowered = lowered
        self.words = words
        self.stems = stems
        self.gap = gap
        self.word_set = set(words)
        self.stem_set = set(stems)
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def tail(self, start: int) -> _Text:
        """The words from ``start`` on as a text of their own (joined by single spaces), split and stemmed
        already: they are lower case and whole, so splitting their joined text again gives them back."""
        words = self.words[start:]
        joined = " ".join(words)
        return _Text(joined, joined, words, self.stems[start:], self.gap)

    def spans(self, key: str) -> list[tuple[int, int]]:
        """Where a phrase key matches with this text's gap (see :func:`_spans`)."""
        spans = self._spans.get(key)
        if spans is None:
            sequence = self.stems if key[0] == "~" else self.words
            spans = self._spans[key] = _spans(sequence, key[1:].split(" "), self.gap)
        return spans


def _split(text: str, gap: int = 0) -> _Text:
    """``text`` split into words and stemmed, with phrases matching with ``gap`` words among theirs (a
    title's :data:`TITLE_GAP`; exact elsewhere). Every word is stemmed at once: a keyword found needs the
    position it first occurs at."""
    lowered = text.lower()
    words = _lowered_words(lowered)
    return _Text(text, lowered, words, stem_all(words), gap)


class KeywordMatcher(Generic[T]):
    """Finds the keywords of many owners (objectives, values) in one pass per text.

    Args:
        keywords: for each owner, its keywords; an owner may share a keyword with another, and keywords
            with the same key (inflections of one word) are one keyword.
        negation_reads_as: failure keywords, by preference: a title that denies what its subject does
            counts as the first of them some owner lists (once, and not when the title has it already).
        rework_reads_as: refactoring keywords, by preference: a title that opens with a verb that reworks
            code counts as the first of them some owner lists, leading the title (not when a keyword leads
            it or the title has that keyword already).
    """

    def __init__(
        self,
        keywords: Mapping[T, Iterable[str]],
        *,
        negation_reads_as: Iterable[str] = (),
        rework_reads_as: Iterable[str] = (),
    ) -> None:
        self._owners: dict[str, list[T]] = {}
        self._spelling: dict[str, str] = {}
        for owner, phrases in keywords.items():
            for phrase in phrases:
                key = keyword_key(phrase)
                if len(key) < 2:
                    continue
                self._spelling.setdefault(key, phrase.strip())
                owners = self._owners.setdefault(key, [])
                if owner not in owners:
                    owners.append(owner)
        keys = sorted(self._owners, key=lambda k: (-len(k), k))
        self._position = {key: index for index, key in enumerate(keys)}
        self._single = {space: {k[1:] for k in keys if k[0] == space and " " not in k} for space in "~="}
        self._phrases = [(k, k[0], tuple(k[1:].split(" "))) for k in keys if k[0] in "~=" and " " in k]
        self._compiled = {k: _compile(k[1:]) for k in keys if k[0] == "/"}
        self._patterns = [(k, k[1:].split(" ")[0], pattern) for k, pattern in self._compiled.items()]
        self._heads: dict[str, dict[str, list[tuple[str, tuple[str, ...]]]]] = {"~": {}, "=": {}}
        for key, space, parts in self._phrases:
            self._heads[space].setdefault(parts[0], []).append((key, parts[1:]))
        self._phrase_spaces = [(space, heads, set(heads)) for space, heads in self._heads.items() if heads]
        self._hides = {key: _inside(key, keys) for key, _, _ in self._phrases}
        self._negation = self._reading(negation_reads_as, "!", "a negation")
        self._rework = self._reading(rework_reads_as, "^", "a rework")

    def _reading(self, preferences: Iterable[str], mark: str, what: str) -> tuple[str, str] | None:
        """The key of the first of ``preferences`` some owner lists, and the key (``mark`` before it) a
        title read as that keyword counts under: the same owners, spelled with ``what`` it was read from."""
        keyword = next((k for k in map(keyword_key, preferences) if k in self._owners), None)
        if keyword is None:
            return None
        self._owners[mark + keyword] = self._owners[keyword]
        self._spelling[mark + keyword] = f"{self._spelling[keyword]} ({what})"
        return keyword, mark + keyword

    def found(self, title: str, description: str) -> list[tuple[str, Place]]:
        """Each keyword found (its key), once, with the most prominent place it was found in."""
        in_title = self.in_title(title)
        return in_title + self.in_description(description, in_title)

    def in_title(self, title: str) -> list[tuple[str, Place]]:
        """The keywords found in a title, each leading it or elsewhere in it."""
        if not title:
            return []
        split = _split(title, TITLE_GAP)
        found = self._located(split)
        verb = statement_verb(split.words, split.word_set)
        if verb is None:
            places = [
                (key, Place.LEAD if self._leads(key, first, split) else Place.TITLE) for key, first in found.items()
            ]
        else:
            stated = self._stated(found, split, verb)
            places = [(key, Place.STATED if key in stated else Place.TITLE) for key in found]
        negated = self._negated(found, split)
        if negated is not None:
            places = _with_negation(places, found, negated, verb)
        reworked = self._reworked(found, split)
        return places if reworked is None else [(reworked, Place.LEAD), *places]

    def _stated(self, found: Mapping[str, int], split: _Text, verb: int) -> Container[str]:
        """The keys found in a statement title's words from its verb on, read as a text of their own. When
        the title has only one-word keywords, they are those that occur there again (no phrase is there to
        hide them, since a phrase after the verb is a phrase of the title), which needs no second scan."""
        if not found:
            return found
        if any(" " in key or key[0] == "/" for key in found):
            return self._located(split.tail(verb))
        stems, plain = set(split.stems[verb:]), set(split.words[verb:])
        return {key for key in found if key[1:] in (stems if key[0] == "~" else plain)}

    def _negated(self, found: Mapping[str, int], split: _Text) -> tuple[str, int] | None:
        """The negation's key and word position when the title denies what its subject does and does not
        already name the failure keyword."""
        if self._negation is None or self._negation[0] in found:
            return None
        at = negation(split.words, split.word_set)
        return None if at is None else (self._negation[1], at)

    def _reworked(self, found: Mapping[str, int], split: _Text) -> str | None:
        """The rework reading's key when the title opens with a verb that reworks code, no keyword of the
        strategy is its first word and the refactoring keyword is not found in it already."""
        if self._rework is None or not reworks(split.words):
            return None
        keyword, reading = self._rework
        return None if keyword in found or 0 in found.values() else reading

    def in_description(self, description: str, in_title: list[tuple[str, Place]]) -> list[tuple[str, Place]]:
        """The keywords found in a description that the title (its keywords ``in_title``) does not have."""
        if not description:
            return []
        seen = {key for key, _ in in_title}
        return [(key, Place.DESCRIPTION) for key in self.scan(description) if key not in seen]

    def owners(self, key: str) -> list[T]:
        return self._owners[key]

    def spelling(self, key: str) -> str:
        """The keyword as the strategy first wrote it."""
        return self._spelling[key]

    def all_keys(self) -> list[str]:
        return list(self._owners)

    def scan(self, text: str) -> list[str]:
        """The keys found in ``text``, each once; a matched phrase hides the keys inside it."""
        return list(self._located(_split(text))) if text else []

    def _located(self, split: _Text) -> dict[str, int]:
        """The keys in a split text with the word position each first occurs at, in that order (keys at
        the same position in the strategy's order of longest first); a matched phrase hides the keys inside
        it. Each position is found once: the order, a title's places and its negation all read it."""
        phrases = self._phrase_hits(split)
        located = [("~" + s, split.stems.index(s)) for s in self._single["~"] & split.stem_set]
        if self._single["="]:
            located += [("=" + w, split.words.index(w)) for w in self._single["="] & split.word_set]
        located += [(key, self._first(key, split)) for key in phrases]
        if self._patterns:
            lowered = split.lowered
            located += [
                (key, self._first(key, split))
                for key, first, pattern in self._patterns
                if first in lowered and pattern.search(split.raw)
            ]
        if len(located) > 1:
            located.sort(key=lambda pair: (pair[1], self._position[pair[0]]))
        if not phrases:
            return dict(located)
        hidden = self._hidden([key for key, _ in located if key in self._hides], split)
        return {key: first for key, first in located if key not in hidden}

    def _phrase_hits(self, split: _Text) -> list[str]:
        """The phrases found: only those whose rarest-to-meet condition, their first word, is in the text
        are tested further (a handful per text, however many phrases the strategy has, and none in most
        titles, which one set test tells); with a gap, their words in order with at most that many others
        among them."""
        hits: list[str] = []
        for space, heads, first_words in self._phrase_spaces:
            pool = split.stem_set if space == "~" else split.word_set
            if pool.isdisjoint(first_words):
                continue
            candidates = [key for head in heads.keys() & pool for key, parts in heads[head] if pool.issuperset(parts)]
            if candidates and split.gap:
                hits += [key for key in candidates if split.spans(key)]
            elif candidates:
                joined = f" {' '.join(split.stems if space == '~' else split.words)} "
                hits += [key for key in candidates if f" {key[1:]} " in joined]
        return hits

    def _hidden(self, phrases: list[str], split: _Text) -> set[str]:
        """The keys that occur only inside the matched phrases."""
        hidden: set[str] = set()
        stems = f" {' '.join(split.stems)} "
        plain = f" {' '.join(split.words)} "
        for phrase in phrases:
            if split.gap:
                matched = len(split.spans(phrase))
            else:
                matched = (stems if phrase[0] == "~" else plain).count(f" {phrase[1:]} ")
            for inner in self._hides[phrase]:
                text = stems if inner[0] == "~" else plain
                if text.count(f" {inner[1:]} ") <= matched:
                    hidden.add(inner)
        return hidden

    def _first(self, key: str, split: _Text) -> int:
        """The word position where a found keyword first occurs."""
        kind, spelled = key[0], key[1:]
        if kind == "/":
            match = self._compiled[key].search(split.raw)
            return len(words(split.raw[: match.start()])) if match else 0
        sequence = split.stems if kind == "~" else split.words
        if " " not in spelled:
            return sequence.index(spelled)
        if split.gap:
            return split.spans(key)[0][0]
        joined = f" {' '.join(sequence)} "
        return joined.count(" ", 0, joined.find(f" {spelled} "))

    @staticmethod
    def _leads(key: str, first: int, split: _Text) -> bool:
        """The keyword (first found at word ``first``) is the text's first word or words; a keyword with
        punctuation of its own, when the text starts with its spelling."""
        if key[0] == "/":
            return split.raw.lstrip().lower().startswith(key[1:])
        return first == 0


def _with_negation(
    places: list[tuple[str, Place]], found: Mapping[str, int], negated: tuple[str, int], verb: int | None
) -> list[tuple[str, Place]]:
    """The title's places with the negation's key among them, in the order of the words: leading when the
    title opens with it, stated when it follows a statement's verb."""
    key, at = negated
    prominent = at == 0 if verb is None else at >= verb
    place = (Place.LEAD if verb is None else Place.STATED) if prominent else Place.TITLE
    before = sum(1 for first in found.values() if first < at)
    return [*places[:before], (key, place), *places[before:]]


def _spans(sequence: list[str], parts: list[str], gap: int) -> list[tuple[int, int]]:
    """Where the parts occur in order with at most ``gap`` other words among them: each match's first and
    past-last position, leftmost first, none overlapping. From a start, taking each next part at its
    nearest occurrence ends the match soonest, so it leaves the fewest words among them."""
    spans: list[tuple[int, int]] = []
    start = 0
    head, rest = parts[0], parts[1:]
    width = len(parts) + gap
    while True:
        try:
            start = sequence.index(head, start)
        except ValueError:
            return spans
        position = start
        for part in rest:
            try:
                position = sequence.index(part, position + 1, start + width)
            except ValueError:
                start += 1
                break
        else:
            spans.append((start, position + 1))
            start = position + 1


def _inside(phrase: str, keys: Iterable[str]) -> tuple[str, ...]:
    """The shorter keys of the same kind whose words are a run of the phrase's words."""
    padded = f" {phrase[1:]} "
    return tuple(key for key in keys if key != phrase and key[0] == phrase[0] and f" {key[1:]} " in padded)


def _compile(spelled: str) -> re.Pattern[str]:
    """A keyword with punctuation as a whole word or phrase, any case, any run of white space inside."""
    phrase = r"\s+".join(re.escape(word) for word in spelled.split(" "))
    return re.compile(rf"(?<!\w){phrase}(?!\w)", re.IGNORECASE)
