"""The mapper: every rule, its precedence, ties, inheritance chains and cycles, with reasons."""

from __future__ import annotations

import gc
import textwrap

import pytest

from syncd.core.mapper import MapContext, Mapper, collection_paused, map_items
from syncd.model import Alignment, Reason, Rule, TargetKind, TrackerKind, WorkItem
from syncd.strategy import Strategy, parse_strategy
from tests.conftest import make_item

STRATEGY = textwrap.dedent(
    """
    version: 1
    period: "2026-Q4"
    objectives:
      - id: growth
        name: Growth
        target: 0.5
        match:
          jira: {projects: [GROW], components: [Billing], epics: [GROW-12], labels: [pricing]}
          linear: {teams: [GRO], projects: ["Checkout revamp"], initiatives: ["Self-serve"]}
          keywords: [checkout, pricing, "upgrade flow"]
      - id: reliability
        name: Reliability
        target: 0.3
        match:
          jira: {projects: [OPS], issue_types: [Incident], components: [Billing]}
          linear: {labels: [incident]}
          keywords: [outage, latency, checkout]
    values:
      - id: customer-first
        name: Customer first
        match: {labels: [customer-reported], keywords: ["support ticket"]}
      - id: quality
        name: Quality
        match: {jira: {issue_types: [Bug]}, keywords: [regression]}
    """
)


@pytest.fixture(scope="module")
def mapper() -> Mapper:
    return Mapper(parse_strategy(STRATEGY))


def rules_of(reasons: tuple[Reason, ...]) -> list[str]:
    return [f"{r.rule.label}:{r.target}:{r.detail}" for r in reasons]


def test_nothing_matches_means_unaligned(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("MISC-1", project="MISC", title="Tidy the office"))
    assert not alignment.aligned
    assert alignment.primary is None
    assert alignment.decided_by is None
    assert alignment.reasons == ()


def test_keyword_in_title(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("MISC-1", project="MISC", title="Speed up the Checkout page"))
    assert alignment.objectives == ("growth",), "only the primary is labelled by default"
    assert alignment.decided_by is Rule.KEYWORD
    assert (alignment.strength, alignment.margin) == ("tie", 0.0)
    assert rules_of(alignment.reasons) == [
        'keyword:growth:keyword "checkout" in the title',
        'keyword:reliability:keyword "checkout" in the title',
    ]


def test_keywords_are_whole_words_and_phrases_span_white_space(mapper: Mapper) -> None:
    assert not mapper.align(make_item("M-1", title="checkoutpage and preoutage")).aligned
    alignment = mapper.align(make_item("M-1", title="x", description="Fix the upgrade\n  FLOW copy"))
    assert alignment.objectives == ("growth",)
    assert alignment.reasons[0].detail == 'keyword "upgrade flow" in the description'


def test_keyword_score_decides_the_primary(mapper: Mapper) -> None:
    item = make_item("M-1", title="Outage in pricing", description="latency after the outage")
    alignment = mapper.align(item)
    assert alignment.primary == "reliability", "outage (leading the title) beats pricing (in the title)"
    assert alignment.objectives == ("reliability",)
    assert (alignment.strength, alignment.margin) == ("keyword", 9.0), "the title decides: latency is not read"


def test_a_title_that_names_an_objective_decides_over_a_long_description(mapper: Mapper) -> None:
    description = "The checkout latency, the pricing page, the outage dashboard: checkout pricing latency."
    alignment = mapper.align(make_item("M-1", title="Pricing copy went stale", description=description))
    assert (alignment.primary, alignment.margin) == ("growth", 12.0), "the description's topics are not read"
    assert rules_of(alignment.reasons) == ['keyword:growth:keyword "pricing" leading the title']


def test_a_statement_title_is_decided_by_what_it_says_of_its_subject(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("M-1", title="Pricing tests can cause an outage"))
    assert (alignment.primary, alignment.margin) == ("reliability", 9.0)
    assert rules_of(alignment.reasons)[0] == 'keyword:growth:keyword "pricing" in the title'


