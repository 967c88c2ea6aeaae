"""Items no rule names, tagged by the tagged items they resemble (syncd.core.similar_items, Mapper.learning_from)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.cli.texts import explain_item
from syncd.core.mapper import Mapper, map_items
from syncd.core.reconcile import plan_item
from syncd.core.similar_items import Resemblance, SimilarItems, Tally, is_seed
from syncd.model import Alignment, JournalEntry, Rule, WorkItem
from syncd.strategy import TrackerLabels, parse_strategy
from tests.conftest import T0, make_item

STRATEGY = textwrap.dedent(
    """
    version: 1
    period: "2026-Q4"
    objectives:
      - {id: growth, name: G, target: 0.5, match: {keywords: [checkout, pricing]}}
      - {id: reliability, name: R, target: 0.3, match: {keywords: [outage, crash]}}
    mapping: {min_score: 2, similar_items: true}
    """
)

HELD = [
    make_item("M-1", title="Checkout coupon field", description="basket coupon discount"),
    make_item("M-2", title="Pricing page coupon banner", description="discount basket"),
    make_item("M-3", title="Crash in the scheduler queue", description="queue worker stalls"),
    make_item("M-4", title="Outage of the queue worker", description="scheduler stalls"),
    make_item("M-5", title="Fix checkout and outage", description="a tie teaches nothing"),
]


def learned(items: list[WorkItem] = HELD) -> Mapper:
    return Mapper(parse_strategy(STRATEGY)).learning_from(items)


def test_an_item_no_rule_names_is_tagged_by_the_items_it_resembles() -> None:
    item = make_item("M-9", title="Queue worker stalls", description="the scheduler queue")
    assert not Mapper(parse_strategy(STRATEGY)).align(item).aligned
    alignment = learned().align(item)
    assert alignment.primary == "reliability"
    assert (alignment.decided_by, alignment.strength) == (Rule.RESEMBLANCE, "resemblance")
    assert (alignment.margin or 0) > 0
    assert alignment.reasons[-1].detail.startswith("like the items tagged by rules (of 4): words ")
    assert '"queue"' in alignment.reasons[-1].detail
    assert learned().align(make_item("M-8", title="Coupon basket discount")).primary == "growth"


def test_it_never_overrides_the_titles_keywords_breaks_a_tie_or_lifts_a_score_below_the_minimum() -> None:
    mapper = learned()
    tagged = mapper.align(make_item("M-9", title="Checkout queue worker stalls"))
    assert (tagged.primary, tagged.margin) == ("growth", 12.0), "the keyword decides; the resemblance is not asked"
    tie = mapper.align(make_item("M-9", title="The pricing outage in the queue worker"))
    assert tie.strength == "tie"
    weak = mapper.align(make_item("M-9", title="Queue worker", description="an outage"))
    assert not weak.aligned, "a keyword named an objective, below min_score: the strategy said no"


def test_a_tag_resting_on_the_descriptions_keywords_yields_to_what_the_item_resembles() -> None:
    item = make_item("M-9", title="Queue worker stalls", description="seen after checkout and pricing changes")
    assert Mapper(parse_strategy(STRATEGY)).align(item).primary == "growth", "the description's keywords tag it"
    alignment = learned().align(item)
    assert (alignment.primary, alignment.decided_by) == ("reliability", Rule.RESEMBLANCE)
    assert alignment.strength == "resemblance"
    assert (alignment.margin or 0) > 0
    kept = [r.detail for r in alignment.reasons if r.rule is Rule.KEYWORD]
    assert kept == ['keyword "checkout" in the description', 'keyword "pricing" in the description']
    plan = plan_item(item, alignment, JournalEntry(), TrackerLabels(learned().strategy.labels))
    lines = explain_item(item, alignment, plan, learned().strategy, now=T0)
    keyword = next(line for line in lines if line.strip().startswith("keyword"))
    assert "not used: the description's keywords alone yield to what the item's words resemble" in keyword


def test_a_description_tag_the_item_resembles_stays_a_keyword_tag() -> None:
    item = make_item("M-9", title="Coupon basket", description="the checkout and pricing pages")
    alignment = learned().align(item)
    assert (alignment.primary, alignment.strength, alignment.margin) == ("growth", "keyword", 2.0)
    assert all(reason.rule is Rule.KEYWORD for reason in alignment.reasons)


def test_a_persons_unaligned_pin_stands() -> None:
    item = make_item("M-9", title="Queue worker stalls", labels=frozenset({"alignment:none"}))
    assert learned().align(item).objectives == ()


def test_only_firm_tags_and_clear_keyword_leads_teach_it() -> None:
    assert not is_seed(Alignment("M-1", ("growth",), decided_by=Rule.KEYWORD, margin=0.0))
    assert is_seed(Alignment("M-1", ("growth",), decided_by=Rule.KEYWORD, margin=3.0))
    assert is_seed(Alignment("M-1", ("growth",), decided_by=Rule.FIELD))
    assert not is_seed(Alignment("M-1"))
    assert not is_seed(Alignment("M-1", ("growth",), decided_by=Rule.KEYWORD, margin=3.0), by_title=False)
    assert is_seed(Alignment("M-1", ("growth",), decided_by=Rule.FIELD), by_title=False)


def test_a_tag_resting_on_the_description_alone_does_not_teach_it() -> None:
    described = [make_item(f"D-{n}", title="Queue worker stalls", description="checkout pricing") for n in range(3)]
    assert Mapper(parse_strategy(STRATEGY)).align(described[0]).primary == "growth", "the description tags it"
    mapper = learned([*HELD, *described])
    assert mapper.similar is not None
    assert mapper.similar.examples == 4
    assert mapper.align(make_item("M-9", title="Queue worker stalls")).primary == "reliability"


def test_the_same_items_in_any_order_give_the_same_tags() -> None:
    probes = [make_item(f"P-{n}", title=title) for n, title in enumerate(["Queue stalls", "Coupon", "Basket queue"])]
    forward = map_items(probes, learned())
    backward = map_items(probes, learned(list(reversed(HELD))))
    assert forward == backward


def test_it_is_on_by_default_and_off_when_the_strategy_says() -> None:
    default = Mapper(parse_strategy(STRATEGY.replace(", similar_items: true", "")))
    assert default.learning_from(HELD).align(make_item("M-9", title="Queue worker stalls")).primary == "reliability"
    mapper = Mapper(parse_strategy(STRATEGY.replace("similar_items: true", "similar_items: false")))
    assert mapper.learning_from(HELD) is mapper
    assert not mapper.align(make_item("M-9", title="Queue worker stalls")).aligned


def test_a_saved_tally_gives_the_same_model() -> None:
    model = learned().similar
    assert model is not None
    saved = json.loads(json.dumps(model.tally.to_json()))
    again = SimilarItems(Tally.from_json(saved))
    probes = [make_item(f"P-{n}", title=title) for n, title in enumerate(["Queue stalls", "Coupon", "Basket queue"])]
    assert [again.guess(p) for p in probes] == [model.guess(p) for p in probes]
    assert again.examples == model.examples == 4


def test_a_broken_tally_is_refused_with_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="not a saved model"):
        Tally.from_json({"objectives": ["growth"], "taught": [1, 2], "words": {}})
    with pytest.raises(ValueError, match="not a saved model"):
        Tally.from_json({"objectives": ["growth"]})


def test_nothing_is_guessed_without_examples_or_telling_words() -> None:
    assert learned([]).align(make_item("M-9", title="Queue worker stalls")).objectives == ()
    assert SimilarItems.learnt([], ["growth"]).guess(make_item("M-9", title="x")) is None
    assert learned().align(make_item("M-9", title="Unrelated words entirely")).objectives == ()


def test_function_words_tell_nothing() -> None:
    examples = [
        (make_item("A-1", title="The queue stalls"), "reliability"),
        (make_item("A-2", title="The worker crashed"), "reliability"),
        (make_item("A-3", title="Coupon basket"), "growth"),
        (make_item("A-4", title="Coupon discount"), "growth"),
    ]
    model = SimilarItems.learnt(examples, ["growth", "reliability"])
    assert "the" not in model.tally.words
    assert model.guess(make_item("P-1", title="Move the footer to the top")) is None


def test_a_guess_no_word_of_the_item_favours_is_not_made() -> None:
    """Items tagged reliability are many and wordy, growth few and short: "queue", in one of each, favours
    growth, while how common reliability is would pick it."""
    examples = [(make_item(f"R-{n}", title=f"worker stalls disk{n % 3}"), "reliability") for n in range(8)]
    examples += [(make_item("R-9", title="queue stalls"), "reliability")]
    examples += [(make_item("G-1", title="coupon queue"), "growth"), (make_item("G-2", title="coupon"), "growth")]
    model = SimilarItems.learnt(examples, ["growth", "reliability"])
    assert model.guess(make_item("P-1", title="queue")) is None
    assert model.guess(make_item("P-2", title="queue disk1")) == Resemblance("reliability", 1.5, ("disk1",))


def test_explain_learns_from_the_items_it_is_given(tmp_path: Path) -> None:
    strategy = tmp_path / "strategy.yaml"
    strategy.write_text(STRATEGY)
    items = tmp_path / "items.json"
    target = make_item("M-9", title="Queue worker stalls", description="the scheduler queue")
    items.write_text(json.dumps([item.to_json() for item in (*HELD, target)]))
    result = CliRunner().invoke(app, ["explain", "M-9", "--item", str(items), "-s", str(strategy)])
    assert result.exit_code == 0, result.output
    assert "objective: reliability (R) (primary)" in result.output
    assert 'like the items tagged by rules (of 4): words "queue"' in result.output


def test_an_items_words_are_weighed_in_the_order_the_text_gives_them() -> None:
    """A set's order changes with each process's string hashing, and float sums with their order: two
    replicas must score an item alike, so the words come in the text's order."""
    from syncd.core.similar_items import _features, _read

    item = make_item("X-1", title="Queue stalls queue", description="zebra apple queue mango apple")
    assert list(_features(*_read(item)).items()) == [
        ("queue", 3),
        ("stall", 1),
        ("zebra", 1),
        ("appl", 1),
        ("mango", 1),
    ]
