"""The drift report as one self-contained HTML page: an allocation chart, then the figures per scope.

No scripts, no external files: inline CSS and an SVG chart (target, actual and the previous report's
actual per objective), so the page can be mailed, attached or opened from disk. Every text goes through
:func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from syncd.drift_model import DriftReport, Figures, ObjectiveFigures
from syncd.render.blocks import Block, BulletList, Heading, Inline, Link, Paragraph, Table
from syncd.render.comment import comment_blocks, marker_for, percent

__all__ = ["CHART_WIDTH", "allocation_chart", "chart_scale", "to_html"]

_STYLE = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:#172b4d;max-width:980px;
margin:2em auto;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:1px solid #dfe1e6}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #dfe1e6;padding:.3em .7em;text-align:left}
th{background:#f4f5f7}.muted{color:#6b778c;font-size:.9em}.cards{display:flex;gap:1em;flex-wrap:wrap}
.card{border:1px solid #dfe1e6;border-radius:6px;padding:.6em 1em;min-width:10em}.card b{font-size:1.6em;display:block}
.legend span{margin-right:1.2em}
.swatch{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-1px}
"""
_ROW, _LABEL, _BAR = 34, 220, 560
#: the chart's width: names, bars, and room after the longest bar for its "100% / 100%" figures
CHART_WIDTH = _LABEL + _BAR + 90
_NAME_CHARS = 30


def to_html(report: DriftReport) -> str:
    scopes = [report.overall, *report.trackers, *report.teams]
    body = [
        f"<h1>Strategy drift — {escape(report.period)}</h1>",
        f'<p class="muted">Generated {report.generated_at:%Y-%m-%d %H:%M} UTC · work in progress and done in the '
        f"last {report.window_days} days, by {'item count' if report.measure == 'count' else 'estimate'} · "
        f"tolerance ±{report.tolerance * 100:.0f} pp</p>",
        _cards(scopes),
        "<h2>Allocation: target and actual</h2>",
        allocation_chart(report.overall),
    ]
    for figures in scopes:
        body.append(f"<h2>{escape('All trackers' if figures.scope == 'all' else figures.scope)}</h2>")
        blocks = comment_blocks(report, figures.scope, marker_for(figures.scope), teams=False)[1:-1]
        body.append(_blocks(blocks))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Strategy drift — {escape(report.period)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _cards(scopes: Iterable[Figures]) -> str:
    cards = []
    for figures in scopes:
        score = "–" if figures.score is None else f"{figures.score:.2f}"
        name = "All trackers" if figures.scope == "all" else figures.scope
        cards.append(
            f'<div class="card"><b>{score}</b>{escape(name)}<br><span class="muted">alignment score</span></div>'
        )
    return f'<div class="cards">{"".join(cards)}</div>'


def allocation_chart(figures: Figures) -> str:
    """Horizontal bars per objective: the target outlined, the actual filled (red when outside the
    tolerance), and a tick at the previous report's actual.

    The scale is the largest share any mark shows, the previous report's included, so every bar, tick
    and label stays inside the picture (a team that moved from 80% to 40% still gets its 80% tick).
    """
    rows = [*figures.objectives, figures.unaligned]
    height = _ROW * len(rows) + 30
    width = _BAR / chart_scale(figures)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{CHART_WIDTH}" height="{height}" role="img" '
        f'aria-label="Target and actual share of effort per objective">'
    ]
    for index, objective in enumerate(rows):
        parts += _chart_row(objective, y=10 + index * _ROW, width=width)
    parts.append("</svg>")
    legend = (
        '<p class="legend muted"><span><i class="swatch" style="background:#0052cc"></i>actual</span>'
        '<span><i class="swatch" style="background:#de350b"></i>outside tolerance</span>'
        '<span><i class="swatch" style="border:1px dashed #6b778c"></i>target</span>'
        '<span><i class="swatch" style="background:#172b4d;width:2px"></i>previous report</span></p>'
    )
    return "".join(parts) + legend


def chart_scale(figures: Figures) -> float:
    """The share drawn at the end of the bar area: the largest mark, and at least half, so small shares
    are not blown up to look like the whole of the effort."""
    marks = [share for o in (*figures.objectives, figures.unaligned) for share in _marks(o)]
    return max([0.5, *marks])


def _marks(objective: ObjectiveFigures) -> tuple[float, ...]:
    previous = () if objective.previous is None else (objective.previous,)
    return (objective.actual, objective.target, *previous)


def _chart_row(objective: ObjectiveFigures, *, y: int, width: float) -> list[str]:
    """One objective's name, target outline, actual bar, previous tick and figures, ``width`` px per 100%."""
    colour = "#de350b" if objective.flagged else "#0052cc"
    parts = [
        f'<text x="0" y="{y + 17}" font-size="13"><title>{escape(objective.name)}</title>'
        f"{escape(_fitted(objective.name))}</text>",
        f'<rect x="{_LABEL}" y="{y + 2}" width="{objective.target * width:.1f}" height="22" fill="none" '
        f'stroke="#6b778c" stroke-dasharray="4 3"><title>target {percent(objective.target)}</title></rect>',
        f'<rect x="{_LABEL}" y="{y + 7}" width="{objective.actual * width:.1f}" height="12" fill="{colour}">'
        f"<title>actual {percent(objective.actual)}</title></rect>",
    ]
    if objective.previous is not None:
        x = _LABEL + objective.previous * width
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 26}" stroke="#172b4d" stroke-width="2">'
            f"<title>previous {percent(objective.previous)}</title></line>"
        )
    label = f"{percent(objective.actual)} / {percent(objective.target)}"
    x = _LABEL + max(_marks(objective)) * width + 6
    parts.append(f'<text x="{x:.1f}" y="{y + 17}" font-size="12">{label}</text>')
    return parts


def _inline(part: Inline) -> str:
    if isinstance(part, Link):
        return f'<a href="{escape(part.url, quote=True)}">{escape(part.text)}</a>'
    text = escape(part.text)
    if part.strong:
        return f"<strong>{text}</strong>"
    return f'<span class="muted">{text}</span>' if part.muted else text


def _line(parts: Iterable[Inline]) -> str:
    return "".join(_inline(part) for part in parts)


def _blocks(blocks: Iterable[Block]) -> str:
    out = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"<h{block.level + 1}>{_line(block.content)}</h{block.level + 1}>")
        elif isinstance(block, Paragraph):
            out.append(f"<p>{_line(block.content)}</p>")
        elif isinstance(block, BulletList):
            out.append("<ul>" + "".join(f"<li>{_line(item)}</li>" for item in block.items) + "</ul>")
        elif isinstance(block, Table):
            head = "".join(f"<th>{escape(h)}</th>" for h in block.header)
            rows = "".join("<tr>" + "".join(f"<td>{_line(cell)}</td>" for cell in row) + "</tr>" for row in block.rows)
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
    return "".join(out)


def _fitted(name: str, limit: int = _NAME_CHARS) -> str:
    """The name as it fits beside the bars, shortened with an ellipsis (the full name is its tooltip)."""
    return name if len(name) <= limit else name[: limit - 1].rstrip() + "…"
