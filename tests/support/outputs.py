"""Everything the suite sees syncd say, collected for the secrets audit in ``tests/conftest.py``.

pytest's own capture only holds what a test process prints. syncd also speaks through ``CliRunner``
results and through subprocesses (the service's log file, the demo, the sandbox CLI, crash trials whose
output is thrown away) and through what it sends to the emulated trackers. :func:`install` hooks the
first two for the whole session, so no test has to remember to feed the audit:

- every ``CliRunner.invoke`` result (output, stderr, and the traceback of an exception it caught);
- every subprocess: what the test reads from its pipes or gets from ``communicate``/``run``, the file
  its output was sent to, and, for output sent to ``DEVNULL``, a spool file that takes its place.

The harnesses add what syncd wrote to the trackers (:meth:`Outputs.add`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import traceback
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import typer.testing

__all__ = ["OUTPUTS", "Outputs", "install"]


def _current_test() -> str:
    """The test running now (pytest names it in ``PYTEST_CURRENT_TEST``), or the session."""
    return os.environ.get("PYTEST_CURRENT_TEST", "session").rsplit(" ", 1)[0]


def _text(data: object) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data if isinstance(data, str) else ""


@dataclass
class _File:
    owner: str
    where: str
    path: Path
    process: subprocess.Popen[Any]


@dataclass
class Outputs:
    """Captured texts, and files still being written, each with the test it came from."""

    texts: list[tuple[str, str, str]] = field(default_factory=list)
    files: list[_File] = field(default_factory=list)
    spool: Path | None = None

    def add(self, where: str, data: object) -> None:
        """Keep ``data`` (text or bytes) as output of the current test."""
        text = _text(data)
        if text:
            self.texts.append((_current_test(), where, text))

    def add_file(self, where: str, path: Path, process: subprocess.Popen[Any]) -> None:
        self.files.append(_File(_current_test(), where, path, process))

    def spool_file(self) -> IO[bytes]:
        """A file that takes the place of ``DEVNULL`` for a subprocess, read by the audit later."""
        if self.spool is None:
            self.spool = Path(tempfile.mkdtemp(prefix="syncd-test-outputs-"))
        return tempfile.NamedTemporaryFile(dir=self.spool, prefix="devnull-", delete=False)

    def leaks(self, secrets: Iterable[str], *, final: bool = False) -> Iterator[str]:
        """Each secret found, once per place; forgets what it has read (files: once their process ended).

        Args:
            secrets: the strings that must never appear.
            final: read every file, ended or not (the session is over).
        """
        secrets = tuple(secrets)
        texts, self.texts = self.texts, []
        remaining: list[_File] = []
        for file in self.files:
            ended = file.process.poll() is not None
            if ended or final:
                text = _text(file.path.read_bytes()) if file.path.exists() else ""
                texts.append((file.owner, file.where, text))
            if not ended and not final:
                remaining.append(file)
        self.files = remaining
        for owner, where, text in texts:
            for secret in secrets:
                if secret in text:
                    yield f"{owner} ({where}): {secret!r}"

    def close(self) -> None:
        if self.spool is not None:
            shutil.rmtree(self.spool, ignore_errors=True)
            self.spool = None


OUTPUTS = Outputs()


class _TeeStream:
    """A subprocess pipe that keeps a copy of everything the test reads from it."""

    def __init__(self, stream: IO[Any], where: str) -> None:
        self._stream = stream
        self._where = where

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    def _keep(self, data: Any) -> Any:
        OUTPUTS.add(self._where, data)
        return data

    def read(self, *args: Any) -> Any:
        return self._keep(self._stream.read(*args))

    def readline(self, *args: Any) -> Any:
        return self._keep(self._stream.readline(*args))

    def readlines(self, *args: Any) -> list[Any]:
        lines = self._stream.readlines(*args)
        for line in lines:
            self._keep(line)
        return lines

    def __iter__(self) -> _TeeStream:
        return self

    def __next__(self) -> Any:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def __enter__(self) -> _TeeStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stream.close()


def _command(args: Any) -> str:
    """A short name for a command line: the program and its first arguments, each cut short."""
    words = [str(args)] if isinstance(args, str | os.PathLike) else [str(word) for word in args]
    shown = [Path(words[0]).name, *(word[:24] for word in words[1:4])] if words else []
    return "subprocess " + " ".join(shown)


class _AuditedPopen(subprocess.Popen):  # type: ignore[type-arg]
    """``subprocess.Popen`` whose every output reaches :data:`OUTPUTS`."""

    def __init__(self, args: Any, *rest: Any, **options: Any) -> None:
        where = _command(args)
        files: list[tuple[str, Path]] = []
        spooled: list[IO[bytes]] = []
        for stream in ("stdout", "stderr"):
            target = options.get(stream)
            if target == subprocess.DEVNULL:
                options[stream] = spool = OUTPUTS.spool_file()
                spooled.append(spool)
                files.append((f"{where}, {stream} (discarded)", Path(spool.name)))
            elif hasattr(target, "fileno") and isinstance(getattr(target, "name", None), str):
                files.append((f"{where}, {stream} file", Path(target.name)))  # type: ignore[union-attr]
        try:
            super().__init__(args, *rest, **options)
        finally:
            for spool in spooled:
                spool.close()
        for label, path in files:
            OUTPUTS.add_file(label, path, self)
        if self.stdout is not None:
            self.stdout = _TeeStream(self.stdout, f"{where}, stdout")  # type: ignore[assignment]
        if self.stderr is not None:
            self.stderr = _TeeStream(self.stderr, f"{where}, stderr")  # type: ignore[assignment]
        self._where = where

    def communicate(self, *args: Any, **kwargs: Any) -> tuple[Any, Any]:
        out, err = super().communicate(*args, **kwargs)
        OUTPUTS.add(f"{self._where}, stdout", out)
        OUTPUTS.add(f"{self._where}, stderr", err)
        return out, err


def _invoke(original: Any) -> Any:
    def invoke(self: typer.testing.CliRunner, *args: Any, **kwargs: Any) -> typer.testing.Result:
        result: typer.testing.Result = original(self, *args, **kwargs)
        OUTPUTS.add("CliRunner output", result.output_bytes)
        OUTPUTS.add("CliRunner stderr", result.stderr_bytes)
        if result.exc_info is not None:
            OUTPUTS.add("CliRunner exception", "".join(traceback.format_exception(*result.exc_info)))
        return result

    return invoke


def install() -> None:
    """Route every ``CliRunner`` result and subprocess output of the session to :data:`OUTPUTS`."""
    if getattr(typer.testing.CliRunner.invoke, "_audited", False):
        return
    invoke = _invoke(typer.testing.CliRunner.invoke)
    invoke._audited = True
    typer.testing.CliRunner.invoke = invoke  # type: ignore[method-assign]
    subprocess.Popen = _AuditedPopen  # type: ignore[misc]
