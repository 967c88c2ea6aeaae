"""The strategy's mapping options: keyword weights, exclusions, title-only keywords, the minimum score and
margin, and which objectives become labels; each validated with a clear place in the file."""

from __future__ import annotations

import textwrap

import pytest

from syncd.core.mapper import Mapper
from syncd.errors import ConfigError
from syncd.model import Rule
from syncd.strategy import parse_strategy
from tests.conftest import make_item


def strategy_text(*, mapping: str = "", growth: str = "", reliability: str = "") -> str:
    return textwrap.dedent(
        """
        version: 1
        period: "2026-Q4"
        objectives:
          - id: growth
            name: Growth
            target: 0.5
            match:
              keywords: [checkout, pricing]
        {growth}
          - id: reliability
            name: Reliability
            target: 0.3
            match:
              keywords: [outage, latency, crash]
        {reliability}
        {mapping}
        """
    ).format(
        growth=textwrap.indent(growth, " " * 4),
        reliability=textwrap.indent(reliability, " " * 4),
        mapping=mapping,
    )


def mapper(**parts: str) -> Mapper:
    return Mapper(parse_strategy(strategy_text(**parts)))


def problems(**parts: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_strategy(strategy_text(**parts))
    return [f"{p.location}: {p.message}" for p in caught.value.problems]


def test_a_keyword_weight_changes_the_primary() -> None:
    item = make_item("M-1", title="x", description="pricing latency")
    assert mapper().align(item).primary == "growth", "a tie: pricing is written first"
    weighted = mapper(reliability="  weights: {latency: 2}")
    assert weighted.align(item).primary == "reliability"
    assert weighted.align(item).margin == 1.0


def test_a_weight_applies_to_every_inflection() -> None:
    weighted = mapper(reliability="  weights: {crashes: 5}")
    alignment = weighted.align(make_item("M-1", title="x", description="pricing; it crashed"))
    assert alignment.primary == "reliability"


def test_an_excluded_keyword_vetoes_the_objective() -> None:
    vetoing = mapper(growth="  exclude: [test]")
    alignment = vetoing.align(make_item("M-1", title="Checkout test crashes sometimes"))
    assert alignment.primary == "reliability"
    assert any("excludes it" in reason.detail for reason in alignment.reasons)
    assert not vetoing.align(make_item("M-1", title="Checkout test")).aligned


def test_an_exclusion_does_not_override_a_firmer_rule() -> None:
    vetoing = mapper(growth="  jira: {components: [Billing]}\n  exclude: [test]")
    alignment = vetoing.align(make_item("M-1", title="test", components=("Billing",)))
    assert (alignment.primary, alignment.decided_by) == ("growth", Rule.FIELD)


def test_title_keywords_count_only_in_the_title() -> None:
    titled = mapper(reliability="  title_keywords: [slow]")
    assert titled.align(make_item("M-1", title="Slow checkout page")).primary == "reliability"
    assert not titled.align(make_item("M-1", title="x", description="it is slow")).aligned


def test_below_the_minimum_score_keywords_tag_nothing() -> None:
    strict = mapper(mapping="mapping: {min_score: 2}")
    assert not strict.align(make_item("M-1", title="x", description="an outage")).aligned
    assert strict.align(make_item("M-1", title="x", description="an outage, latency")).primary == "reliability"
    assert strict.align(make_item("M-1", title="An outage")).primary == "reliability"


def test_below_the_minimum_margin_keywords_tag_nothing() -> None:
    strict = mapper(mapping="mapping: {min_margin: 1}")
    tie = strict.align(make_item("M-1", title="x", description="pricing and an outage"))
    assert not tie.aligned
    assert tie.decided_by is None
    assert len(tie.reasons) == 2, "the evidence stays, for explain"
    assert strict.align(make_item("M-1", title="x", description="pricing, checkout, outage")).primary == "growth"


def test_only_the_primary_is_labelled_by_default() -> None:
    item = make_item("M-1", title="Outage of the checkout", description="pricing")
    assert mapper().align(item).objectives == ("reliability",)


def test_objectives_within_a_share_of_the_best_are_labelled_too() -> None:
    item = make_item("M-1", title="Outage of the checkout", description="pricing, latency")
    # reliability: outage leading the title 12; growth: checkout 3 (the title decides; its description is
    # not read for objectives)
    assert mapper(mapping="mapping: {label_within: 0.75}").align(item).objectives == ("reliability", "growth")
    assert mapper(mapping="mapping: {label_within: 0.7}").align(item).objectives == ("reliability",)


def test_a_pin_keeps_every_pinned_objective() -> None:
    item = make_item("M-1", labels=frozenset({"objective:growth", "objective:reliability"}))
    assert mapper().align(item).objectives == ("growth", "reliability")


def test_a_weight_must_name_a_keyword_of_its_match() -> None:
    assert problems(reliability="  weights: {pricing: 2}") == [
        "objectives[1].match.weights.pricing: 'pricing' is not among this match's keywords or title_keywords"
    ]


@pytest.mark.parametrize(
    ("parts", "where"),
    [
        ({"reliability": "  weights: {outage: 0}"}, "objectives[1].match.weights.outage"),
        ({"reliability": "  weights: {outage: -1}"}, "objectives[1].match.weights.outage"),
        ({"mapping": "mapping: {min_score: -1}"}, "mapping.min_score"),
        ({"mapping": "mapping: {min_margin: .nan}"}, "mapping.min_margin"),
        ({"mapping": "mapping: {label_within: 1.5}"}, "mapping.label_within"),
        ({"mapping": "mapping: {labels: all}"}, "mapping.labels"),
        ({"mapping": "mapping: {similar_items: perhaps}"}, "mapping.similar_items"),
        ({"reliability": "  exclude: ['  ']"}, "objectives[1].match.exclude[0]"),
        ({"reliability": "  title_keywords: ['--']"}, "objectives[1].match.title_keywords[0]"),
    ],
)
def test_bad_options_are_refused_with_their_place(parts: dict[str, str], where: str) -> None:
    assert any(problem.startswith(f"{where}:") for problem in problems(**parts)), problems(**parts)
