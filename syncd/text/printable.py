"""Tracker text made safe for a terminal and a log.

Titles, labels and descriptions come from anyone who can edit an issue. Printed raw, an ESC sequence in
a title moves the cursor, recolours or retitles the user's terminal, or hides the lines around it; a
carriage return or a bidirectional override makes a line read differently from what it says. syncd
therefore removes control characters (C0 but tab and line feed, DEL, C1) and the bidirectional
embedding, override and isolate marks from tracker text before it prints or logs it.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` without control characters; tabs and line feeds stay."""
    return _CONTROLS.sub("", text)
