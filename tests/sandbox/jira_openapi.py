"""Validate Jira requests and responses against Atlassian's OpenAPI description (the committed subset).

``tests/schemas/jira-openapi-subset.json`` holds the operations syncd uses, extracted from Atlassian's
description by ``scripts/jira_openapi_subset.py``. The description is v3-only; Jira's v2 paths mirror v3
except that rich text (``description``, comment ``body``) is a wiki-markup string instead of an ADF
document. So a v2 exchange is validated against the v3 operation and its rich text is checked to be a
string, while on v3 it is checked to be an ADF document; neither is skipped.

Where the description is silent the checks follow Jira's documented behaviour and say so:

* error bodies (4xx/5xx) must be Jira's ``ErrorCollection``; the description lists error statuses without
  a body. The bulk operations' own refusals are its ``BulkOperationErrorResponse``. Cloud's 401 is plain
  text (``Client must be authenticated to access this resource.``).
* a few statuses Jira sends are missing from an operation's list and are allowed everywhere: 403 (Jira's
  issue and comment services refuse a missing edit or comment permission as *forbidden*, while the
  description files that case under 400), 405, 410 (the removed classic search), 415, 429 and 5xx.
* issue field values are free-form in ``IssueBean``; the values syncd reads are validated against their
  own schemas (``StatusDetails``, ``IssueTypeDetails``, ``Priority`` ...).
* timestamps use Jira's ``2026-11-01T10:00:00.000+0000`` (no colon in the offset), which is not RFC 3339,
  so ``format: date-time`` is checked with Jira's pattern instead of a generic format checker.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from openapi_schema_validator import OAS30ReadValidator, OAS30WriteValidator

from syncd.sandbox.faults import FaultKind

__all__ = [
    "SpecError",
    "operation_for",
    "validate_exchange",
    "validate_exchanges",
    "validate_request",
    "validate_response",
]

SUBSET = Path(__file__).resolve().parent.parent / "schemas" / "jira-openapi-subset.json"
JIRA_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}")
_UNDOCUMENTED_ERRORS = {403, 405, 410, 415, 429, 500, 502, 503, 504}
_ADF = {
    "type": "object",
    "required": ["type", "version", "content"],
    "properties": {
        "type": {"enum": ["doc"]},
        "version": {"enum": [1]},
        "content": {"type": "array", "items": {"$ref": "#/$defs/node"}},
    },
    "$defs": {
        "node": {
            "type": "object",
            "required": ["type"],
            "properties": {
                "type": {"type": "string"},
                "text": {"type": "string"},
                "attrs": {"type": "object"},
                "marks": {"type": "array", "items": {"type": "object", "required": ["type"]}},
                "content": {"type": "array", "items": {"$ref": "#/$defs/node"}},
            },
        }
    },
}
_FIELD_SCHEMAS = {
    "status": "StatusDetails",
    "issuetype": "IssueTypeDetails",
    "priority": "Priority",
    "project": "ProjectDetails",
    "reporter": "UserDetails",
    "resolution": "Resolution",
    "comment": "PageOfComments",
}


class SpecError(AssertionError):
    """An exchange the OpenAPI description (or Jira's documented behaviour) does not allow."""


@lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SUBSET.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=64)
def _template(path: str) -> re.Pattern[str]:
    return re.compile(re.sub(r"\\{[^}]+\\}", r"[^/]+", re.escape(path)))


def operation_for(method: str, path: str) -> tuple[int, str, dict[str, Any]]:
    """(API version, v3 template path, operation) for a request path of either version."""
    match = re.fullmatch(r"/rest/api/(2|3|latest)(/.*)", path)
    if match is None:
        raise SpecError(f"{path} is not a Jira REST API path")
    version = 2 if match.group(1) == "latest" else int(match.group(1))
    v3_path = f"/rest/api/3{match.group(2)}"
    for template, operations in spec()["paths"].items():
        if _template(template).fullmatch(v3_path):
            operation = operations.get(method.lower())
            if operation is None:
                raise SpecError(f"{method} {template} is not an operation of the description")
            return version, template, operation
    raise SpecError(f"{path} matches no operation of the description")


