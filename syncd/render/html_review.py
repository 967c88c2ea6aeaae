"""The HTML page's picture of a review: each share as the tags say it and as the review corrects it.

``syncd review`` turns a person's answers on a random sample of keyword tags into an estimate of each
share with a 90% interval (:mod:`syncd.core.review_estimate`). The comment says it in one sentence; the
page draws it, one row per objective: the target as a line, the share by the tags as a ring, and the
estimate as a dot on its interval, with the same figures in words beside it, so the picture is never the
only place a number is told.
"""

from __future__ import annotations

import math
from html import escape

from syncd.core.drift_model import DriftReport, Figures, ObjectiveFigures
from syncd.core.review_figures import ReviewFigures, ShareEstimate
from syncd.render.comment import percent

__all__ = ["review_chart"]

_INK, _RANGE, _TAGS = "#172b4d", "#0055cc", "#5e6c84"
_WIDE, _LEFT, _RIGHT = 200, 3, 197


def review_chart(report: DriftReport, figures: Figures) -> str:
    """The review's rows for ``figures``' scope; empty when nobody reviewed its tags."""
    review = report.review_of(figures.scope)
    if review is None or not review.shares:
        return ""
    buckets = {o.id: o for o in (*figures.objectives, figures.unaligned)}
    limit = _limit(review, buckets)
    rows = "".join(_row(share, buckets.get(share.id), limit) for share in review.shares)
    said = (
        f"People confirmed {review.confirmed} of {review.reviewed} sampled keyword tags. Each share as the tags "
        f"give it (ring) and as estimated with the review (dot, on its {review.confidence:.0%} interval); the "
        "line is the target."
    )
    axis = f'<div class="axis" aria-hidden="true"><span>0%</span><span>{percent(limit)}</span></div>'
    return f'<div class="review"><p>{escape(said)}</p>{axis}<ol class="rows">{rows}</ol></div>'


def _limit(review: ReviewFigures, buckets: dict[str, ObjectiveFigures]) -> float:
    """The share at the right end of the axis: the largest shown, rounded up to whole 10 pp, at least 20 pp."""
    marks = [max(s.high, s.tagged, s.estimate) for s in review.shares]
    marks += [o.target for o in buckets.values()]
    return min(1.0, math.ceil(max([0.2, *marks]) * 10 - 1e-9) / 10)


def _x(share: float, limit: float) -> float:
    return _LEFT + max(0.0, min(1.0, share / limit)) * (_RIGHT - _LEFT)


def _row(share: ShareEstimate, bucket: ObjectiveFigures | None, limit: float) -> str:
    name = bucket.name if bucket is not None else share.id
    words = _words(share, bucket)
    return (
        f'<li class="row"><div class="name">{escape(name)}</div>{_svg(share, bucket, limit, f"{name}: {words}")}'
        f'<div class="figure">{escape(words)}</div></li>'
    )


def _words(share: ShareEstimate, bucket: ObjectiveFigures | None) -> str:
    target = f" · target {percent(bucket.target)}" if bucket is not None and bucket.id != "unaligned" else ""
    return (
        f"estimated {percent(share.estimate)} ({percent(share.low)}–{percent(share.high)})"
        f" · by the tags {percent(share.tagged)}{target}"
    )


def _svg(share: ShareEstimate, bucket: ObjectiveFigures | None, limit: float, label: str) -> str:
    low, high = _x(share.low, limit), _x(share.high, limit)
    parts = [
        f'<line x1="{_LEFT}" x2="{_RIGHT}" y1="15" y2="15" stroke="#dfe1e6" stroke-width="2" '
        'vector-effect="non-scaling-stroke"/>',
        f'<line x1="{low:.1f}" x2="{high:.1f}" y1="15" y2="15" stroke="{_RANGE}" stroke-width="4" '
        'vector-effect="non-scaling-stroke"/>',
    ]
    if bucket is not None and bucket.id != "unaligned":
        at = _x(bucket.target, limit)
        parts.append(
            f'<line x1="{at:.1f}" x2="{at:.1f}" y1="4" y2="26" stroke="{_INK}" stroke-width="2" '
            'vector-effect="non-scaling-stroke"/>'
        )
    tagged = _x(share.tagged, limit)
    parts.append(_dot(tagged, _TAGS, 13) + _dot(tagged, "#ffffff", 7))
    parts.append(_dot(_x(share.estimate, limit), _RANGE, 11))
    return (
        f'<svg class="bars" viewBox="0 0 {_WIDE} 30" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(label, quote=True)}">{"".join(parts)}</svg>'
    )


def _dot(x: float, colour: str, size: int) -> str:
    """A round dot of ``size`` px whatever the stretch: a zero-length line with a round cap."""
    return (
        f'<path d="M{x:.1f} 15h0" stroke="{colour}" stroke-width="{size}" stroke-linecap="round" '
        'vector-effect="non-scaling-stroke"/>'
    )
