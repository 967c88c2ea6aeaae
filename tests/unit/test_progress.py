"""The progress line: rewritten in place on a terminal, cleared before anything else is printed."""

from __future__ import annotations

import io

from syncd.cli.session import ProgressLine


def test_the_line_is_rewritten_in_place_and_cleared_once() -> None:
    stream = io.StringIO()
    progress = ProgressLine(stream, enabled=True)
    progress("jira.acme", "pulled", 500)
    progress("jira.acme", "pulled", 1000)
    progress.clear()
    progress.clear()
    assert stream.getvalue() == "\r\033[Kjira.acme: pulled 500\r\033[Kjira.acme: pulled 1000\r\033[K"


def test_off_the_terminal_it_prints_nothing_at_all() -> None:
    stream = io.StringIO()
    progress = ProgressLine(stream, enabled=False)
    progress("linear.acme", "applied", 12)
    progress.clear()
    assert stream.getvalue() == ""
