"""syncd: keeps a team's tracker work honest to its strategy.

Connectors pull issues from Jira and Linear, the mapper tags each with the objectives and values it
serves, the reconciler writes alignment labels back as deltas, and drift reports compare where effort
goes with where the strategy says it should.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("syncd")
except PackageNotFoundError:
    __version__ = "0+unknown"

__all__ = ["__version__"]
