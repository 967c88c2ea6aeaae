"""The prose of an issue description, without the pasted machine text around it (pure).

People paste logs, stack traces, test output, flag dumps and code into descriptions. Their words are the
machine's, not the author's: a test log of an authentication-enabled cluster says "credentials" forty
times about a flaky test. Keyword evidence is read from the prose only, so noise cannot outvote the title.

Left out: Jira ``{code}``, ``{noformat}`` and ``{quote}`` blocks and Markdown code fences (an unclosed block
runs to the end, as Jira renders it), URLs, and lines that look machine-made: glog and timestamped log
lines, gtest banners, stack frames, shell prompts and ``--flag=value`` dumps. Descriptions whose line breaks
were flattened to runs of spaces (exports, some API renderings) are read with two or more spaces as a break.
"""

from __future__ import annotations

import re

__all__ = ["noise", "prose"]

_OPENING = re.compile(r"\{(code|noformat|quote)(?::[^}\n]*)?\}|```")
_URL = re.compile(r"(?:https?|ftp|file)://\S+|www\.\S+")
_MACHINE = (
    r"[IWEF]\d{4} \d\d:\d\d:\d\d",  # glog
    r"\d+ [\w./-]+:\d+\] ",  # glog after its time, when runs of spaces were read as breaks
    r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d",  # ISO timestamps
    r"\[? *(?:[A-Z]{3,5} )?\d\d:\d\d:\d\d[,.]\d+",  # time-of-day log prefixes
    r"\[ *(?:RUN|OK|FAILED|PASSED|DONE|SKIPPED|=+|-+) *\]",  # gtest banners
    r"@ +0x[0-9a-fA-F]+",  # glog stack frames
    r"#\d+ +0x[0-9a-fA-F]+",  # gdb frames
    r"at [\w$.<>]+\(",  # JVM frames
    r"Caused by: ",
    r"\[\w+@[^]\n]*\][$#](?: |$)",  # shell prompts
    r"[$#] ",
    r"--[\w-]+=",  # flag dumps
    r"(?:DEBUG|INFO|WARN|WARNING|ERROR|FATAL|TRACE)[: \]]",
)
_BREAK = re.compile(r"  +")
_LINE = re.compile(rf"\n[ \t]*(?:{'|'.join(_MACHINE)})[^\n]*")


def prose(description: str) -> str:
    """The description with pasted blocks, URLs and machine-made lines replaced by line breaks."""
    if not description:
        return ""
    text = _without_blocks(description) if ("{" in description or "```" in description) else description
    if "://" in text or "www." in text:
        text = _URL.sub(" ", text)
    text = _LINE.sub("\n", "\n" + text.replace("\t", "  "))
    return _LINE.sub("\n", _BREAK.sub("\n", text)) if "  " in text else text


def noise(description: str) -> str:
    """What :func:`prose` leaves out: the pasted blocks, URLs and machine-made lines, one per line."""
    if not description:
        return ""
    parts = [description[start:end] for start, end in _blocks(description)]
    rest = _without_blocks(description)
    parts += [match.group() for match in _URL.finditer(rest)]
    lines = "\n" + _URL.sub(" ", rest).replace("\t", "  ")
    parts += [match.group().lstrip("\n") for match in _LINE.finditer(lines)]
    parts += [match.group().lstrip("\n") for match in _LINE.finditer(_BREAK.sub("\n", _LINE.sub("\n", lines)))]
    return "\n".join(parts)


def _blocks(text: str) -> list[tuple[int, int]]:
    """Where the code, noformat and quote blocks and the code fences are; an unclosed one runs to the end."""
    found: list[tuple[int, int]] = []
    position = 0
    while (opening := _OPENING.search(text, position)) is not None:
        close = "```" if opening.group() == "```" else f"{{{opening.group(1)}}}"
        end = text.find(close, opening.end())
        position = len(text) if end < 0 else end + len(close)
        found.append((opening.start(), position))
    return found


def _without_blocks(text: str) -> str:
    kept: list[str] = []
    position = 0
    for start, end in _blocks(text):
        kept += (text[position:start], "\n")
        position = end
    kept.append(text[position:])
    return "".join(kept)
