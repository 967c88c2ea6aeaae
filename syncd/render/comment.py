"""What a drift report comment says, as blocks (pure).

One comment per tracker: that tracker's figures, the all-trackers score when there are several, the
starved objectives across all trackers, the largest unaligned issues with links, value coverage, and a
marker line by which syncd finds its own comment again if its state is lost.
"""

from __future__ import annotations

import re

from syncd.core.drift_history import series
from syncd.core.drift_model import DriftReport, Figures, ObjectiveFigures
from syncd.core.review_figures import ReviewFigures
from syncd.render.blocks import Block, BulletList, Heading, Inline, Link, Paragraph, Table, Text
from syncd.render.headline import headline, history_line, sparkline

__all__ = ["MARKER", "comment_blocks", "marker_for", "percent", "points", "trend"]

MARKER = "syncd:drift:report"
_SAFE_SCHEMES = ("https://", "http://")


def marker_for(scope: str, period: str | None = None) -> str:
    """The marker of a scope's comment; with a period, one comment per period (``mode: append``).

    Its letters (lower case, digits, ``.`` and ``:``) mean the same in every comment format, so it needs no
    escaping and is found verbatim in the body the tracker stores.
    """
    text = f"{scope}:{period}" if period else scope
    return f"{MARKER}:" + re.sub(r"[^a-z0-9.:]+", ".", text.lower())


def percent(share: float | None) -> str:
    return "–" if share is None else f"{share * 100:.0f}%"


def points(drift: float) -> str:
    value = round(drift * 100)
    return f"{value:+d} pp" if value else "0 pp"


def trend(current: float | None, previous: float | None) -> str:
    """An arrow and the change in percentage points since the previous report."""
    if current is None or previous is None:
        return "new" if previous is None and current is not None else "–"
    change = round((current - previous) * 100)
    if change == 0:
        return "= 0 pp"
    return f"{'▲' if change > 0 else '▼'} {abs(change)} pp"


def comment_blocks(
    report: DriftReport,
    scope: str,
    marker: str | None,
    *,
    teams: bool = True,
    history: bool = True,
    inference: bool | None = None,
) -> list[Block]:
    """The comment for one scope of the report.

    Args:
        marker: the line by which syncd finds its comment again; None for a report read elsewhere (a file).
        teams: show the scope's team or project figures when the report has them; the HTML page, which
            gives every team a section of its own, leaves them out.
        history: the period's history in text; the HTML page, which draws it, leaves it out.
        inference: say how much of each share rests on keywords alone; by default wherever team figures
            are shown, i.e. in every tracker comment (the HTML page draws its own).
    """
    figures = report.scope(scope) or report.overall
    blocks: list[Block] = [
        Heading(2, (Text(f"Strategy drift — {report.period}"),)),
        Paragraph((Text(headline(report, figures.scope), strong=True),)),
        Paragraph(
            (
                Text(f"{_scope_name(scope)}: work in progress and done in the last {report.window_days} days, "),
                Text(f"by {'item count' if report.measure == 'count' else 'estimate'}; "),
                Text(f"{figures.items} issues, effort {figures.total_effort:g}. "),
                Text(f"Generated {report.generated_at:%Y-%m-%d %H:%M} UTC."),
            )
        ),
        Paragraph(_score_line(figures, report)),
    ]
    if scope != report.overall.scope and len(report.trackers) > 1 and report.overall.score is not None:
        blocks.append(Paragraph((Text(f"All trackers together: alignment score {report.overall.score:.2f}."),)))
    blocks.append(_allocation_table(figures))
    if history:
        blocks += _history(report, figures)
    if (teams if inference is None else inference) and figures.on_keywords is not None:
        blocks.append(Paragraph(_inference_line(figures)))
    review = report.review_of(figures.scope)
    if review is not None:
        blocks.append(Paragraph(_review_line(review, figures)))
    if figures.declined_items:
        blocks.append(Paragraph(_declined_line(figures)))
    starved = report.overall.starved
    if starved:
        blocks.append(Heading(3, (Text("Starved objectives"),)))
        blocks.append(BulletList(tuple(_starved_line(o, report) for o in starved)))
    if figures.largest_unaligned:
        blocks.append(Heading(3, (Text("Largest unaligned work"),)))
        blocks.append(
            BulletList(tuple(_unaligned_line(u.key, u.url, u.title, u.effort) for u in figures.largest_unaligned))
        )
        if figures.unestimated:
            blocks.append(Paragraph((Text(_unestimated_line(figures), muted=True),)))
    if figures.values:
        coverage = ", ".join(f"{v.name} {percent(v.share)}" for v in figures.values)
        blocks.append(Paragraph((Text("Values: ", strong=True), Text(f"{coverage} of the effort."))))
    team_figures = report.teams_of(figures.scope) if teams else ()
    if team_figures:
        blocks.append(Heading(3, (Text("Per team or project"),)))
        blocks.append(_team_table(team_figures, figures.scope))
    if figures.removed:
        blocks.append(
            Paragraph((Text(f"No longer in the strategy since the last report: {', '.join(figures.removed)}."),))
        )
    if marker is not None:
        blocks.append(Paragraph((Text(f"{marker} — this comment is updated by syncd; keep this line.", muted=True),)))
    return blocks


def _history(report: DriftReport, figures: Figures) -> list[Block]:
    """The period's history in text: the score's line, then each objective's share from first to last."""
    line = history_line(report, figures)
    if line is None:
        return []
    points = [point for _, point in series(report.history, figures.scope)]
    shares = []
    for objective in (*figures.objectives, figures.unaligned):
        values = [b.actual for b in (p.bucket(objective.id) for p in points) if b is not None]
        if len(values) > 1:
            trail = sparkline(values, high=max(values) or 1.0)
            shares.append((Text(f"{objective.name}: {percent(values[0])} {trail} {percent(values[-1])}"),))
    return [Paragraph((Text(line),)), BulletList(tuple(shares))] if shares else [Paragraph((Text(line),))]


