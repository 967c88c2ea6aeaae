"""Extract the part of Atlassian's Jira OpenAPI description that syncd and its Jira emulator use.

Atlassian publishes the Jira Cloud platform REST API as one OpenAPI 3 document (about 2.5 MB). The tests
validate every emulator response and every request syncd makes against it, but must not need the whole
document at test time. This script keeps the operations syncd calls, the component schemas they
reference (transitively), and the schemas of the issue field values the emulator renders, and writes
them to ``tests/schemas/jira-openapi-subset.json``. Descriptions and examples are dropped; everything
else is kept verbatim, so the subset says exactly what the original says about those operations.

Usage::

    python scripts/jira_openapi_subset.py path/to/swagger-v3.v3.json [--out tests/schemas/jira-openapi-subset.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS: dict[str, tuple[str, ...]] = {
    "/rest/api/3/serverInfo": ("get",),
    "/rest/api/3/myself": ("get",),
    "/rest/api/3/field": ("get",),
    "/rest/api/3/mypermissions": ("get",),
    "/rest/api/3/search": ("get", "post"),
    "/rest/api/3/search/jql": ("get", "post"),
    "/rest/api/3/issue/{issueIdOrKey}": ("get", "put", "delete"),
    "/rest/api/3/issue/{issueIdOrKey}/changelog": ("get",),
    "/rest/api/3/issue/{issueIdOrKey}/comment": ("get", "post"),
    "/rest/api/3/issue/{issueIdOrKey}/comment/{id}": ("get", "put", "delete"),
    "/rest/api/3/bulk/issues/fields": ("post",),
    "/rest/api/3/bulk/queue/{taskId}": ("get",),
}
"""The operations kept, by path (v3 paths; Jira's v2 paths mirror them)."""

FIELD_SCHEMAS: tuple[str, ...] = (
    "ErrorCollection",
    "IssueTypeDetails",
    "Priority",
    "ProjectComponent",
    "ProjectDetails",
    "Resolution",
    "StatusDetails",
    "UserDetails",
)
"""Schemas kept although no kept operation references them: the error body and issue field values."""

_PROSE = {"description", "example", "examples", "externalDocs", "summary"}
_DEFAULT_OUT = Path(__file__).resolve().parent.parent / "tests" / "schemas" / "jira-openapi-subset.json"


def _strip(node: Any, *, in_properties: bool = False) -> Any:
    """Drop prose and vendor extensions; keys inside ``properties`` are property names and stay."""
    if isinstance(node, dict):
        kept: dict[str, Any] = {}
        for key, value in node.items():
            if not in_properties and (key in _PROSE or key.startswith("x-")):
                continue
            kept[key] = _strip(value, in_properties=key == "properties" and not in_properties)
        return kept
    if isinstance(node, list):
        return [_strip(item) for item in node]
    return node


def _references(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.add(ref.rsplit("/", 1)[1])
        for value in node.values():
            found |= _references(value)
    elif isinstance(node, list):
        for item in node:
            found |= _references(item)
    return found


def extract(document: dict[str, Any]) -> dict[str, Any]:
    """The subset of ``document``: the kept operations and every schema they need."""
    paths: dict[str, Any] = {}
    for path, methods in OPERATIONS.items():
        source = document["paths"].get(path)
        if source is None:
            raise KeyError(f"{path} is not in the source document")
        paths[path] = {method: _strip(source[method]) for method in methods}
    schemas = document["components"]["schemas"]
    wanted = _references(paths) | set(FIELD_SCHEMAS)
    kept: dict[str, Any] = {}
    while wanted:
        name = wanted.pop()
        if name in kept:
            continue
        kept[name] = _strip(schemas[name])
        wanted |= _references(kept[name]) - set(kept)
    info = document.get("info", {})
    return {
        "openapi": document.get("openapi", "3.0.1"),
        "info": {
            "title": f"{info.get('title', 'Jira REST API')} (subset used by syncd)",
            "version": info.get("version", "unknown"),
        },
        "x-generated-by": "scripts/jira_openapi_subset.py",
        "paths": paths,
        "components": {"schemas": dict(sorted(kept.items()))},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="Atlassian's OpenAPI description (swagger-v3.v3.json)")
    parser.add_argument("--out", type=Path, default=_DEFAULT_OUT, help="where to write the subset")
    args = parser.parse_args(argv)
    document = json.loads(args.source.read_text(encoding="utf-8"))
    subset = extract(document)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(subset, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    operations = sum(len(methods) for methods in subset["paths"].values())
    print(f"wrote {args.out}: {operations} operations, {len(subset['components']['schemas'])} schemas")
    return 0


if __name__ == "__main__":
    sys.exit(main())
