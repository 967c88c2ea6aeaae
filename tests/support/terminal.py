"""A syncd command on a pseudo-terminal, answered prompt by prompt as a person would."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

from tests.conftest import REPO

__all__ = ["Terminal"]


class Terminal:
    """``python -m syncd ARGS`` on a pseudo-terminal, answered prompt by prompt as a person would."""

    def __init__(self, *args: str, cwd: Path, env: dict[str, str]) -> None:
        self.leader, follower = pty.openpty()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "syncd", *args],
            cwd=cwd,
            stdin=follower,
            stdout=follower,
            stderr=follower,
            start_new_session=True,
            env={**os.environ, "PYTHONPATH": str(REPO), **env},
        )
        os.close(follower)
        self.screen = ""

    def expect(self, text: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.screen:
            remaining = deadline - time.monotonic()
            ready, _, _ = select.select([self.leader], [], [], max(remaining, 0))
            if not ready:
                raise AssertionError(f"waited for {text!r}; the screen shows:\n{self.screen}")
            try:
                chunk = os.read(self.leader, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise AssertionError(f"ended before {text!r}; the screen shows:\n{self.screen}")
            self.screen += chunk.decode(errors="replace")

    def answer(self, prompt: str, text: str) -> None:
        self.expect(prompt)
        self.screen = self.screen[self.screen.index(prompt) + len(prompt) :]
        os.write(self.leader, text.encode() + b"\r")

    def answer_secret(self, prompt: str, text: str) -> None:
        """Type once echo is off: the prompt shows before the password reader turns echo off, and what is
        typed in between would be echoed, then flushed."""
        self.expect(prompt)
        deadline = time.monotonic() + 30
        while termios.tcgetattr(self.leader)[3] & termios.ECHO:
            assert time.monotonic() < deadline, "echo was never turned off for the secret"
            time.sleep(0.01)
        self.answer(prompt, text)

    def finish(self) -> int:
        try:
            while os.read(self.leader, 65536):
                pass
        except OSError:
            pass
        os.close(self.leader)
        return self.process.wait(timeout=30)
