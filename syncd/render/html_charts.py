"""The HTML page's pictures: the drift per objective, the score cards and the history over the period.

Each picture is words first and a drawing second. Names, figures and axis labels are HTML text, which
wraps and stays legible at any width; the drawings are small SVGs with a ``viewBox`` stretched to the
width they are given (``preserveAspectRatio="none"``, strokes and dots of constant size), so nothing is
cut off between a phone and a wide screen. Direction is told by words and marks (▲ over, ▼ under), by the
bar's side of the target line and by its fill (solid over, hatched under), never by colour alone.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import datetime
from html import escape

from syncd.core.drift_history import ScopePoint, series
from syncd.core.drift_model import DriftReport, Figures, ObjectiveFigures
from syncd.render.comment import percent
from syncd.render.headline import direction

__all__ = ["DEFS", "PALETTE", "drift_chart", "drift_limit", "history_chart", "score_cards", "table", "unbroken_dates"]

#: colours with at least 4.5:1 contrast on white (text) and 3:1 (marks)
_OVER, _UNDER, _WITHIN, _INK, _BAND = "#ae2a19", "#0055cc", "#5e6c84", "#172b4d", "#dcfff1"
#: series colours (Okabe–Ito, darkened for contrast on white), each with its own dash pattern
PALETTE = (
    ("#0072b2", ""),
    ("#c04f00", "6 3"),
    ("#00795a", "2 3"),
    ("#a8427f", "8 3 2 3"),
    ("#7a5c00", "4 4"),
    ("#5e6c84", "1 2"),
    ("#6a3d9a", "10 3"),
    ("#8c2d04", "3 2 1 2"),
)
#: shared by every chart on the page: the hatching of under-target bars
DEFS = (
    '<svg class="defs" width="0" height="0" aria-hidden="true" focusable="false"><defs>'
    + "".join(
        f'<pattern id="hatch-{name}" patternUnits="userSpaceOnUse" width="4" height="4" '
        f'patternTransform="rotate(45)"><rect width="2" height="4" fill="{colour}"/></pattern>'
        for name, colour in (("under", _UNDER), ("within", _WITHIN))
    )
    + "</defs></svg>"
)
_WIDE, _MID, _HALF = 200, 100, 94
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def unbroken_dates(html: str) -> str:
    """Dates kept on one line: a line break after ``2026-11-`` reads as a different date."""
    return _DATE.sub(lambda found: f'<span class="date">{found[0]}</span>', html)


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    """A table of HTML cells that becomes a list of labelled cards on a narrow screen, so no column is lost;
    each cell carries its column's name for that."""
    names = [escape(h) for h in header]
    head = "".join(f"<th>{name}</th>" for name in names)
    body = "".join(
        "<tr>"
        + "".join(f'<td data-label="{name}">{cell}</td>' for name, cell in zip(names, row, strict=True))
        + "</tr>"
        for row in rows
    )
    return f'<table class="stack"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def drift_limit(figures: Figures, tolerance: float) -> float:
    """The drift at either end of the axis: the largest drift or previous drift shown, the tolerance, at
    least 20 pp, rounded up to whole 10 pp, so every bar and mark lies inside."""
    rows = (*figures.objectives, figures.unaligned)
    marks = [abs(o.drift) for o in rows] + [abs(o.previous - o.target) for o in rows if o.previous is not None]
    return min(1.0, math.ceil(max([0.2, tolerance, *marks]) * 10 - 1e-9) / 10)


def drift_chart(report: DriftReport, figures: Figures) -> str:
    """One row per objective: its name and marks, a bar from the target line to its drift, the tolerance
    band around the line, a ring where the previous report stood, and the figures in words."""
    limit = drift_limit(figures, report.tolerance)
    scale = f"{limit * 100:.0f} pp"
    axis = (
        f'<div class="axis" aria-hidden="true"><span>◀ under · −{scale}</span><span>target</span>'
        f"<span>+{scale} · over ▶</span></div>"
    )
    rows = "".join(_drift_row(o, report, limit) for o in (*figures.objectives, figures.unaligned))
    return f'<div class="drift">{axis}<ol class="rows">{rows}</ol>{_legend(report)}</div>'


