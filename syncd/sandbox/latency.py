"""The ``--latency`` and ``--jitter`` options both emulators take on the command line.

A real tracker answers in 100-300 ms; an emulator on loopback in about one. Serving with a latency lets a
person (or a benchmark) see what a sync costs at a real site's round trip.
"""

from __future__ import annotations

import argparse

from syncd.sandbox.faults import Faults

__all__ = ["add_latency_options", "apply_latency"]


def add_latency_options(parser: argparse.ArgumentParser) -> None:
    """Register ``--latency MS`` and ``--jitter MS``."""
    parser.add_argument(
        "--latency", type=float, default=0.0, metavar="MS", help="hold every answer this long (default: 0)"
    )
    parser.add_argument(
        "--jitter", type=float, default=0.0, metavar="MS", help="vary each answer's latency by up to this much"
    )


def apply_latency(faults: Faults, args: argparse.Namespace) -> None:
    """Set the parsed options on an emulator's knobs; refuse negative values."""
    if args.latency < 0 or args.jitter < 0:
        raise SystemExit("--latency and --jitter must not be negative")
    faults.latency, faults.jitter = args.latency / 1000, args.jitter / 1000
