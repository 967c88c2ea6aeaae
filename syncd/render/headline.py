"""The report's first sentence and its history in a line (pure): what is off plan, by how much, since when.

A product leader who reads one line should learn whether the work follows the plan, and if not, which
objectives are off, in which direction, by how many percentage points, and since which report. The
comment formats and the HTML page open with the same sentence.
"""

from __future__ import annotations

from syncd.core.drift_history import off_plan_since, series
from syncd.core.drift_model import DriftReport, Figures, ObjectiveFigures

__all__ = ["HEADLINE_NAMES", "direction", "headline", "history_line", "sparkline"]

#: how many off-plan objectives the sentence names before it says "and N more"
HEADLINE_NAMES = 3
_BARS = "▁▂▃▄▅▆▇█"


def direction(objective: ObjectiveFigures) -> str:
    """``over`` or ``under`` its target, or ``on target`` when the rounded drift is 0."""
    points = round(objective.drift * 100)
    return "over" if points > 0 else "under" if points < 0 else "on target"


def headline(report: DriftReport, scope: str) -> str:
    """One sentence: the objectives outside the tolerance, largest first, and the starved ones."""
    figures = report.scope(scope) or report.overall
    if figures.score is None:
        return "Nothing to judge yet: no effort in scope."
    flagged = sorted(figures.flagged, key=lambda o: -abs(o.drift))
    starved = [o for o in figures.starved if o not in flagged]
    if not flagged and not starved:
        return (
            f"On plan: every objective is within ±{report.tolerance * 100:.0f} pp of its target "
            f"(alignment score {figures.score:.2f})."
        )
    parts = [_off_plan(o, report, figures.scope) for o in flagged[:HEADLINE_NAMES]]
    if len(flagged) > HEADLINE_NAMES:
        parts.append(f"{len(flagged) - HEADLINE_NAMES} more outside the tolerance")
    sentence = f"Off plan: {'; '.join(parts)}." if parts else ""
    if starved:
        names = ", ".join(o.name for o in starved)
        sentence += f" Starved: {names}, with no work for {report.starved_after_days}+ days."
    return sentence.strip()


def _off_plan(objective: ObjectiveFigures, report: DriftReport, scope: str) -> str:
    since = off_plan_since(report.history, scope, objective.id)
    when = f" since {since:%Y-%m-%d}" if since else ""
    if since is not None and since == report.generated_at and len(report.history) > 1:
        when = ", new in this report"
    return (
        f"{objective.name} is {abs(round(objective.drift * 100))} pp {direction(objective)} its target "
        f"({objective.actual * 100:.0f}% of the effort against {objective.target * 100:.0f}%){when}"
    )


def sparkline(values: list[float], *, low: float = 0.0, high: float = 1.0) -> str:
    """Values as block characters between ``low`` and ``high``, for text that cannot hold a chart."""
    span = (high - low) or 1.0
    steps = len(_BARS) - 1
    return "".join(_BARS[max(0, min(steps, round((v - low) / span * steps)))] for v in values)


def history_line(report: DriftReport, figures: Figures) -> str | None:
    """The alignment score over the period in a line, or None before there are two reports to compare."""
    points = [(at, p.score) for at, p in series(report.history, figures.scope) if p.score is not None]
    if len(points) < 2:
        return None
    scores = [score for _, score in points]
    shown = [f"{score:.2f}" for score in scores[-6:]]
    earlier = "… → " if len(scores) > 6 else ""
    return (
        f"Alignment score over {report.period}: {sparkline(scores)} {earlier}{' → '.join(shown)} "
        f"({len(scores)} reports since {points[0][0]:%Y-%m-%d})."
    )
