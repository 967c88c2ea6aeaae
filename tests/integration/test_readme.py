"""Every ``syncd`` command the README shows is run here, as a newcomer would type it.

Commands of the README's shell blocks run from a scratch directory holding a copy of ``config/``; the
quick-start tour runs while ``syncd demo --keep-running`` serves the emulated trackers. Commands that need
a real host (``/etc/syncd``: the service installation) are not run, but each of their sub-commands must be
among those that are.
"""

from __future__ import annotations

import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import REPO

README = (REPO / "README.md").read_text()
_BLOCK = re.compile(r"```sh\n(.*?)```", re.S)


def readme_commands() -> list[list[str]]:
    """Each ``syncd …`` invocation in the README's sh blocks, as argv after ``syncd``."""
    commands = []
    for block in _BLOCK.findall(README):
        text = block.replace("\\\n", " ")
        for line in text.splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                while words and "=" in words[0] and not words[0].startswith("-"):
                    words = words[1:]
                if words and words[0] in {"syncd", ".venv/bin/syncd"}:
                    commands.append(words[1:])
    return commands


def subcommand(argv: list[str]) -> str:
    skip_next = False
    for word in argv:
        if skip_next:
            skip_next = False
            continue
        if word in {"--config", "-c", "--strategy", "-s", "--log-format", "--log-level"}:
            skip_next = True
            continue
        if not word.startswith("-"):
            return word
    return ""


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "syncd", *argv], cwd=cwd, capture_output=True, text=True, check=False)


def test_every_readme_command_runs(tmp_path: Path) -> None:
    commands = readme_commands()
    assert len(commands) >= 10
    shutil.copytree(REPO / "config", tmp_path / "config")
    runnable = [argv for argv in commands if not any("/etc/" in word for word in argv)]
    host_only = [argv for argv in commands if argv not in runnable]
    background = [argv for argv in runnable if argv[:1] == ["demo"] and "--keep-running" in argv]
    first = [argv for argv in runnable if argv[:1] == ["demo"] and argv not in background]
    # `syncd init` asks its questions at a terminal: test_init.py answers them on a pseudo-terminal.
    rest = [argv for argv in runnable if argv[:1] != ["demo"] and argv != ["init"]]
    for argv in first:
        result = run(argv, tmp_path)
        assert result.returncode == 0, (argv, result.stderr)
    [keep] = background
    server = subprocess.Popen(
        [sys.executable, "-m", "syncd", *keep],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and "curl -u" not in server.stdout.readline():
            pass
        for argv in rest:
            result = run(argv, tmp_path)
            assert result.returncode == 0, (argv, result.stdout, result.stderr)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=10)
    ran = {subcommand(argv) for argv in runnable}
    for argv in host_only:
        assert subcommand(argv) in ran, argv