def _x(drift: float, limit: float) -> float:
    return _MID + max(-1.0, min(1.0, drift / limit)) * _HALF


def _drift_row(objective: ObjectiveFigures, report: DriftReport, limit: float) -> str:
    side = direction(objective)
    kind = "over" if side == "over" else "under" if side == "under" else "on"
    state = kind if objective.flagged else "within"
    return (
        f'<li class="row {state}{" starved" if objective.starved else ""}">'
        f'<div class="name">{escape(objective.name)}{_badges(objective, report)}</div>'
        f"{_drift_svg(objective, report, limit, kind=kind)}"
        f'<div class="figure">{_drift_words(objective, kind)}</div>{_kpis(objective)}</li>'
    )


def _badges(objective: ObjectiveFigures, report: DriftReport) -> str:
    badges = []
    if objective.flagged:
        badges.append('<span class="badge flag">outside tolerance</span>')
    if objective.starved:
        badges.append(f'<span class="badge starved">⚠ starved: no work for {report.starved_after_days}+ days</span>')
    return "".join(f" {badge}" for badge in badges)


def _drift_svg(objective: ObjectiveFigures, report: DriftReport, limit: float, *, kind: str) -> str:
    low, high = _x(-report.tolerance, limit), _x(report.tolerance, limit)
    end = _x(objective.drift, limit)
    left, right = min(_MID, end), max(_MID, end)
    fill = _OVER if objective.flagged else _WITHIN
    if kind == "under":
        fill = f"url(#hatch-{'under' if objective.flagged else 'within'})"
    stroke = _UNDER if objective.flagged and kind == "under" else _OVER if objective.flagged else _WITHIN
    parts = [
        f'<rect x="{low:.1f}" y="7" width="{high - low:.1f}" height="16" fill="{_BAND}"/>',
        f'<rect class="bar" x="{left:.1f}" y="10" width="{right - left:.1f}" height="10" fill="{fill}" '
        f'stroke="{stroke}" vector-effect="non-scaling-stroke"/>',
        f'<line x1="{_MID}" x2="{_MID}" y1="5" y2="25" stroke="{_INK}" stroke-width="2" '
        'vector-effect="non-scaling-stroke"/>',
    ]
    if objective.previous is not None:
        was = _x(objective.previous - objective.target, limit)
        parts.append(_dot(was, 3, _INK, 11) + _dot(was, 3, "#ffffff", 5))
    label = f"{objective.name}: {_drift_words(objective, kind, plain=True)}"
    return (
        f'<svg class="bars" viewBox="0 0 {_WIDE} 28" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(label, quote=True)}">{"".join(parts)}</svg>'
    )


def _dot(x: float, y: float, colour: str, size: int) -> str:
    """A round dot of ``size`` px whatever the stretch: a zero-length line with a round cap."""
    return (
        f'<path d="M{x:.1f} {y}h0" stroke="{colour}" stroke-width="{size}" stroke-linecap="round" '
        'vector-effect="non-scaling-stroke"/>'
    )


def _drift_words(objective: ObjectiveFigures, kind: str, *, plain: bool = False) -> str:
    points = abs(round(objective.drift * 100))
    mark = {"over": "▲", "under": "▼", "on": "●"}[kind]
    said = f"{points} pp {kind}" if kind != "on" else "on target"
    within = "" if objective.flagged or kind == "on" else ", within tolerance"
    facts = ", ".join(_facts(objective))
    if plain:
        return f"{said}{within}; {facts}"
    return f'<b class="mark">{mark} {said}</b>{within} <span class="muted">· {facts}</span>'


def _facts(objective: ObjectiveFigures) -> list[str]:
    """The figures said beside an objective's bar, in words; a new per-objective figure joins them here,
    and so reaches the drawing's text alternative as well."""
    facts = [f"{percent(objective.actual)} of the effort", f"target {percent(objective.target)}"]
    if objective.previous is not None:
        facts.append(f"previous report {percent(objective.previous)}")
    return facts


