"""Rendering: golden files for every format, and titles that try to break out of their format.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1 pytest tests/unit/test_render.py``
and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from syncd.connectors.base import holds_marker
from syncd.core.drift import analyse
from syncd.render import FORMATS, comment_body, marker_for, render
from syncd.render.markdown import escape_markdown
from syncd.render.wiki import escape_wiki
from syncd.strategy import Strategy
from tests.conftest import REPO
from tests.support.report_example import NASTY, NOW, entry, report

GOLDEN = REPO / "tests" / "golden"


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden(example_strategy: Strategy, fmt: str) -> None:
    rendered = render(report(example_strategy), fmt, scope="jira.acme")  # type: ignore[arg-type]
    path = GOLDEN / f"report.{ {'adf': 'adf.json'}.get(fmt, fmt) }"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(rendered)
    assert rendered == path.read_text(), f"{path.name} changed; regenerate with UPDATE_GOLDEN=1 if intended"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_says_how_much_work_was_declined(example_strategy: Strategy, fmt: str) -> None:
    rendered = render(report(example_strategy), fmt, scope="jira.acme")  # type: ignore[arg-type]
    if fmt == "json":
        assert json.loads(rendered)["overall"]["declined"] == {"effort": 3.0, "items": 1}
    else:
        assert "1 issue closed in the window without being done" in rendered
    assert "Coupon codes" not in rendered, "declined work is not listed as unaligned or anywhere else"


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_says_when_estimates_are_missing(example_strategy: Strategy, fmt: str) -> None:
    entries = [entry("MISC-1", None, 2), entry("MISC-2", None, 1)]
    entries.append((dataclasses.replace(entries[1][0], key="MISC-3", estimate=None), entries[1][1]))
    rendered = render(analyse(entries, example_strategy, now=NOW), fmt, scope="jira.acme")  # type: ignore[arg-type]
    if fmt == "json":
        assert json.loads(rendered)["overall"]["unestimated"] == 1
    else:
        assert "1 of 3 issues in scope have no estimate and count the default estimate" in rendered


def test_markdown_escapes_titles(example_strategy: Strategy) -> None:
    text = render(report(example_strategy), "md", scope="jira.acme")
    line = next(line for line in text.splitlines() if "MISC-1" in line)
    assert escape_markdown(NASTY) in line
    assert "[x](javascript" not in text
    assert re.search(r"(?<!\\)\*bold(?<!\\)\*", line) is None


def test_wiki_escapes_titles(example_strategy: Strategy) -> None:
    text = render(report(example_strategy), "wiki", scope="jira.acme")
    assert escape_wiki(NASTY) in text
    assert "{code}" not in text
    assert "\\{code\\}" in text


def test_adf_keeps_titles_as_text(example_strategy: Strategy) -> None:
    document = comment_body(report(example_strategy), "jira.acme", "adf", marker_for("jira.acme"))
    texts = [node["text"] for node in _walk(document) if node.get("type") == "text"]
    assert any(NASTY in text for text in texts)
    links = [
        mark["attrs"]["href"] for node in _walk(document) for mark in node.get("marks", ()) if mark["type"] == "link"
    ]
    assert links == [
        "https://acme.atlassian.net/browse/MISC-1",
        "https://acme.atlassian.net/browse/MISC-2",
    ]


def test_html_escapes_and_is_well_formed(example_strategy: Strategy) -> None:
    text = render(report(example_strategy), "html")
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "<svg" in text
    parser = _Balanced()
    parser.feed(text)
    assert parser.stack == []


def test_every_comment_carries_its_marker(example_strategy: Strategy) -> None:
    drift = report(example_strategy)
    for fmt in ("md", "wiki", "adf"):
        body = comment_body(drift, "jira.acme", fmt, marker_for("jira.acme"))
        assert "syncd:drift:report:jira.acme" in (body if isinstance(body, str) else json.dumps(body))


def test_markers_find_only_their_own_comment(example_strategy: Strategy) -> None:
    drift = report(example_strategy)
    markers = [
        marker_for("jira.acme"),
        marker_for("jira.acme", "2026-Q4"),
        marker_for("jira.acme:notice:STRAT-1"),
        marker_for("jira.acme.eu"),
    ]
    assert markers[1].startswith(markers[0]), "the update marker begins the others: only whole words may match"
    for fmt in ("md", "wiki", "adf"):
        for marker in markers:
            body = comment_body(drift, "jira.acme", fmt, marker)
            text = body if isinstance(body, str) else json.dumps(body)
            assert [m for m in markers if holds_marker(text, m)] == [marker], (fmt, marker)


@pytest.mark.parametrize(
    ("previous", "actual"),
    [(0.8, 0.42), (1.0, 1.0), (0.0, 1.0), (1.0, 0.0)],
)
def test_every_drift_mark_lies_inside_its_drawing(example_strategy: Strategy, previous: float, actual: float) -> None:
    drift = report(example_strategy)
    growth = drift.overall.objectives[0]
    target = 1.0 if actual == 0 else growth.target
    moved = dataclasses.replace(growth, previous=previous, actual=actual, target=target, drift=actual - target)
    figures = dataclasses.replace(drift.overall, objectives=(moved, *drift.overall.objectives[1:]))
    page = render(dataclasses.replace(drift, overall=figures), "html").split("<h2>Over the period")[0]
    drawings = re.findall(r'<svg class="bars" viewBox="0 0 200 28".*?</svg>', page)
    assert len(drawings) == len(figures.objectives) + 1
    for svg in drawings:
        marks = _chart_marks(svg)
        assert marks
        outside = [(tag, right) for tag, left, right in marks if not 0 <= left <= right <= 200]
        assert outside == [], f"marks beyond the drawing: {outside}"


def test_the_page_opens_with_what_is_off_plan_by_how_much_and_since_when(example_strategy: Strategy) -> None:
    page = render(report(example_strategy), "html")
    headline = re.search(r'<p class="headline">(.*?)</p>', page)
    assert headline is not None
    assert re.sub(r"</?span[^>]*>", "", headline.group(1)) == (
        "Off plan: Unaligned work is 22 pp over its target (32% of the effort against 10%), new in this report; "
        "Win enterprise deals is 14 pp under its target (11% of the effort against 25%) since 2026-11-06. "
        "Starved: One source of truth for product analytics, with no work for 21+ days."
    )


def test_under_and_over_are_told_apart_by_words_marks_and_fill(example_strategy: Strategy) -> None:
    page = render(report(example_strategy), "html")
    rows = re.findall(r'<li class="row ([\w ]+)"><div class="name">([^<]+)', page)
    by_name = {name.strip(): state for state, name in rows}
    assert by_name["Win enterprise deals"] == "under"
    assert by_name["Unaligned work"] == "over"
    under = page.split('<div class="name">Win enterprise deals', 1)[1].split("</li>", 1)[0]
    over = page.split('<div class="name">Unaligned work', 1)[1].split("</li>", 1)[0]
    assert "▼ 14 pp under" in under
    assert 'fill="url(#hatch-under)"' in under
    assert "▲ 22 pp over" in over
    assert "hatch" not in over


def test_starved_objectives_are_marked_in_the_chart_with_their_full_name(example_strategy: Strategy) -> None:
    page = render(report(example_strategy), "html")
    row = page.split('<li class="row within starved">', 1)[1].split("</li>", 1)[0]
    assert row.startswith('<div class="name">One source of truth for product analytics <span class="badge starved">')
    assert "no work for 21+ days" in row


def test_kpis_show_beside_their_objective_with_link_and_figure(example_strategy: Strategy) -> None:
    data = example_strategy.model_dump()
    data["objectives"][0]["kpis"] = [
        {"name": "Self-serve MRR", "url": "https://grafana.example/d/mrr", "current": "$182k"}
    ]
    strategy = Strategy.model_validate(data)
    page = render(analyse([entry("GROW-1", "self-serve-growth", 1)], strategy, now=NOW), "html")
    row = page.split('<div class="name">Grow self-serve revenue', 1)[1].split("</li></ul></li>", 1)[0]
    assert '<a href="https://grafana.example/d/mrr">Self-serve MRR</a> <b>$182k</b>' in row
    assert "Win enterprise deals" not in row


def test_the_history_draws_every_stored_report_of_the_period(example_strategy: Strategy) -> None:
    page = render(report(example_strategy), "html")
    table = page.split("The history as a table", 1)[1].split("</table>", 1)[0]
    assert [row[:16] for row in re.findall(r'<tr><td data-label="Report">([^<]+)</td>', table)] == [
        "2026-11-06 12:00",
        "2026-11-13 12:00",
        "2026-11-20 12:00",
    ]
    lines = re.findall(r'<path d="M[^"]*L[^"]*"', page.split('<div class="history">', 1)[1])
    assert len(lines) == 1 + len(example_strategy.objectives) + 1, "the score and every objective's share"


def test_trackers_are_folded_and_the_page_is_self_contained(example_strategy: Strategy) -> None:
    page = render(report(example_strategy), "html")
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert '<details class="section"><summary>jira.acme — score 0.76' in page
    assert re.search(r"<(script|img|link|iframe|object)\b|\bsrc=|@import|url\((?!#)", page) is None, "loads nothing"
    assert "@media print" in page
    assert all('aria-label="' in svg for svg in re.findall(r"<svg class=\"(?:bars|lines)\"[^>]*>", page))


def test_per_team_figures_in_every_comment_format(example_strategy: Strategy) -> None:
    entries = [
        entry("GROW-1", "self-serve-growth", 8, project="GROW"),
        entry("OPS-1", None, 3, project="OPS"),
        entry("ENG-1", "enterprise-readiness", 2, tracker="linear.acme", project="ENG"),
    ]
    drift = analyse(entries, example_strategy, now=NOW, per_team=True)
    md = render(drift, "md", scope="jira.acme")
    assert "| GROW | 1 | 8 | " in md
    assert "| OPS (own plan) | 1 | 3 | " in md, "the example strategy gives OPS its own plan"
    assert "ENG" not in md.split("Per team or project")[1], "a tracker's comment shows its own teams"
    assert "| linear.acme ENG | 1 | 2 |" in render(drift, "md")
    assert "|GROW|1|8|" in render(drift, "wiki", scope="jira.acme").replace(" ", "")
    adf = json.loads(render(drift, "adf", scope="jira.acme"))
    texts = [node["text"] for node in _walk(adf) if node.get("type") == "text"]
    assert "Per team or project" in texts
    assert {"GROW", "OPS (own plan)"} <= set(texts)
    plain = analyse(entries, example_strategy, now=NOW)
    assert "Per team or project" not in render(plain, "md", scope="jira.acme")


def test_zero_effort_in_scope_says_why_there_is_no_score(example_strategy: Strategy) -> None:
    entries = [entry("GROW-1", "self-serve-growth", 0), entry("MISC-1", None, 0)]
    text = render(analyse(entries, example_strategy, now=NOW), "md", scope="jira.acme")
    assert "2 issues in scope, but their estimates add up to 0, so there is no effort to judge." in text
    assert "no work in scope to judge" in render(analyse([], example_strategy, now=NOW), "md")


def _chart_marks(svg: str) -> list[tuple[str, float, float]]:
    """Each drawn element's left and right edge; a text's right edge by a generous 0.62 em per character."""
    marks: list[tuple[str, float, float]] = []
    for tag, attributes, content in re.findall(r"<(rect|line|text|path)([^>]*)>([^<]*)", svg):
        found = dict(re.findall(r'([\w-]+)="([^"]*)"', attributes))
        if tag == "path":
            x = float(found["d"][1:].split()[0])
            marks.append((tag, x, x))
        elif tag == "line":
            marks.append((tag, float(found["x1"]), float(found["x2"])))
        elif tag == "rect":
            marks.append((tag, float(found["x"]), float(found["x"]) + float(found["width"])))
        else:
            left = float(found["x"])
            marks.append((f"text {content!r}", left, left + len(content) * 0.62 * float(found["font-size"])))
    return marks


def _walk(node: object) -> list[dict[str, Any]]:
    found = []
    if isinstance(node, dict):
        found.append(node)
        for child in node.get("content", ()):
            found += _walk(child)
    return found


class _Balanced(HTMLParser):
    VOID = frozenset({"meta", "br", "rect", "line", "path"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        assert self.stack, tag
        assert self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def test_golden_directory_exists() -> None:
    assert Path(GOLDEN).is_dir()


def test_a_report_for_one_tracker_holds_that_tracker_alone_in_every_format(example_strategy: Strategy) -> None:
    whole = report(example_strategy)
    linear = dataclasses.replace(whole.trackers[0], scope="linear.acme", items=99)
    both = dataclasses.replace(whole, trackers=(*whole.trackers, linear))
    data = json.loads(render(both, "json", scope="linear.acme"))
    assert data["overall"]["scope"] == "linear.acme"
    assert [t["scope"] for t in data["trackers"]] == ["linear.acme"]
    html = render(both, "html", scope="linear.acme")
    assert "jira.acme" not in html
    assert "linear.acme" in html
    assert [t["scope"] for t in json.loads(render(both, "json"))["trackers"]] == ["jira.acme", "linear.acme"]


def test_a_report_read_outside_a_tracker_has_no_comment_marker(example_strategy: Strategy) -> None:
    for fmt in ("md", "wiki", "adf"):
        assert "syncd:drift:report" not in render(report(example_strategy), fmt, scope="jira.acme")  # type: ignore[arg-type]
    posted = comment_body(report(example_strategy), "jira.acme", "md", marker_for("jira.acme"))
    assert (
        str(posted)
        .rstrip()
        .endswith("_syncd:drift:report:jira.acme — this comment is updated by syncd; keep this line._")
    )


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_text_colour_has_enough_contrast_on_the_page_backgrounds(example_strategy: Strategy) -> None:
    page = render(report(example_strategy), "html")
    texts = set(re.findall(r"(?<![-\w])color:(#[0-9a-f]{6})", page))
    backgrounds = {"#ffffff", *re.findall(r"background:(#[0-9a-f]{6})", page)}
    assert texts
    assert len(backgrounds) > 1
    weak = [
        (text, ground, round(ratio, 2))
        for text in texts
        for ground in backgrounds
        if (ratio := (_luminance(ground) + 0.05) / (_luminance(text) + 0.05)) < 4.5
    ]
    assert weak == [], "WCAG AA asks 4.5:1 for text"


def test_the_headline_says_so_when_the_work_is_on_plan_or_there_is_none(example_strategy: Strategy) -> None:
    shares = {"self-serve-growth": 40, "enterprise-readiness": 25, "reliability": 20, "data-platform": 5, None: 10}
    entries = [entry(f"K-{n}", objective, effort) for n, (objective, effort) in enumerate(shares.items())]
    on_plan = render(analyse(entries, example_strategy, now=NOW), "md")
    assert "**On plan: every objective is within ±10 pp of its target (alignment score 1.00).**" in on_plan
    assert "**Nothing to judge yet: no effort in scope.**" in render(analyse([], example_strategy, now=NOW), "md")


def test_the_html_page_draws_a_review_only_where_one_was_made(example_strategy: Strategy) -> None:
    reviewed = report(example_strategy)
    page = render(reviewed, "html")
    assert "What a review of the keyword tags says" in page
    assert "estimated 52% (41%–63%) · by the tags 59% · target 40%" in page
    assert 'aria-label="Unaligned work: estimated 23% (13%–33%) · by the tags 18%"' in page
    unreviewed = render(dataclasses.replace(reviewed, review=()), "html")
    assert "What a review" not in unreviewed
    assert "People confirmed" not in unreviewed
