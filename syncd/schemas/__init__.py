"""Published API schemas that syncd validates against, shipped inside the package.

``linear.graphql`` is Linear's public GraphQL schema (SDL) as published in Linear's SDK. The Linear
connector hands it to ``gql`` so every query is validated before it is sent, and the Linear emulator
executes requests against the very same schema, so a query that passes one passes the other.

Parsing 1.25 MB of SDL costs most of a second, so :func:`linear_schema` builds it once per process and
every caller shares the result. Treat the returned schema as read-only: it is shared.
"""

from __future__ import annotations

import functools
from importlib import resources

from graphql import GraphQLSchema, build_ast_schema, parse

__all__ = ["linear_schema", "linear_sdl"]

_LINEAR_SDL = "linear.graphql"


def linear_sdl() -> str:
    """The text of Linear's schema, read from the installed package (works from a wheel or zip)."""
    return resources.files(__package__).joinpath(_LINEAR_SDL).read_text(encoding="utf-8")


@functools.cache
def linear_schema() -> GraphQLSchema:
    """Linear's schema, built on first use and cached for the life of the process.

    The SDL is Linear's own published file, pinned in the package, so SDL validation is skipped
    (``assume_valid_sdl``); that and dropping source locations halve the build time.
    """
    document = parse(linear_sdl(), no_location=True)
    return build_ast_schema(document, assume_valid_sdl=True)
