"""Run ``python -m syncd`` and record its own peak resident memory.

    python -m bench.peak PEAK_FILE [syncd arguments...]

Why not ``wait4``'s ``ru_maxrss``: the benchmark starts syncd with fork/vfork + exec from a process that holds
the emulators (and their 100k issues), and Linux carries the parent's high-water mark into the child's
``ru_maxrss`` across exec — the figure would be the emulators' memory, not syncd's. ``VmHWM`` in
``/proc/self/status`` belongs to the process's own address space, so it is read here, at exit.
"""

from __future__ import annotations

import atexit
import runpy
import sys
from pathlib import Path


def peak_kib() -> int:
    """This process's peak resident set (``VmHWM``), in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def main() -> None:
    peak_file = Path(sys.argv[1])
    atexit.register(lambda: peak_file.write_text(str(peak_kib())))
    sys.argv = ["syncd", *sys.argv[2:]]
    runpy.run_module("syncd", run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
