"""JQL date literals, read as Jira reads them: minute precision, no time zone attached (the caller reads
them in the searching user's zone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.sandbox.jira.jql_lexer import JqlError

__all__ = ["LocalDate", "Period", "parse_date"]


@dataclass(frozen=True, slots=True)
class LocalDate:
    """An absolute date literal, in the searching user's time zone (naive on purpose)."""

    value: datetime


@dataclass(frozen=True, slots=True)
class Period:
    """A relative date literal such as ``-5d``: an offset from the time of the search."""

    delta: timedelta


_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?:\s+(\d{1,2}):(\d{1,2}))?")
_PERIOD = re.compile(r"([-+]?)\s*((?:\d+\s*[wdhm]\s*)+)")
_PERIOD_PART = re.compile(r"(\d+)\s*([wdhm])")
_PERIOD_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}


def parse_date(value: str, field_name: str) -> LocalDate | Period:
    """Read a JQL date literal the way Jira does, minute precision, no time zone attached."""
    text = value.strip()
    if match := _DATE.fullmatch(text):
        year, _, month, day, hour, minute = match.groups()
        try:
            return LocalDate(datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0)))
        except ValueError:
            pass
    elif match := _PERIOD.fullmatch(text):
        sign = -1 if match.group(1) == "-" else 1
        delta = timedelta()
        for amount, unit in _PERIOD_PART.findall(match.group(2)):
            delta += timedelta(**{_PERIOD_UNITS[unit]: int(amount)})
        return Period(sign * delta)
    raise JqlError(
        f"Date value '{value}' for field '{field_name}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format "
        "e.g. '-5d', '4w 2d'."
    )
