"""How to tell a person to run syncd again, in words that work when pasted into the same shell.

After the README's install, ``syncd`` lives in ``.venv/bin`` and is not on ``PATH``; a hint that says
``syncd --config …`` would fail as pasted. The hint names the very program that is running instead.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

__all__ = ["command_line", "invocation"]


def invocation(argv0: str | None = None, *, cwd: Path | None = None, path_lookup: str | None = None) -> str:
    """``syncd`` when that is what ``PATH`` finds, else the path of the running script (relative to the
    working directory when it is below it), else ``python -m syncd`` with this interpreter."""
    program = argv0 if argv0 is not None else sys.argv[0]
    here = cwd or Path.cwd()
    script = Path(program)
    if script.name != "syncd" or not script.is_file():
        return f"{shlex.quote(_program(Path(sys.executable), here))} -m syncd"
    found = path_lookup if path_lookup is not None else shutil.which("syncd")
    if found and Path(found).resolve() == script.resolve():
        return "syncd"
    return shlex.quote(_program(script, here))


def command_line(*words: str | Path, argv0: str | None = None, cwd: Path | None = None) -> str:
    """A whole command, ``<syncd> --config syncd-demo/syncd.toml explain GROW-2``, quoted for a shell."""
    here = cwd or Path.cwd()
    shown = [_relative(w, here) if isinstance(w, Path) else w for w in words]
    return " ".join([invocation(argv0, cwd=here), *(shlex.quote(w) for w in shown)])


def _relative(path: Path, here: Path) -> str:
    """A path relative to the working directory when it lies below it, else absolute."""
    absolute = path if path.is_absolute() else here / path
    try:
        return os.fspath(absolute.relative_to(here))
    except ValueError:
        return os.fspath(absolute)


def _program(path: Path, here: Path) -> str:
    """A program's path as a shell runs it: a bare name would be looked up on PATH, so it gets ``./``."""
    shown = _relative(path, here)
    return shown if os.sep in shown else f".{os.sep}{shown}"
