"""Reconcile planning: owned labels only, deltas, pins kept, declines respected, one label per group."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from syncd.core.mapper import MapContext, Mapper
from syncd.core.reconcile import desired_labels, plan_item
from syncd.model import Alignment, JournalEntry, Rule, WorkItem
from syncd.strategy import LabelScheme, Strategy, TrackerLabels
from tests.conftest import make_item

SCHEME = LabelScheme()
JIRA = TrackerLabels(SCHEME)
LINEAR = TrackerLabels(SCHEME, exclusive_objectives=True, exclusive_values=True)


def aligned(*objectives: str, values: tuple[str, ...] = ()) -> Alignment:
    return Alignment("K-1", objectives, values, (), Rule.FIELD if objectives else None)


def test_first_plan_adds_the_alignment_labels() -> None:
    plan = plan_item(make_item(labels={"frontend"}), aligned("growth", "ops"), JournalEntry(), JIRA)
    assert plan.op.add == {"objective:growth", "objective:ops"}
    assert plan.op.remove == frozenset()
    assert plan.journal.applied == {"objective:growth", "objective:ops"}


def test_unaligned_item_gets_the_unaligned_label() -> None:
    plan = plan_item(make_item(), aligned(values=("quality",)), JournalEntry(), JIRA)
    assert plan.op.add == {"alignment:none", "value:quality"}


def test_linear_groups_carry_only_the_primary() -> None:
    alignment = aligned("growth", "ops", values=("quality", "customer"))
    assert desired_labels(alignment, LINEAR) == {"objective:growth", "value:quality"}


def test_changed_mapping_swaps_syncds_label_in_one_delta() -> None:
    item = make_item(labels={"objective:growth", "team-a"})
    journal = JournalEntry(applied=frozenset({"objective:growth"}))
    plan = plan_item(item, aligned("ops"), journal, LINEAR)
    assert plan.op.add == {"objective:ops"}
    assert plan.op.remove == {"objective:growth"}
    assert plan.journal.applied == {"objective:ops"}


def test_person_removed_label_is_not_put_back() -> None:
    item = make_item(labels=set())
    journal = JournalEntry(applied=frozenset({"objective:growth"}))
    plan = plan_item(item, aligned("growth"), journal, JIRA)
    assert plan.op.empty
    assert plan.declined == {"objective:growth"}
    again = plan_item(item, aligned("growth"), plan.journal, JIRA)
    assert again.op.empty, "the decline is remembered on the next run"


def test_decline_is_forgotten_when_the_mapping_moves_on() -> None:
    journal = JournalEntry(declined=frozenset({"objective:growth"}))
    moved = plan_item(make_item(), aligned("ops"), journal, JIRA)
    assert moved.journal.declined == frozenset()
    back = plan_item(make_item(labels={"objective:ops"}), aligned("growth"), moved.journal, JIRA)
    assert "objective:growth" in back.op.add


def test_pins_are_never_removed() -> None:
    item = make_item(labels={"objective:retired", "objective:growth"})
    plan = plan_item(item, aligned("ops"), JournalEntry(), JIRA)
    assert plan.pins == {"objective:retired", "objective:growth"}
    assert plan.op.remove == frozenset()


def test_person_label_blocks_its_exclusive_group() -> None:
    item = make_item(labels={"objective:retired"})
    plan = plan_item(item, aligned("growth", values=("quality",)), JournalEntry(), LINEAR)
    assert plan.blocked == {"objective:growth"}
    assert plan.op.add == {"value:quality"}


def test_unowned_labels_are_untouched_even_if_similar() -> None:
    item = make_item(labels={"objective", "Objective:growth", "alignment:none-ish"})
    plan = plan_item(item, aligned("growth"), JournalEntry(), JIRA)
    assert plan.op.add == {"objective:growth"}
    assert plan.op.remove == frozenset()


# Property tests: any labels, journal and alignment.
OBJECTIVES = ["growth", "ops", "data"]
VALUES = ["quality", "customer"]
owned_labels = st.sampled_from(
    [SCHEME.objective_label(o) for o in [*OBJECTIVES, "retired"]]
    + [SCHEME.value_label(v) for v in VALUES]
    + [SCHEME.unaligned]
)
any_label = st.one_of(owned_labels, st.sampled_from(["frontend", "customer-reported", "objective", "p1"]))
label_sets = st.frozensets(any_label, max_size=6)
alignments = st.builds(
    lambda objs, vals: aligned(*objs, values=tuple(vals)),
    st.lists(st.sampled_from(OBJECTIVES), unique=True, max_size=3),
    st.lists(st.sampled_from(VALUES), unique=True, max_size=2),
)
journals = st.builds(JournalEntry, st.frozensets(owned_labels, max_size=4), st.frozensets(owned_labels, max_size=3))
trackers = st.sampled_from([JIRA, LINEAR])


@given(labels=label_sets, alignment=alignments, journal=journals, tracker=trackers)
def test_plan_touches_only_owned_labels(
    labels: frozenset[str], alignment: Alignment, journal: JournalEntry, tracker: TrackerLabels
) -> None:
    plan = plan_item(make_item(labels=labels), alignment, journal, tracker)
    assert all(SCHEME.owns(label) for label in plan.op.add | plan.op.remove)
    assert not plan.op.add & plan.op.remove
    assert not plan.op.add & labels, "only missing labels are added"
    assert plan.op.remove <= labels, "only present labels are removed"


@given(labels=label_sets, alignment=alignments, journal=journals, tracker=trackers)
def test_pins_are_never_removed_property(
    labels: frozenset[str], alignment: Alignment, journal: JournalEntry, tracker: TrackerLabels
) -> None:
    plan = plan_item(make_item(labels=labels), alignment, journal, tracker)
    assert not plan.op.remove & plan.pins
    assert plan.pins <= plan.op.applied_to(labels)


@given(labels=label_sets, alignment=alignments, journal=journals, tracker=trackers)
def test_applying_a_plan_then_planning_again_is_empty(
    labels: frozenset[str], alignment: Alignment, journal: JournalEntry, tracker: TrackerLabels
) -> None:
    first = plan_item(make_item(labels=labels), alignment, journal, tracker)
    after = make_item(labels=first.op.applied_to(labels))
    second = plan_item(after, alignment, first.journal, tracker)
    assert second.op.empty
    assert second.journal == first.journal


@given(labels=label_sets, alignment=alignments, journal=journals)
def test_exclusive_groups_never_end_up_with_two_syncd_labels(
    labels: frozenset[str], alignment: Alignment, journal: JournalEntry
) -> None:
    plan = plan_item(make_item(labels=labels), alignment, journal, LINEAR)
    after = plan.op.applied_to(labels)
    mine = after & plan.journal.applied
    assert len([label for label in mine if LINEAR.objective_group(label)]) <= 1
    assert len([label for label in mine if LINEAR.value_group(label)]) <= 1
    persons_in_group = any(LINEAR.objective_group(label) for label in plan.pins - plan.desired)
    if persons_in_group:
        assert not any(LINEAR.objective_group(label) for label in plan.op.add)


@given(
    labels=st.frozensets(st.sampled_from(["objective:growth", "objective:reliability", "pricing", "x"])),
    title=st.sampled_from(["checkout", "outage", "tidy up", "checkout outage"]),
    project=st.sampled_from(["GROW", "OPS", "MISC"]),
)
def test_mapper_and_reconciler_converge_in_one_round(
    example_strategy: Strategy, labels: frozenset[str], title: str, project: str
) -> None:
    mapper = Mapper(example_strategy)
    item = make_item(f"{project}-1", project=project, title=title, labels=labels)
    first = plan_item(item, mapper.align(item), JournalEntry(), JIRA)
    item = _relabel(item, first.op.applied_to(item.labels))
    journal = first.journal
    context = MapContext(applied=lambda key: journal.applied)
    assert plan_item(item, mapper.align(item, context), journal, JIRA).op.empty
    assert {"pricing", "x"} & labels <= item.labels


def _relabel(item: WorkItem, labels: frozenset[str]) -> WorkItem:
    return make_item(item.key, project=item.project, title=item.title, labels=labels)
