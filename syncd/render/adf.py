"""Blocks as an Atlassian Document Format document, for Jira Cloud (REST v3) comments.

ADF is structured JSON, so text needs no escaping: a title full of markup characters is one text node and
renders literally. Only what ADF itself forbids is removed: control characters and empty text nodes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from syncd.render.blocks import Block, BulletList, Heading, Inline, Link, Paragraph, Text

__all__ = ["to_adf"]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACE = re.compile(r"\s+")


def _text(text: str, marks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    node: dict[str, Any] = {"type": "text", "text": _CONTROL.sub("", _SPACE.sub(" ", text))}
    if marks:
        node["marks"] = marks
    return node


def _inline(part: Inline) -> dict[str, Any]:
    if isinstance(part, Link):
        return _text(part.text, [{"type": "link", "attrs": {"href": part.url}}])
    marks: list[dict[str, Any]] = []
    if part.strong:
        marks.append({"type": "strong"})
    if part.muted:
        marks.append({"type": "textColor", "attrs": {"color": "#6b778c"}})
    return _text(part.text, marks)


def _paragraph(parts: Iterable[Inline]) -> dict[str, Any]:
    content = [node for node in (_inline(part) for part in parts) if node["text"]]
    return {"type": "paragraph", "content": content}


def _cell(kind: str, parts: Iterable[Inline]) -> dict[str, Any]:
    return {"type": kind, "attrs": {}, "content": [_paragraph(parts)]}


def _block(block: Block) -> dict[str, Any]:
    if isinstance(block, Heading):
        return {"type": "heading", "attrs": {"level": block.level}, "content": _paragraph(block.content)["content"]}
    if isinstance(block, Paragraph):
        return _paragraph(block.content)
    if isinstance(block, BulletList):
        items = [{"type": "listItem", "content": [_paragraph(item)]} for item in block.items]
        return {"type": "bulletList", "content": items}
    header = {"type": "tableRow", "content": [_cell("tableHeader", (Text(h),)) for h in block.header]}
    rows = [{"type": "tableRow", "content": [_cell("tableCell", cell) for cell in row]} for row in block.rows]
    return {"type": "table", "attrs": {"isNumberColumnEnabled": False, "layout": "default"}, "content": [header, *rows]}


def to_adf(blocks: Iterable[Block]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": [_block(block) for block in blocks]}
