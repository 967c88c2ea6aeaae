"""What a review samples and what its answers mean, on plain data."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime

import pytest

from syncd.core.drift import analyse
from syncd.core.mapper import Mapper, map_items
from syncd.model import Alignment, JournalEntry, StatusCategory, WorkItem
from syncd.render import FORMATS, render
from syncd.state import StoredAnswer
from syncd.strategy import Strategy
from syncd.sync.pins import pinned_journal
from syncd.sync.review import (
    NONE,
    ReviewCase,
    current_answers,
    draw,
    excerpt,
    pin_delta,
    review_cases,
    review_figures,
    rules_fingerprints,
)
from tests.conftest import make_item

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def cases(strategy: Strategy, count: int = 30) -> list[ReviewCase]:
    items = [make_item(f"MISC-{i}", title=f"Flaky checkout test {i}") for i in range(count)]
    items.append(make_item("MISC-done", title="Flaky test", status=StatusCategory.DONE))
    items.append(make_item("MISC-none", title="Rename a variable"))
    alignments = map_items(items, Mapper(strategy))
    return review_cases(((item, alignments[item.key]) for item in items), strategy, now=NOW)


def answer(strategy: Strategy, key: str, tag: str, choice: str, **changes: object) -> StoredAnswer:
    fields = {"period": strategy.period, "rules": rules_fingerprints(strategy), **changes}
    return StoredAnswer("jira.acme", key, tag=tag, answer=choice, **fields)  # type: ignore[arg-type]


def test_only_in_scope_items_tagged_by_keywords_are_cases(example_strategy: Strategy) -> None:
    found = cases(example_strategy)
    assert len(found) == 30
    assert {case.tag for case in found} == {"reliability"}
    assert all(case.why.startswith("keyword, margin") for case in found)
    assert "MISC-done" not in {case.item.key for case in found}, "done long before the window: outside"


def test_the_same_period_draws_the_same_sample_and_answered_items_keep_their_place(
    example_strategy: Strategy,
) -> None:
    found = cases(example_strategy)
    first = draw(found, [], size=5, seed="2026-Q4")
    assert [c for c, _ in first] == [c for c, _ in draw(list(reversed(found)), [], size=5, seed="2026-Q4")]
    assert [c for c, _ in first] != [c for c, _ in draw(found, [], size=5, seed="2027-Q1")]
    picked = first[2][0]
    assert picked is not None
    given = answer(example_strategy, picked.item.key, "reliability", "self-serve-growth")
    resumed = draw([c for c in found if c is not picked], [given], size=5, seed="2026-Q4")
    assert resumed[0] == (None, given), "a corrected item (now a pin, no longer a case) keeps its place"
    assert [c for c, a in resumed if a is None] == [c for c, _ in first if c is not picked]


def test_a_new_period_or_a_changed_rule_sets_answers_aside(example_strategy: Strategy) -> None:
    given = [
        answer(example_strategy, "A-1", "reliability", "reliability"),
        answer(example_strategy, "A-2", "self-serve-growth", NONE),
        answer(example_strategy, "A-3", "data-platform", "data-platform", period="2026-Q3"),
    ]
    assert current_answers(given, example_strategy) == given[:2]
    reliability = example_strategy.objectives[2]
    assert reliability.id == "reliability"
    changed_match = reliability.match.model_copy(update={"keywords": (*reliability.match.keywords, "outage")})
    changed = example_strategy.model_copy(
        update={
            "objectives": tuple(
                o.model_copy(update={"match": changed_match}) if o.id == "reliability" else o
                for o in example_strategy.objectives
            )
        }
    )
    assert current_answers(given, changed) == [given[1]]


def test_a_correction_pins_the_choice_and_removes_only_syncds_own_objective_label(example_strategy: Strategy) -> None:
    journal = JournalEntry(
        applied=frozenset({"objective:reliability", "value:quality"}), persons=frozenset({"objective:data-platform"})
    )
    assert pin_delta("self-serve-growth", example_strategy, journal) == (
        frozenset({"objective:self-serve-growth"}),
        frozenset({"objective:reliability"}),
    )
    assert pin_delta(NONE, example_strategy, journal) == (
        frozenset({"alignment:none"}),
        frozenset({"objective:reliability"}),
    )


def test_the_excerpt_is_prose_on_one_line_and_short() -> None:
    text = "Checkout fails\n{code}\nE1203 12:00:01 credentials denied\n{code}\n" + "word " * 100
    cut = excerpt(text, limit=40)
    assert "credentials" not in cut
    assert len(cut) == 40
    assert cut.endswith("…")


def keyword_population(strategy: Strategy) -> list[tuple[WorkItem, Alignment | None]]:
    """Twenty items the keywords tag reliability, ten of which really serve self-serve growth."""
    items = [make_item(f"MISC-{i}", title=f"Flaky checkout test {i}", updated=NOW) for i in range(20)]
    alignments = map_items(items, Mapper(strategy))
    return [(item, alignments[item.key]) for item in items]


def test_the_review_corrects_the_shares_and_states_the_agreement(example_strategy: Strategy) -> None:
    entries = keyword_population(example_strategy)
    given = [
        answer(example_strategy, f"MISC-{i}", "reliability", "self-serve-growth" if i % 2 else "reliability")
        for i in range(8)
    ]
    [overall, tracker] = review_figures(entries, given, example_strategy, now=NOW, scopes=["all", "jira.acme"])
    assert (overall.scope, tracker.scope) == ("all", "jira.acme")
    assert (overall.reviewed, overall.confirmed) == (8, 4)
    reliability = overall.share("reliability")
    growth = overall.share("self-serve-growth")
    assert reliability is not None
    assert growth is not None
    assert (reliability.tagged, growth.tagged) == (1.0, 0.0)
    assert reliability.estimate == pytest.approx(0.6), "half moved to growth, shrunk a fifth back for 8 answers"
    assert growth.estimate == pytest.approx(0.4)
    assert growth.low < 0.5 < growth.high
    assert reliability.low < 0.5 < reliability.high
    assert review_figures(entries, [], example_strategy, now=NOW, scopes=["all"]) == ()


def test_every_format_states_the_review(example_strategy: Strategy) -> None:
    entries = keyword_population(example_strategy)
    given = [answer(example_strategy, f"MISC-{i}", "reliability", "reliability") for i in range(3)]
    given.append(answer(example_strategy, "MISC-3", "reliability", NONE))
    drift = analyse(entries, example_strategy, now=NOW)
    drift = dataclasses.replace(
        drift, review=review_figures(entries, given, example_strategy, now=NOW, scopes=["all", "jira.acme"])
    )
    for fmt in FORMATS:
        rendered = render(drift, fmt)
        if fmt == "json":
            [overall, _] = json.loads(rendered)["review"]
            assert (overall["reviewed"], overall["confirmed"]) == (4, 3)
            assert [s["id"] for s in overall["shares"]][-1] == "unaligned"
        else:
            assert "confirmed 3 of 4 sampled keyword tags" in rendered, fmt
    text = render(drift, "md")
    assert "with 90% intervals: Grow self-serve revenue 0% (0%–" in text


def test_a_confirmed_correction_makes_the_choice_a_persons_label_and_forgets_syncds() -> None:
    journal = JournalEntry(
        applied=frozenset({"objective:reliability", "value:quality"}),
        declined=frozenset({"objective:self-serve-growth"}),
    )
    add, remove = frozenset({"objective:self-serve-growth"}), frozenset({"objective:reliability"})
    assert pinned_journal(journal, add, remove) == JournalEntry(
        applied=frozenset({"value:quality"}), persons=frozenset({"objective:self-serve-growth"})
    )
