"""``python -m syncd.sandbox linear``: serve the demo organisation from a shell.

It prints the URL and the API key to use, so a person can point syncd (or curl) at it right away.
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from syncd.sandbox.latency import add_latency_options, apply_latency
from syncd.sandbox.linear.app import LinearApp
from syncd.sandbox.linear.ratelimit import RateLimits
from syncd.sandbox.linear.seed import seed_demo, seed_synthetic
from syncd.sandbox.linear.workspace import LinearWorkspace
from syncd.sandbox.server import EmulatorServer

__all__ = ["add_cli"]


def add_cli(subparsers: Any) -> None:
    """Register ``linear``: serve the demo organisation (plus synthetic issues) in the foreground."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "linear",
        help="emulate Linear's GraphQL API",
        description="Serve an emulated Linear GraphQL API on loopback, seeded with the demo organisation.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8081, help="port to listen on (default: %(default)s)")
    parser.add_argument("--issues", type=int, default=0, help="synthetic issues to add to the demo org")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the synthetic issues")
    parser.add_argument("--api-key", default=None, help="the API key to accept (default: a fresh one)")
    defaults = RateLimits()
    parser.add_argument(
        "--requests-per-hour", type=int, default=defaults.requests, help="request budget per key (%(default)s)"
    )
    parser.add_argument(
        "--complexity-per-hour",
        type=int,
        default=defaults.complexity,
        help="complexity budget per key (%(default)s; a full 250-issue page costs thousands)",
    )
    add_latency_options(parser)
    parser.set_defaults(serve=_serve)


def _serve(args: argparse.Namespace) -> int:
    workspace = LinearWorkspace()
    demo = seed_demo(workspace, api_key=args.api_key)
    if args.issues:
        seed_synthetic(workspace, args.issues, seed=args.seed)
    limits = RateLimits(requests=args.requests_per_hour, complexity=args.complexity_per_hour)
    app = LinearApp(workspace, limits=limits)
    apply_latency(app.faults, args)
    server = EmulatorServer(app, host=args.host, port=args.port)
    print(f"Linear emulator on {server.url}/graphql", flush=True)
    print(f"API key: {demo.api_key}  (read-only: {demo.read_only_key})", flush=True)
    print(f"Teams: {', '.join(demo.teams)}; drift report issue: {demo.report_issue}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0
