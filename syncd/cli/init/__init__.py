"""``syncd init``: from a tracker's credentials to a settings file and a first strategy."""

from __future__ import annotations

from syncd.cli.init.command import TerminalPrompts, init_from_answers, init_interactively

__all__ = ["TerminalPrompts", "init_from_answers", "init_interactively"]
