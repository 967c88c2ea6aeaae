"""How one tracker holds syncd's labels: which of them share a one-label-per-issue group.

A value type below the connectors and the reconciler alike: the connectors build it from their settings,
the reconciler plans with it, and :func:`tracker_labels` is the one place that decides it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syncd.model import TrackerKind
from syncd.strategy.document import LabelScheme

__all__ = ["TrackerLabels", "tracker_labels"]


@dataclass(frozen=True, slots=True)
class TrackerLabels:
    """How one tracker holds syncd's labels.

    Attributes:
        scheme: the label namespace from the strategy.
        exclusive_objectives: objective labels and the unaligned label form a group that allows one
            label per issue (a Linear label group); the issue then carries only the primary objective.
        exclusive_values: value labels form such a group; the issue carries only the first value.
    """

    scheme: LabelScheme
    exclusive_objectives: bool = False
    exclusive_values: bool = False

    def objective_group(self, label: str) -> bool:
        return label == self.scheme.unaligned or label.startswith(self.scheme.objective_prefix)

    def value_group(self, label: str) -> bool:
        return label.startswith(self.scheme.value_prefix)

    def exclusive_groups(self) -> list[Callable[[str], bool]]:
        """Membership tests of the groups that allow one label per issue."""
        groups: list[Callable[[str], bool]] = []
        if self.exclusive_objectives:
            groups.append(self.objective_group)
        if self.exclusive_values:
            groups.append(self.value_group)
        return groups


def tracker_labels(scheme: LabelScheme, kind: TrackerKind, *, grouped_values: bool = True) -> TrackerLabels:
    """How a tracker of ``kind`` holds the labels of ``scheme``.

    Jira labels are free-form. Linear keeps objectives, and values unless ``grouped_values`` is False (a
    workspace without a ``value_group``), in one-label-per-issue label groups.
    """
    if kind is not TrackerKind.LINEAR:
        return TrackerLabels(scheme)
    return TrackerLabels(scheme, exclusive_objectives=True, exclusive_values=grouped_values)
