"""Bad issue payloads: whatever a tracker's JSON holds, a well-typed WorkItem or a Skipped with its reason.

The normalisers are the border between a tracker's JSON and syncd's types, so they are fuzzed from
realistic payloads (the shapes the sandbox emulators render) with fields deleted, nulled, of the wrong
type, huge, in every script, and with rich text nested past Python's recursion limit. What comes out must
be usable downstream: it survives the state store's JSON round trip and the mapper aligns it.
"""

from __future__ import annotations

import copy
import json
import math
import operator
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from syncd.connectors.base import Skipped
from syncd.connectors.jira_issues import JiraProfile
from syncd.connectors.jira_issues import to_work_item as jira_work_item
from syncd.connectors.linear_issues import LabelNaming
from syncd.connectors.linear_issues import to_work_item as linear_work_item
from syncd.core.mapper import MapContext, Mapper
from syncd.model import Rule, StatusCategory, TrackerKind, WorkItem
from syncd.strategy import LabelScheme, load_strategy
from tests.conftest import EXAMPLE_STRATEGY

Where = tuple[str | int, ...]

CLOUD = JiraProfile("cloud", "Europe/Berlin", "5b10ac8d82e05b22cc7d4ef5", story_points_fields=("customfield_10016",))
DATA_CENTER = JiraProfile(
    "datacenter",
    "America/New_York",
    "syncd",
    story_points_fields=("customfield_10002",),
    epic_link_field="customfield_10008",
)
NAMING = LabelNaming(LabelScheme(), "Objective", "Value")
INITIATIVES = {"p1": ("Enterprise",)}
MAPPER = Mapper(load_strategy(EXAMPLE_STRATEGY))
MEGABYTE = 1_000_000


def adf(*paragraphs: str) -> dict[str, Any]:
    content = [{"type": "paragraph", "content": [{"type": "text", "text": text}]} for text in paragraphs]
    return {"type": "doc", "version": 1, "content": content}


JIRA_CLOUD: dict[str, Any] = {
    "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
    "id": "10042",
    "self": "https://acme.atlassian.net/rest/api/3/issue/10042",
    "key": "GROW-42",
    "fields": {
        "summary": "Checkout fails for SSO users",
        "description": adf("The upgrade flow times out.", "Reported in a support ticket."),
        "issuetype": {"id": "10001", "name": "Story", "subtask": False, "hierarchyLevel": 0},
        "status": {"id": "3", "name": "In Progress", "statusCategory": {"id": 4, "key": "indeterminate"}},
        "priority": {"id": "2", "name": "High"},
        "labels": ["customer-reported", "objective:reliability"],
        "components": [{"id": "10100", "name": "Billing"}],
        "project": {"id": "10000", "key": "GROW", "name": "Growth"},
        "parent": {
            "id": "10012",
            "key": "GROW-12",
            "fields": {"summary": "Self-serve checkout", "issuetype": {"name": "Epic", "hierarchyLevel": 1}},
        },
        "created": "2026-10-20T09:15:00.000+0200",
        "updated": "2026-11-01T10:00:00.000+0100",
        "resolutiondate": None,
        "customfield_10016": 5.0,
    },
}
JIRA_DATA_CENTER: dict[str, Any] = {
    "id": "20007",
    "key": "OPS-7",
    "fields": {
        "summary": "Pager storm after deploy",
        "description": "h2. What happened\n\n*Latency* spiked; see the incident log.",
        "issuetype": {"id": "1", "name": "Incident", "subtask": False},
        "status": {"id": "10001", "name": "Done", "statusCategory": {"id": 3, "key": "done"}},
        "priority": {"id": "1", "name": "Highest"},
        "labels": [],
        "components": [],
        "project": {"id": "10001", "key": "OPS", "name": "Operations"},
        "created": "2026-10-28T16:40:12.000-0400",
        "updated": "2026-11-01T08:00:00.000-0400",
        "resolutiondate": "2026-11-01T08:00:00.000-0400",
        "customfield_10002": 3,
        "customfield_10008": "OPS-1",
    },
}
LINEAR: dict[str, Any] = {
    "id": "4f0a8a0e-6c1b-4e7e-9d52-1f0a0b0c0d0e",
    "identifier": "ENG-7",
    "url": "https://linear.app/acme/issue/ENG-7",
    "title": "Okta SAML login",
    "description": "Customers on **Okta** cannot log in via SSO.",
    "priorityLabel": "High",
    "estimate": 3,
    "createdAt": "2026-11-01T10:00:00.000Z",
    "updatedAt": "2026-11-02T10:00:00.000Z",
    "completedAt": None,
    "state": {"type": "started"},
    "team": {"key": "ENG"},
    "project": {"id": "p1", "name": "SAML SSO"},
    "parent": {"identifier": "ENG-2"},
    "labels": {
        "nodes": [
            {"id": "l1", "name": "enterprise-readiness", "parent": {"name": "Objective"}},
            {"id": "l2", "name": "quality", "parent": {"name": "Value"}},
            {"id": "l3", "name": "bug", "parent": None},
        ]
    },
}


