"""The regression estimator: tags corrected by a reviewed sample, as far as they predict it, with honest
intervals."""

from __future__ import annotations

import pytest

from syncd.core.review_estimate import Tagged, draw_sample, estimate_shares

BUCKETS = ("growth", "reliability", "unaligned")


def population() -> list[Tagged]:
    firm = [Tagged(f"F-{i}", "growth", 1.0, reviewable=False) for i in range(20)]
    keyword = [Tagged(f"K-{i}", "reliability", 1.0, reviewable=True) for i in range(60)]
    untagged = [Tagged(f"U-{i}", "unaligned", 1.0, reviewable=True) for i in range(20)]
    return firm + keyword + untagged


def truth(item: Tagged) -> str:
    """Half the keyword tags are wrong (growth in truth); untagged items really are unaligned."""
    if item.key.startswith("K-") and int(item.key[2:]) % 2:
        return "growth"
    return item.tag


def test_only_items_not_firmly_tagged_are_drawn() -> None:
    sample = draw_sample(population(), 40, seed=3)
    assert len(sample) == 40
    assert all(item.reviewable for item in sample)
    assert draw_sample(population(), 40, seed=3) == sample, "a seed gives the same sample"


def test_without_answers_the_estimate_is_the_tags() -> None:
    estimates = estimate_shares(population(), [], BUCKETS)
    assert [(e.tagged, e.estimate, e.low, e.high) for e in estimates] == [
        (0.2, 0.2, 0.2, 0.2),
        (0.6, 0.6, 0.6, 0.6),
        (0.2, 0.2, 0.2, 0.2),
    ]


def test_reviewing_every_reviewable_item_gives_the_true_shares_exactly() -> None:
    items = population()
    answers = [(item, truth(item)) for item in items if item.reviewable]
    estimates = {e.bucket: e for e in estimate_shares(items, answers, BUCKETS)}
    assert estimates["growth"].estimate == pytest.approx(0.5)
    assert estimates["reliability"].estimate == pytest.approx(0.3)
    assert estimates["growth"].low == pytest.approx(estimates["growth"].high), "nothing left to sample"


def test_a_sample_corrects_the_tags_and_its_intervals_hold_the_truth() -> None:
    items = population()
    held = 0
    for seed in range(200):
        answers = [(item, truth(item)) for item in draw_sample(items, 30, seed=seed)]
        estimates = {e.bucket: e for e in estimate_shares(items, answers, BUCKETS)}
        held += estimates["growth"].holds(0.5) + estimates["reliability"].holds(0.3)
    assert held / 400 >= 0.88


def test_weights_count_as_effort() -> None:
    items = [Tagged("A", "growth", 3.0, True), Tagged("B", "reliability", 1.0, True)]
    answers = [(items[0], "reliability"), (items[1], "reliability")]
    estimates = {e.bucket: e for e in estimate_shares(items, answers, BUCKETS)}
    assert estimates["growth"].tagged == 0.75
    assert estimates["reliability"].estimate == pytest.approx(1.0)


def tags_and_answers(answers: dict[str, str]) -> tuple[list[Tagged], list[tuple[Tagged, str]]]:
    """80 items tagged growth and 20 reliability, all by keywords; ``answers`` by key for a sample."""
    items = [Tagged(f"G-{i}", "growth", 1.0, reviewable=True) for i in range(80)]
    items += [Tagged(f"R-{i}", "reliability", 1.0, reviewable=True) for i in range(20)]
    by_key = {item.key: item for item in items}
    return items, [(by_key[key], label) for key, label in answers.items()]


def test_tags_that_tell_nothing_of_the_answers_are_not_trusted() -> None:
    """Half of each tag's sample is growth: the tags do not predict the answers, so the estimate is near the
    sample's own share, 0.5 (the difference estimator would keep the tags' 0.8)."""
    sampled = [f"G-{i}" for i in range(20)] + [f"R-{i}" for i in range(20)]
    items, answers = tags_and_answers({key: ("growth", "reliability")[n % 2] for n, key in enumerate(sampled)})
    growth = estimate_shares(items, answers, BUCKETS)[0]
    assert growth.tagged == 0.8
    assert growth.estimate == pytest.approx(0.5, abs=0.01)
    assert growth.holds(0.5)


def test_a_sample_that_agrees_with_the_tags_within_its_noise_keeps_the_tags() -> None:
    """One of 20 sampled growth tags (of 80) is reliability, and four of 20 sampled reliability tags (of 20)
    are growth: the errors all but cancel out, and the small correction left is within the sample's noise, so
    the tags stand."""
    answers = {f"G-{i}": "reliability" if i < 1 else "growth" for i in range(20)}
    answers |= {f"R-{i}": "growth" if i < 4 else "reliability" for i in range(20)}
    items, sample = tags_and_answers(answers)
    growth, reliability, _ = estimate_shares(items, sample, BUCKETS)
    assert (growth.estimate, reliability.estimate) == (0.8, 0.2)
    assert growth.low < 0.8 < growth.high
    assert reliability.low < 0.2 < reliability.high


def test_corrections_far_beyond_their_noise_are_kept_almost_whole() -> None:
    answers = {f"G-{i}": "reliability" for i in range(20)} | {f"R-{i}": "reliability" for i in range(20)}
    items, sample = tags_and_answers(answers)
    growth, reliability, _ = estimate_shares(items, sample, BUCKETS)
    assert growth.estimate < 0.1
    assert reliability.estimate > 0.9


def test_tags_the_answers_follow_are_kept() -> None:
    items, answers = tags_and_answers({"G-0": "growth", "G-1": "growth", "R-0": "reliability", "R-1": "reliability"})
    growth = estimate_shares(items, answers, BUCKETS)[0]
    assert growth.estimate == pytest.approx(0.8)
