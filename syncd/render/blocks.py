"""A tiny document model that every comment format renders: headings, paragraphs, lists, tables.

The report's wording is built once, as blocks (:mod:`syncd.render.comment`); Markdown, ADF and wiki markup
only decide how a block is written and how text is escaped. So the three formats say the same thing, and
escaping lives in one function per format instead of at every place a title is printed.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Block", "BulletList", "Heading", "Inline", "Link", "Paragraph", "Table", "Text", "wrap"]


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    strong: bool = False
    muted: bool = False


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    url: str


Inline = Text | Link
Line = tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    content: Line


@dataclass(frozen=True, slots=True)
class Paragraph:
    content: Line


@dataclass(frozen=True, slots=True)
class BulletList:
    items: tuple[Line, ...]


@dataclass(frozen=True, slots=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Line, ...], ...]


Block = Heading | Paragraph | BulletList | Table


def wrap(text: str, before: str, after: str) -> str:
    """``text`` between formatting markers, with its outer white space kept outside them: ``**bold **``
    is not bold in Markdown, nor ``*bold *`` in wiki markup."""
    core = text.strip()
    if not core:
        return text
    start = text[: len(text) - len(text.lstrip())]
    end = text[len(text.rstrip()) :]
    return f"{start}{before}{core}{after}{end}"
