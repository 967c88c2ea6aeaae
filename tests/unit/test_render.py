"""Rendering: golden files for every format, and titles that try to break out of their format.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1 pytest tests/unit/test_render.py``
and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from syncd.connectors.base import holds_marker
from syncd.drift import analyse
from syncd.drift_model import DriftReport
from syncd.model import Alignment, Rule, StatusCategory, WorkItem
from syncd.render import FORMATS, comment_body, marker_for, render
from syncd.render.html import allocation_chart
from syncd.render.markdown import escape_markdown
from syncd.render.wiki import escape_wiki
from syncd.strategy import Strategy
from tests.conftest import REPO, make_item

GOLDEN = REPO / "tests" / "golden"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NASTY = "Fix *bold* | pipes [x](javascript:alert(1)) {code} <script>alert('x')</script> _under_ #1 \\ `tick`"


def entry(
    key: str, primary: str | None, estimate: float, title: str = "An issue", **fields: object
) -> tuple[WorkItem, Alignment]:
    item = make_item(key, title=title, estimate=estimate, url=f"https://acme.atlassian.net/browse/{key}", **fields)
    return item, Alignment(key, (primary,) if primary else (), (), (), Rule.FIELD if primary else None)


def report(strategy: Strategy) -> DriftReport:
    entries = [
        entry("GROW-1", "self-serve-growth", 8, "Checkout v2"),
        entry("ENT-1", "enterprise-readiness", 2, "SAML login"),
        entry("OPS-1", "reliability", 3, "Pager rota", status=StatusCategory.DONE, resolved=NOW - timedelta(days=2)),
        entry("MISC-1", None, 5, NASTY),
        entry("MISC-2", None, 1, "Office plants"),
        entry("GROW-9", "self-serve-growth", 5, "Pricing experiment", status=StatusCategory.TODO),
        entry(
            "GROW-7",
            "self-serve-growth",
            3,
            "Coupon codes",
            status=StatusCategory.DONE,
            resolved=NOW - timedelta(days=1),
            resolution="Won't Do",
        ),
    ]
    previous = analyse(entries[:2], strategy, now=NOW - timedelta(days=7)).to_json()
    return analyse(entries, strategy, now=NOW, previous=previous)


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
def test_every_chart_mark_lies_inside_the_svg(example_strategy: Strategy, previous: float, actual: float) -> None:
    drift = report(example_strategy)
    growth = drift.overall.objectives[0]
    moved = dataclasses.replace(growth, previous=previous, actual=actual, target=1.0 if actual == 0 else growth.target)
    figures = dataclasses.replace(drift.overall, objectives=(moved, *drift.overall.objectives[1:]))
    for svg in (allocation_chart(figures), _svg(render(drift, "html"))):
        width = _svg_width(svg)
        marks = _chart_marks(svg)
        assert marks
        outside = [(tag, right) for tag, left, right in marks if not 0 <= left <= right <= width]
        assert outside == [], f"marks beyond the {width:g} px chart: {outside}"


def test_the_golden_chart_draws_the_previous_report_inside(example_strategy: Strategy) -> None:
    svg = _svg((GOLDEN / "report.html").read_text())
    assert "previous 80%" in svg
    width = _svg_width(svg)
    assert all(right <= width for _, _, right in _chart_marks(svg))


def test_per_team_figures_in_every_comment_format(example_strategy: Strategy) -> None:
    entries = [
        entry("GROW-1", "self-serve-growth", 8, project="GROW"),
        entry("OPS-1", None, 3, project="OPS"),
        entry("ENG-1", "enterprise-readiness", 2, tracker="linear.acme", project="ENG"),
    ]
    drift = analyse(entries, example_strategy, now=NOW, per_team=True)
    md = render(drift, "md", scope="jira.acme")
    assert "| GROW | 1 | 8 | " in md
    assert "| OPS | 1 | 3 | " in md
    assert "ENG" not in md.split("Per team or project")[1], "a tracker's comment shows its own teams"
    assert "| linear.acme ENG | 1 | 2 |" in render(drift, "md")
    assert "|GROW|1|8|" in render(drift, "wiki", scope="jira.acme").replace(" ", "")
    adf = json.loads(render(drift, "adf", scope="jira.acme"))
    texts = [node["text"] for node in _walk(adf) if node.get("type") == "text"]
    assert "Per team or project" in texts
    assert {"GROW", "OPS"} <= set(texts)
    plain = analyse(entries, example_strategy, now=NOW)
    assert "Per team or project" not in render(plain, "md", scope="jira.acme")


def test_zero_effort_in_scope_says_why_there_is_no_score(example_strategy: Strategy) -> None:
    entries = [entry("GROW-1", "self-serve-growth", 0), entry("MISC-1", None, 0)]
    text = render(analyse(entries, example_strategy, now=NOW), "md", scope="jira.acme")
    assert "2 issues in scope, but their estimates add up to 0, so there is no effort to judge." in text
    assert "no work in scope to judge" in render(analyse([], example_strategy, now=NOW), "md")


def _svg(page: str) -> str:
    return page[page.index("<svg") : page.index("</svg>") + len("</svg>")]


def _svg_width(svg: str) -> float:
    found = re.search(r'<svg[^>]* width="([\d.]+)"', svg)
    assert found is not None
    return float(found.group(1))


def _chart_marks(svg: str) -> list[tuple[str, float, float]]:
    """Each drawn element's left and right edge; a text's right edge by a generous 0.62 em per character."""
    marks: list[tuple[str, float, float]] = []
    for tag, attributes, content in re.findall(r"<(rect|line|text)([^>]*)>([^<]*)", svg):
        found = dict(re.findall(r'([\w-]+)="([^"]*)"', attributes))
        if tag == "line":
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


def test_a_long_objective_name_is_shortened_in_the_chart_with_its_full_name_as_tooltip(
    example_strategy: Strategy,
) -> None:
    html = render(report(example_strategy), "html", scope="jira.acme")
    names = [o.name for o in example_strategy.objectives if len(o.name) > 30]
    assert names, "the example strategy has a long objective name"
    for name in names:
        assert f"<title>{name}</title>{name[:29].rstrip()}…</text>" in html
