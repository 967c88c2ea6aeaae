"""Tracker text never reaches a terminal, a log or a comment body with its control characters, and
renders as the words it is in every comment format."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from syncd.cli.main import app
from syncd.cli.texts import summarise_outcome
from syncd.core.drift import analyse
from syncd.logging import configure_logging, get_logger
from syncd.model import Alignment
from syncd.render import render
from syncd.render.markdown import escape_markdown
from syncd.render.wiki import escape_wiki
from syncd.strategy import Strategy
from syncd.sync.all_trackers import TrackerOutcome
from syncd.sync.engine import SyncResult
from syncd.sync.model import PlannedChange
from syncd.text.printable import printable
from tests.conftest import EXAMPLE_STRATEGY, make_item

HOSTILE = "Checkout \x1b]0;owned\x07\x1b[2J\x1b[31mred\x00 \x9b1m\u202egnp.exe\r done"


def test_control_characters_are_removed_and_text_and_line_breaks_kept() -> None:
    assert printable(HOSTILE) == "Checkout ]0;owned[2J[31mred 1mgnp.exe done"
    assert printable("tab\tand\nline") == "tab\tand\nline"


def test_explain_prints_no_control_character(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    item = make_item("GROW-7", title=HOSTILE, labels={"x\x1b[8m"}, estimate=1.0)
    path = tmp_path / "item.json"
    path.write_text(json.dumps(item.to_json()))
    result = CliRunner().invoke(app, ["explain", "--item", str(path), "-s", str(EXAMPLE_STRATEGY)])
    assert result.exit_code == 0, result.output
    assert "GROW-7  Checkout ]0;owned" in result.stdout
    assert not any(ch in result.stdout for ch in "\x1b\x00\x07\x9b\u202e\r")


def test_a_dry_run_plan_prints_no_control_character() -> None:
    change = PlannedChange("GROW-1", ("objective:self-serve-growth",), (), f"keyword in {HOSTILE}")
    result = SyncResult("jira.acme", changes=[change])
    lines = summarise_outcome(TrackerOutcome("jira.acme", result), dry_run=True)
    assert not any(ch in "\n".join(lines) for ch in "\x1b\x00\x07\x9b\u202e\r")


def test_logs_carry_no_control_character() -> None:
    stream = io.StringIO()
    configure_logging(format="console", stream=stream)
    try:
        get_logger("syncd.test").warning("item.skipped", issue="GROW-1", reason=HOSTILE)
    finally:
        structlog.reset_defaults()
    assert "Checkout ]0;owned" in stream.getvalue()
    assert "\x1b" not in stream.getvalue()
    assert "\x00" not in stream.getvalue()


def test_markdown_escapes_entities_and_drops_control_characters() -> None:
    assert escape_markdown("&lt;config&gt; & co") == "\\&lt;config\\&gt; \\& co"
    assert escape_markdown("a\x00b\x1b[31mc") == "ab\\[31mc"


def test_wiki_breaks_up_emoticons_and_drops_control_characters() -> None:
    for emoticon in (":D", ":P", ";P", ":p"):
        escaped = escape_wiki(f"Works {emoticon}")
        assert emoticon not in escaped
        assert escaped.replace("\u2060", "") == f"Works {emoticon}"
    assert escape_wiki("Brackets (y) :) (x)") == "Brackets \\(y\\) :\\) \\(x\\)"
    assert escape_wiki("a\x00b\x1bc") == "abc"
    assert escape_wiki("syncd:drift:report") == "syncd:drift:report", "a word after a colon is no emoticon"


@pytest.mark.parametrize("fmt", ["md", "wiki", "adf"])
def test_no_comment_body_carries_nul_or_esc(example_strategy: Strategy, fmt: str) -> None:
    item = make_item("MISC-1", title=HOSTILE, url="https://acme.atlassian.net/browse/MISC-1", estimate=3.0)
    report = analyse([(item, Alignment("MISC-1"))], example_strategy, now=item.updated + timedelta(days=1))
    body = render(report, fmt, scope="jira.acme")  # type: ignore[arg-type]
    assert "Checkout" in body
    for control in ("\x00", "\x1b", "\\u0000", "\\u001b"):
        assert control not in body


def test_check_lines_carry_no_control_character() -> None:
    from syncd.cli.texts import checklist
    from syncd.connectors.base import Check

    [line] = checklist([Check("report issue STRAT-1", False, f"Jira says: {HOSTILE}")])
    assert line.startswith("✗ report issue STRAT-1: Jira says: Checkout")
    assert not any(ch in line for ch in "\x1b\x00\x07\x9b\u202e\r")
