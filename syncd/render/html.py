"""The drift report as one self-contained HTML page that a product leader can forward.

It opens with the headline (what is off plan, by how much, since when), then the score cards, the drift
per objective with its KPIs, the shares as a review of the tags corrects them, and the history over the
period; the figures of each tracker and team follow, folded. No scripts, no external files, no web fonts:
inline CSS and SVG only, so the page can be mailed, attached, printed or opened from disk. Every text goes
through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from syncd.core.drift_model import DriftReport, Figures
from syncd.render.blocks import Block, BulletList, Heading, Inline, Link, Paragraph, Table
from syncd.render.comment import comment_blocks
from syncd.render.headline import headline
from syncd.render.html_charts import DEFS, drift_chart, history_chart, score_cards, table, unbroken_dates
from syncd.render.html_review import review_chart

__all__ = ["to_html"]

_STYLE = """
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,sans-serif;color:#172b4d;background:#fff;max-width:980px;
margin:1.5em auto;padding:0 1em;overflow-wrap:break-word}
h1{font-size:1.6em;margin:0 0 .2em}h2{margin-top:1.8em;border-bottom:1px solid #dfe1e6}h3{font-size:1.05em}
a{color:#0055cc}.muted{color:#5e6c84}
.headline{font-size:1.15em;font-weight:600;border-left:5px solid #ae2a19;background:#fff4f2;padding:.6em .9em;
margin:1em 0}
.headline.calm{border-color:#216e4e;background:#effff7}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.6em 0;min-width:60%}
td,th{border:1px solid #dfe1e6;padding:.3em .6em;text-align:left;vertical-align:top}th{background:#f4f5f7}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(12em,1fr));gap:.8em;margin:1em 0}
.card{border:1px solid #dfe1e6;border-top:5px solid #5e6c84;border-radius:6px;padding:.6em .9em}
.card .name{display:block;font-weight:600}.card .score{display:block;font-size:1.9em;line-height:1.2}
.card .scale,.card .change{display:block}.card.good{border-top-color:#216e4e}.card.good .fill{fill:#216e4e}
.card.fair{border-top-color:#974f0c}.card.fair .fill{fill:#974f0c}.card.poor{border-top-color:#ae2a19}
.card.poor .fill{fill:#ae2a19}
.meter{display:block;width:100%;height:8px;margin-top:.3em}.ends{display:flex;justify-content:space-between;
font-size:.8em}
.axis{display:flex;justify-content:space-between;gap:.5em;font-size:.8em;color:#5e6c84}
.rows{list-style:none;margin:0;padding:0}
.row{padding:.5em 0 .6em;border-bottom:1px solid #ebecf0}.row .name{font-weight:600}
.bars{display:block;width:100%;height:28px}
.row.over .mark{color:#ae2a19}.row.under .mark{color:#0055cc}
.row.starved{box-shadow:-.6em 0 0 -.3em #974f0c}
.badge{display:inline-block;font-size:.75em;font-weight:600;border-radius:3px;padding:0 .4em;margin-left:.2em;
border:1px solid currentColor}
.badge.flag{color:#ae2a19}.badge.starved{color:#7a3e00;background:#fff7d6}
.kpis{list-style:none;margin:.2em 0 0;padding:0;display:flex;flex-wrap:wrap;gap:.2em .9em;font-size:.9em}
.legend span,.series li{display:inline-flex;align-items:center;gap:.3em;margin-right:1em}
.swatch{width:16px;height:10px;flex:none}.swatch.wide{width:24px}
.series{list-style:none;padding:0;margin:.4em 0}
.plot{position:relative;padding-left:2.6em}.plot .y{position:absolute;left:0;font-size:.8em;color:#5e6c84}
.plot .top{top:0}.plot .bottom{bottom:0}
.lines{display:block;width:100%;height:160px;border-left:1px solid #c1c7d0;border-bottom:1px solid #c1c7d0}
.dates{padding-left:2.6em}
details.section{border:1px solid #dfe1e6;border-radius:6px;padding:.4em .9em;margin:.6em 0}
details.section>summary{cursor:pointer;font-weight:600}
summary{cursor:pointer}
.defs{position:absolute;width:0;height:0}.date{white-space:nowrap}
@media (max-width:600px){body{font-size:14px;padding:0 .6em}.headline{font-size:1.05em}
.stack thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
.stack,.stack tbody,.stack tr{display:block;width:100%}.stack tr{border:1px solid #dfe1e6;margin:.5em 0}
.stack td{display:flex;gap:.6em;border:0;border-bottom:1px solid #f4f5f7}
.stack td::before{content:attr(data-label);font-weight:600;flex:0 0 40%}}
@media print{body{max-width:none;margin:0;font-size:11pt}a{color:inherit}
details>summary{list-style:none}details::details-content{content-visibility:visible;display:block}
.row,.card,tr{break-inside:avoid}h2{break-after:avoid}*{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""


def to_html(report: DriftReport) -> str:
    overall = report.overall
    said = headline(report, overall.scope)
    calm = " calm" if not overall.flagged and not overall.starved else ""
    body = [
        DEFS,
        f"<h1>Strategy drift — {escape(report.period)}</h1>",
        f'<p class="headline{calm}">{unbroken_dates(escape(said))}</p>',
        f'<p class="muted">Generated {report.generated_at:%Y-%m-%d %H:%M} UTC · work in progress and done in the '
        f"last {report.window_days} days, by {'item count' if report.measure == 'count' else 'estimate'} · "
        f"tolerance ±{report.tolerance * 100:.0f} pp</p>",
        score_cards(report, (overall, *report.trackers)),
        "<h2>Drift from the plan, per objective</h2>",
        drift_chart(report, overall),
        *_review_section(report, overall),
        f"<h2>Over the period {escape(report.period)}</h2>",
        history_chart(report, overall),
        "<h2>All trackers</h2>",
        _section_blocks(report, overall),
    ]
    for figures in (*report.trackers, *report.teams):
        body.append(_folded(report, figures))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Strategy drift — {escape(report.period)}</title><style>{_STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>\n"
    )


def _review_section(report: DriftReport, figures: Figures) -> list[str]:
    chart = review_chart(report, figures)
    return ["<h2>What a review of the keyword tags says</h2>", chart] if chart else []


def _section_blocks(report: DriftReport, figures: Figures) -> str:
    """A scope's figures as its comment says them, without the title, headline and marker line."""
    return _blocks(comment_blocks(report, figures.scope, None, teams=False, history=False, inference=True)[2:])


def _folded(report: DriftReport, figures: Figures) -> str:
    score = "no score" if figures.score is None else f"score {figures.score:.2f}"
    flagged = len(figures.flagged)
    outside = f", {flagged} outside tolerance" if flagged else ""
    plan = " (against its own plan)" if figures.own_plan else ""
    said = unbroken_dates(escape(headline(report, figures.scope)))
    return (
        f'<details class="section"><summary>{escape(figures.scope)}{plan} — {score}{outside}</summary>'
        f"<p><strong>{said}</strong></p>{drift_chart(report, figures)}{_section_blocks(report, figures)}</details>"
    )


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
            out.append(table(block.header, [[_line(cell) for cell in row] for row in block.rows]))
    return "".join(out)
