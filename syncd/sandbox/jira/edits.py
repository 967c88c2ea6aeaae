"""Reading the bodies of ``PUT /issue`` and comment writes, with Jira's validation errors.

Jira answers a bad edit with 400 and ``{"errorMessages": [], "errors": {"<field>": "<reason>"}}``, naming
each field it refused; nothing of a refused edit is applied. syncd's label writes are ``update.labels``
deltas (``add``/``remove``), so those are checked exactly: a label with a space is refused with Jira's own
message. Fields Jira would not let an API edit set (``status`` needs a transition) are refused the way
Jira refuses a field that is not on the edit screen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from syncd.sandbox.jira import adf
from syncd.sandbox.jira.changes import KEEP, IssueEdit, label_problem
from syncd.sandbox.jira.model import DC_EPIC_LINK, PRIORITIES, Text

__all__ = ["ADF_REQUIRED", "EditError", "parse_comment_body", "parse_issue_edit"]

ADF_REQUIRED = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
_EMPTY_COMMENT = "Comment body can not be empty!"


@dataclass
class EditError(Exception):
    """A refused write: ``errors`` per field and general ``messages``, as Jira's ErrorCollection."""

    errors: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


def _not_settable(name: str) -> str:
    return f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."


def parse_comment_body(payload: Any, *, version: int) -> Text:
    """The body of a comment write: an ADF document on v3, a wiki-markup string on v2."""
    body = payload.get("body") if isinstance(payload, dict) else None
    if version >= 3:
        if isinstance(body, str) or (body is not None and not adf.is_document(body)):
            raise EditError({"comment": ADF_REQUIRED})
        if body is None or not adf.to_plain_text(body).strip():
            raise EditError({"comment": _EMPTY_COMMENT})
        return dict(body)
    if not isinstance(body, str) or not body.strip():
        raise EditError({"comment": _EMPTY_COMMENT})
    return body


@dataclass
class _Draft:
    """The parts of an :class:`IssueEdit` collected while reading a payload."""

    set_labels: tuple[str, ...] | None = None
    label_ops: list[tuple[str, str]] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    comments: list[Text] = field(default_factory=list)


def parse_issue_edit(payload: Any, *, version: int, story_points_field: str, cloud: bool) -> IssueEdit:
    """Turn a ``PUT /issue/{key}`` body into an :class:`IssueEdit`, or raise :class:`EditError`.

    Args:
        payload: the parsed JSON body (``fields`` and/or ``update``).
        version: the REST version called; decides whether rich text is ADF or a string.
        story_points_field: the custom field the issue's project estimates in (the only settable one).
        cloud: Cloud takes ``parent`` for epics; Data Center takes the *Epic Link* field.
    """
    if not isinstance(payload, dict):
        raise EditError(messages=["Can not deserialize the request body: expected a JSON object."])
    fields = payload.get("fields") or {}
    update = payload.get("update") or {}
    if not isinstance(fields, dict) or not isinstance(update, dict):
        raise EditError(messages=["Can not deserialize the request body: 'fields' and 'update' must be objects."])
    errors: dict[str, str] = {}
    draft = _Draft()
    for name in sorted(set(fields) & set(update)):
        errors[name] = f"Field '{name}' cannot be set in 'fields' and changed in 'update' in the same request."
    for name, value in fields.items():
        if name not in errors:
            _set_field(draft, name, value, errors, version, story_points_field, cloud)
    for name, operations in update.items():
        if name in errors:
            continue
        if not isinstance(operations, list) or not all(isinstance(o, dict) and len(o) == 1 for o in operations):
            errors[name] = f"Field '{name}': each update operation must be an object with one verb."
            continue
        if name == "labels":
            _label_ops(draft, operations, errors)
        elif name == "comment":
            _comment_ops(draft, operations, errors, version)
        else:
            for operation in operations:
                verb, value = next(iter(operation.items()))
                if verb != "set":
                    errors[name] = f"Field '{name}' does not support the operation '{verb}'."
                    break
                _set_field(draft, name, value, errors, version, story_points_field, cloud)
    if errors:
        raise EditError(errors)
    return _edit(draft)