def normalise(kind: str, payload: Any) -> WorkItem | Skipped:
    if kind == "linear":
        return linear_work_item(payload, tracker="linear.acme", naming=NAMING, initiatives=INITIATIVES)
    profile = CLOUD if kind == "cloud" else DATA_CENTER
    return jira_work_item(payload, profile=profile, tracker="jira.acme", server="https://acme.atlassian.net")


BASES = {"cloud": JIRA_CLOUD, "datacenter": JIRA_DATA_CENTER, "linear": LINEAR}
ESTIMATE_FIELD = {"cloud": "customfield_10016", "datacenter": "customfield_10002", "linear": "estimate"}


# -- what every outcome must satisfy -------------------------------------------------------------------------


def usable(result: WorkItem | Skipped) -> WorkItem | Skipped:
    """Check the result's promises; a WorkItem is also stored, read back and aligned."""
    if isinstance(result, Skipped):
        assert isinstance(result.key, str)
        assert isinstance(result.reason, str)
        assert result.reason.strip(), "a skip says why"
        assert result.reason.splitlines() == [result.reason], f"reason spans lines: {result.reason!r}"
        assert len(result.reason) <= 300, "a reason is a log line, not the payload"
        return result
    assert isinstance(result, WorkItem), result
    well_typed(result)
    stored = json.loads(json.dumps(result.to_json(), separators=(",", ":")))
    assert WorkItem.from_json(stored) == result, "the state store reads back what it wrote"
    MAPPER.align(result)
    MAPPER.align(result, MapContext(lookup=lambda key: result))  # an item that is its own parent or epic
    return result


def well_typed(item: WorkItem) -> None:
    assert isinstance(item.kind, TrackerKind)
    assert isinstance(item.status, StatusCategory)
    for name in ("tracker", "id", "key", "title", "url", "description", "type"):
        assert isinstance(getattr(item, name), str), name
    assert item.id, "an id"
    assert item.key, "a key"
    for name in ("priority", "project", "parent", "epic", "linear_project"):
        assert getattr(item, name) is None or isinstance(getattr(item, name), str), name
    assert item.estimate is None or (type(item.estimate) is float and math.isfinite(item.estimate))
    assert isinstance(item.labels, frozenset)
    assert all(isinstance(label, str) for label in item.labels)
    for name in ("components", "initiatives"):
        values = getattr(item, name)
        assert isinstance(values, tuple), name
        assert all(isinstance(v, str) for v in values), name
    for name in ("created", "updated", "resolved"):
        moment = getattr(item, name)
        if name == "resolved" and moment is None:
            continue
        assert isinstance(moment, datetime), name
        assert moment.utcoffset() is not None, f"{name} is timezone-aware"


@pytest.mark.parametrize("kind", BASES)
def test_the_unmutated_payloads_are_work_items(kind: str) -> None:
    item = usable(normalise(kind, copy.deepcopy(BASES[kind])))
    assert isinstance(item, WorkItem)
    assert item.created < item.updated
    assert MAPPER.align(item).objectives, "the base payloads are aligned, so mutations start from a real case"


