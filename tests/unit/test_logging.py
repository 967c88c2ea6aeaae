"""Logging: JSON lines off a terminal, and no secret ever reaches a line."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest

from syncd.cli.session import ProgressLine
from syncd.logging import EXCERPT, REDACTED, REDACTOR, Redactor, before_log_line, configure_logging, get_logger

SECRET = "s3cr3t-value-0042"


@pytest.fixture
def output() -> io.StringIO:
    stream = io.StringIO()
    REDACTOR.add([SECRET])
    configure_logging(format="json", level="debug", stream=stream)
    return stream


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_with_level_and_time(output: io.StringIO) -> None:
    get_logger("syncd.test").info("sync.finished", tracker="jira.acme", items=3)
    [line] = lines(output)
    assert line["event"] == "sync.finished"
    assert line["level"] == "info"
    assert line["tracker"] == "jira.acme"
    assert line["items"] == 3
    assert "timestamp" in line


def test_known_secret_is_redacted_everywhere(output: io.StringIO) -> None:
    log = get_logger("syncd.test")
    log.warning(f"request failed for {SECRET}", detail={"nested": [f"x{SECRET}y"]})
    try:
        raise RuntimeError(f"boom with {SECRET}")
    except RuntimeError:
        log.exception("crashed")
    text = output.getvalue()
    assert SECRET not in text
    assert text.count(REDACTED) >= 3


def test_library_logs_are_redacted_too(output: io.StringIO) -> None:
    logging.getLogger("some.library").warning("sending Authorization: Bearer abcdefghijklmnop to %s", "host")
    [line] = lines(output)
    assert "abcdefghijklmnop" not in json.dumps(line)
    assert line["event"] == f"sending Authorization: {REDACTED} to host"


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Basic dXNlcjpwYXNzd29yZA==",
        "authorization='Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig'",
        "key lin_api_0123456789abcdefABCDEF in use",
        "ATATT3xFfGF0abcdefghijklmnopqrstuvwxyz0123",
        "https://host/path?api_key=abcdef123&x=1",
        '{"Authorization": "lin_api_zzzzzzzzzzzz"}',
    ],
)
def test_token_shapes_are_recognised_without_being_told(text: str) -> None:
    redacted = Redactor().text(text)
    assert REDACTED in redacted
    for token in ("dXNlcjpwYXNzd29yZA", "eyJhbGci", "lin_api_0123", "ATATT3x", "abcdef123", "zzzzzzzz"):
        assert token not in redacted


def test_secret_named_keys_are_redacted() -> None:
    event = REDACTOR(None, "info", {"event": "x", "api_token": "anything", "headers": {"Authorization": "t"}})
    assert event["api_token"] == REDACTED
    assert event["headers"] == {"Authorization": REDACTED}


def test_console_format_is_readable(capsys: pytest.CaptureFixture[str]) -> None:
    stream = io.StringIO()
    configure_logging(format="console", level="info", stream=stream)
    get_logger("syncd.test").info("hello", tracker="jira.acme")
    text = stream.getvalue()
    assert "hello" in text
    assert "tracker=jira.acme" in text
    assert not text.startswith("{")


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_a_log_line_on_the_terminal_clears_the_progress_line_first(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    configure_logging(format="console", level="info")
    progress = ProgressLine(terminal, enabled=True)
    before_log_line(progress.clear)
    progress("jira.acme", "pulled", 100)
    get_logger("syncd.test").warning("request.retry", tracker="jira.acme")
    text = terminal.getvalue()
    assert text.startswith("\r\033[Kjira.acme: pulled 100\r\033[K"), "the progress is wiped before the log line"
    assert "request.retry" in text.split("pulled 100", 1)[1]


@pytest.mark.parametrize(("no_color", "coloured"), [("", True), ("1", False)])
def test_no_color_turns_colour_off(monkeypatch: pytest.MonkeyPatch, no_color: str, coloured: bool) -> None:
    monkeypatch.setenv("NO_COLOR", no_color)
    terminal = Terminal()
    configure_logging(format="console", level="info", stream=terminal)
    get_logger("syncd.test").warning("sync.failed", tracker="jira.acme")
    assert ("\033[" in terminal.getvalue()) is coloured


def test_a_library_logs_a_short_redacted_excerpt_of_a_whole_body(output: io.StringIO) -> None:
    body = f"<html>{'x' * 10_000} {SECRET} {'y' * 100_000}</html>"
    logging.getLogger("jira").warning("Got response: %s", body)
    logging.getLogger("jira").warning(f"{'z' * (EXCERPT - 10)} {SECRET}")
    first, second = lines(output)
    assert len(str(first["event"])) < EXCERPT + 50
    assert str(first["event"]).endswith(" more characters)")
    assert SECRET not in str(second["event"])
    assert SECRET[:8] not in str(second["event"]), "redacted before it was cut, so no part of it is left"
