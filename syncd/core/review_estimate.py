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

A sample of forty corrects tags that are far off, but where the tags are close its own noise outweighs
what it corrects (on the Mesos corpus, tags 0.094 from the labelled allocation came out 0.099 from it). So
the corrections are shrunk towards the tags together, by how far they stand from them in their own
standard errors: Green and Strawderman's estimator for combining an unbiased estimate with a possibly
biased one (*JASA* 86, 1991), ``share = tag + f · (corrected − tag)`` with ``f = max(0, 1 − (k − 2) / D)``,
``D`` the sum over the ``k`` buckets of the squared corrections in standard errors. Like James and Stein's,
it is never worse in total squared error than the corrected shares alone when ``k ≥ 3``. The interval is
the corrected share's, widened to hold the shrunk estimate when it lies outside.
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
    tags = [sum(item.weight for item in items if item.tag == bucket) / total if total else 0.0 for bucket in buckets]
    if not reviewed or not total or not pool:
        return tuple(Estimate(bucket, tag, tag, tag, tag) for bucket, tag in zip(buckets, tags, strict=True))
    typical = sum(item.weight for item, _ in reviewed) / len(reviewed)
    corrected = [
        _corrected(bucket, tag, pool, reviewed, total, typical) for bucket, tag in zip(buckets, tags, strict=True)
    ]
    kept = _kept(corrected)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    return tuple(correction.estimate(kept, z) for correction in corrected)


@dataclass(frozen=True, slots=True)
class _Correction:
    """A bucket's tagged share, the share the regression estimator corrects it to, and that share's
    standard error."""

    bucket: str
    tagged: float
    corrected: float
    error: float

    def estimate(self, kept: float, z: float) -> Estimate:
        """The estimate keeping ``kept`` of the correction (all of it when its error is nil), with the
        corrected share's interval of ``z`` standard errors widened to hold it."""
        share = self.tagged + (kept if self.error else 1.0) * (self.corrected - self.tagged)
        low = min(share, self.corrected - z * self.error)
        high = max(share, self.corrected + z * self.error)
        return Estimate(self.bucket, self.tagged, share, max(0.0, low), min(1.0, high))


def _corrected(
    bucket: str, tagged: float, pool: list[Tagged], reviewed: list[tuple[Tagged, str]], total: float, typical: float
) -> _Correction:
    """The regression estimator's share of one bucket, and its standard error (see the module); ``typical``
    is the reviewed items' mean weight, the size of the pseudo-residuals."""
    population = sum(item.weight for item in pool if item.tag == bucket) / len(pool)
    xs = [item.weight * (item.tag == bucket) for item, _ in reviewed]
    ys = [item.weight * (label == bucket) for item, label in reviewed]
    x_mean, y_mean = _mean(xs), _mean(ys)
    slope = _slope(xs, ys, x_mean, y_mean)
    scale = len(pool) / total
    share = tagged + scale * (y_mean + slope * (population - x_mean) - population)
    residuals = [y - y_mean - slope * (x - x_mean) for x, y in zip(xs, ys, strict=True)]
    variance = _variance(residuals, typical) / len(residuals) * _fpc(len(residuals), len(pool))
    return _Correction(bucket, tagged, share, scale * math.sqrt(variance))


def _kept(corrections: list[_Correction]) -> float:
    """The share of every correction Green and Strawderman's estimator keeps (see the module): all of it
    with fewer than three uncertain buckets, none when the corrections are within their noise."""
    uncertain = [c for c in corrections if c.error > 0]
    if len(uncertain) < 3:
        return 1.0
    distance = sum(((c.corrected - c.tagged) / c.error) ** 2 for c in uncertain)
    return max(0.0, 1 - (len(uncertain) - 2) / distance) if distance else 0.0


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
