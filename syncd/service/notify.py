"""systemd's notify protocol (sd_notify), without a library: one datagram per message.

``READY=1`` once settings, strategy and state are open; ``STATUS=`` with the last outcome; ``WATCHDOG=1``
while healthy; ``STOPPING=1`` on shutdown. Without ``$NOTIFY_SOCKET`` (not under systemd) every call is a
no-op, so the service runs the same from a terminal.
"""

from __future__ import annotations

import os
import socket

from syncd.logging import get_logger

__all__ = ["Notifier", "watchdog_interval"]

_log = get_logger("syncd.service.notify")


class Notifier:
    """Sends notify messages to ``$NOTIFY_SOCKET`` (a path, or ``@name`` for the abstract namespace)."""

    def __init__(self, address: str | None = None) -> None:
        target = address if address is not None else os.environ.get("NOTIFY_SOCKET")
        self._address = "\0" + target[1:] if target and target.startswith("@") else target
        self._socket: socket.socket | None = None

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def send(self, *fields: str) -> None:
        """Send ``KEY=value`` fields in one message; failures are logged, never raised."""
        if not self._address:
            return
        try:
            if self._socket is None:
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            self._socket.sendto("\n".join(fields).encode(), self._address)
        except OSError as error:
            _log.warning("notify.failed", error=str(error))

    def ready(self, status: str) -> None:
        self.send("READY=1", f"STATUS={status}", f"MAINPID={os.getpid()}")

    def status(self, status: str) -> None:
        self.send(f"STATUS={status}")

    def watchdog(self) -> None:
        self.send("WATCHDOG=1")

    def stopping(self, status: str) -> None:
        self.send("STOPPING=1", f"STATUS={status}")

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None


def watchdog_interval() -> float | None:
    """Seconds between ``WATCHDOG=1`` pings: half of systemd's ``WatchdogSec`` when it is for this process."""
    usec = os.environ.get("WATCHDOG_USEC")
    pid = os.environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(int(usec) / 2_000_000, 0.5)
    except ValueError:
        return None