def _scope_name(scope: str) -> str:
    return "All trackers" if scope == "all" else scope


def _score_line(figures: Figures, report: DriftReport) -> tuple[Inline, ...]:
    if figures.score is None:
        return (Text("Alignment score: ", strong=True), Text(_no_score(figures)))
    since = f" since {report.previous_at:%Y-%m-%d}" if report.previous_at else ""
    change = trend(figures.score, figures.previous_score)
    line: list[Inline] = [Text("Alignment score: ", strong=True), Text(f"{figures.score:.2f}")]
    if figures.previous_score is not None:
        line.append(Text(f" ({change}{since})"))
    flagged = figures.flagged
    if flagged:
        names = "; ".join(o.name for o in flagged)
        line.append(Text(f" — outside the ±{report.tolerance * 100:.0f} pp tolerance: {names}."))
    else:
        line.append(Text(" — every objective within tolerance."))
    return tuple(line)


def _no_score(figures: Figures) -> str:
    """Why there is no score: no work at all, or work whose estimates are all 0 (effort 0 has no shares)."""
    if figures.items:
        return f"{figures.items} issues in scope, but their estimates add up to 0, so there is no effort to judge."
    return "no work in scope to judge."


def _declined_line(figures: Figures) -> tuple[Inline, ...]:
    """Declined work (won't do, duplicate, canceled) is not effort towards anything, so it is kept apart."""
    issues = "issue" if figures.declined_items == 1 else "issues"
    return (
        Text("Declined: ", strong=True),
        Text(
            f"{figures.declined_items} {issues} closed in the window without being done "
            f"(effort {figures.declined_effort:g}), not counted in the allocation."
        ),
    )


def _unestimated_line(figures: Figures) -> str:
    """Without estimates the list's efforts are the default, so its order is by last update: say so."""
    every = "All" if figures.unestimated == figures.items else f"{figures.unestimated} of"
    return (
        f"{every} {figures.items} issues in scope have no estimate and count the default estimate; "
        "equal efforts are listed by last update, latest first."
    )


def _team_table(teams: tuple[Figures, ...], scope: str) -> Table:
    """One row per team or project: enough to see which team drifts, without a table per team."""
    rows = []
    for team in teams:
        name = team.scope.removeprefix(f"{scope} ") + (" (own plan)" if team.own_plan else "")
        outside = ", ".join(o.name for o in team.flagged) or "–"
        score = "–" if team.score is None else f"{team.score:.2f}"
        cells = (name, str(team.items), f"{team.total_effort:g}", score, percent(team.unaligned.actual), outside)
        rows.append(tuple((Text(cell),) for cell in cells))
    return Table(("Team or project", "Issues", "Effort", "Score", "Unaligned", "Outside tolerance"), tuple(rows))


def _allocation_table(figures: Figures) -> Table:
    rows = [_row(o) for o in (*figures.objectives, figures.unaligned)]
    return Table(("Objective", "Target", "Actual", "Drift", "Planned", "Trend"), tuple(rows))


def _row(objective: ObjectiveFigures) -> tuple[tuple[Inline, ...], ...]:
    flag = " ⚠" if objective.flagged else ""
    name: tuple[Inline, ...] = (Text(objective.name, strong=objective.flagged),)
    if objective.starved:
        name = (*name, Text(" (starved)"))
    return (
        name,
        (Text(percent(objective.target)),),
        (Text(percent(objective.actual)),),
        (Text(points(objective.drift) + flag),),
        (Text(percent(objective.planned)),),
        (Text(trend(objective.actual, objective.previous)),),
    )


def _inference_line(figures: Figures) -> tuple[Inline, ...]:
    """How much of the aligned effort, overall and per objective, is tagged by keywords alone."""
    shares = ", ".join(f"{o.name} {percent(o.on_keywords)}" for o in figures.objectives if o.on_keywords is not None)
    return (
        Text("On keywords alone: ", strong=True),
        Text(f"{percent(figures.on_keywords)} of the aligned effort ({shares}); the rest rests on pins, "),
        Text("structure and field rules."),
    )


def _review_line(review: ReviewFigures, figures: Figures) -> tuple[Inline, ...]:
    """The agreement a person's review measured, and each share estimated with it, with its interval."""
    names = {o.id: o.name for o in (*figures.objectives, figures.unaligned)}
    shares = "; ".join(
        f"{names.get(s.id, s.id)} {percent(s.estimate)} ({percent(s.low)}–{percent(s.high)})" for s in review.shares
    )
    return (
        Text("Review: ", strong=True),
        Text(f"people confirmed {review.confirmed} of {review.reviewed} sampled keyword tags. "),
        Text(f"Shares estimated from the tags and the review, with {review.confidence:.0%} intervals: {shares}."),
    )


def _starved_line(objective: ObjectiveFigures, report: DriftReport) -> tuple[Inline, ...]:
    when = f"last active {objective.last_active:%Y-%m-%d}" if objective.last_active else "no work seen yet"
    return (
        Text(objective.name, strong=True),
        Text(f": target {percent(objective.target)}, nothing for {report.starved_after_days}+ days ({when})."),
    )


def _unaligned_line(key: str, url: str, title: str, effort: float) -> tuple[Inline, ...]:
    head: Inline = Link(key, url) if url.startswith(_SAFE_SCHEMES) else Text(key)
    return (head, Text(f" {title} (effort {effort:g})"))