def _edit(draft: _Draft) -> IssueEdit:
    values = draft.values

    def pick(name: str) -> Any:
        return values.get(name, KEEP)

    return IssueEdit(
        set_labels=draft.set_labels,
        label_ops=tuple(draft.label_ops),
        summary=pick("summary"),
        description=pick("description"),
        story_points=pick("story_points"),
        priority=pick("priority"),
        components=pick("components"),
        parent=pick("parent"),
        epic=pick("epic"),
        comments=tuple(draft.comments),
    )


def _set_field(
    draft: _Draft,
    name: str,
    value: Any,
    errors: dict[str, str],
    version: int,
    story_points_field: str,
    cloud: bool,
) -> None:
    if name == "labels":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            errors[name] = "Labels must be a list of strings."
        elif problems := [p for v in value if (p := label_problem(v))]:
            errors[name] = problems[0]
        else:
            draft.set_labels = tuple(dict.fromkeys(value))
    elif name == "summary":
        if not isinstance(value, str) or not value.strip():
            errors[name] = "You must specify a summary of the issue."
        elif "\n" in value or "\r" in value:
            errors[name] = "The summary is invalid because it contains newline characters."
        else:
            draft.values["summary"] = value
    elif name == "description":
        if value is not None and version >= 3 and not adf.is_document(value):
            errors[name] = ADF_REQUIRED
        elif value is not None and version < 3 and not isinstance(value, str):
            errors[name] = "Operation value must be a string"
        else:
            draft.values["description"] = value or None
    elif name == story_points_field:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            errors[name] = "Operation value must be a number."
        else:
            draft.values["story_points"] = None if value is None else float(value)
    elif name == "priority":
        _priority(draft, value, errors)
    elif name == "components":
        _components(draft, value, errors)
    elif (name == "parent" and cloud) or (name == DC_EPIC_LINK and not cloud):
        _link(draft, name, value, errors, cloud)
    else:
        errors[name] = _not_settable(name)


def _priority(draft: _Draft, value: Any, errors: dict[str, str]) -> None:
    by_id = {v: k for k, v in PRIORITIES.items()}
    if isinstance(value, dict) and value.get("name") in PRIORITIES:
        draft.values["priority"] = value["name"]
    elif isinstance(value, dict) and value.get("id") in by_id:
        draft.values["priority"] = by_id[value["id"]]
    else:
        errors["priority"] = "Specify the Priority (name or id) in the correct format"


def _components(draft: _Draft, value: Any, errors: dict[str, str]) -> None:
    if not isinstance(value, list) or not all(isinstance(v, Mapping) and "name" in v for v in value):
        errors["components"] = 'Components must be given by name: [{"name": ...}].'
        return
    draft.values["components"] = tuple(str(v["name"]) for v in value)


def _link(draft: _Draft, name: str, value: Any, errors: dict[str, str], cloud: bool) -> None:
    target: str | None
    if value is None:
        target = None
    elif cloud and isinstance(value, dict) and isinstance(value.get("key") or value.get("id"), str):
        target = value.get("key") or value.get("id")
    elif not cloud and isinstance(value, str):
        target = value
    else:
        errors[name] = "Specify a valid issue key."
        return
    draft.values["parent" if cloud else "epic"] = target


def _label_ops(draft: _Draft, operations: list[dict[str, Any]], errors: dict[str, str]) -> None:
    for operation in operations:
        verb, value = next(iter(operation.items()))
        if verb == "set":
            _set_field(draft, "labels", value, errors, 2, "", cloud=False)
        elif verb in {"add", "remove"} and isinstance(value, str):
            if verb == "add" and (problem := label_problem(value)):
                errors["labels"] = problem
                return
            draft.label_ops.append((verb, value))
        elif verb in {"add", "remove"}:
            errors["labels"] = "Labels must be strings."
            return
        else:
            errors["labels"] = f"Field 'labels' does not support the operation '{verb}'."
            return


def _comment_ops(draft: _Draft, operations: list[dict[str, Any]], errors: dict[str, str], version: int) -> None:
    for operation in operations:
        verb, value = next(iter(operation.items()))
        if verb != "add":
            errors["comment"] = f"Field 'comment' does not support the operation '{verb}'."
            return
        try:
            draft.comments.append(parse_comment_body(value, version=version))
        except EditError as error:
            errors.update(error.errors)
            return