def _kpis(objective: ObjectiveFigures) -> str:
    if not objective.kpis:
        return ""
    shown = []
    for kpi in objective.kpis:
        name = escape(kpi.name)
        if kpi.url:
            name = f'<a href="{escape(kpi.url, quote=True)}">{name}</a>'
        current = f" <b>{escape(kpi.current)}</b>" if kpi.current else ""
        shown.append(f"<li>{name}{current}</li>")
    return f'<ul class="kpis" aria-label="KPIs"><li class="muted">KPIs:</li>{"".join(shown)}</ul>'


def _legend(report: DriftReport) -> str:
    keys = (
        (f'<rect width="16" height="10" fill="{_OVER}"/>', "▲ over target"),
        ('<rect width="16" height="10" fill="url(#hatch-under)"/>', "▼ under target"),
        (f'<rect width="16" height="10" fill="{_BAND}"/>', f"tolerance ±{report.tolerance * 100:.0f} pp"),
        (f'<circle cx="8" cy="5" r="3.5" fill="#fff" stroke="{_INK}" stroke-width="2"/>', "previous report"),
    )
    spans = (
        f'<span><svg viewBox="0 0 16 10" class="swatch" aria-hidden="true">{drawing}</svg>{words}</span>'
        for drawing, words in keys
    )
    return f'<p class="legend muted">{"".join(spans)}</p>'


def score_cards(report: DriftReport, scopes: Iterable[Figures]) -> str:
    """Each scope's score on its 0–1 scale, with its band in words and its change since the previous report."""
    cards = [_card(report, figures) for figures in scopes]
    return f'<div class="cards">{"".join(cards)}</div>'


def _band(score: float) -> tuple[str, str]:
    if score >= 0.9:
        return "good", "on plan"
    return ("fair", "drifting") if score >= 0.75 else ("poor", "off plan")


def _card(report: DriftReport, figures: Figures) -> str:
    name = escape("All trackers" if figures.scope == "all" else figures.scope)
    if figures.score is None:
        return f'<div class="card"><span class="name">{name}</span><b class="score">–</b>no effort to judge</div>'
    band, words = _band(figures.score)
    change = ""
    if figures.previous_score is not None:
        delta = round(figures.score - figures.previous_score, 2)
        arrow = "▲" if delta > 0 else "▼" if delta < 0 else "="
        since = f' since <span class="date">{report.previous_at:%Y-%m-%d}</span>' if report.previous_at else ""
        change = f'<span class="change">{arrow} {abs(delta):.2f}{since}</span>'
    meter = (
        f'<svg class="meter" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">'
        f'<rect width="100" height="8" fill="#ebecf0"/><rect width="{figures.score * 100:.1f}" height="8" '
        f'class="fill"/><line x1="75" x2="75" y1="0" y2="8" stroke="#fff" vector-effect="non-scaling-stroke"/>'
        f'<line x1="90" x2="90" y1="0" y2="8" stroke="#fff" vector-effect="non-scaling-stroke"/></svg>'
    )
    return (
        f'<div class="card {band}"><span class="name">{name}</span>'
        f'<b class="score">{figures.score:.2f}</b><span class="scale">of 1.00 · {words}</span>'
        f'{meter}<span class="ends muted" aria-hidden="true"><span>0</span><span>1 = on plan</span></span>'
        f"{change}</div>"
    )