def _validate(instance: Any, schema: dict[str, Any], *, write: bool = False, where: str) -> None:
    root = {**schema, "components": spec()["components"]}
    validator_class = OAS30WriteValidator if write else OAS30ReadValidator
    errors = sorted(validator_class(root).iter_errors(instance), key=lambda e: list(e.absolute_path))
    if errors:
        details = "; ".join(f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors[:5])
        raise SpecError(f"{where}: {details}")


def _component(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _check_rich_text(value: Any, version: int, where: str, *, nullable: bool) -> None:
    if value is None and nullable:
        return
    if version >= 3:
        _validate(value, _ADF, where=f"{where} (v3 carries an ADF document)")
    elif not isinstance(value, str):
        raise SpecError(f"{where}: v2 carries wiki markup as a string, got {type(value).__name__}")


def _check_timestamp(value: Any, where: str, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if not isinstance(value, str) or not JIRA_TIMESTAMP.fullmatch(value):
        raise SpecError(f"{where}: {value!r} is not a Jira timestamp")


def check_comment(comment: dict[str, Any], version: int, where: str) -> None:
    """Comment-level checks the description leaves open: body format per version, timestamps."""
    _check_rich_text(comment.get("body"), version, f"{where}.body", nullable=False)
    for name in ("created", "updated"):
        _check_timestamp(comment.get(name), f"{where}.{name}")


def check_issue(issue: dict[str, Any], version: int, where: str) -> None:
    """Validate the field values of one ``IssueBean`` against their own schemas."""
    fields = issue.get("fields", {})
    for name, schema in _FIELD_SCHEMAS.items():
        if fields.get(name) is not None:
            _validate(fields[name], _component(schema), where=f"{where}.fields.{name}")
    for position, component in enumerate(fields.get("components") or []):
        _validate(component, _component("ProjectComponent"), where=f"{where}.fields.components[{position}]")
    if "labels" in fields and not all(isinstance(label, str) and " " not in label for label in fields["labels"]):
        raise SpecError(f"{where}.fields.labels: {fields['labels']!r}")
    if "description" in fields:
        _check_rich_text(fields["description"], version, f"{where}.fields.description", nullable=True)
    for name in ("created", "updated", "resolutiondate"):
        if name in fields:
            _check_timestamp(fields[name], f"{where}.fields.{name}", nullable=name == "resolutiondate")
    for position, comment in enumerate((fields.get("comment") or {}).get("comments", [])):
        check_comment(comment, version, f"{where}.fields.comment.comments[{position}]")
    parent = fields.get("parent")
    if parent is not None:
        for name in ("status", "issuetype", "priority"):
            _validate(parent["fields"][name], _component(_FIELD_SCHEMAS[name]), where=f"{where}.parent.{name}")


def validate_response(
    method: str, path: str, status: int, body: bytes, *, content_type: str = "application/json"
) -> None:
    """Raise :class:`SpecError` unless Jira could have sent this response to this request."""
    version, template, operation = operation_for(method, path)
    where = f"{method} {path} -> {status}"
    documented = operation["responses"].get(str(status))
    if status == 204:
        if body:
            raise SpecError(f"{where}: 204 must have no body")
        if documented is None:
            raise SpecError(f"{where}: status not documented")
        return
    if status >= 400:
        if documented is None and status not in _UNDOCUMENTED_ERRORS:
            raise SpecError(f"{where}: status not documented for {template}")
        if status == 401 and content_type.startswith("text/plain"):
            if body.decode() != "Client must be authenticated to access this resource.":
                raise SpecError(f"{where}: unexpected 401 text {body!r}")
            return
        # The bulk operations answer their own refusals as ``BulkOperationErrorResponse``, as the description
        # says; a rate limit or a 5xx comes from in front of them, as Jira's ErrorCollection.
        refusal = "/bulk/" in template and status in {400, 401, 403}
        _validate(
            json.loads(body), _component("BulkOperationErrorResponse" if refusal else "ErrorCollection"), where=where
        )
        return
    if documented is None:
        raise SpecError(f"{where}: status not documented for {template}")
    schema = documented.get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise SpecError(f"{where}: the description has no JSON body for this status")
    payload = json.loads(body)
    _validate(payload, schema, where=where)
    if template.endswith(("/search", "/search/jql")):
        for position, issue in enumerate(payload.get("issues", [])):
            check_issue(issue, version, f"{where}: issues[{position}]")
    elif template.endswith("{issueIdOrKey}"):
        check_issue(payload, version, where)
    elif template.endswith("/comment"):
        if method.upper() == "GET":
            for position, comment in enumerate(payload["comments"]):
                check_comment(comment, version, f"{where}: comments[{position}]")
        else:
            check_comment(payload, version, where)
    elif template.endswith("{id}"):
        check_comment(payload, version, where)


def _query_value_ok(value: str, schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind == "array":
        return all(_query_value_ok(part, schema.get("items", {})) for part in value.split(","))
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value) is not None
    if kind == "boolean":
        return value.lower() in {"true", "false"}
    if "enum" in schema:
        return value.lower() in {str(option).lower() for option in schema["enum"]}
    return True


def validate_request(method: str, path: str, query: str, body: bytes) -> None:
    """Raise :class:`SpecError` unless the description allows this request.

    Query parameters must be declared by the operation and parse as their type (enum values compare
    case-insensitively, as Jira reads them); a JSON body must match the request body schema, read-only
    properties excluded. On v2 a comment body is a string, on v3 an ADF document.
    """
    version, template, operation = operation_for(method, path)
    where = f"{method} {path}"
    declared = {p["name"]: p.get("schema", {}) for p in operation.get("parameters", []) if p["in"] == "query"}
    for name, values in parse_qs(query, keep_blank_values=True).items():
        if name not in declared:
            raise SpecError(f"{where}: query parameter {name!r} is not declared")
        for value in values:
            if not _query_value_ok(value, declared[name]):
                raise SpecError(f"{where}: {name}={value!r} does not match {declared[name]}")
    if not body:
        if "requestBody" in operation and operation["requestBody"].get("required"):
            raise SpecError(f"{where}: the request body is required")
        return
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
    if schema is None:
        raise SpecError(f"{where}: the operation takes no body")
    payload = json.loads(body)
    _validate(payload, schema, write=True, where=f"{where} request")
    if template.endswith(("/comment", "{id}")):
        _check_rich_text(payload.get("body"), version, f"{where} request body", nullable=False)


def validate_exchange(record: Any) -> None:
    """Validate one :class:`~syncd.sandbox.server.RequestRecord`: the reply always, the request when Jira
    took it.

    Requests Jira refused (4xx) are often malformed on purpose, so only their responses, Jira's error
    bodies, are validated. An injected fault (429, 5xx, a dropped connection) answers a request Jira would
    have taken, so both sides are validated: a fault's body is an error body like any other. A hostile or
    garbled answer (``echo``, an empty 200, a 200 of another shape) is a gateway's, not Jira's: only the
    request is held to the description.
    """
    if record.endpoint in {"not_found", "method_not_allowed", "admin_webhook"}:
        # The admin webhook resource (/rest/webhooks/1.0) is not part of the platform REST description:
        # https://developer.atlassian.com/cloud/jira/platform/webhooks/#registering-a-webhook-using-the-jira-rest-api-for-admins
        return
    if record.status < 400 or record.fault is not None:
        validate_request(record.method, record.path, record.query, record.body)
    if record.fault in {FaultKind.ECHO, FaultKind.EMPTY, FaultKind.WRONG_SHAPE, FaultKind.REDIRECT, FaultKind.OVERSIZE}:
        return
    content_type = "text/plain" if record.status == 401 and not record.response.startswith(b"{") else "application/json"
    validate_response(record.method, record.path, record.status, record.response, content_type=content_type)


def validate_exchanges(records: Iterable[Any], *, must_cover: Iterable[str] = ()) -> None:
    """Validate every record, and fail unless the endpoints named in ``must_cover`` were among them, so a
    test that means to hold an exchange to the description cannot pass without making it."""
    seen: set[str] = set()
    for record in records:
        validate_exchange(record)
        seen.add(record.endpoint)
    missing = sorted(set(must_cover) - seen)
    if missing:
        raise SpecError(f"no exchange of {', '.join(missing)} was validated")