# -- generated data ------------------------------------------------------------------------------------------

TEXT = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "\u202eevil\u202c",  # right-to-left override
        "שלום עולם",
        "مرحبا بالعالم",
        "👩\u200d👩\u200d👧\u200d👦🔥",
        "e\u0301\u0302\u0303\u0304",  # stacked combining marks
        "Z\u0338\u0322\u031ba\u0336l\u0337g\u0335o\u0334",
        "\ufeff",
        "\ud800",  # a lone surrogate, as JSON's "\\ud800" decodes
        "\u2028\u2029\x85",
        "line\nbreak",
        "null",
        "NaN",
        "GROW-12",
        "Epic",
        "Objective",
        "objective:reliability",
        "alignment:none",
        "done",
        "indeterminate",
        "canceled",
        "2026-11-01T10:00:00.000+0000",
        "2026-11-01T10:00:00Z",
        "2026-11-01T10:00:00",
        "2026-11-01",
        "2026-13-45T99:99:99Z",
        "2026-11-01T10:00:00+2400",
        "9999-12-31T23:59:59-23:59",
        "0001-01-01T00:00:00+01:00",
        "2026-11-01T10:00:00+05:30:15",
    ]
) | st.text(max_size=40)
NUMBERS = st.integers() | st.floats() | st.sampled_from([10**400, -(10**400), 2**63, -0.0, 1e308, 5e-324, 1])
SCALARS = st.none() | st.booleans() | NUMBERS | TEXT


