"""Rendering a :class:`~syncd.core.drift_model.DriftReport`: Markdown (Linear), ADF (Jira Cloud), wiki markup
(Jira Data Center), JSON (scripts; schema in the README, section "Report JSON") and a self-contained HTML page."""

from __future__ import annotations

import json
from typing import Any, Literal

from syncd.core.drift_model import DriftReport
from syncd.render.adf import to_adf
from syncd.render.blocks import Block
from syncd.render.comment import MARKER, comment_blocks, marker_for
from syncd.render.html import to_html
from syncd.render.markdown import to_markdown
from syncd.render.wiki import to_wiki

__all__ = ["FORMATS", "MARKER", "Format", "comment_body", "marker_for", "render", "render_blocks"]

Format = Literal["md", "json", "html", "adf", "wiki"]
FORMATS: tuple[Format, ...] = ("md", "json", "html", "adf", "wiki")


def render_blocks(blocks: list[Block], fmt: Format) -> Any:
    """Blocks in a comment format: an ADF document, or a wiki or Markdown string."""
    if fmt == "adf":
        return to_adf(blocks)
    if fmt == "wiki":
        return to_wiki(blocks)
    return to_markdown(blocks)


def comment_body(report: DriftReport, scope: str, fmt: Format, marker: str) -> Any:
    """The comment body for one scope of the report."""
    return render_blocks(comment_blocks(report, scope, marker), fmt)


def render(report: DriftReport, fmt: Format, *, scope: str = "all") -> str:
    """The report as text in a format (ADF as JSON text), narrowed to one tracker when ``scope`` names one.

    Text read outside a tracker carries no comment marker: the marker is how syncd finds its own comment.
    """
    report = report.narrowed(scope)
    if fmt == "json":
        return json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"
    if fmt == "html":
        return to_html(report)
    body = render_blocks(comment_blocks(report, scope, None), fmt)
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n" if fmt == "adf" else str(body)
