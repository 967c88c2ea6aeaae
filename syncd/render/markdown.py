"""Blocks as Markdown, for Linear comments. Every text is escaped so a title renders as the words it is."""

from __future__ import annotations

import re
from collections.abc import Iterable

from syncd.render.blocks import Block, BulletList, Heading, Inline, Link, Paragraph, Table, wrap

__all__ = ["escape_markdown", "to_markdown"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~])")
_SPACE = re.compile(r"\s+")


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown would read as formatting, links, HTML or table cells, and flatten
    line breaks (a title is one line)."""
    return _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", text))


def _inline(part: Inline) -> str:
    if isinstance(part, Link):
        url = part.url.replace(")", "%29").replace(" ", "%20")
        return f"[{escape_markdown(part.text)}]({url})"
    text = escape_markdown(part.text)
    if part.strong:
        return wrap(text, "**", "**")
    return wrap(text, "_", "_") if part.muted else text


def _line(parts: Iterable[Inline]) -> str:
    return "".join(_inline(part) for part in parts)


def to_markdown(blocks: Iterable[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"{'#' * block.level} {_line(block.content)}")
        elif isinstance(block, Paragraph):
            out.append(_line(block.content))
        elif isinstance(block, BulletList):
            out.append("\n".join(f"- {_line(item)}" for item in block.items))
        elif isinstance(block, Table):
            header = "| " + " | ".join(escape_markdown(h) for h in block.header) + " |"
            rule = "|" + "|".join("---" for _ in block.header) + "|"
            rows = ["| " + " | ".join(_line(cell) for cell in row) + " |" for row in block.rows]
            out.append("\n".join([header, rule, *rows]))
    return "\n\n".join(out) + "\n"
