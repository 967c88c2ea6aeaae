"""Warnings about keywords that will not work as their author expects (pure), for ``syncd check``.

Three mistakes are common when a strategy is written from objective definitions alone: a keyword that is
mostly a word of machine text (``https``, ``credentials`` in flag dumps: syncd does not read pasted logs,
URLs or flag dumps, and in prose such a word rarely says what the work is for); a keyword hidden by another
objective's longer phrase (``test`` inside ``flaky test``: where the phrase matches, its words do not count
again); and an objective no keyword can make primary (every keyword it has is also an earlier objective's,
which wins the tie, or it excludes its own keywords).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from syncd.errors import Problem
from syncd.text.keywords import keyword_key

if TYPE_CHECKING:
    from syncd.strategy.document import Match, Strategy

__all__ = ["MACHINE_WORDS", "keyword_warnings"]

MACHINE_WORDS = frozenset(
    {
        "http",
        "https",
        "www",
        "com",
        "org",
        "html",
        "json",
        "xml",
        "url",
        "localhost",
        "tmp",
        "usr",
        "var",
        "etc",
        "home",
        "bin",
        "lib",
        "info",
        "debug",
        "warn",
        "warning",
        "error",
        "fatal",
        "trace",
        "true",
        "false",
        "null",
        "none",
        "pid",
        "port",
        "host",
        "hostname",
        "credentials",
        "password",
        "user",
        "root",
    }
)
_MACHINE_KEYS = frozenset(keyword_key(word) for word in MACHINE_WORDS)

_Entry = tuple[str, str, "Match"]


def keyword_warnings(strategy: Strategy) -> list[Problem]:
    """Every keyword warning of the strategy, in file order."""
    entries: list[_Entry] = [(f"objectives[{i}]", o.id, o.match) for i, o in enumerate(strategy.objectives)]
    entries += [(f"values[{i}]", v.id, v.match) for i, v in enumerate(strategy.values)]
    warnings = [*_machine_words(entries), *_shadowed(entries)]
    warnings += _unreachable(entries[: len(strategy.objectives)])
    return warnings


def _keywords(where: str, match: Match) -> Iterator[tuple[str, str]]:
    """The match's keywords and title keywords, each with its place in the file."""
    for field, words in (("keywords", match.keywords), ("title_keywords", match.title_keywords)):
        for index, word in enumerate(words):
            yield f"{where}.match.{field}[{index}]", word


def _machine_words(entries: Sequence[_Entry]) -> Iterator[Problem]:
    for where, _, match in entries:
        for place, word in _keywords(where, match):
            if keyword_key(word) in _MACHINE_KEYS:
                yield Problem(
                    place,
                    f"{word!r} is a common word of logs, paths, URLs and flag dumps, which syncd does not read;"
                    " in prose it rarely says what the work is for",
                )


def _shadowed(entries: Sequence[_Entry]) -> Iterator[Problem]:
    phrases = [
        (owner, word, keyword_key(word))
        for _, owner, match in entries
        for _, word in _keywords("", match)
        if " " in keyword_key(word)
    ]
    for where, owner, match in entries:
        for place, word in _keywords(where, match):
            key = keyword_key(word)
            for other, phrase, phrase_key in phrases:
                if other != owner and phrase_key != key and _inside(key, phrase_key):
                    yield Problem(
                        place,
                        f"{word!r} is hidden wherever {other}'s {phrase!r} matches: a phrase counts its words once",
                    )
                    break


def _inside(key: str, phrase: str) -> bool:
    return key[0] == phrase[0] and f" {key[1:]} " in f" {phrase[1:]} "


def _unreachable(objectives: Sequence[_Entry]) -> Iterator[Problem]:
    earlier: set[str] = set()
    for where, _, match in objectives:
        keys = {keyword_key(word) for _, word in _keywords(where, match)}
        excluded = {keyword_key(word) for word in match.exclude}
        firm = _has_firm_rules(match)
        if keys and not firm:
            if keys <= excluded:
                yield Problem(f"{where}.match.exclude", "excludes every keyword of its own: no keyword can select it")
            elif keys <= earlier:
                yield Problem(
                    f"{where}.match.keywords",
                    "no keyword can make this objective the primary: each is also an earlier objective's,"
                    " which wins the tie",
                )
        earlier |= keys


def _has_firm_rules(match: Match) -> bool:
    return bool(match.labels or any(match.jira.model_dump().values()) or any(match.linear.model_dump().values()))
