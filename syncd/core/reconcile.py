"""Planning label writes from alignments (pure): DESIGN §5, in code.

The plan is computed from three things only: the labels the tracker shows now, the alignment, and the
journal of what syncd itself applied. From them it follows that

* only owned labels (the scheme's prefixes and the unaligned label) are ever added or removed;
* an owned label present on the issue that syncd did not apply is a person's **pin**: never removed;
* a label syncd applied that is now missing was removed by a person: it is **declined** and not put
  back while the mapping still calls for it (syncd does not fight people); once the mapping no longer
  wants it, the decline is forgotten;
* where a tracker allows one label per group (Linear label groups), a label is not added into a group
  that a person's label already holds (**blocked**), and syncd's own label is swapped in one delta;
* planning again after the plan was applied yields an empty op, so a rerun writes nothing.

The op is a delta (add/remove), never a whole-list set, so a person's concurrent edit survives.
"""

from __future__ import annotations

from syncd.model import Alignment, ItemPlan, JournalEntry, LabelOp, WorkItem
from syncd.strategy import TrackerLabels

__all__ = ["assume_applied", "desired_labels", "plan_item"]


def desired_labels(alignment: Alignment, labels: TrackerLabels) -> frozenset[str]:
    """The owned labels an item should carry for its alignment."""
    scheme = labels.scheme
    objectives = alignment.objectives[:1] if labels.exclusive_objectives else alignment.objectives
    values = alignment.values[:1] if labels.exclusive_values else alignment.values
    wanted = {scheme.objective_label(o) for o in objectives} if objectives else {scheme.unaligned}
    wanted.update(scheme.value_label(v) for v in values)
    return frozenset(wanted)


def plan_item(item: WorkItem, alignment: Alignment, journal: JournalEntry, labels: TrackerLabels) -> ItemPlan:
    """The label delta for one item, and the journal to keep once the tracker confirms it."""
    scheme = labels.scheme
    current = item.labels
    owned = frozenset(label for label in current if scheme.owns(label))
    desired = desired_labels(alignment, labels)
    removed_by_person = journal.applied - current
    declined = (journal.declined | removed_by_person) & desired
    pins = owned - journal.applied
    add = desired - current - declined
    remove = (journal.applied & current) - desired
    blocked = _blocked(add, pins - desired, labels)
    add -= blocked
    op = LabelOp(item.tracker, item.id, item.key, frozenset(add), frozenset(remove))
    applied = ((journal.applied & current) - remove) | add
    return ItemPlan(
        op=op,
        desired=desired,
        pins=pins,
        declined=declined,
        blocked=blocked,
        journal=JournalEntry(applied=frozenset(applied), declined=declined, persons=pins),
    )


def _blocked(add: frozenset[str], persons: frozenset[str], labels: TrackerLabels) -> frozenset[str]:
    """Labels of ``add`` whose exclusive group already holds a label a person set."""
    blocked: set[str] = set()
    for in_group in labels.exclusive_groups():
        if any(in_group(label) for label in persons):
            blocked.update(label for label in add if in_group(label))
    return frozenset(blocked)


def assume_applied(journal: JournalEntry, op: LabelOp, current: frozenset[str]) -> JournalEntry:
    """The journal as it would be had ``op`` been confirmed, judged from what the tracker shows now.

    An op that was sent but whose confirmation was lost (a crash, a dropped connection) may or may not
    have been applied. Its added labels that are present are syncd's, not a person's pins; its removed
    labels that are gone were removed by syncd, not declined by a person.
    """
    applied = (journal.applied | (op.add & current)) - (op.remove - current)
    return JournalEntry(applied=frozenset(applied), declined=journal.declined, persons=journal.persons - applied)
