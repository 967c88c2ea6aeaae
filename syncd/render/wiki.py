"""Blocks as Jira wiki markup, for Jira Data Center (REST v2) comments.

Wiki markup treats many characters as formatting (``*bold*``, ``{code}``, ``[link]``, ``|`` in tables);
each is escaped with a backslash so an issue title renders as its own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from syncd.render.blocks import Block, BulletList, Heading, Inline, Link, Paragraph, Table, wrap

__all__ = ["escape_wiki", "to_wiki"]

_SPECIAL = re.compile(r"([\\*_\-+^~?{}\[\]|!#()])")
_SPACE = re.compile(r"\s+")


def escape_wiki(text: str) -> str:
    return _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", text))


def _inline(part: Inline) -> str:
    if isinstance(part, Link):
        url = part.url.replace("|", "%7C").replace("]", "%5D").replace(" ", "%20")
        return f"[{escape_wiki(part.text)}|{url}]"
    text = escape_wiki(part.text)
    if part.strong:
        return wrap(text, "*", "*")
    return wrap(text, "{color:#6b778c}", "{color}") if part.muted else text


def _line(parts: Iterable[Inline]) -> str:
    return "".join(_inline(part) for part in parts)


def to_wiki(blocks: Iterable[Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            out.append(f"h{block.level}. {_line(block.content)}")
        elif isinstance(block, Paragraph):
            out.append(_line(block.content))
        elif isinstance(block, BulletList):
            out.append("\n".join(f"* {_line(item)}" for item in block.items))
        elif isinstance(block, Table):
            header = "||" + "||".join(escape_wiki(h) for h in block.header) + "||"
            rows = ["|" + "|".join(_line(cell) or " " for cell in row) + "|" for row in block.rows]
            out.append("\n".join([header, *rows]))
    return "\n\n".join(out) + "\n"
