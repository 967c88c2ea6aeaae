"""Rendering: golden files for every format, and titles that try to break out of their format.

Regenerate the golden files after an intended change with ``UPDATE_GOLDEN=1 pytest tests/unit/test_render.py``
and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from syncd.drift import analyse
from syncd.drift_model import DriftReport
from syncd.model import Alignment, Rule, StatusCategory
from syncd.render import FORMATS, comment_body, marker_for, render
from syncd.render.markdown import escape_markdown
from syncd.render.wiki import escape_wiki
from syncd.strategy import Strategy
from tests.conftest import REPO, make_item

GOLDEN = REPO / "tests" / "golden"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
NASTY = "Fix *bold* | pipes [x](javascript:alert(1)) {code} <script>alert('x')</script> _under_ #1 \\ `tick`"


def report(strategy: Strategy) -> DriftReport:
    def entry(key: str, primary: str | None, estimate: float, title: str, **fields: object) -> tuple:
        item = make_item(key, title=title, estimate=estimate, url=f"https://acme.atlassian.net/browse/{key}", **fields)
        return item, Alignment(key, (primary,) if primary else (), (), (), Rule.FIELD if primary else None)

    entries = [
        entry("GROW-1", "self-serve-growth", 8, "Checkout v2"),
        entry("ENT-1", "enterprise-readiness", 2, "SAML login"),
        entry("OPS-1", "reliability", 3, "Pager rota", status=StatusCategory.DONE, resolved=NOW - timedelta(days=2)),
        entry("MISC-1", None, 5, NASTY),
        entry("MISC-2", None, 1, "Office plants"),
        entry("GROW-9", "self-serve-growth", 5, "Pricing experiment", status=StatusCategory.TODO),
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
        body = comment_body(drift, "jira.acme", fmt, marker_for("jira.acme"))  # type: ignore[arg-type]
        assert "syncd:drift:report:jira.acme" in (body if isinstance(body, str) else json.dumps(body))


def _walk(node: object) -> list[dict]:
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
