"""JQL's tokens: words, quoted strings with escapes, operators and punctuation, with Jira's messages.

Jira reports a lexical mistake with its position (``(line 1, character 12)``) and refuses unquoted use of
its reserved characters; syncd's JQL builder has to quote and escape values the way Jira reads them, and
these are the rules it is held to.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["JqlError", "Token", "tokenize", "where"]


class JqlError(ValueError):
    """A query Jira would refuse; ``message`` is the text of Jira's ``errorMessages`` entry."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_RESERVED = set("+.,;?|*/%^$#@[]")
_ESCAPES = {'"': '"', "'": "'", "\\": "\\", "n": "\n", "r": "\r", "t": "\t", " ": " "}
_TOKEN = re.compile(
    r"""(?P<space>\s+)|(?P<cf>cf\[\d+\])|(?P<op>!=|!~|<=|>=|=|<|>|~)|(?P<and>&&|&)|(?P<or>\|\||\|)
    |(?P<not>!)|(?P<lparen>\()|(?P<rparen>\))|(?P<comma>,)|(?P<quote>["'])
    |(?P<word>[^\s=!<>~(),"'&|]+)""",
    re.VERBOSE | re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical unit: ``kind`` names the pattern group (``word``, ``string``, ``op`` ...) or ``end``."""

    kind: str
    text: str
    position: int

    def word(self, *candidates: str) -> bool:
        return self.kind == "word" and self.text.lower() in candidates


def where(text: str, position: int) -> str:
    """Jira's position suffix for an error at ``position`` of ``text``."""
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"(line {line}, character {column})"


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``, ending with an ``end`` token; raises :class:`JqlError` for bad input."""
    tokens: list[Token] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # pragma: no cover - the word pattern matches any other character
            raise JqlError(f"Error in the JQL Query: Unexpected input {where(text, position)}")
        kind = match.lastgroup or ""
        if kind == "quote":
            value, position = _read_string(text, position)
            tokens.append(Token("string", value, match.start()))
            continue
        if kind == "word":
            for offset, char in enumerate(match.group()):
                if char in _RESERVED:
                    raise JqlError(
                        f"Error in the JQL Query: The character '{char}' is a reserved JQL character. You "
                        f"must enclose it in a string or use the escape '\\u{ord(char):04x}' instead. "
                        f"{where(text, position + offset)}"
                    )
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


def _read_string(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    chars: list[str] = []
    position = start + 1
    while position < len(text):
        char = text[position]
        if char == quote:
            return "".join(chars), position + 1
        if char == "\\":
            escape = text[position + 1 : position + 2]
            if escape == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", text[position + 2 : position + 6]):
                chars.append(chr(int(text[position + 2 : position + 6], 16)))
                position += 6
                continue
            if escape not in _ESCAPES:
                raise JqlError(
                    f"Error in the JQL Query: '\\{escape}' is an illegal JQL escape sequence. "
                    "The valid escape sequences are \\', \\\", \\t, \\n, \\r, \\\\, '\\ ' and \\uXXXX. "
                    f"{where(text, position)}"
                )
            chars.append(_ESCAPES[escape])
            position += 2
            continue
        chars.append(char)
        position += 1
    raise JqlError(
        f"Error in the JQL Query: The quoted string '{text[start + 1 :]}' has not been completed. {where(text, start)}"
    )
