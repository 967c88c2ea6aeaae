"""Tagging an item no rule names by the tagged items it resembles (pure).

A strategy's keywords are a few dozen words; a tracker's items use thousands. An item whose title and
prose name no objective usually still shares its words with items that do: "NsTest.ROOT_setns" with the
other isolation tests, "Remove pthread specific code" with the other clean-ups. A multinomial naive Bayes
classifier over the stemmed words of the title and prose, trained on the tracker's own items that rules
tagged firmly or the title's keywords by a clear lead, guesses the objective of those items. A tag resting on
the description's keywords alone does not teach: it is the least sure kind, and its mistakes would be
learned and spread to the items no rule names.

It learns from the user's own data, not from labels, and fills the gap: an item no rule names, and an item
only its description's keywords tag when its words as a whole resemble another objective's items (a
description names the components and symptoms the work touches, not what the work is). It never overrides
a firm rule or the title's keywords, breaks the title's ties or vetoes a tag (measured, each of those lost
accuracy on issues nobody tuned against). Its tags are inferences, decided by the ``resemblance`` rule with
that strength, and explained with the words that weighed most.
Deterministic: the same items give the same model and the same guesses.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter, mul
from typing import Any

from syncd.model import Alignment, Reason, Rule, TargetKind, WorkItem
from syncd.text.keywords import stem_all, words
from syncd.text.prose import prose
from syncd.text.stopwords import STOP_WORDS

__all__ = ["SEED_MARGIN", "Learning", "Resemblance", "SimilarItems", "Tally", "is_seed"]

SEED_MARGIN = 1.0
"""A keyword tag teaches the model only when it leads the runner-up by at least this much (not a tie)."""

_COMMON = 0.3
"""A word in more than this share of the examples (and more than two) says nothing about which objective an
item serves; a word in one example only is a name, not a pattern."""

_SMOOTHING = 1.0


@dataclass(frozen=True, slots=True)
class Resemblance:
    """A guess: the objective, its lead over the runner-up in log-odds, and the item's words that favour
    it most (as the item spells them)."""

    objective: str
    lead: float
    words: tuple[str, ...]


def is_seed(alignment: Alignment, *, by_title: bool = True) -> bool:
    """The alignment may teach the model: decided by a firm rule, or by keywords of the title (``by_title``)
    with a clear lead."""
    if not alignment.objectives or alignment.decided_by is None:
        return False
    if alignment.decided_by is Rule.RESEMBLANCE:
        return False
    if alignment.decided_by is not Rule.KEYWORD:
        return True
    return by_title and alignment.margin is not None and alignment.margin >= SEED_MARGIN


@dataclass(frozen=True)
class Tally:
    """What a model is learnt from, kept so a sync can save it and the next one, or a webhook's refresh,
    tag with the same model without reading every item again.

    Attributes:
        objectives: the strategy's objectives, in its order.
        taught: how many examples taught each objective.
        words: each telling word's (stem's) count under each objective, in the objectives' order.
    """

    objectives: tuple[str, ...]
    taught: tuple[int, ...]
    words: Mapping[str, tuple[int, ...]]

    def to_json(self) -> dict[str, Any]:
        return {"objectives": list(self.objectives), "taught": list(self.taught), "words": dict(self.words)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tally:
        """A saved tally; raises ``ValueError`` naming what is wrong when it is not one."""
        try:
            objectives = tuple(str(o) for o in data["objectives"])
            taught = tuple(int(n) for n in data["taught"])
            words = {str(w): tuple(int(n) for n in counts) for w, counts in data["words"].items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a saved model of similar items: {exc!r}") from exc
        if len(taught) != len(objectives) or any(len(counts) != len(objectives) for counts in words.values()):
            raise ValueError("not a saved model of similar items: counts do not match the objectives")
        return cls(objectives, taught, words)


class Learning:
    """Examples read one at a time into word counts, so a tracker's items can teach a model as they are
    streamed from the state, never all held at once.

    Args:
        objectives: the strategy's objectives, in its order (level guesses go to the one listed first).
    """

    def __init__(self, objectives: Sequence[str]) -> None:
        self._objectives = tuple(objectives)
        self._index = {objective: n for n, objective in enumerate(self._objectives)}
        self._taught = [0] * len(self._objectives)
        self._spread: Counter[str] = Counter()
        self._counts: dict[str, list[int]] = {}

    def add(self, item: WorkItem, objective: str) -> None:
        """One example: an item and the objective it serves (one the strategy does not list is ignored)."""
        column = self._index.get(objective)
        if column is None:
            return
        self._taught[column] += 1
        features = _features(*_read(item))
        self._spread.update(features.keys())
        width = len(self._objectives)
        for word, count in features.items():
            row = self._counts.get(word)
            if row is None:
                row = self._counts[word] = [0] * width
            row[column] += count

    def tally(self) -> Tally:
        """The counts of the telling words: those in at least two examples and in at most a common share."""
        most = max(2.0, _COMMON * sum(self._taught))
        words = {word: tuple(self._counts[word]) for word in sorted(self._spread) if 2 <= self._spread[word] <= most}
        return Tally(self._objectives, tuple(self._taught), words)

    def model(self) -> SimilarItems:
        return SimilarItems(self.tally())


class SimilarItems:
    """A naive Bayes model of which words go with which objective, learned from tagged examples.

    Args:
        tally: what it learnt (:class:`Learning`, or a saved one).
    """

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.examples = examples = sum(tally.taught)
        vocabulary = set(tally.words)
        taught = dict(zip(tally.objectives, tally.taught, strict=True))
        columns = [n for n, objective in enumerate(tally.objectives) if taught[objective]] if vocabulary else []
        self._objectives = tuple(tally.objectives[n] for n in columns)
        every = len(tally.objectives)
        self._prior = {o: math.log((taught[o] + 1) / (examples + every)) for o in self._objectives}
        rows: list[tuple[float, ...]] = []
        for column in columns:
            total = sum(counts[column] for counts in tally.words.values()) + _SMOOTHING * len(vocabulary)
            rows.append(tuple(math.log((counts[column] + _SMOOTHING) / total) for counts in tally.words.values()))
        self._vocabulary = vocabulary
        self._odds = dict(zip(tally.words, zip(*rows, strict=True), strict=True)) if rows else {}
        """Each word's log-probability under each objective, in the objectives' order: a guess reads one row
        per word of the item instead of one dictionary per word and objective."""

    @classmethod
    def learnt(cls, examples: Iterable[tuple[WorkItem, str]], objectives: Sequence[str]) -> SimilarItems:
        """A model of ``examples``: items and the objective each serves."""
        learning = Learning(objectives)
        for item, objective in examples:
            learning.add(item, objective)
        return learning.model()

    def tag(self, item: WorkItem, alignment: Alignment) -> Alignment:
        """The alignment of an item no rule decided, with the objective it resembles most; unchanged when
        some rule named an objective without deciding (a score below the strategy's minimum) or no word
        tells."""
        if any(reason.kind is TargetKind.OBJECTIVE for reason in alignment.reasons):
            return alignment
        guess = self.guess(item)
        return alignment if guess is None else self._resembling(item, alignment, guess)

    def contest(self, item: WorkItem, alignment: Alignment) -> Alignment:
        """The alignment of an item only its description's keywords tagged, with the objective its words
        resemble when that is another one; unchanged when they agree or no word tells.

        A description names the components, features and symptoms the work touches, so its keywords are
        the weakest evidence a keyword gives, and the item's words as a whole weigh more: of 20 labelled
        Mesos issues such a tag put elsewhere than the model, the tag was right for 3 and the model for 12 (of
        the 8 held out from the design, none and 4).
        """
        guess = self.guess(item, unless=alignment.primary)
        return alignment if guess is None else self._resembling(item, alignment, guess)

    def _resembling(self, item: WorkItem, alignment: Alignment, guess: Resemblance) -> Alignment:
        shown = ", ".join(f'"{word}"' for word in guess.words)
        detail = f"like the items tagged by rules (of {self.examples}): words {shown}"
        reason = Reason(Rule.RESEMBLANCE, TargetKind.OBJECTIVE, guess.objective, detail)
        reasons = tuple(sorted((*alignment.reasons, reason), key=attrgetter("rule")))
        return Alignment(item.key, (guess.objective,), alignment.values, reasons, Rule.RESEMBLANCE, guess.lead)

    def guess(self, item: WorkItem, *, unless: str | None = None) -> Resemblance | None:
        """The objective the item's words most resemble, or None when it shares no telling word, none of its
        words favours the objective over the others (the guess would rest on how common the objective is), or
        it is ``unless`` (the telling words are then not sought)."""
        title, described = _read(item)
        counts = _features(title, described, self._vocabulary)
        if not counts or not self._objectives:
            return None
        odds = dict(zip(self._objectives, zip(*map(self._odds.__getitem__, counts), strict=True), strict=True))
        scores = {o: self._prior[o] + sum(map(mul, counts.values(), odds[o])) for o in self._objectives}
        ranked = sorted(self._objectives, key=lambda o: -scores[o])
        best = ranked[0]
        if best == unless:
            return None
        telling = self._telling(best, counts, odds)
        if not telling:
            return None
        lead = scores[best] - scores[ranked[1]] if len(ranked) > 1 else 0.0
        return Resemblance(best, round(lead, 1), tuple(_spelling(telling, title, described)))

    def _telling(self, objective: str, counts: Counter[str], odds: dict[str, tuple[float, ...]]) -> list[str]:
        """The three words that favour the objective most over the others (their stems)."""
        rivals = _highest([odds[o] for o in self._objectives if o != objective], len(counts))
        favour: dict[str, float] = {}
        for (word, count), mine, rival in zip(counts.items(), odds[objective], rivals, strict=True):
            lead = mine - rival
            if lead > 0:
                favour[word] = count * lead
        return sorted(favour, key=lambda w: (-favour[w], w))[:3]


def _highest(columns: list[tuple[float, ...]], length: int) -> Sequence[float]:
    """Each position's highest value among the columns (0.0 when there is no column)."""
    if not columns:
        return [0.0] * length
    if len(columns) == 1:
        return columns[0]
    return list(map(max, *columns))


_Words = tuple[list[str], list[str]]
"""Words as spelled (lower case) and their stems, position by position."""


def _read(item: WorkItem) -> tuple[_Words, _Words]:
    """The words of the item's title and of its description's prose, each stemmed once: the features and the
    spelling of the telling words both read them."""
    title, described = words(item.title), words(prose(item.description))
    return (title, stem_all(title)), (described, stem_all(described))


def _features(title: _Words, described: _Words, vocabulary: set[str] | None = None) -> Counter[str]:
    """The stems of the title's words, each time they occur, and of the prose's words, once each; no
    numbers, no function words ("the", "for": on a tracker with short titles they are not common enough to
    be dropped as common, and tell nothing). Only words of ``vocabulary`` when it is given. In the order
    the text gives them, not a set's, so every process sums an item's scores in the same order."""
    counts = Counter(_telling_stems(title, vocabulary))
    counts.update(dict.fromkeys(_telling_stems(described, vocabulary), 1))
    return counts


def _telling_stems(text: _Words, vocabulary: set[str] | None) -> list[str]:
    """The stems of the text's words that are neither numbers nor function words (and in ``vocabulary``)."""
    pairs = zip(*text, strict=True)
    if vocabulary is None:
        return [stem for word, stem in pairs if word not in STOP_WORDS and not word.isdigit()]
    return [stem for word, stem in pairs if stem in vocabulary and word not in STOP_WORDS and not word.isdigit()]


def _spelling(stems: list[str], title: _Words, described: _Words) -> list[str]:
    """Each stem as the item first spells it (title first)."""
    wanted = set(stems)
    spelled: dict[str, str] = {}
    for text in (title, described):
        for word, stemmed in zip(*text, strict=True):
            if stemmed in wanted and stemmed not in spelled:
                spelled[stemmed] = word
        if len(spelled) == len(wanted):
            break
    return [spelled.get(s, s) for s in stems]
