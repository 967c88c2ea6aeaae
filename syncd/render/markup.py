"""Writing blocks as a line-based markup (Markdown, Jira wiki): the walk over blocks is the same, only
the syntax differs, so a :class:`Markup` names the syntax and :meth:`Markup.render` does the walk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from syncd.render.blocks import Block, BulletList, Heading, Inline, Paragraph, Table, Text

__all__ = ["Markup"]


@dataclass(frozen=True)
class Markup:
    """One markup's syntax.

    Attributes:
        inline: a text or link, escaped and formatted.
        heading: a heading line from its level and its rendered text.
        bullet: what starts a list item.
        table: a table from its rendered header cells and rows of rendered cells.
    """

    inline: Callable[[Inline], str]
    heading: Callable[[int, str], str]
    bullet: str
    table: Callable[[list[str], list[list[str]]], str]

    def line(self, parts: Iterable[Inline]) -> str:
        return "".join(self.inline(part) for part in parts)

    def render(self, blocks: Iterable[Block]) -> str:
        out: list[str] = []
        for block in blocks:
            if isinstance(block, Heading):
                out.append(self.heading(block.level, self.line(block.content)))
            elif isinstance(block, Paragraph):
                out.append(self.line(block.content))
            elif isinstance(block, BulletList):
                out.append("\n".join(f"{self.bullet}{self.line(item)}" for item in block.items))
            elif isinstance(block, Table):
                header = [self.inline(Text(cell)) for cell in block.header]
                out.append(self.table(header, [[self.line(cell) for cell in row] for row in block.rows]))
        return "\n\n".join(out) + "\n"
