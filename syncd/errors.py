"""The one exception tree of syncd, sorted by what the caller should do next.

::

    SyncdError                      every error syncd raises on purpose
    ├── ConfigError          Fatal  a settings or strategy file is wrong (one Problem per mistake)
    ├── StateError           Fatal  the state store cannot be opened, migrated or locked
    │   ├── TrackerBusy             another replica holds the tracker's lease: in other hands, not failed
    │   └── LeaseLost               this replica's lease lapsed: what it planned under it is not applied
    ├── SafetyStop           Fatal  a full pull would forget most of what the state knows (--force)
    ├── Cancelled                   a wait was cut short because syncd is shutting down
    └── TrackerError                something a tracker answered; names the tracker and the issue
        ├── AuthError        Fatal  the credentials were refused (401)
        ├── PermissionDenied Fatal  the credentials lack a permission (403)
        ├── NotFound         Fatal  a configured project, team or report issue does not exist (404)
        ├── BadRequest       Fatal  the tracker rejected what syncd sent (400)
        ├── Misdirected      Fatal  the tracker's URL redirects to another host: the url is wrong
        ├── RateLimited      Retriable  429 or the tracker's rate-limit error; carries retry_after
        └── TransientError   Retriable  5xx, a timeout, a dropped connection

``Fatal`` and ``Retriable`` are marker mixins: :mod:`syncd.retry` retries exactly the ``Retriable``
ones, and everything ``Fatal`` stops the tracker's run with a message that says what to fix. One issue a
connector cannot read is not an exception at all: it comes out of the pull as a
:class:`~syncd.connectors.base.Skipped` value with the reason, and the engine logs it, syncs the rest and
tries it again next run. Keyword arguments become attributes so an error keeps its context (tracker,
issue, path) for the one place that turns errors into words (:func:`syncd.diagnosis.describe_error`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthError",
    "BadRequest",
    "Cancelled",
    "ConfigError",
    "Fatal",
    "LeaseLost",
    "Misdirected",
    "NotFound",
    "PermissionDenied",
    "Problem",
    "RateLimited",
    "Retriable",
    "SafetyStop",
    "StateError",
    "SyncdError",
    "TrackerBusy",
    "TrackerError",
    "TransientError",
]


class Fatal:
    """Marker: retrying cannot help; a person has to fix something."""


class Retriable:
    """Marker: the same request may succeed later."""


class SyncdError(Exception):
    """Root of every error syncd raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One mistake in a file, with where it is.

    Attributes:
        location: the path inside the file, e.g. ``objectives[2].target``; empty for the whole file.
        message: what is wrong and, where it helps, what would be right.
    """

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class ConfigError(SyncdError, Fatal):
    """A settings or strategy file is missing or wrong; lists every problem found, not just the first."""

    def __init__(self, source: str, problems: list[Problem], *, hint: str | None = None) -> None:
        """``hint`` is what to do next; None for a file's usual advice, empty for none."""
        self.source = source
        self.problems = problems
        self.hint = hint
        super().__init__(self._text())

    def _text(self) -> str:
        if len(self.problems) == 1:
            return f"{self.source}: {self.problems[0]}"
        lines = [f"{self.source}: {len(self.problems)} problems"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


class StateError(SyncdError, Fatal):
    """The state store cannot be used (unreadable, from a newer syncd, locked by another process)."""


class SafetyStop(SyncdError, Fatal):
    """A full pull would forget most of what the state knows; refused unless ``--force``."""


class Cancelled(SyncdError):
    """A wait (before a retry, for a lease, between polls) was cut short because syncd is shutting down."""


class TrackerBusy(StateError):
    """Another replica holds the tracker's lease: not a failure, the tracker is in other hands."""


class LeaseLost(StateError):
    """This replica's lease expired or was taken over: whatever it planned under it must not be applied."""


class TrackerError(SyncdError):
    """Something a tracker answered.

    Args:
        message: what happened, in words a person can act on.
        tracker: the configured tracker name (``jira.acme``), when known.
        issue: the issue key or id concerned, when there is one.
        status: the HTTP status, when there is one.
    """

    def __init__(self, message: str, *, tracker: str = "", issue: str = "", status: int | None = None) -> None:
        self.message = message
        self.tracker = tracker
        self.issue = issue
        self.status = status
        super().__init__(self._text())

    def _text(self) -> str:
        where = " ".join(part for part in (self.tracker, self.issue) if part)
        return f"{where}: {self.message}" if where else self.message

    @property
    def may_have_landed(self) -> bool:
        """Whether a write answered with this error may have been applied all the same.

        Only a definite refusal (a 4xx that says why) means the write did not land. A 5xx is often a
        gateway giving up on a tracker that went on to apply the write; a timeout or a lost answer says
        nothing either way.
        """
        return self.status is None or self.status >= 500


class AuthError(TrackerError, Fatal):
    """The tracker refused the credentials."""


class PermissionDenied(TrackerError, Fatal):
    """The credentials are valid but lack a permission."""


class NotFound(TrackerError, Fatal):
    """A configured project, team or issue does not exist or is not visible."""


class BadRequest(TrackerError, Fatal):
    """The tracker rejected a request as malformed; retrying the same request cannot help."""


class RateLimited(TrackerError, Retriable):
    """The tracker asked syncd to slow down.

    Args:
        retry_after: seconds the tracker asked to wait, or None when it did not say.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        tracker: str = "",
        issue: str = "",
        status: int | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, tracker=tracker, issue=issue, status=status)


class TransientError(TrackerError, Retriable):
    """A server error, timeout or dropped connection: worth another try."""


class Misdirected(TrackerError, Fatal):
    """The tracker's URL answered with a redirect to another host (a login page, a moved site): no API
    answers there, and the credentials must not follow, so the ``url`` setting is what to fix."""
