"""How a strategy's keywords work on real items, for ``syncd rules`` (pure).

A strategy author needs to see in one screen what to fix: per keyword, how many items it fires on, how
often it decided the primary and how often it lost (and to what); the items tied between objectives; the
words that most distinguish unaligned items from aligned ones (candidate keywords); and keywords that occur
mostly inside pasted code and logs, which syncd does not read.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from syncd.core.mapper import Mapper, map_items
from syncd.model import Alignment, Rule, WorkItem
from syncd.text.keywords import words
from syncd.text.prose import prose

__all__ = ["KeywordStats", "RulesReport", "rules_lines", "rules_report"]

_MIN_WORD = 3
_MIN_ITEMS = 2
_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can cannot could did do does doing done down during each either else even
every few for from further get gets got had has have having he her here hers him his how i if in
into is it its itself just let like may me might more most much must my need needs no nor not now of
off on once one only or other our ours out over own same see seems she should since so some such
than that the their them then there these they this those though through to too two under until up
upon us use used uses using very via was we were what when where whether which while who whom why
will with within without would yet you your
"""
_STOP_WORDS = frozenset(_STOP_TEXT.split())


@dataclass(frozen=True, slots=True)
class KeywordStats:
    """One keyword of one objective over the items.

    Attributes:
        fires: items where it counted for the objective.
        decided: of those, items whose primary it is, decided by keywords.
        lost: of those, the other outcomes: the primary they got instead (``"<id> (firm)"`` when a pin,
            structure or field rule decided), or ``untagged`` (below the minimum score or margin).
        in_noise: items where it occurs only inside pasted code, logs or URLs, and so was not read.
    """

    keyword: str
    objective: str
    fires: int
    decided: int
    lost: Mapping[str, int]
    in_noise: int

    @property
    def mostly_in_noise(self) -> bool:
        return self.in_noise > self.fires

    def to_json(self) -> dict[str, Any]:
        return {
            "keyword": self.keyword,
            "objective": self.objective,
            "fires": self.fires,
            "decided": self.decided,
            "lost": dict(self.lost),
            "in_noise": self.in_noise,
        }


@dataclass(frozen=True, slots=True)
class RulesReport:
    """Every figure of ``syncd rules`` for a set of items."""

    items: int
    by_keywords: int
    unaligned: int
    ties: tuple[str, ...]
    keywords: tuple[KeywordStats, ...]
    distinguishing: tuple[tuple[str, int, int], ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "by_keywords": self.by_keywords,
            "unaligned": self.unaligned,
            "ties": list(self.ties),
            "keywords": [k.to_json() for k in self.keywords],
            "distinguishing": [{"word": w, "unaligned": u, "aligned": a} for w, u, a in self.distinguishing],
        }


def rules_report(items: Iterable[WorkItem], mapper: Mapper, *, top: int = 15) -> RulesReport:
    """Map the items with the strategy as it is now and count what each keyword did."""
    batch = list(items)
    alignments = map_items(batch, mapper)
    fires: Counter[tuple[str, str]] = Counter()
    decided: Counter[tuple[str, str]] = Counter()
    lost: dict[tuple[str, str], Counter[str]] = {}
    noise: Counter[str] = Counter()
    for item in batch:
        alignment = alignments[item.key]
        for keyword, objective in set(mapper.keywords.evidence(item)):
            fires[keyword, objective] += 1
            if alignment.decided_by is Rule.KEYWORD and alignment.primary == objective:
                decided[keyword, objective] += 1
            else:
                lost.setdefault((keyword, objective), Counter())[_outcome(alignment)] += 1
        noise.update(mapper.keywords.in_noise(item))
    stats = [
        KeywordStats(
            keyword,
            objective,
            count,
            decided[keyword, objective],
            dict(lost.get((keyword, objective), {})),
            noise[keyword],
        )
        for (keyword, objective), count in fires.items()
    ]
    fired = {keyword for keyword, _ in fires}
    stats += [KeywordStats(keyword, "", 0, 0, {}, count) for keyword, count in noise.items() if keyword not in fired]
    stats.sort(key=lambda s: (-s.fires, -s.in_noise, s.keyword, s.objective))
    return RulesReport(
        items=len(batch),
        by_keywords=sum(1 for a in alignments.values() if a.decided_by is Rule.KEYWORD and a.aligned),
        unaligned=sum(1 for a in alignments.values() if not a.aligned),
        ties=tuple(sorted(key for key, a in alignments.items() if a.strength == "tie")),
        keywords=tuple(stats),
        distinguishing=_distinguishing(batch, alignments, top),
    )


