"""The errors the Linear emulator answers with, in Linear's own shapes.

Linear reports every failure as a GraphQL error whose ``extensions`` carry a lowercase ``type`` (the
field Linear's SDK classifies on), an upper-case ``code``, ``userError`` and a
``userPresentableMessage``. The HTTP status differs by kind, and clients that classify on status alone
get it wrong, which is exactly what the emulator must let tests catch:

=======================  =====================  ===========  ==========================================
kind                     ``code``               HTTP status  when
=======================  =====================  ===========  ==========================================
authentication error     AUTHENTICATION_ERROR   401          missing, unknown or badly prefixed key
forbidden                FORBIDDEN              400          a read-only key tries a mutation
ratelimited              RATELIMITED            400          a request or complexity budget is spent
graphql error            GRAPHQL_VALIDATION_…   400          the document does not validate
invalid input            INPUT_ERROR            200          entity not found, a label rule, a limit
invalid input            INPUT_ERROR            400          one query costs more than 10,000 points
internal error           INTERNAL_SERVER_ERROR  500          the server failed
=======================  =====================  ===========  ==========================================
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "LinearApiError",
    "authentication_error",
    "bad_request",
    "forbidden",
    "input_error",
    "internal_error",
    "not_found",
    "parse_error",
    "query_too_complex",
    "ratelimited",
    "unsupported",
    "validation_error",
]


class LinearApiError(Exception):
    """One GraphQL error as Linear reports it.

    Raised by resolvers (graphql-core wraps it and keeps it as ``original_error``) and by the request
    pipeline before execution; :meth:`as_graphql` renders the wire shape.

    Attributes:
        message: the developer message (``errors[].message``).
        type: Linear's error type string, e.g. ``"invalid input"``.
        code: ``extensions.code``.
        http_status: the status of the whole response when this is the deciding error.
        user_message: ``extensions.userPresentableMessage``.
        user_error: whether the caller, not the server, is at fault.
        status_code: ``extensions.statusCode`` where Linear sends one.
    """

    def __init__(
        self,
        message: str,
        *,
        type: str,
        code: str,
        http_status: int = 200,
        user_message: str | None = None,
        user_error: bool = True,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.type = type
        self.code = code
        self.http_status = http_status
        self.user_message = user_message
        self.user_error = user_error
        self.status_code = status_code

    def extensions(self) -> dict[str, Any]:
        """The ``extensions`` object of the wire error."""
        ext: dict[str, Any] = {"type": self.type, "code": self.code}
        if self.status_code is not None:
            ext["statusCode"] = self.status_code
        ext["userError"] = self.user_error
        if self.user_message is not None:
            ext["userPresentableMessage"] = self.user_message
        return ext

    def as_graphql(self) -> dict[str, Any]:
        """The error as one entry of a response's ``errors`` list."""
        return {"message": self.message, "extensions": self.extensions()}


def authentication_error() -> LinearApiError:
    return LinearApiError(
        "Authentication required, not authenticated",
        type="authentication error",
        code="AUTHENTICATION_ERROR",
        http_status=401,
        status_code=401,
        user_message="You need to authenticate to access this operation.",
    )


def forbidden(message: str = "Invalid scope: `write` required", user_message: str | None = None) -> LinearApiError:
    return LinearApiError(
        message,
        type="forbidden",
        code="FORBIDDEN",
        http_status=400,
        status_code=403,
        user_message=user_message or "You don't have permission to perform this action.",
    )


def ratelimited() -> LinearApiError:
    return LinearApiError(
        "Rate limit exceeded",
        type="ratelimited",
        code="RATELIMITED",
        http_status=400,
        user_message="You have exceeded the rate limit. Please wait before making more requests.",
    )


def validation_error(message: str) -> LinearApiError:
    return LinearApiError(message, type="graphql error", code="GRAPHQL_VALIDATION_FAILED", http_status=400)


def parse_error(message: str) -> LinearApiError:
    return LinearApiError(message, type="graphql error", code="GRAPHQL_PARSE_FAILED", http_status=400)


def bad_request(message: str) -> LinearApiError:
    return LinearApiError(message, type="graphql error", code="BAD_REQUEST", http_status=400)


def input_error(message: str, user_message: str | None = None) -> LinearApiError:
    return LinearApiError(message, type="invalid input", code="INPUT_ERROR", user_message=user_message or message)


def not_found(entity: str) -> LinearApiError:
    """Linear's answer for an id that names nothing (or nothing any more): the developer message says
    "Entity not found", the words for people say "Could not find referenced ...", with HTTP 200."""
    return LinearApiError(
        f"Entity not found: {entity}",
        type="invalid input",
        code="INPUT_ERROR",
        user_message=f"Could not find referenced {entity}.",
        status_code=400,
    )


def unsupported(what: str) -> LinearApiError:
    """Something valid against Linear's schema that the emulator deliberately does not implement.

    Failing loudly beats answering with empty data a test would mistake for a real answer.
    """
    return LinearApiError(
        f"{what} is not supported by the Linear emulator",
        type="invalid input",
        code="INPUT_ERROR",
        http_status=400,
        user_message=f"{what} is not supported by the Linear emulator.",
    )


def query_too_complex(complexity: int, maximum: int) -> LinearApiError:
    """Linear's refusal of one query that costs too much, word for word as its API answers, e.g.
    https://github.com/contentful-labs/gqli.rb/issues/23 and
    https://github.com/mvanhorn/printing-press-library/issues/946."""
    return LinearApiError(
        "Query too complex",
        type="invalid input",
        code="INPUT_ERROR",
        http_status=400,
        user_message=f"The query is too complex. Complexity: {complexity}. Maximum allowed complexity: {maximum}.",
    )


def internal_error(message: str = "Internal server error") -> LinearApiError:
    return LinearApiError(
        message, type="internal error", code="INTERNAL_SERVER_ERROR", http_status=500, user_error=False
    )
