"""Each objective's share estimated from the tags and a reviewed sample, with a 90% interval (pure).

Tags by keywords are inference; a person's review of a small random sample measures how wrong they are.
The regression estimator combines both (Cochran, *Sampling Techniques*, 1977, ch. 7; power-tuned
prediction-powered inference, Angelopoulos, Duchi and Zrnic, 2023, is the same idea): the share a person
would give, measured on the sample, corrected by how far the sample's tags stray from the tags of every
item. Only items whose tag is not firm (keywords, a tie, a resemblance, or no tag) are reviewable; firm
tags (pins, structure, fields) count as they are. For a bucket, with ``x`` an item's weight if tagged with
it and ``y`` its weight if the person chose it, over ``N_r`` reviewable items of total weight ``W_r`` out
of ``W``, ``X`` the mean of ``x`` over all of them and a sample of ``n``:

    share = firm share + (N_r / W) · (ȳ + b · (X − x̄)),   b = cov(x, y) / var(x) on the sample, in [0, 1]

``b = 1`` is the difference estimator (the tagged share plus the mean correction; Angelopoulos et al.,
Science 2023) and ``b = 0`` ignores the tags; the fitted ``b`` weighs the tags by how well they predict
the person's answers, which on the Mesos corpus lowers the error of a 40-item review by a tenth. Its
variance is ``(N_r / W)² · s² / n · (1 − n / N_r)``, ``s²`` the variance of the residuals ``y − ȳ − b(x −
x̄)`` and the last factor the finite-population correction of sampling without replacement. A sample that
saw no residual for an objective would give it a zero-width interval; one pseudo-residual each way (an item
of mean weight, a Laplace-style prior) keeps the interval honest for small samples.
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
    pool = [item for item in items if item.reviewable]
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    typical = sum(item.weight for item, _ in reviewed) / len(reviewed) if reviewed else 1.0
    estimates = []
    for bucket in buckets:
        tagged = sum(item.weight for item in items if item.tag == bucket) / total if total else 0.0
        if not reviewed or not total or not pool:
            estimates.append(Estimate(bucket, tagged, tagged, tagged, tagged))
            continue
        population = sum(item.weight for item in pool if item.tag == bucket) / len(pool)
        xs = [item.weight * (item.tag == bucket) for item, _ in reviewed]
        ys = [item.weight * (label == bucket) for item, label in reviewed]
        x_mean, y_mean = _mean(xs), _mean(ys)
        slope = _slope(xs, ys, x_mean, y_mean)
        scale = len(pool) / total
        estimate = tagged + scale * (y_mean + slope * (population - x_mean) - population)
        residuals = [y - y_mean - slope * (x - x_mean) for x, y in zip(xs, ys, strict=True)]
        variance = _variance(residuals, typical) / len(residuals) * _fpc(len(residuals), len(pool))
        spread = z * scale * math.sqrt(variance)
        estimates.append(Estimate(bucket, tagged, estimate, max(0.0, estimate - spread), min(1.0, estimate + spread)))
    return tuple(estimates)


def _slope(xs: list[float], ys: list[float], x_mean: float, y_mean: float) -> float:
    """How much of the tags' variation the person's answers follow, ``cov(x, y) / var(x)`` clipped to
    [0, 1]; 1 (the difference estimator) when the sample's tags do not vary."""
    spread = sum((x - x_mean) ** 2 for x in xs)
    if spread <= 0:
        return 1.0
    together = sum((x - x_mean) * (y - y_mean) for x, y in zip(xs, ys, strict=True))
    return min(1.0, max(0.0, together / spread))


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _variance(residuals: list[float], typical: float) -> float:
    """The residuals' sample variance, with one pseudo-residual of typical weight each way."""
    padded = [*residuals, typical, -typical]
    mean = sum(padded) / len(padded)
    return sum((r - mean) ** 2 for r in padded) / (len(padded) - 1)


def _fpc(sampled: int, population: int) -> float:
    return max(0.0, 1 - sampled / population) if population else 0.0
