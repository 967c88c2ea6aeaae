"""``syncd check``'s keyword warnings: machine words, keywords hidden by a longer phrase, unreachable objectives."""

from __future__ import annotations

import textwrap

from syncd.strategy import parse_strategy
from syncd.strategy.keyword_checks import keyword_warnings


def warnings(objectives: str) -> list[str]:
    text = textwrap.dedent(
        """
        version: 1
        period: "2026-Q4"
        objectives:
        """
    ) + textwrap.indent(textwrap.dedent(objectives), "  ")
    return [str(w) for w in keyword_warnings(parse_strategy(text))]


def test_machine_words_are_named_with_their_place() -> None:
    found = warnings(
        """
        - {id: security, name: S, target: 0.2, match: {keywords: [tls, https], title_keywords: [Credentials]}}
        """
    )
    assert [w.split(":")[0] for w in found] == [
        "objectives[0].match.keywords[1]",
        "objectives[0].match.title_keywords[0]",
    ]
    assert "'https' is a common word of logs, paths, URLs and flag dumps" in found[0]


def test_a_keyword_hidden_by_another_objectives_phrase() -> None:
    found = warnings(
        """
        - {id: reliability, name: R, target: 0.2, match: {keywords: ["flaky test"]}}
        - {id: quality, name: Q, target: 0.2, match: {keywords: [tests, coverage]}}
        """
    )
    assert found == [
        "objectives[1].match.keywords[0]: 'tests' is hidden wherever reliability's 'flaky test' matches:"
        " a phrase counts its words once"
    ]


def test_a_phrase_hiding_its_own_objectives_words_is_fine() -> None:
    assert warnings("- {id: r, name: R, target: 0.2, match: {keywords: [flaky, flaky test]}}") == []


def test_an_objective_whose_keywords_all_belong_to_an_earlier_one() -> None:
    found = warnings(
        """
        - {id: growth, name: G, target: 0.2, match: {keywords: [checkout, pricing]}}
        - {id: billing, name: B, target: 0.2, match: {keywords: [checkouts]}}
        - {id: firm, name: F, target: 0.2, match: {keywords: [pricing], jira: {components: [Billing]}}}
        """
    )
    assert found == [
        "objectives[1].match.keywords: no keyword can make this objective the primary: each is also an earlier"
        " objective's, which wins the tie"
    ]


def test_an_objective_excluding_its_own_keywords() -> None:
    found = warnings("- {id: r, name: R, target: 0.2, match: {keywords: [outage], exclude: [outages]}}")
    assert found == ["objectives[0].match.exclude: excludes every keyword of its own: no keyword can select it"]
