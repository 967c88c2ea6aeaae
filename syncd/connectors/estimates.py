"""Where estimates are read from, and what is said when one cannot be read.

An estimate field may hold what is not a number: ``{}`` from a misconfigured field, a select list's
``{"value": "3"}``, a second custom field that shares the name "Story Points". Such an issue counts as
not estimated, never as a skipped issue, and the sync says once per field and site what it could not read,
so one odd field neither hides work nor floods the log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.connectors.base import Check
from syncd.connectors.payload import readable_estimate
from syncd.logging import get_logger

__all__ = ["UnreadableEstimates", "estimates_check", "number_fields_named"]

_log = get_logger("syncd.connectors")
_SHOWN = 60


def number_fields_named(fields: list[dict[str, Any]], names: tuple[str, ...]) -> tuple[str, ...]:
    """For each name, the custom field of that name whose schema says it holds a number.

    A site may have two fields of one name (a select list "Story Points" beside the number one); without a
    number field of the name, the first of the name is read, and what it holds is reported as unreadable.
    """
    chosen: list[str] = []
    for name in names:
        named = [f for f in fields if f.get("custom") and str(f.get("name", "")).casefold() == name]
        numbers = [f for f in named if isinstance(f.get("schema"), dict) and f["schema"].get("type") == "number"]
        if numbers or named:
            chosen.append(str((numbers or named)[0].get("id")))
    return tuple(chosen)


def estimates_check(field_ids: tuple[str, ...]) -> Check:
    """``syncd check``'s line saying which fields estimates are read from."""
    if not field_ids:
        return Check("estimates", None, "no story points field found: every issue counts the default estimate")
    return Check("estimates", True, f"read from {', '.join(field_ids)} (the first with a value)")


class UnreadableEstimates:
    """Warns once per field of one site about an estimate that is not a number."""

    def __init__(self, tracker: str) -> None:
        self._tracker = tracker
        self._warned: set[str] = set()

    def check(self, key: str, values: Mapping[str, Any]) -> None:
        """Look at an issue's estimate fields (field id -> raw value)."""
        for field, value in values.items():
            if field in self._warned or readable_estimate(value):
                continue
            self._warned.add(field)
            _log.warning(
                "estimate.unreadable",
                tracker=self._tracker,
                field=field,
                issue=key,
                value=_short(value),
                effect="issues with such a value count as not estimated",
            )


def _short(value: Any) -> str:
    try:
        shown = repr(value)
    except ValueError:
        shown = type(value).__name__
    return shown if len(shown) <= _SHOWN else shown[: _SHOWN - 3] + "..."
