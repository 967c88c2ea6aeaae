"""Each objective's share estimated from the tags and a reviewed sample, with a 90% interval (pure).

Tags by keywords are inference; a person's review of a small random sample measures how wrong they are. The
difference estimator (the simplest case of prediction-powered inference, Angelopoulos et al., Science 2023)
combines both: the share the tags give, plus the mean correction the sample shows. Only items whose tag is
not firm (keywords, a tie, or no tag) are reviewable; firm tags (pins, structure, fields) count as they are.
With ``N_r`` reviewable items of total weight ``W_r`` out of ``W``, and a sample of ``n`` of them,

    share(o) = tagged(o) + (N_r / W) · mean_j( w_j · ([label_j = o] − [tag_j = o]) )

whose variance is ``(N_r / W)² · s² / n · (1 − n / N_r)`` (``s²`` the sample variance of the weighted
corrections, the last factor the finite-population correction of sampling without replacement). A sample
that saw no correction for an objective would give it a zero-width interval; one pseudo-item each way (an
item of mean weight gained and one lost, a Laplace-style prior) keeps the interval honest for small samples.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from statistics import NormalDist

__all__ = ["Estimate", "Tagged", "draw_sample", "estimate_shares"]


@dataclass(frozen=True, slots=True)
class Tagged:
    """One item in scope: its tag (an objective id, or the unaligned bucket's id), its weight (effort), and
    whether a person may review it (its tag rests on keywords, or it has none)."""

    key: str
    tag: str
    weight: float
    reviewable: bool


@dataclass(frozen=True, slots=True)
class Estimate:
    """An objective's share by the tags alone, and estimated with the review, with its interval."""

    bucket: str
    tagged: float
    estimate: float
    low: float
    high: float

    def holds(self, share: float) -> bool:
        return self.low <= share <= self.high


def draw_sample(items: Sequence[Tagged], size: int, *, seed: int) -> list[Tagged]:
    """A simple random sample, without replacement, of the reviewable items (all of them if fewer)."""
    pool = [item for item in items if item.reviewable]
    return random.Random(seed).sample(pool, min(size, len(pool)))  # noqa: S311 - a statistical sample, not a secret


def estimate_shares(
    items: Sequence[Tagged],
    answers: Iterable[tuple[Tagged, str]],
    buckets: Sequence[str],
    *,
    confidence: float = 0.90,
) -> tuple[Estimate, ...]:
    """Each bucket's share estimated from the items' tags and a person's answers on a sample of them.

    Args:
        items: every item in scope, with its tag.
        answers: the reviewed sample, each item with the bucket the person chose.
        buckets: the objectives and the unaligned bucket, in report order.
    """
    total = sum(item.weight for item in items)
    reviewed = list(answers)
    reviewable = sum(1 for item in items if item.reviewable)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    typical = sum(item.weight for item, _ in reviewed) / len(reviewed) if reviewed else 1.0
    estimates = []
    for bucket in buckets:
        tagged = sum(item.weight for item in items if item.tag == bucket) / total if total else 0.0
        if not reviewed or not total:
            estimates.append(Estimate(bucket, tagged, tagged, tagged, tagged))
            continue
        corrections = [item.weight * ((label == bucket) - (item.tag == bucket)) for item, label in reviewed]
        scale = reviewable / total
        estimate = tagged + scale * sum(corrections) / len(corrections)
        variance = _variance(corrections, typical) / len(corrections) * _fpc(len(corrections), reviewable)
        spread = z * scale * math.sqrt(variance)
        estimates.append(Estimate(bucket, tagged, estimate, max(0.0, estimate - spread), min(1.0, estimate + spread)))
    return tuple(estimates)


def _variance(corrections: list[float], typical: float) -> float:
    """The corrections' sample variance, with one pseudo-item of typical weight gained and one lost."""
    padded = [*corrections, typical, -typical]
    mean = sum(padded) / len(padded)
    return sum((c - mean) ** 2 for c in padded) / (len(padded) - 1)


def _fpc(sampled: int, population: int) -> float:
    return max(0.0, 1 - sampled / population) if population else 0.0
