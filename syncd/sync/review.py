"""What ``syncd review`` asks a person about, and what an answer means (pure).

A review is a simple random sample of the in-scope items whose primary rests on keywords alone (strength
``keyword``, ``tie`` or ``resemblance``). Items are ranked by a keyed hash of the period and their key, so
the same period draws the same sample on every run and a review resumes where it was left: answered items
keep their place, and the next unanswered ones in the ranking fill the sample up to its size.

Answers belong to the strategy's period and to the rules they judged: each carries a fingerprint of every
objective's rules, and an answer whose tag or choice is an objective whose rules changed since no longer
counts (a new period starts afresh as a whole).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.core.drift import ALL, UNALIGNED, effort_of, placement, window_start_of
from syncd.core.review_estimate import Tagged, estimate_shares
from syncd.core.review_figures import ReviewFigures, ShareEstimate
from syncd.model import Alignment, JournalEntry, WorkItem
from syncd.state import StoredAnswer
from syncd.strategy import Strategy
from syncd.text.prose import prose

__all__ = [
    "NONE",
    "ReviewCase",
    "choices",
    "current_answers",
    "draw",
    "excerpt",
    "pin_delta",
    "review_cases",
    "review_figures",
    "rules_fingerprints",
    "why",
]

NONE = ""
"""The answer that no objective of the strategy is served."""
_EXCERPT = 280
_IN_SCOPE = frozenset({"actual", "planned"})


@dataclass(frozen=True, slots=True)
class ReviewCase:
    """One item a person may be asked about: what it is and what the keywords made of it."""

    item: WorkItem
    tag: str
    strength: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return {
            "tracker": self.item.tracker,
            "key": self.item.key,
            "title": self.item.title,
            "url": self.item.url,
            "excerpt": excerpt(self.item.description),
            "tag": self.tag,
            "strength": self.strength,
            "why": self.why,
        }


def rules_fingerprints(strategy: Strategy) -> dict[str, str]:
    """Per objective, a digest of what decides its tags: its own match rules and the mapping options."""
    mapping = strategy.mapping.model_dump(mode="json")
    digests = {}
    for objective in strategy.objectives:
        text = json.dumps({"match": objective.match.model_dump(mode="json"), "mapping": mapping}, sort_keys=True)
        digests[objective.id] = hashlib.sha256(text.encode()).hexdigest()[:16]
    return digests


def review_cases(
    entries: Iterable[tuple[WorkItem, Alignment | None]], strategy: Strategy, *, now: datetime
) -> list[ReviewCase]:
    """The items a review may sample: in the report's scope (in progress, done within the window, or to
    do), their primary decided by keywords alone."""
    window_start = window_start_of(strategy, now)
    cases = []
    for item, alignment in entries:
        if alignment is None or alignment.primary is None or not alignment.inferred:
            continue
        if placement(item, window_start=window_start, strategy=strategy) in _IN_SCOPE:
            cases.append(ReviewCase(item, alignment.primary, alignment.strength, why(alignment)))
    return cases


def draw(
    cases: Sequence[ReviewCase], answers: Iterable[StoredAnswer], *, size: int, seed: str
) -> list[tuple[ReviewCase | None, StoredAnswer | None]]:
    """The sample: every answered item (as it was answered), then unanswered cases in the ranking of
    ``seed`` until ``size`` are drawn. An answered item that is no longer a case (its correction became a
    pin) keeps its place with no case."""
    answered = {(a.tracker, a.key): a for a in answers}
    by_key = {(c.item.tracker, c.item.key): c for c in cases}
    sample: list[tuple[ReviewCase | None, StoredAnswer | None]] = [
        (by_key.get(key), answer) for key, answer in answered.items()
    ]
    fresh = sorted((c for k, c in by_key.items() if k not in answered), key=lambda c: _rank(seed, c.item))
    sample += [(case, None) for case in fresh[: max(0, size - len(sample))]]
    return sample


def _rank(seed: str, item: WorkItem) -> str:
    return hashlib.sha256(f"{seed}\n{item.tracker}\n{item.key}".encode()).hexdigest()


def current_answers(answers: Iterable[StoredAnswer], strategy: Strategy) -> list[StoredAnswer]:
    """The answers that still count: of this period, judging objectives whose rules have not changed."""
    digests = rules_fingerprints(strategy)
    kept = []
    for answer in answers:
        involved = {answer.tag, answer.answer} - {NONE}
        if answer.period == strategy.period and all(answer.rules.get(o) == digests.get(o) for o in involved):
            kept.append(answer)
    return kept


def why(alignment: Alignment) -> str:
    """The evidence of the primary (keywords or resemblance), with its strength, in one line."""
    deciding = [r.detail for r in alignment.reasons if r.rule is alignment.decided_by and r.target == alignment.primary]
    return f"{alignment.strength_note}: {'; '.join(deciding) or 'keywords'}"


def excerpt(description: str, limit: int = _EXCERPT) -> str:
    """The start of the description's prose on one line (pasted logs and code left out)."""
    text = " ".join(prose(description).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def pin_delta(answer: str, strategy: Strategy, journal: JournalEntry) -> tuple[frozenset[str], frozenset[str]]:
    """The labels a correction adds and removes: the chosen objective's label (the unaligned label for
    none), and syncd's own objective labels (as its journal knows them: the stored snapshot may predate
    its last write) that the person's choice replaces. A person's labels stay."""
    scheme = strategy.labels
    wanted = scheme.objective_label(answer) if answer != NONE else scheme.unaligned
    group = {label for label in journal.applied if label == scheme.unaligned or scheme.objective_of(label)}
    return frozenset({wanted}), frozenset(group - {wanted})


def choices(strategy: Strategy) -> list[tuple[int, str, str]]:
    """The numbered answers: each objective in file order, from 1."""
    return [(number, o.id, o.name) for number, o in enumerate(strategy.objectives, start=1)]


def review_figures(
    entries: Iterable[tuple[WorkItem, Alignment | None]],
    answers: Iterable[StoredAnswer],
    strategy: Strategy,
    *,
    now: datetime,
    scopes: Sequence[str],
) -> tuple[ReviewFigures, ...]:
    """Per scope (``all`` and tracker names), the agreement the answers measured and each bucket's share
    estimated from the tags and the answers (:func:`~syncd.core.review_estimate.estimate_shares`).

    A reviewed item counts with the tag the keywords gave it when it was reviewed, even where the
    correction has since become a pin: the sample measures the keywords, and the estimate corrects them.
    Only the allocation's items (in progress, or done within the window) count: answers on the backlog
    are a random sample of it too, but say nothing of the allocation's shares. Scopes without an answered
    item in the allocation get no figures.
    """
    window_start = window_start_of(strategy, now)
    answered = {(a.tracker, a.key): a for a in answers}
    population: dict[str, list[Tagged]] = {scope: [] for scope in scopes}
    sample: dict[str, list[tuple[Tagged, str]]] = {scope: [] for scope in scopes}
    for item, alignment in entries:
        if placement(item, window_start=window_start, strategy=strategy) != "actual":
            continue
        answer = answered.get((item.tracker, item.key))
        weight = effort_of(item, strategy)
        if answer is not None:
            tagged = Tagged(item.key, answer.tag, weight, reviewable=True)
        else:
            tag = (alignment.primary if alignment else None) or UNALIGNED
            tagged = Tagged(item.key, tag, weight, reviewable=alignment is not None and alignment.inferred)
        for scope in (ALL, item.tracker):
            if scope in population:
                population[scope].append(tagged)
                if answer is not None:
                    sample[scope].append((tagged, answer.answer or UNALIGNED))
    buckets = [o.id for o in strategy.objectives] + [UNALIGNED]
    figures = []
    for scope in scopes:
        if not sample[scope]:
            continue
        estimates = estimate_shares(population[scope], sample[scope], buckets)
        figures.append(
            ReviewFigures(
                scope=scope,
                reviewed=len(sample[scope]),
                confirmed=sum(1 for tagged, label in sample[scope] if tagged.tag == label),
                shares=tuple(ShareEstimate(e.bucket, e.tagged, e.estimate, e.low, e.high) for e in estimates),
            )
        )
    return tuple(figures)
