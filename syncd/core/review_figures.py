"""What a person's review of sampled keyword tags says about a scope's figures (plain data).

Computed by :func:`syncd.sync.review.review_figures` and carried by the drift report: the measured agreement
(how many of the sampled keyword tags people confirmed) and each objective's share as an estimate, with
its 90% interval, that combines the tags of every item with the reviewed sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["ReviewFigures", "ShareEstimate"]


@dataclass(frozen=True, slots=True)
class ShareEstimate:
    """One bucket (an objective, or ``unaligned``): its share by the tags and as estimated with the review."""

    id: str
    tagged: float
    estimate: float
    low: float
    high: float

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tagged": round(self.tagged, 4),
            "estimate": round(self.estimate, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
        }


@dataclass(frozen=True, slots=True)
class ReviewFigures:
    """A scope's review: ``confirmed`` of ``reviewed`` sampled keyword tags, and the estimated shares."""

    scope: str
    reviewed: int
    confirmed: int
    shares: tuple[ShareEstimate, ...]
    confidence: float = 0.90

    def share(self, bucket: str) -> ShareEstimate | None:
        return next((s for s in self.shares if s.id == bucket), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "reviewed": self.reviewed,
            "confirmed": self.confirmed,
            "confidence": self.confidence,
            "shares": [s.to_json() for s in self.shares],
        }
