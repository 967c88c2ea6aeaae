"""Rich text across REST versions: Atlassian Document Format (v3) and wiki markup (v2).

Jira Cloud keeps one document per description or comment and renders it per API version: v3 readers get
ADF, v2 readers get wiki markup. The emulator stores text the way it was written (a string from v2 or from
a test, an ADF document from v3) and converts on read. A string becomes a minimal document (paragraphs and
hard breaks, text kept verbatim) so the string survives a v2 -> v3 -> v2 round trip unchanged; a document
becomes wiki markup with the usual marks and blocks, which is how syncd's v3 reports read on Data Center's
side of the house.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

__all__ = ["is_document", "to_document", "to_plain_text", "to_wiki"]

_EXPANDS = frozenset({"expand", "nestedExpand"})
_MARKS = {"strong": "*", "em": "_", "strike": "-", "underline": "+", "sup": "^", "sub": "~"}


def to_document(text: str) -> dict[str, Any]:
    """A minimal ADF document for a plain or wiki-markup string.

    Blank lines separate paragraphs and single newlines become hard breaks; the text itself is kept as is.
    """
    paragraphs = [p for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    content: list[dict[str, Any]] = []
    for paragraph in paragraphs:
        inline: list[dict[str, Any]] = []
        for index, line in enumerate(paragraph.strip("\n").split("\n")):
            if index:
                inline.append({"type": "hardBreak"})
            if line:
                inline.append({"type": "text", "text": line})
        content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


def is_document(value: object) -> bool:
    """Whether ``value`` is shaped like an ADF document (what Jira accepts for a v3 rich-text field)."""
    if not isinstance(value, dict) or value.get("type") != "doc" or value.get("version") != 1:
        return False
    content = value.get("content")
    return isinstance(content, list) and all(_is_node(node) for node in content)


def _is_node(node: object) -> bool:
    if not isinstance(node, dict) or not isinstance(node.get("type"), str):
        return False
    if node["type"] == "text" and not isinstance(node.get("text"), str):
        return False
    content = node.get("content", [])
    return isinstance(content, list) and all(_is_node(child) for child in content)


def to_plain_text(value: str | dict[str, Any]) -> str:
    """The readable text of a string or document: blocks on their own lines, marks dropped."""
    if isinstance(value, str):
        return value
    return "\n\n".join(_block_text(node) for node in value.get("content", [])).strip("\n")


def _block_text(node: dict[str, Any]) -> str:
    kind = node.get("type")
    children = node.get("content", [])
    if kind in {"bulletList", "orderedList"}:
        return "\n".join(_block_text(item) for item in children)
    if kind in {"listItem", "blockquote", "panel", "table", "tableRow", "tableCell", "tableHeader"}:
        return "\n".join(_block_text(child) for child in children)
    if kind == "rule":
        return "---"
    if kind in _EXPANDS:
        inner = "\n".join(_block_text(child) for child in children)
        return f"{node.get('attrs', {}).get('title', '')}\n{inner}"
    return _inline_text(children)


def _inline_text(nodes: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for node in nodes:
        kind = node.get("type")
        if kind == "text":
            parts.append(str(node.get("text", "")))
        elif kind == "hardBreak":
            parts.append("\n")
        elif kind == "date":
            parts.append(_day(node.get("attrs", {}).get("timestamp")))
        elif kind in {"mention", "emoji", "status"}:
            attrs = node.get("attrs", {})
            parts.append(str(attrs.get("text") or attrs.get("shortName") or ""))
        elif kind == "inlineCard":
            parts.append(str(node.get("attrs", {}).get("url", "")))
        else:
            parts.append(_inline_text(node.get("content", [])))
    return "".join(parts)


def _day(timestamp: Any) -> str:
    """A ``date`` node's day (its timestamp is milliseconds since the epoch, as a string)."""
    try:
        return datetime.fromtimestamp(int(timestamp) / 1000, tz=UTC).date().isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return ""


def to_wiki(value: str | dict[str, Any]) -> str:
    """Wiki markup for a string (unchanged) or an ADF document (converted)."""
    if isinstance(value, str):
        return value
    return "\n\n".join(_block_wiki(node, depth=1) for node in value.get("content", [])).strip("\n")


def _block_wiki(node: dict[str, Any], *, depth: int, bullet: str = "*") -> str:
    kind = node.get("type")
    children: list[dict[str, Any]] = node.get("content", [])
    attrs: dict[str, Any] = node.get("attrs", {})
    if kind == "heading":
        return f"h{attrs.get('level', 1)}. {_inline_wiki(children)}"
    if kind in {"bulletList", "orderedList"}:
        marker = "*" if kind == "bulletList" else "#"
        return "\n".join(_block_wiki(item, depth=depth, bullet=marker) for item in children)
    if kind == "listItem":
        lines: list[str] = []
        for child in children:
            if child.get("type") in {"bulletList", "orderedList"}:
                marker = "*" if child.get("type") == "bulletList" else "#"
                nested = child.get("content", [])
                lines.extend(_block_wiki(item, depth=depth + 1, bullet=marker) for item in nested)
            else:
                lines.append(f"{bullet * depth} {_block_wiki(child, depth=depth)}")
        return "\n".join(lines)
    if kind == "codeBlock":
        language = attrs.get("language")
        opening = f"{{code:{language}}}" if language else "{code}"
        return f"{opening}\n{_inline_text(children)}\n{{code}}"
    if kind == "blockquote":
        inner = "\n".join(_block_wiki(child, depth=depth) for child in children)
        return f"{{quote}}\n{inner}\n{{quote}}"
    if kind == "panel":
        inner = "\n".join(_block_wiki(child, depth=depth) for child in children)
        return f"{{panel}}\n{inner}\n{{panel}}"
    if kind == "rule":
        return "----"
    if kind in _EXPANDS:
        inner = "\n".join(_block_wiki(child, depth=depth) for child in children)
        return f"*{attrs.get('title', '')}*\n{inner}"
    if kind == "table":
        return "\n".join(_row_wiki(row) for row in children)
    return _inline_wiki(children)


def _row_wiki(row: dict[str, Any]) -> str:
    cells = row.get("content", [])
    header = bool(cells) and all(cell.get("type") == "tableHeader" for cell in cells)
    separator = "||" if header else "|"
    texts = [" ".join(_block_wiki(child, depth=1) for child in cell.get("content", [])) for cell in cells]
    return separator + separator.join(texts) + separator


def _inline_wiki(nodes: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for node in nodes:
        kind = node.get("type")
        if kind == "text":
            parts.append(_marked(str(node.get("text", "")), node.get("marks", [])))
        elif kind == "hardBreak":
            parts.append("\n")
        elif kind == "mention":
            parts.append(f"[~accountid:{node.get('attrs', {}).get('id', '')}]")
        elif kind == "inlineCard":
            parts.append(f"[{node.get('attrs', {}).get('url', '')}]")
        else:
            parts.append(_inline_text([node]))
    return "".join(parts)


def _marked(text: str, marks: list[dict[str, Any]]) -> str:
    for mark in marks:
        kind = mark.get("type")
        if kind == "code":
            text = f"{{{{{text}}}}}"
        elif kind == "link":
            text = f"[{text}|{mark.get('attrs', {}).get('href', '')}]"
        elif kind in _MARKS:
            text = f"{_MARKS[kind]}{text}{_MARKS[kind]}"
    return text