def test_the_keyword_that_leads_the_title_outweighs_the_topics_after_it(mapper: Mapper) -> None:
    """The first words name the work, the rest what it touches: three topics together still weigh less
    (growth 3 + 3 + 3; reliability 12 for the outage, 3 for the checkout both list)."""
    alignment = mapper.align(make_item("M-1", title="Outage of checkout pricing in the upgrade flow"))
    assert (alignment.primary, alignment.margin) == ("reliability", 6.0)
    assert [r.weight for r in alignment.reasons if r.target == "growth"] == [3.0, 3.0, 3.0]


def test_a_description_tags_when_the_title_names_no_objective(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("M-1", title="Page is stale", description="latency, pricing, outage"))
    assert (alignment.primary, alignment.margin) == ("reliability", 1.0)


def test_the_alignment_tells_whether_the_title_named_an_objective(mapper: Mapper) -> None:
    def named(title: str, description: str = "") -> bool:
        return mapper.keywords.named_by_title(mapper.align(make_item("M-1", title=title, description=description)))

    assert named("Outage in pricing")
    assert named("Pricing tests can cause an outage"), "a statement title names them too"
    assert not named("Page is stale", "latency, pricing, outage"), "the description tagged it"
    assert not named("A regression", "an outage"), "a value's keyword is not an objective's"
    assert not named("Tidy the office")


def test_a_description_still_gives_values_and_vetoes_when_the_title_decides() -> None:
    strategy = parse_strategy(
        STRATEGY.replace("keywords: [outage, latency, checkout]", "exclude: [draft]\n      keywords: [outage]")
    )
    vetoed = Mapper(strategy).align(make_item("M-1", title="Outage of checkout", description="a draft"))
    assert vetoed.primary == "growth", "the description's exclusion vetoes reliability"
    alignment = Mapper(strategy).align(make_item("M-1", title="Checkout outage", description="a regression"))
    assert alignment.values == ("quality",)


def test_keyword_tie_goes_to_the_evidence_written_first(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("M-1", title="Fix the outage and the pricing"))
    assert (alignment.objectives, alignment.strength) == (("reliability",), "tie")
    alignment = mapper.align(make_item("M-1", title="Fix the pricing and the outage"))
    assert (alignment.objectives, alignment.strength) == (("growth",), "tie")
    alignment = mapper.align(make_item("M-1", title="x", description="an outage, then pricing"))
    assert alignment.objectives == ("reliability",)


def test_fields_beat_keywords(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("OPS-3", project="OPS", title="checkout pricing work"))
    assert alignment.objectives == ("reliability",)
    assert alignment.decided_by is Rule.FIELD
    kept = [r.rule for r in alignment.reasons]
    assert kept == [Rule.FIELD, Rule.KEYWORD, Rule.KEYWORD, Rule.KEYWORD], "lower rules stay as reasons"


@pytest.mark.parametrize(
    ("fields", "detail"),
    [
        ({"project": "GROW"}, "project GROW"),
        ({"components": ("billing",)}, 'component "Billing"'),
        ({"labels": {"Pricing"}}, 'label "pricing"'),
        ({"type": "Incident"}, 'issue type "Incident"'),
    ],
)
def test_each_jira_field_rule(mapper: Mapper, fields: dict[str, object], detail: str) -> None:
    alignment = mapper.align(make_item("X-1", **fields))
    assert alignment.decided_by is Rule.FIELD
    assert detail in [r.detail for r in alignment.reasons]


def test_component_shared_by_two_objectives_ties_by_file_order(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("X-1", components=("Billing",)))
    assert alignment.objectives == ("growth",)
    assert (alignment.strength, alignment.margin) == ("firm", 0.0)


def test_two_field_matches_outscore_one(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("OPS-1", project="OPS", components=("Billing",)))
    assert alignment.objectives == ("reliability",)


def test_linear_rules_apply_only_to_linear_items(mapper: Mapper) -> None:
    linear = make_item("GRO-1", kind=TrackerKind.LINEAR, project="GRO")
    assert mapper.align(linear).objectives == ("growth",)
    jira = make_item("GRO-1", project="GRO")
    assert not mapper.align(jira).aligned


