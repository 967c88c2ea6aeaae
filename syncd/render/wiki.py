"""Blocks as Jira wiki markup, for Jira Data Center (REST v2) comments.

Wiki markup treats many characters as formatting (``*bold*``, ``{code}``, ``[link]``, ``|`` in tables);
each is escaped with a backslash so an issue title renders as its own words.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from syncd.render.blocks import Block, Inline, Link, wrap
from syncd.render.markup import Markup
from syncd.text.printable import printable

__all__ = ["escape_wiki", "to_wiki"]

_SPECIAL = re.compile(r"([\\*_\-+^~?{}\[\]|!#()])")
_SPACE = re.compile(r"\s+")
_EMOTICON = re.compile(r"([:;])(?=[DPdp](?![A-Za-z0-9]))")
_WORD_JOINER = "\u2060"


def escape_wiki(text: str) -> str:
    """Backslash-escape wiki markup's formatting characters, drop control characters, flatten line breaks,
    and break up the emoticons ``:D`` and ``:P`` with an invisible word joiner (the bracketed ones are
    already escaped), which Jira would otherwise draw as pictures."""
    escaped = _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", printable(text)))
    return _EMOTICON.sub(rf"\1{_WORD_JOINER}", escaped)


def _inline(part: Inline) -> str:
    if isinstance(part, Link):
        url = part.url.replace("|", "%7C").replace("]", "%5D").replace(" ", "%20")
        return f"[{escape_wiki(part.text)}|{url}]"
    text = escape_wiki(part.text)
    if part.strong:
        return wrap(text, "*", "*")
    return wrap(text, "{color:#6b778c}", "{color}") if part.muted else text


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["||" + "||".join(header) + "||"]
    return "\n".join([*lines, *("|" + "|".join(cell or " " for cell in row) + "|" for row in rows)])


WIKI = Markup(inline=_inline, heading=lambda level, text: f"h{level}. {text}", bullet="* ", table=_table)


def to_wiki(blocks: Iterable[Block]) -> str:
    return WIKI.render(blocks)
