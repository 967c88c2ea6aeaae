"""The strategy file: objectives, values, KPIs, the label scheme and the mapping rules, and their checks.

The model and loader live in :mod:`syncd.strategy.document`; this package re-exports them, so callers
import ``syncd.strategy`` whatever module a piece lives in.
"""

from __future__ import annotations

from syncd.strategy.document import (
    DECLINED_RESOLUTIONS,
    DriftOptions,
    JiraMatch,
    Kpi,
    LabelScheme,
    LinearMatch,
    MappingOptions,
    Match,
    Objective,
    ReportOptions,
    ReportTarget,
    Slug,
    Strategy,
    TeamPlan,
    Value,
    load_strategy,
    parse_strategy,
)
from syncd.strategy.labels import TrackerLabels, tracker_labels

__all__ = [
    "DECLINED_RESOLUTIONS",
    "DriftOptions",
    "JiraMatch",
    "Kpi",
    "LabelScheme",
    "LinearMatch",
    "MappingOptions",
    "Match",
    "Objective",
    "ReportOptions",
    "ReportTarget",
    "Slug",
    "Strategy",
    "TeamPlan",
    "TrackerLabels",
    "Value",
    "load_strategy",
    "parse_strategy",
    "tracker_labels",
]