def test_linear_structure_project_and_initiative(mapper: Mapper) -> None:
    in_project = make_item("ENG-1", kind=TrackerKind.LINEAR, linear_project="checkout revamp")
    alignment = mapper.align(in_project)
    assert alignment.decided_by is Rule.STRUCTURE
    assert alignment.reasons[0].detail == 'in project "Checkout revamp"', "the rule's spelling"
    in_initiative = make_item("ENG-2", kind=TrackerKind.LINEAR, linear_project="Other", initiatives=("Self-serve",))
    assert mapper.align(in_initiative).objectives == ("growth",)


def test_structure_beats_fields(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("OPS-9", project="OPS", epic="GROW-12"))
    assert alignment.objectives == ("growth",)
    assert alignment.decided_by is Rule.STRUCTURE


def test_the_epic_itself_matches(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("GROW-12", type="Epic"))
    assert alignment.reasons[0].detail == "is epic GROW-12"


def test_pin_beats_everything(mapper: Mapper) -> None:
    item = make_item("OPS-1", project="OPS", epic="GROW-12", labels={"objective:reliability"})
    alignment = mapper.align(item)
    assert alignment.objectives == ("reliability",)
    assert alignment.decided_by is Rule.PIN
    assert alignment.reasons[0].detail == 'label "objective:reliability" set by a person'


def test_a_label_syncd_applied_is_not_a_pin(mapper: Mapper) -> None:
    item = make_item("OPS-1", project="OPS", labels={"objective:growth"})
    context = MapContext(applied=lambda key: frozenset({"objective:growth"}))
    alignment = mapper.align(item, context)
    assert alignment.objectives == ("reliability",)
    assert alignment.decided_by is Rule.FIELD


def test_pinned_unknown_objective_is_ignored(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("M-1", labels={"objective:retired"}))
    assert not alignment.aligned


def test_pinned_unaligned_label_keeps_the_item_unaligned(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("GROW-3", project="GROW", labels={"alignment:none"}))
    assert not alignment.aligned
    assert alignment.decided_by is Rule.PIN
    assert alignment.reasons[0].kind is TargetKind.UNALIGNED


def test_objective_pins_win_over_an_unaligned_pin(mapper: Mapper) -> None:
    item = make_item("M-1", labels={"alignment:none", "objective:growth"})
    assert mapper.align(item).objectives == ("growth",)


def test_values_are_tagged_independently(mapper: Mapper) -> None:
    item = make_item(
        "OPS-1",
        project="OPS",
        type="Bug",
        labels={"customer-reported"},
        description="came in as a support ticket; a regression",
    )
    alignment = mapper.align(item)
    assert alignment.objectives == ("reliability",)
    assert alignment.values == ("customer-first", "quality")


def test_value_pin(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("M-1", labels={"value:quality"}))
    assert alignment.values == ("quality",)
    assert not alignment.aligned


def chain(*items: WorkItem) -> dict[str, WorkItem]:
    return {item.key: item for item in items}


def test_child_inherits_from_its_parent(mapper: Mapper) -> None:
    items = chain(
        make_item("MISC-1", title="Checkout v2"),
        make_item("MISC-2", parent="MISC-1", title="Write the copy"),
    )
    result = map_items(items.values(), mapper)
    assert result["MISC-2"].objectives == ("growth",)
    assert result["MISC-2"].decided_by is Rule.STRUCTURE
    detail = 'inherited from MISC-1 (parent): keyword "checkout" leading the title'
    assert result["MISC-2"].reasons[0].detail == detail


def test_inheritance_through_a_chain(mapper: Mapper) -> None:
    items = chain(
        make_item("GROW-12", type="Epic"),
        make_item("MISC-5", epic="GROW-12"),
        make_item("MISC-6", parent="MISC-5", title="outage drill"),
    )
    result = map_items(items.values(), mapper)
    assert result["MISC-6"].objectives == ("growth",), "the story's structure beats the sub-task's keyword"


def test_strongest_ancestor_wins_over_nearest(mapper: Mapper) -> None:
    items = chain(
        make_item("M-1", labels={"objective:reliability"}),
        make_item("M-2", parent="M-1", title="checkout"),
        make_item("M-3", parent="M-2"),
    )
    result = map_items(items.values(), mapper)
    assert result["M-3"].objectives == ("reliability",)
    assert "inherited from M-1 (parent of parent)" in result["M-3"].reasons[0].detail