def history_chart(report: DriftReport, figures: Figures) -> str:
    """The alignment score and every objective's share at each report of the period, as two line charts,
    with a table of the same figures for those who cannot see them."""
    points = series(report.history, figures.scope)
    if not points:
        return '<p class="muted">No stored reports of this period yet.</p>'
    start, end = points[0][0], points[-1][0]
    scores = [(at, p.score) for at, p in points if p.score is not None]
    buckets = (*figures.objectives, figures.unaligned)
    shares = [[(at, b.actual) for at, p in points if (b := p.bucket(o.id)) is not None] for o in buckets]
    top = min(1.0, math.ceil(max([0.1, *(v for line in shares for _, v in line)]) * 10 - 1e-9) / 10)
    dates = f"{start:%Y-%m-%d}" if start == end else f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
    score_svg = _lines([(scores, PALETTE[0])], start=start, end=end, top=1.0, label=f"Alignment score, {dates}")
    share_svg = _lines(
        [(line, PALETTE[i % len(PALETTE)]) for i, line in enumerate(shares)],
        start=start,
        end=end,
        top=top,
        label=f"Share of effort per objective, {dates}",
    )
    note = "" if len(points) > 1 else '<p class="muted">The history starts with this report.</p>'
    return (
        f'<div class="history">{note}<h3>Alignment score</h3>{_plot(score_svg, "1.00", "0", start, end)}'
        f"<h3>Share of effort</h3>{_plot(share_svg, f'{top * 100:.0f}%', '0%', start, end)}"
        f"{_series_legend(buckets, shares)}{_history_table(points, buckets)}</div>"
    )


def _plot(svg: str, top: str, bottom: str, start: datetime, end: datetime) -> str:
    return (
        f'<div class="plot"><span class="y top">{top}</span><span class="y bottom">{bottom}</span>{svg}</div>'
        f'<div class="axis dates"><span>{start:%Y-%m-%d}</span><span>{end:%Y-%m-%d}</span></div>'
    )


def _lines(
    lines: list[tuple[list[tuple[datetime, float]], tuple[str, str]]],
    *,
    start: datetime,
    end: datetime,
    top: float,
    label: str,
) -> str:
    span = (end - start).total_seconds()
    parts = [
        f'<line x1="0" x2="400" y1="{y}" y2="{y}" stroke="#dfe1e6" vector-effect="non-scaling-stroke"/>'
        for y in (4, 54, 104, 154)
    ]
    for values, (colour, dash) in lines:
        xy = [
            (200.0 if not span else 4 + (at - start).total_seconds() / span * 392, 154 - min(v, top) / top * 150)
            for at, v in values
        ]
        if len(xy) > 1:
            path = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f} {y:.1f}" for i, (x, y) in enumerate(xy))
            parts.append(
                f'<path d="{path}" fill="none" stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}" '
                'vector-effect="non-scaling-stroke"/>'
            )
        parts += [_dot(x, round(y, 1), colour, 6) for x, y in xy]
    return (
        f'<svg class="lines" viewBox="0 0 400 158" preserveAspectRatio="none" role="img" '
        f'aria-label="{escape(label, quote=True)}; the table below gives the figures">{"".join(parts)}</svg>'
    )


def _series_legend(buckets: tuple[ObjectiveFigures, ...], shares: list[list[tuple[datetime, float]]]) -> str:
    items = []
    for index, (objective, line) in enumerate(zip(buckets, shares, strict=True)):
        colour, dash = PALETTE[index % len(PALETTE)]
        swatch = (
            f'<svg viewBox="0 0 24 8" class="swatch wide" aria-hidden="true"><line x1="0" x2="24" y1="4" y2="4" '
            f'stroke="{colour}" stroke-width="2.5" stroke-dasharray="{dash}"/></svg>'
        )
        trail = " → ".join(percent(v) for v in (line[0][1], line[-1][1])) if len(line) > 1 else percent(line[0][1])
        items.append(
            f"<li>{swatch}{escape(objective.name)} <span class='muted'>{trail} (target "
            f"{percent(objective.target)})</span></li>"
        )
    return f'<ul class="series">{"".join(items)}</ul>'


def _history_table(points: tuple[tuple[datetime, ScopePoint], ...], buckets: tuple[ObjectiveFigures, ...]) -> str:
    rows = []
    for at, point in points:
        shares = [percent(b.actual) if (b := point.bucket(o.id)) is not None else "–" for o in buckets]
        score = "–" if point.score is None else f"{point.score:.2f}"
        rows.append([f"{at:%Y-%m-%d %H:%M}", score, *shares])
    header = ["Report", "Score", *(o.name for o in buckets)]
    return f'<details class="table-alt"><summary>The history as a table</summary>{table(header, rows)}</details>'
