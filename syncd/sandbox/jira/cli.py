"""``python -m syncd.sandbox jira``: serve an emulated Jira site in the foreground."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from syncd.sandbox.jira.emulator import JiraEmulator
from syncd.sandbox.jira.model import Deployment
from syncd.sandbox.jira.ratelimit import JiraRateLimits
from syncd.sandbox.jira.seed import seed_synthetic
from syncd.sandbox.latency import add_latency_options, apply_latency

__all__ = ["add_cli"]


def add_cli(subparsers: Any) -> None:
    """Register the ``jira`` subcommand on an argparse subparsers object."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "jira",
        help="emulate Jira Cloud or Data Center",
        description="Serve an emulated Jira REST API on loopback.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8080, help="port to bind, 0 for any (default: %(default)s)")
    parser.add_argument(
        "--deployment",
        choices=[d.value for d in Deployment],
        default=Deployment.CLOUD.value,
        help="Cloud (REST v2 and v3, enhanced search) or Data Center (REST v2, classic search)",
    )
    parser.add_argument("--issues", type=int, default=0, metavar="N", help="seed N synthetic issues")
    parser.add_argument("--seed", type=int, default=0, help="random seed for --issues (default: %(default)s)")
    parser.add_argument("--time-zone", default="UTC", help="time zone of the built-in user (default: %(default)s)")
    add_latency_options(parser)
    parser.add_argument(
        "--rate-limit",
        action="store_true",
        help="enforce Cloud's burst limit per endpoint and method (429 with Atlassian's headers)",
    )
    parser.set_defaults(serve=serve)


def serve(args: argparse.Namespace) -> int:
    """Serve until interrupted; prints the URL and the credentials to use."""
    limits = JiraRateLimits() if args.rate_limit else None
    site = JiraEmulator(args.deployment, host=args.host, port=args.port, keep_bodies=False, rate_limits=limits)
    apply_latency(site.faults, args)
    site.store.set_time_zone(site.user, args.time_zone)
    if args.issues:
        seed_synthetic(site.store, args.issues, seed=args.seed)

    def ready(url: str) -> None:
        user = site.user
        print(f"Jira {site.deployment.deployment_type} emulator on {url} ({len(site.store)} issues)")
        if site.deployment is Deployment.CLOUD:
            print(f"  basic auth: email {user.email!r}, API token {user.token!r}")
        else:
            print(f"  bearer personal access token: {user.token!r} (user {user.username!r})")
        print(f"  time zone of that user: {user.time_zone}")
        sys.stdout.flush()

    try:
        site.serve_forever(ready)
    except KeyboardInterrupt:
        return 0
    return 0
