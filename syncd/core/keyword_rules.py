"""The strategy's keyword rules, compiled: what each keyword found in an item says, as reasons (pure).

Each keyword counts once per item, at its most prominent place, times its weight: leading the title (a
title's first words name the work: "Refactor…", "Document…", "Add support for…"), elsewhere in the title,
or in the description's prose (pasted code, logs and URLs are not read, see :mod:`syncd.text.prose`). A keyword
an objective lists under ``exclude`` gives a veto instead: a reason of weight 0 that the mapper reads as
"keywords cannot select this objective".

The title decides when it names an objective: a title says what the work is, a description mostly what it
is about (the components, features and symptoms it touches), and a long description names many topics that
would outvote a short title. Its keywords then still give values and vetoes, but not objectives; when the
title names none, the description's keywords tag the item as usual.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from syncd.model import Alignment, Reason, Rule, TargetKind, WorkItem
from syncd.strategy import Match
from syncd.text.keywords import KeywordMatcher, Place, keyword_key
from syncd.text.prose import noise, prose

__all__ = ["FAILURE_KEYWORDS", "PLACE_WEIGHT", "REWORK_KEYWORDS", "KeywordRules"]

PLACE_WEIGHT = {Place.LEAD: 12.0, Place.STATED: 12.0, Place.TITLE: 3.0, Place.DESCRIPTION: 1.0}
"""A keyword that names the work (leading the title, or after a statement's verb) outweighs three topic
keywords elsewhere in the title, more than a title usually names ("Document docker private registry with
authentication support in Unified Containerizer" is documentation work, though three of its topics are
capability's): on the labelled Mesos issues, any lead weight from 9 up gives the same tags, 0.706 right
against 0.700 at 6."""

FAILURE_KEYWORDS = ("fail", "failure", "broken", "bug")
"""The words a strategy writes for failures, by preference: a title that denies what its subject does ("…
does not recover", "cannot launch") counts as the first of them the strategy lists, for whichever objective
lists it (see :class:`~syncd.text.keywords.KeywordMatcher`); a strategy without them is unaffected."""

REWORK_KEYWORDS = ("refactor", "refactoring", "cleanup", "clean up")
"""The words a strategy writes for reworking code, by preference: a title that opens with a verb that reworks
code ("Remove…", "Move…", "Unify…") counts as the first of them the strategy lists, leading the title."""

_Target = tuple[TargetKind, str]


@dataclass(frozen=True, slots=True)
class _Use:
    """How one objective or value uses a keyword: its weight, whether only the title counts, or a veto."""

    kind: TargetKind
    target: str
    weight: float = 1.0
    title_only: bool = False
    exclude: bool = False


class KeywordRules:
    """Every objective's and value's keywords, compiled once per strategy.

    Args:
        entries: (kind, id, match) of each objective and value, in the strategy's order.
    """

    def __init__(self, entries: Iterable[tuple[TargetKind, str, Match]]) -> None:
        uses: dict[_Use, list[str]] = {}
        for kind, target, match in entries:
            _keyword_uses(uses, kind, target, match)
        self._matcher = KeywordMatcher(uses, negation_reads_as=FAILURE_KEYWORDS, rework_reads_as=REWORK_KEYWORDS)
        self._uses = {key: _strongest_uses(self._matcher.owners(key)) for key in self._matcher.all_keys()}
        self._cache: dict[tuple[str, Place], tuple[Reason, ...]] = {}
        self._vetoes: set[int] = set()
        self._title_names: set[int] = set()
        self._excludes = any(use.exclude for use in uses)
        self._for_objectives = {key for key, held in self._uses.items() if any(map(_selects_objective, held))}
        self._beyond_objectives = {key for key, held in self._uses.items() if not all(map(_selects_objective, held))}

    def reasons(self, item: WorkItem) -> list[Reason]:
        """The keyword reasons of an item, in the order the author wrote the evidence, title first."""
        reasons: list[Reason] = []
        found, title_decides = self._found(item)
        for key, place in found:
            if title_decides and place is Place.DESCRIPTION:
                reasons += [
                    r for r in self._reasons(key, place) if r.kind is not TargetKind.OBJECTIVE or self.vetoes(r)
                ]
            else:
                reasons += self._reasons(key, place)
        return reasons

    def _found(self, item: WorkItem) -> tuple[list[tuple[str, Place]], bool]:
        """The keywords read in the item, and whether its title names an objective (see the module's
        docstring); a description is not read when none of its keywords could count."""
        in_title = self._matcher.in_title(item.title)
        title_decides = any(key in self._for_objectives for key, _ in in_title)
        if title_decides and not self._beyond_objectives:
            return in_title, True
        return in_title + self._matcher.in_description(prose(item.description), in_title), title_decides

    def named_by_title(self, alignment: Alignment) -> bool:
        """The item's title has a keyword of some objective, so its keyword tag rests on the title; read from
        its alignment's reasons (every reason is built here once, so identity tells), since scanning the
        title again would repeat what mapping it did."""
        return any(id(reason) in self._title_names for reason in alignment.reasons)

    @property
    def any_vetoes(self) -> bool:
        """Some objective or value has ``exclude`` keywords."""
        return self._excludes

    def vetoes(self, reason: Reason) -> bool:
        """The reason is an ``exclude`` keyword's veto (every reason is built here once, so identity tells)."""
        return id(reason) in self._vetoes

    def evidence(self, item: WorkItem) -> list[tuple[str, str]]:
        """The (keyword as written, objective) pairs that count for the item's objectives."""
        found, title_decides = self._found(item)
        return [
            (self._matcher.spelling(key), use.target)
            for key, place in found
            if not (title_decides and place is Place.DESCRIPTION)
            for use in self._uses[key]
            if _selects_objective(use) and _counts(use, place)
        ]

    def in_noise(self, item: WorkItem) -> set[str]:
        """The keywords (as written) found only in the item's pasted code, logs and URLs, which are not read."""
        read = {key for key, _ in self._matcher.found(item.title, prose(item.description))}
        return {self._matcher.spelling(key) for key in self._matcher.scan(noise(item.description)) if key not in read}

    def _reasons(self, key: str, place: Place) -> tuple[Reason, ...]:
        reasons = self._cache.get((key, place))
        if reasons is None:
            reasons = self._cache[key, place] = tuple(self._build(key, place))
        return reasons

    def _build(self, key: str, place: Place) -> Iterator[Reason]:
        weight = PLACE_WEIGHT[place]
        found = f'keyword "{self._matcher.spelling(key)}" {place.value}'
        for use in self._uses[key]:
            if not _counts(use, place):
                continue
            if use.exclude:
                veto = Reason(Rule.KEYWORD, use.kind, use.target, f"{found} excludes it", 0.0)
                self._vetoes.add(id(veto))
                yield veto
            else:
                reason = Reason(Rule.KEYWORD, use.kind, use.target, found, weight * use.weight)
                if place is not Place.DESCRIPTION and use.kind is TargetKind.OBJECTIVE:
                    self._title_names.add(id(reason))
                yield reason


def _selects_objective(use: _Use) -> bool:
    return use.kind is TargetKind.OBJECTIVE and not use.exclude


def _counts(use: _Use, place: Place) -> bool:
    return not (use.title_only and place is Place.DESCRIPTION)


def _keyword_uses(out: dict[_Use, list[str]], kind: TargetKind, target: str, match: Match) -> None:
    """The match's keywords, title keywords and exclusions, grouped by how they are used."""
    weights = {keyword_key(k): w for k, w in match.weights.items()}
    for words, title_only in ((match.keywords, False), (match.title_keywords, True)):
        for word in words:
            use = _Use(kind, target, weights.get(keyword_key(word), 1.0), title_only)
            out.setdefault(use, []).append(word)
    if match.exclude:
        out.setdefault(_Use(kind, target, exclude=True), []).extend(match.exclude)


def _strongest_uses(uses: list[_Use]) -> tuple[_Use, ...]:
    """One use per target of a keyword, so inflections listed apart still count once: a veto wins,
    then the use that counts anywhere, then the heavier."""
    best: dict[_Target, _Use] = {}
    for use in uses:
        target = (use.kind, use.target)
        held = best.get(target)
        if held is None or _use_rank(use) > _use_rank(held):
            best[target] = use
    return tuple(best.values())


def _use_rank(use: _Use) -> tuple[bool, bool, float]:
    return use.exclude, not use.title_only, use.weight