def test_own_pin_beats_inheritance(mapper: Mapper) -> None:
    items = chain(
        make_item("GROW-12", type="Epic"),
        make_item("M-2", epic="GROW-12", labels={"objective:reliability"}),
    )
    assert map_items(items.values(), mapper)["M-2"].objectives == ("reliability",)


def test_ancestor_from_known_items(mapper: Mapper) -> None:
    parent = make_item("OPS-1", project="OPS")
    result = map_items([make_item("M-2", parent="OPS-1")], mapper, known={"OPS-1": parent})
    assert result["M-2"].objectives == ("reliability",)


def test_missing_ancestor_is_harmless(mapper: Mapper) -> None:
    result = map_items([make_item("M-2", parent="GONE-1")], mapper)
    assert not result["M-2"].aligned


def test_cycle_in_parent_links_terminates(mapper: Mapper) -> None:
    items = chain(
        make_item("M-1", parent="M-3", title="outage"),
        make_item("M-2", parent="M-1"),
        make_item("M-3", parent="M-2", epic="M-1"),
        make_item("M-4", parent="M-4"),
    )
    result = map_items(items.values(), mapper)
    assert result["M-2"].objectives == ("reliability",)
    assert result["M-3"].objectives == ("reliability",)
    assert result["M-1"].objectives == ("reliability",)
    assert not result["M-4"].aligned


@pytest.mark.parametrize("order", [1, -1])
def test_siblings_share_a_walk_unless_the_walk_passes_through_one_of_them(mapper: Mapper, order: int) -> None:
    items = [
        make_item("M-1", parent="M-2"),
        make_item("M-2", parent="M-1", components=("Billing",)),
        make_item("M-3", parent="M-1"),
        make_item("M-4", parent="M-1"),
    ]
    result = map_items(items[::order], mapper)
    assert not any("inherited" in r.detail for r in result["M-2"].reasons)
    for key in ("M-3", "M-4"):
        assert {r.detail for r in result[key].reasons} == {'inherited from M-2 (parent of parent): component "Billing"'}
        assert result[key].objectives == result["M-2"].objectives


def test_mapping_is_deterministic_and_order_independent(mapper: Mapper) -> None:
    items = [
        make_item("M-1", parent="M-2", title="checkout"),
        make_item("M-2", parent="M-1", title="outage latency"),
        make_item("M-3", parent="M-1"),
    ]
    forward = map_items(items, mapper)
    backward = map_items(list(reversed(items)), mapper)
    assert forward == backward
    assert forward == map_items(items, mapper)


def test_example_strategy_maps_a_realistic_issue(example_strategy: Strategy) -> None:
    item = make_item(
        "GROW-40",
        project="GROW",
        components=("Checkout",),
        title="Trial users cannot reach checkout",
        labels={"customer-reported"},
    )
    alignment = Mapper(example_strategy).align(item)
    assert alignment.primary == "self-serve-growth"
    assert alignment.values == ("customer-first",)


def test_pinned_epic_outranks_the_epic_rule_for_its_children(mapper: Mapper) -> None:
    items = chain(
        make_item("GROW-12", type="Epic", labels={"objective:reliability"}),
        make_item("MISC-9", epic="GROW-12"),
    )
    result = map_items(items.values(), mapper)
    assert result["MISC-9"].objectives == ("reliability",), "a person's pin on the epic wins"


def test_the_collector_is_paused_only_while_a_batch_is_mapped() -> None:
    assert gc.isenabled()
    with collection_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled(), "a collector that was off stays off"
    finally:
        gc.enable()


def test_strength_survives_the_json_round_trip_and_old_records(mapper: Mapper) -> None:
    alignment = mapper.align(make_item("M-1", title="Outage in pricing", description="latency"))
    data = alignment.to_json()
    assert (data["strength"], data["margin"]) == ("keyword", 9.0)
    assert Alignment.from_json(data) == alignment
    del data["margin"], data["strength"]
    assert Alignment.from_json(data).strength == "keyword", "stored before margins were kept: not a tie"