def _keys_of(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys_of(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys_of(inner)


KEYS = st.sampled_from(sorted({key for base in BASES.values() for key in _keys_of(base)} | {"type", "text"})) | TEXT
JSON = st.recursive(
    SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4), max_leaves=15
)
ADF_NODE = st.recursive(
    st.fixed_dictionaries({"type": st.just("text"), "text": SCALARS})
    | st.fixed_dictionaries({"type": st.sampled_from(["hardBreak", "rule", "mention", "emoji"])})
    | SCALARS,
    lambda inner: st.fixed_dictionaries(
        {"type": st.sampled_from(["paragraph", "bulletList", "listItem", "table", "tableCell", "text", "doc"])},
        optional={"content": st.lists(inner, max_size=4) | JSON, "text": SCALARS, "attrs": JSON},
    ),
    max_leaves=25,
)
ADF = st.builds(lambda content: {"type": "doc", "version": 1, "content": content}, st.lists(ADF_NODE, max_size=4))
HUGE_TEXT = st.builds(operator.mul, TEXT.filter(bool), st.integers(1_000, 20_000))


def _places(doc: Any, at: Where = ()) -> Iterator[Where]:
    yield at
    if isinstance(doc, dict):
        for key, inner in doc.items():
            yield from _places(inner, (*at, key))
    elif isinstance(doc, list):
        for index, inner in enumerate(doc):
            yield from _places(inner, (*at, index))


def _get(doc: Any, where: Where) -> Any:
    for part in where:
        doc = doc[part]
    return doc


def _put(doc: Any, where: Where, value: Any) -> Any:
    if not where:
        return value
    _get(doc, where[:-1])[where[-1]] = value
    return doc


def deeply_nested(depth: int, leaf: Any) -> dict[str, Any]:
    """A rich-text document ``depth`` blocks deep, built without recursion."""
    node: Any = leaf
    for _ in range(depth):
        node = {"type": "blockquote", "content": [node]}
    return {"type": "doc", "version": 1, "content": [node]}


@st.composite
def mutated_payloads(draw: st.DrawFn) -> tuple[str, Any]:
    """A base payload with one to five random edits, and sometimes a last one that nests very deeply."""
    kind = draw(st.sampled_from(list(BASES)))
    doc = copy.deepcopy(BASES[kind])
    for _ in range(draw(st.integers(1, 5))):
        where = draw(st.sampled_from(list(_places(doc))))
        node = _get(doc, where)
        edits = ["null", "replace", "text", "number", "huge", "nest"]
        edits += ["delete"] if where else []
        edits += ["adf"] if where and where[-1] == "description" else []
        edits += ["duplicate"] if isinstance(node, list) and node else []
        edits += ["insert"] if isinstance(node, dict) else []
        edit = draw(st.sampled_from(edits))
        if edit == "null":
            doc = _put(doc, where, None)
        elif edit == "replace":
            doc = _put(doc, where, draw(JSON))
        elif edit == "text":
            doc = _put(doc, where, draw(TEXT))
        elif edit == "number":
            doc = _put(doc, where, draw(NUMBERS))
        elif edit == "huge":
            doc = _put(doc, where, draw(HUGE_TEXT))
        elif edit == "nest":
            for _ in range(draw(st.integers(1, 20))):
                node = [node] if draw(st.booleans()) else {draw(KEYS): node}
            doc = _put(doc, where, node)
        elif edit == "delete":
            del _get(doc, where[:-1])[where[-1]]
        elif edit == "adf":
            doc = _put(doc, where, draw(ADF))
        elif edit == "duplicate":
            node.append(draw(st.sampled_from(node)))
        else:
            node[draw(KEYS)] = draw(JSON)
    if kind != "linear" and isinstance(doc, dict) and isinstance(doc.get("fields"), dict) and draw(st.booleans()):
        doc["fields"]["description"] = deeply_nested(draw(st.integers(500, 5_000)), draw(ADF_NODE))
    return kind, doc


# -- the normalisers -----------------------------------------------------------------------------------------


@given(mutated_payloads())
def test_a_mutated_payload_is_a_work_item_or_skipped(case: tuple[str, Any]) -> None:
    kind, payload = case
    event(type(usable(normalise(kind, payload))).__name__)


@given(st.sampled_from(list(BASES)), JSON)
def test_any_json_is_a_work_item_or_skipped(kind: str, payload: Any) -> None:
    event(type(usable(normalise(kind, payload))).__name__)


@given(st.sampled_from(["cloud", "datacenter"]), ADF)
def test_any_rich_text_description_is_read(kind: str, description: Any) -> None:
    payload = copy.deepcopy(BASES[kind])
    payload["fields"]["description"] = description
    item = usable(normalise(kind, payload))
    assert isinstance(item, WorkItem), "a strange description is no reason to skip an issue"


def _storable(text: str) -> bool:
    """Text the state store can keep: a lone UTF-16 surrogate (from a JSON escape) is not."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _acceptable(field: str, value: Any) -> bool:
    """Whether an identity field holding ``value`` still makes a WorkItem. An id or key must be valid
    Unicode (a lone surrogate cannot be stored or printed, so the issue is skipped); a title may hold one,
    which is read as U+FFFD."""
    if field == "title":
        return isinstance(value, str)
    if isinstance(value, str) and not _valid_unicode(value):
        return False
    if field == "id":
        return (isinstance(value, str) and value != "" and _storable(value)) or (
            isinstance(value, int) and not isinstance(value, bool)
        )
    if field in {"key", "identifier"}:
        return isinstance(value, str) and value != "" and _storable(value)
    if field == "title":
        return isinstance(value, str)
    return False  # fields: only an object will do


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@given(st.sampled_from(list(BASES)), st.sampled_from(["id", "key", "identifier", "title", "fields"]), SCALARS)
def test_an_identity_field_of_the_wrong_type_skips_the_issue(kind: str, field: str, value: Any) -> None:
    payload = copy.deepcopy(BASES[kind])
    present = field in payload
    if present:
        payload[field] = value
    result = usable(normalise(kind, payload))
    event(type(result).__name__)
    assert isinstance(result, WorkItem) == (not present or _acceptable(field, value)), result
    if isinstance(result, WorkItem):
        assert result.id == str(payload["id"])
        assert _valid_unicode(result.title), "a title reaches the store as valid Unicode"


@pytest.mark.parametrize("kind", BASES)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", None),
        ("id", ["10042"]),
        ("id", ""),
        ("label", None),
        ("label", 7),
        ("created", "2026-11-01T10:00:00+05:30:15"),
    ],
    ids=[
        "id-null",
        "id-list",
        "id-empty",
        "label-null",
        "label-int",
        "offset-seconds",
    ],
)
def test_values_that_would_be_coerced_into_nonsense_skip_the_issue(kind: str, field: str, value: Any) -> None:
    payload = copy.deepcopy(BASES[kind])
    fields = payload if kind == "linear" else payload["fields"]
    if field == "id":
        payload["id"] = value
    elif field == "created":
        fields["createdAt" if kind == "linear" else "created"] = value
    elif kind == "linear":
        payload["labels"]["nodes"][0]["name"] = value
    else:
        fields["labels"] = [value]
    result = usable(normalise(kind, payload))
    assert isinstance(result, Skipped), result
    assert result.key == payload.get("identifier", payload.get("key"))


@pytest.mark.parametrize("kind", BASES)
@pytest.mark.parametrize(
    "value",
    [{}, {"value": "3"}, "3", [5], True, 10**400, math.nan, math.inf],
    ids=["empty-object", "select-list", "text", "list", "bool", "huge", "nan", "inf"],
)
def test_an_estimate_that_cannot_be_read_is_no_estimate_not_a_skipped_issue(kind: str, value: Any) -> None:
    payload = copy.deepcopy(BASES[kind])
    fields = payload if kind == "linear" else payload["fields"]
    fields[ESTIMATE_FIELD[kind]] = value
    result = usable(normalise(kind, payload))
    assert isinstance(result, WorkItem), result
    assert result.estimate is None


def test_a_description_nested_past_the_recursion_limit_is_read() -> None:
    payload = copy.deepcopy(JIRA_CLOUD)
    payload["fields"]["description"] = deeply_nested(20_000, {"type": "text", "text": "deep outage"})
    item = usable(normalise("cloud", payload))
    assert isinstance(item, WorkItem)
    assert item.description == "deep outage"


@pytest.mark.parametrize("kind", BASES)
def test_a_megabyte_description_is_normalised_and_mapped_in_reasonable_time(kind: str) -> None:
    words = "Checkout latency regression seen by a customer; שלום 👩\u200d👩\u200d👧 e\u0301 \x00 "
    description = (words * (MEGABYTE // len(words) + 1))[:MEGABYTE]
    payload = copy.deepcopy(BASES[kind])
    if kind == "linear":
        payload["description"] = description
    elif kind == "cloud":
        payload["fields"]["description"] = adf(*[description[i : i + 10_000] for i in range(0, MEGABYTE, 10_000)])
    else:
        payload["fields"]["description"] = description
    started = time.perf_counter()
    item = normalise(kind, payload)
    assert isinstance(item, WorkItem)
    alignment = MAPPER.align(item)
    elapsed = time.perf_counter() - started
    assert len(item.description) >= MEGABYTE
    assert any(reason.rule is Rule.KEYWORD for reason in alignment.reasons), "the description was searched"
    assert elapsed < 5, f"normalising and mapping a 1 MB description took {elapsed:.1f} s"


def test_a_megabyte_value_in_an_error_does_not_make_a_megabyte_reason() -> None:
    payload = copy.deepcopy(JIRA_CLOUD)
    payload["fields"]["created"] = "x" * MEGABYTE
    result = usable(normalise("cloud", payload))
    assert isinstance(result, Skipped)
    assert result.reason.startswith("malformed issue payload (ValueError: ")


@pytest.mark.parametrize("kind", BASES)
def test_a_lone_surrogate_in_the_title_or_description_is_read_as_a_replacement_character(kind: str) -> None:
    payload = copy.deepcopy(BASES[kind])
    fields = payload if kind == "linear" else payload["fields"]
    fields["title" if kind == "linear" else "summary"] = "Fix \ud800 crash"
    fields["description"] = "broken \udfff text" if kind != "cloud" else None
    item = usable(normalise(kind, payload))
    assert isinstance(item, WorkItem), item
    assert item.title == "Fix \ufffd crash"
    if kind != "cloud":
        assert item.description == "broken \ufffd text"
