"""Signals acted on in a thread of their own.

A Python signal handler runs in the main thread, between two of its bytecodes. Setting a
``threading.Event`` there takes the event's lock; if the main thread held that very lock at that moment
(entering or leaving ``Event.wait``, ``Event.clear``), the handler waits for itself and the service never
stops. So the handler only writes the signal's number to a pipe — no lock, safe at any instant — and a
relay thread reads it and runs the action, where waiting for a lock the main thread holds is harmless.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Mapping
from types import FrameType

__all__ = ["SignalRelay"]


class SignalRelay:
    """Routes each of ``actions``' signals to its action, run in the relay thread."""

    def __init__(self, actions: Mapping[signal.Signals, Callable[[signal.Signals], None]]) -> None:
        self._actions = dict(actions)
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)
        self._thread = threading.Thread(target=self._relay, name="signals", daemon=True)
        self._previous: dict[signal.Signals, signal._HANDLER] = {}

    def install(self) -> SignalRelay:
        """Start the relay and take the signals over (call from the main thread, as ``signal.signal`` needs)."""
        self._thread.start()
        for number in self._actions:
            self._previous[number] = signal.signal(number, self._handle)
        return self

    def close(self) -> None:
        """Give the signals back to their previous handlers and end the relay once it has acted on the rest."""
        for number, previous in self._previous.items():
            signal.signal(number, previous)
        os.close(self._write)
        self._thread.join(timeout=5)
        os.close(self._read)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        with contextlib.suppress(BlockingIOError):  # thousands of signals unread: this one adds nothing
            os.write(self._write, bytes([signum]))

    def _relay(self) -> None:
        while chunk := os.read(self._read, 64):
            for number in chunk:
                self._actions[signal.Signals(number)](signal.Signals(number))
