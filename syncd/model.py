"""Core value types shared by every stage of a sync.

Everything here is immutable plain data: connectors produce :class:`WorkItem`, the mapper turns it into
an :class:`Alignment`, the reconciler into an :class:`ItemPlan` holding a :class:`LabelOp`. Keeping them
frozen means a stage can never change what another stage already decided, and lets the pure core be
tested without any tracker.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from functools import cache
from typing import Any

from pydantic import TypeAdapter

__all__ = [
    "Alignment",
    "ItemPlan",
    "JournalEntry",
    "LabelChange",
    "LabelHistory",
    "LabelOp",
    "Reason",
    "Rule",
    "StatusCategory",
    "TargetKind",
    "TrackerKind",
    "WorkItem",
]


class TrackerKind(StrEnum):
    JIRA = "jira"
    LINEAR = "linear"


class StatusCategory(StrEnum):
    """Where an issue is in its life, the only status detail drift analysis needs."""

    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkItem:
    """One tracker issue, normalised so the core never sees a tracker's own shape.

    Attributes:
        tracker: the configured tracker name, e.g. ``jira.acme`` or ``linear.acme``.
        kind: which tracker family the item comes from; selects the match rules that apply.
        id: the tracker's immutable id (Jira numeric id, Linear UUID).
        key: the human key (``GROW-12``, ``ENG-7``); stable while the issue is not moved.
        project: the Jira project key or the Linear team key.
        parent: the parent issue's key (sub-task parent, Linear parent issue).
        epic: the epic's key (Jira: Epic Link on Data Center, an epic parent on Cloud).
        linear_project: the Linear project's name.
        initiatives: names of the Linear initiatives the project belongs to.
        estimate: story points or Linear estimate; None when not estimated.
        resolved: when the issue reached done, if it did.
        resolution: how it ended, as the tracker names it (Jira's resolution, ``Canceled`` or
            ``Duplicate`` for Linear's canceled states); drift analysis leaves declined ones out.
    """

    tracker: str
    kind: TrackerKind
    id: str
    key: str
    title: str
    status: StatusCategory
    created: datetime
    updated: datetime
    url: str = ""
    description: str = ""
    type: str = ""
    priority: str | None = None
    estimate: float | None = None
    labels: frozenset[str] = frozenset()
    project: str | None = None
    components: tuple[str, ...] = ()
    parent: str | None = None
    epic: str | None = None
    linear_project: str | None = None
    initiatives: tuple[str, ...] = ()
    resolved: datetime | None = None
    resolution: str | None = None

    def ancestors(self) -> Iterator[tuple[str, str]]:
        """The direct structural links, as (relation, key) pairs, parent before epic."""
        if self.parent:
            yield "parent", self.parent
        if self.epic and self.epic != self.parent:
            yield "epic", self.epic

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_json` reads it back."""
        return {
            "tracker": self.tracker,
            "kind": self.kind.value,
            "id": self.id,
            "key": self.key,
            "title": self.title,
            "status": self.status.value,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
            "url": self.url,
            "description": self.description,
            "type": self.type,
            "priority": self.priority,
            "estimate": self.estimate,
            "labels": sorted(self.labels),
            "project": self.project,
            "components": list(self.components),
            "parent": self.parent,
            "epic": self.epic,
            "linear_project": self.linear_project,
            "initiatives": list(self.initiatives),
            "resolved": self.resolved.isoformat() if self.resolved else None,
            "resolution": self.resolution,
        }

    @classmethod
    def from_json(cls, data: Any) -> WorkItem:
        """Validate a JSON value into a WorkItem.

        Raises:
            pydantic.ValidationError: naming every missing or mistyped field.
        """
        return _work_item_adapter().validate_python(data)


class Rule(IntEnum):
    """The mapping rules, in precedence order: a lower rank wins over a higher one (an int, so sorting
    reasons by rule is a plain integer comparison)."""

    PIN = 1
    STRUCTURE = 2
    FIELD = 3
    KEYWORD = 4
    RESEMBLANCE = 5
    """No rule named an objective: the item's words resemble those of items the rules tagged."""

    @property
    def rank(self) -> int:
        return int(self)

    @property
    def label(self) -> str:
        return self.name.lower()


class TargetKind(StrEnum):
    OBJECTIVE = "objective"
    VALUE = "value"
    UNALIGNED = "unaligned"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why the mapper tagged an item with a target; ``syncd explain`` prints these.

    Attributes:
        rule: which mapping rule matched.
        kind: whether the target is an objective, a value, or the unaligned bucket (a person's pin).
        target: the objective or value id (empty for the unaligned bucket).
        detail: the evidence in words, e.g. ``component "Billing"``.
        weight: the score this match adds to its target at its rule's level.
    """

    rule: Rule
    kind: TargetKind
    target: str
    detail: str
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class Alignment:
    """What an item serves, decided by the highest-precedence rule that matched.

    Attributes:
        key: the item's key.
        objectives: the objectives of the deciding rule, best score first; the first is the primary.
        values: the values the item serves, best first.
        reasons: every match found at every level, including those a higher level overrode.
        decided_by: the rule that decided the objectives, or None when nothing matched.
        margin: how far the primary's score leads the runner-up's at the deciding rule (0: a tie, settled
            by the order of the strategy file).
    """

    key: str
    objectives: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    reasons: tuple[Reason, ...] = ()
    decided_by: Rule | None = None
    margin: float | None = None

    @property
    def strength(self) -> str:
        """How firmly the primary stands: ``firm`` (a pin, structure or a field rule), ``keyword`` (words
        in the text, leading by :attr:`margin`), ``tie`` (words, level with the runner-up), ``resemblance``
        (no rule named it, or only the description's keywords did: the item resembles items tagged with it,
        leading by :attr:`margin` in log-odds) or ``none``."""
        if not self.objectives or self.decided_by is None:
            return "none"
        if self.decided_by is Rule.RESEMBLANCE:
            return "resemblance"
        if self.decided_by is not Rule.KEYWORD:
            return "firm"
        return "tie" if self.margin == 0 else "keyword"

    @property
    def inferred(self) -> bool:
        """The primary rests on the item's words alone (a keyword, a tie or a resemblance), not on a rule a
        person wrote for it: what a review may judge and a report counts as inference."""
        return self.strength in ("keyword", "tie", "resemblance")

    @property
    def strength_note(self) -> str:
        """The strength with its lead, in a few words: ``keyword, margin 3``, ``resemblance, lead 2.1``."""
        strength = self.strength
        if strength == "keyword":
            return f"keyword, margin {self.margin or 0:g}"
        if strength == "resemblance":
            return f"resemblance, lead {self.margin or 0:g}"
        return strength

    @property
    def primary(self) -> str | None:
        return self.objectives[0] if self.objectives else None

    @property
    def aligned(self) -> bool:
        return bool(self.objectives)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "objectives": list(self.objectives),
            "values": list(self.values),
            "decided_by": self.decided_by.label if self.decided_by else None,
            "strength": self.strength,
            "margin": self.margin,
            "reasons": [[r.rule.label, r.kind.value, r.target, r.detail, r.weight] for r in self.reasons],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Alignment:
        """Read back :meth:`to_json` output (trusted: written by syncd itself)."""
        rules = {rule.label: rule for rule in Rule}
        decided = data.get("decided_by")
        return cls(
            key=data["key"],
            objectives=tuple(data["objectives"]),
            values=tuple(data["values"]),
            reasons=tuple(
                Reason(rules[rule], TargetKind(kind), target, detail, weight)
                for rule, kind, target, detail, weight in data["reasons"]
            ),
            decided_by=rules[decided] if decided else None,
            margin=data.get("margin"),
        )


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """What syncd remembers about the labels of one item.

    Attributes:
        applied: owned labels syncd put on the item and believes are still there.
        declined: labels syncd would apply but a person removed; not re-added while still desired.
        persons: owned labels on the item that a person put there (pins), so the tracker's history is
            never asked about them again.
    """

    applied: frozenset[str] = frozenset()
    declined: frozenset[str] = frozenset()
    persons: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LabelOp:
    """One write: labels to add to and remove from one issue, as a delta, never a whole-list set."""

    tracker: str
    item_id: str
    key: str
    add: frozenset[str] = frozenset()
    remove: frozenset[str] = frozenset()

    @property
    def empty(self) -> bool:
        return not self.add and not self.remove

    def applied_to(self, labels: frozenset[str]) -> frozenset[str]:
        """The labels an issue has after this op, as the tracker computes it (removes, then adds)."""
        return (labels - self.remove) | self.add


@dataclass(frozen=True, slots=True)
class ItemPlan:
    """The reconciler's decision for one item, with what it deliberately left alone.

    Attributes:
        op: the delta to write (may be empty).
        desired: the owned labels the alignment calls for.
        pins: owned labels a person set; never removed.
        declined: desired labels a person removed; not put back.
        blocked: desired labels not added because a person's label holds their exclusive group.
        journal: the journal entry to store once the op is confirmed.
    """

    op: LabelOp
    desired: frozenset[str]
    pins: frozenset[str] = frozenset()
    declined: frozenset[str] = frozenset()
    blocked: frozenset[str] = frozenset()
    journal: JournalEntry = field(default_factory=JournalEntry)


@cache
def _work_item_adapter() -> TypeAdapter[WorkItem]:
    return TypeAdapter(WorkItem)


@dataclass(frozen=True, slots=True)
class LabelChange:
    """One change of an issue's labels as the tracker recorded it.

    Attributes:
        at: when the change was made.
        actor: the account that made it (Jira ``accountId`` or DC ``name``, Linear user id); empty when
            the tracker names none (an automation, an integration).
        added: labels added, in syncd's canonical names.
        removed: labels removed, in syncd's canonical names.
    """

    at: datetime
    actor: str
    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LabelHistory:
    """An issue's label changes, and the account syncd acts as on that tracker."""

    account: str
    changes: tuple[LabelChange, ...] = ()
