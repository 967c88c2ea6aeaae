"""Turning validation failures into :class:`~syncd.errors.Problem` lines a person can act on.

Pydantic reports ``('objectives', 2, 'target')`` and "Input should be less than or equal to 1"; a person
editing a YAML file wants ``objectives[2].target: must be between 0 and 1``. Both file loaders (strategy
and settings) and ``syncd explain --item`` go through here so every message reads the same way.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from syncd.errors import Problem

__all__ = ["format_location", "one_line", "problems_from_validation"]


def format_location(loc: Sequence[int | str]) -> str:
    """``('objectives', 2, 'target')`` -> ``objectives[2].target``.

    A key with a line break or another unprintable character is shown quoted and escaped, so the
    location stays on its one line and says which invisible character is in the way.
    """
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            name = str(part)
            shown = name if name.isprintable() else repr(name)
            text += f".{shown}" if text else shown
    return text


def one_line(text: str) -> str:
    """``text`` with its line breaks (any that Unicode counts) folded into single spaces."""
    return " ".join(stripped for line in text.splitlines() if (stripped := line.strip()))


def problems_from_validation(exc: ValidationError, model: type[BaseModel] | None = None) -> list[Problem]:
    """One Problem per pydantic error, with locations and messages phrased for a file's author."""
    errors = exc.errors(include_url=False)
    return [_problem(error, model) for error in errors if not _echo_of_inner_error(error, errors)]


def _echo_of_inner_error(error: ErrorDetails, errors: Sequence[ErrorDetails]) -> bool:
    """A "too short" list whose items themselves failed says nothing new: the item errors do."""
    if error["type"] != "too_short":
        return False
    loc = tuple(error["loc"])
    return any(len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors)


def _problem(error: ErrorDetails, model: type[BaseModel] | None) -> Problem:
    loc = _strip_union_tags(error["loc"])
    return Problem(format_location(loc), one_line(_message(error, model, loc)) or "is not valid")


def _message(error: ErrorDetails, model: type[BaseModel] | None, loc: Sequence[int | str]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return _unknown_key_message(model, loc)
    if kind == "missing":
        return "is required"
    if kind in {"less_than_equal", "greater_than_equal", "less_than", "greater_than"}:
        return _bound_message(error)
    if kind == "too_short":
        least = error.get("ctx", {}).get("min_length", 1)
        return f"must have at least {least} {'entry' if least == 1 else 'entries'}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"must be one of {expected} (got {_show(error['input'])})"
    if kind == "string_pattern_mismatch":
        return f"{_show(error['input'])} has the wrong form ({error['msg'].lower()})"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return _lower_first(message)


def _strip_union_tags(loc: Sequence[int | str]) -> tuple[int | str, ...]:
    """Drop pydantic's internal union/function tags so locations match the file's keys."""
    return tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))


def _bound_message(error: ErrorDetails) -> str:
    ctx = error.get("ctx", {})
    words = {
        "less_than_equal": "at most",
        "greater_than_equal": "at least",
        "less_than": "less than",
        "greater_than": "greater than",
    }
    bound = next(iter(ctx.values()), "")
    shown = f"{bound:g}" if isinstance(bound, int | float) else str(bound)
    return f"must be {words[error['type']]} {shown} (got {_show(error['input'])})"


def _unknown_key_message(model: type[BaseModel] | None, loc: Sequence[int | str]) -> str:
    key = str(loc[-1]) if loc else ""
    allowed = _allowed_keys(model, loc[:-1]) if model is not None else []
    if not allowed:
        return "unknown key"
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return f"unknown key (allowed: {', '.join(allowed)}){hint}"


def _allowed_keys(model: type[BaseModel], parent: Sequence[int | str]) -> list[str]:
    """The field names of the model found by walking ``parent`` from ``model``."""
    current: Any = model
    for part in parent:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if _is_model(current) else None
        if field is None:
            return []
        current = _inner_model(field.annotation)
        if current is None:
            return []
    return sorted(current.model_fields) if _is_model(current) else []


def _is_model(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, BaseModel)


def _inner_model(annotation: Any) -> type[BaseModel] | None:
    """The model inside ``X``, ``X | None``, ``tuple[X, ...]`` or ``dict[str, X]``."""
    if _is_model(annotation):
        found: type[BaseModel] = annotation
        return found
    for arg in _type_args(annotation):
        inner = _inner_model(arg)
        if inner is not None:
            return inner
    return None


def _type_args(annotation: Any) -> Iterable[Any]:
    return getattr(annotation, "__args__", ())


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text else text
