"""The emulators as a person starts them from a shell: ``python -m syncd.sandbox KIND ...``."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def sandbox_command(*args: str) -> Iterator[str]:
    """Run ``python -m syncd.sandbox ARGS`` while the block runs; yields the two banner lines it prints
    first (where it listens, and the credentials to use)."""
    process = subprocess.Popen([sys.executable, "-m", "syncd.sandbox", *args], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield process.stdout.readline() + process.stdout.readline()
    finally:
        process.terminate()
        process.wait(timeout=10)