def _outcome(alignment: Alignment) -> str:
    if not alignment.aligned:
        return "untagged"
    if alignment.decided_by is Rule.KEYWORD:
        return alignment.primary or "untagged"
    return f"{alignment.primary} ({alignment.strength})"


def _distinguishing(
    items: list[WorkItem], alignments: Mapping[str, Alignment], top: int
) -> tuple[tuple[str, int, int], ...]:
    """The words most over-represented in unaligned items' titles and prose against aligned items', by a
    smoothed ratio of the shares of items holding them: the words a new keyword could use."""
    unaligned: Counter[str] = Counter()
    aligned: Counter[str] = Counter()
    for item in items:
        found = {w for w in words(f"{item.title}\n{prose(item.description)}") if _candidate(w)}
        (aligned if alignments[item.key].aligned else unaligned).update(found)
    total_unaligned = sum(1 for a in alignments.values() if not a.aligned)
    total_aligned = len(items) - total_unaligned
    if not total_unaligned:
        return ()

    def lift(word: str) -> float:
        inside = (unaligned[word] + 0.5) / (total_unaligned + 1)
        outside = (aligned[word] + 0.5) / (total_aligned + 1)
        return inside / outside

    candidates = [w for w, count in unaligned.items() if count >= _MIN_ITEMS]
    candidates = [w for w in candidates if lift(w) > 1]
    candidates.sort(key=lambda w: (-unaligned[w] * math.log(lift(w)), w))
    return tuple((w, unaligned[w], aligned[w]) for w in candidates[:top])


def _candidate(word: str) -> bool:
    return len(word) >= _MIN_WORD and word.isalpha() and word not in _STOP_WORDS


def rules_lines(report: RulesReport, *, top: int = 30) -> list[str]:
    """``syncd rules`` as text: one screen of what each keyword did, ties, and candidate words."""
    lines = [
        f"{report.items} items: {report.by_keywords} tagged by keywords, {report.unaligned} unaligned, "
        f"{len(report.ties)} ties between objectives (the evidence written first decided)",
        "",
        f"{'keyword':<24} {'objective':<20} {'fires':>5} {'decided':>7}  lost to",
    ]
    for stats in [s for s in report.keywords if s.fires][:top]:
        lost = ", ".join(f"{target} {count}" for target, count in sorted(stats.lost.items(), key=lambda e: -e[1]))
        lines.append(f"{stats.keyword:<24} {stats.objective:<20} {stats.fires:>5} {stats.decided:>7}  {lost or '–'}")
    noisy = [s for s in report.keywords if s.mostly_in_noise]
    if noisy:
        lines += ["", "Mostly inside pasted code, logs or URLs (not read): "]
        lines += [f"  {s.keyword}: {s.in_noise} items there, {s.fires} in the prose" for s in noisy[:top]]
    if report.ties:
        shown = ", ".join(report.ties[:top]) + (" …" if len(report.ties) > top else "")
        lines += ["", f"Ties: {shown}"]
    if report.distinguishing:
        lines += ["", "Words most distinguishing unaligned items (in unaligned / aligned items):"]
        lines += [f"  {word}: {u} / {a}" for word, u, a in report.distinguishing]
    return lines
