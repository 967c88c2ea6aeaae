"""What one sync of one tracker is asked to do, how the service steers it, and what it did.

Plain values shared by the engine, the writes it sends, the trackers loop, the service and the command
line, kept apart from the engine so that each of them can speak of a sync without importing how it runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from syncd.errors import Cancelled

__all__ = ["PlannedChange", "RunControl", "SyncOptions", "SyncResult"]


@dataclass(frozen=True, slots=True)
class SyncOptions:
    """``dry_run`` writes nothing to the tracker or the state; ``full`` reads every issue; ``force`` passes
    safety stops."""

    dry_run: bool = False
    full: bool = False
    force: bool = False


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """One issue's label delta and the reason behind it, for ``--dry-run`` and the logs."""

    key: str
    add: tuple[str, ...]
    remove: tuple[str, ...]
    why: str


@dataclass
class SyncResult:
    """What one sync of one tracker did.

    ``history_reads`` counts the issues whose label history was read because the journal could not say
    who put a label there; ``pinned`` the owned labels this sync found to be a person's that the journal
    did not know as such (a new pin, or one found again after a lost state).
    """

    tracker: str
    pulled: int = 0
    skipped: int = 0
    changed: int = 0
    applied: int = 0
    failed: int = 0
    forgotten: int = 0
    requests: int = 0
    retries: int = 0
    history_reads: int = 0
    pinned: int = 0
    errors: list[str] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)

    @property
    def status(self) -> Literal["ok", "partial"]:
        return "partial" if self.failed or self.skipped or self.errors else "ok"

    def counts(self) -> dict[str, int]:
        return {
            "pulled": self.pulled,
            "skipped": self.skipped,
            "changed": self.changed,
            "applied": self.applied,
            "failed": self.failed,
            "forgotten": self.forgotten,
            "requests": self.requests,
            "retries": self.retries,
            "history_reads": self.history_reads,
            "pinned": self.pinned,
        }


@dataclass(frozen=True)
class RunControl:
    """How the service steers a running sync.

    Attributes:
        stop: once set, the sync stops at the next safe point: after the page or the write in flight,
            with everything done so far recorded (the cursor only advances when a pull completes).
        heartbeat: called after every page and every write, so a watchdog can tell slow from stuck.
        progress: told ``(tracker, what, count)`` as work advances (``pulled``, ``applied``), for a
            progress line on a terminal.
    """

    stop: threading.Event = field(default_factory=threading.Event)
    heartbeat: Callable[[], None] = lambda: None
    progress: Callable[[str, str, int], None] = lambda tracker, what, count: None

    def checkpoint(self) -> None:
        self.heartbeat()
        if self.stop.is_set():
            raise Cancelled("shutting down: the sync stopped at a safe point")
