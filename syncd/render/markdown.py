"""Blocks as Markdown, for Linear comments. Every text is escaped so a title renders as the words it is."""

from __future__ import annotations

import re
from collections.abc import Iterable

from syncd.render.blocks import Block, Inline, Link, wrap
from syncd.render.markup import Markup
from syncd.text.printable import printable

__all__ = ["escape_markdown", "to_markdown"]

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#!|~&])")
_SPACE = re.compile(r"\s+")


def escape_markdown(text: str) -> str:
    """Backslash-escape what Markdown would read as formatting, links, HTML, entities (``&amp;`` in a
    pasted XML snippet would show as ``&``) or table cells, drop control characters, and flatten line
    breaks (a title is one line)."""
    return _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", printable(text)))


def _inline(part: Inline) -> str:
    if isinstance(part, Link):
        url = part.url.replace(")", "%29").replace(" ", "%20")
        return f"[{escape_markdown(part.text)}]({url})"
    text = escape_markdown(part.text)
    if part.strong:
        return wrap(text, "**", "**")
    return wrap(text, "_", "_") if part.muted else text


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


MARKDOWN = Markup(inline=_inline, heading=lambda level, text: f"{'#' * level} {text}", bullet="- ", table=_table)


def to_markdown(blocks: Iterable[Block]) -> str:
    return MARKDOWN.render(blocks)
