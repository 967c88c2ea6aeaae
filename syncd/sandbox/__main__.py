"""``python -m syncd.sandbox jira|linear --port N``: serve one emulator in the foreground."""

from __future__ import annotations

import argparse
import sys

from syncd.sandbox import jira, linear


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m syncd.sandbox", description="Serve a local tracker emulator on loopback."
    )
    trackers = parser.add_subparsers(dest="tracker", required=True)
    jira.add_cli(trackers)
    linear.add_cli(trackers)
    args = parser.parse_args(argv)
    result: int = args.serve(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
