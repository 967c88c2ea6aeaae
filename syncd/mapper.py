"""Mapping work items to the objectives and values they serve, with the reasons (pure).

Rules, by precedence (DESIGN §4): a person's **pin** (an owned label syncd did not apply), **structure**
(epics, Linear projects and initiatives, and inheritance from parents and epics), **fields** (project or
team, component, label, issue type), **keywords**. The highest rule with a match decides the objectives;
within it the best score is the primary, ties going to the objective listed first. Lower rules are kept
as reasons so ``syncd explain`` can show what was overridden. Values are tagged from every rule.

Inheritance looks at every ancestor reachable through parent and epic links (nearest first, each once,
so a cycle ends the walk) and takes the objectives of the ancestor whose *own* rules are strongest,
nearest on a tie. Using own rules only makes the result independent of the order items are mapped in.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from syncd.keywords import KeywordMatcher
from syncd.model import Alignment, Reason, Rule, TargetKind, TrackerKind, WorkItem
from syncd.strategy import Match, Strategy

__all__ = ["MapContext", "Mapper", "map_items"]

_KEYWORD_WEIGHT_TITLE = 2.0
_KEYWORD_WEIGHT_DESCRIPTION = 1.0

_Target = tuple[TargetKind, str]
_Index = dict[str, list[_Target]]


@dataclass(frozen=True, slots=True)
class MapContext:
    """What the mapper may know beyond the item itself.

    Attributes:
        lookup: finds another item of the same tracker by key (ancestors for inheritance).
        applied: the owned labels syncd applied to an item, by key (from the label journal); an owned
            label present on an item but not applied by syncd is a person's pin.
        memo: each item's own reasons, computed once per context; a context serves one batch, during
            which items and journal do not change.
    """

    lookup: Callable[[str], WorkItem | None] = lambda key: None
    applied: Callable[[str], frozenset[str]] = lambda key: frozenset()
    memo: dict[str, tuple[Reason, ...]] = field(default_factory=dict, compare=False, repr=False)


@dataclass(slots=True)
class _Rules:
    """The strategy's match rules as lookup tables, built once per strategy."""

    jira_epics: _Index = field(default_factory=dict)
    jira_projects: _Index = field(default_factory=dict)
    jira_components: _Index = field(default_factory=dict)
    jira_labels: _Index = field(default_factory=dict)
    jira_types: _Index = field(default_factory=dict)
    linear_projects: _Index = field(default_factory=dict)
    linear_initiatives: _Index = field(default_factory=dict)
    linear_teams: _Index = field(default_factory=dict)
    linear_labels: _Index = field(default_factory=dict)

    def add(self, target: _Target, match: Match) -> None:
        jira, linear = match.jira, match.linear
        _index(self.jira_epics, jira.epics, target, fold=False)
        _index(self.jira_projects, jira.projects, target, fold=False)
        _index(self.jira_components, jira.components, target)
        _index(self.jira_labels, (*jira.labels, *match.labels), target)
        _index(self.jira_types, jira.issue_types, target)
        _index(self.linear_projects, linear.projects, target)
        _index(self.linear_initiatives, linear.initiatives, target)
        _index(self.linear_teams, linear.teams, target, fold=False)
        _index(self.linear_labels, (*linear.labels, *match.labels), target)


def _index(index: _Index, names: Iterable[str], target: _Target, *, fold: bool = True) -> None:
    for name in names:
        entries = index.setdefault(name.casefold() if fold else name, [])
        if target not in entries:
            entries.append(target)


class Mapper:
    """A strategy compiled for mapping; build once, map any number of items."""

    def __init__(self, strategy: Strategy) -> None:
        self.strategy = strategy
        self.scheme = strategy.labels
        self._order: dict[_Target, int] = {}
        self._rules = _Rules()
        keywords: dict[_Target, Iterable[str]] = {}
        entries = [(TargetKind.OBJECTIVE, o.id, o.match) for o in strategy.objectives]
        entries += [(TargetKind.VALUE, v.id, v.match) for v in strategy.values]
        for kind, target_id, match in entries:
            target = (kind, target_id)
            self._order[target] = len(self._order)
            self._rules.add(target, match)
            keywords[target] = match.keywords
        self._keywords = KeywordMatcher(keywords)

    def align(self, item: WorkItem, context: MapContext | None = None) -> Alignment:
        """Map one item; ``context`` supplies ancestors and the journal."""
        context = context or MapContext()
        own = self._own_cached(item, context)
        inherited = tuple(self._inherited(item, context))
        return self._decide(item.key, own + inherited)

    def own_reasons(self, item: WorkItem, applied: frozenset[str] = frozenset()) -> tuple[Reason, ...]:
        """Every match of the item's own pins, structure, fields and keywords (no inheritance)."""
        return (
            *self._pins(item, applied),
            *self._structure(item),
            *self._fields(item),
            *self._keyword_reasons(item),
        )

    def _own_cached(self, item: WorkItem, context: MapContext) -> tuple[Reason, ...]:
        memo = context.memo
        if item.key not in memo:
            memo[item.key] = self.own_reasons(item, context.applied(item.key))
        return memo[item.key]

    def _pins(self, item: WorkItem, applied: frozenset[str]) -> Iterator[Reason]:
        scheme = self.scheme
        for label in sorted(item.labels - applied):
            if label == scheme.unaligned:
                yield Reason(Rule.PIN, TargetKind.UNALIGNED, "", f'label "{label}" set by a person')
                continue
            objective = scheme.objective_of(label)
            if objective is not None and (TargetKind.OBJECTIVE, objective) in self._order:
                yield Reason(Rule.PIN, TargetKind.OBJECTIVE, objective, f'label "{label}" set by a person')
            value = scheme.value_of(label)
            if value is not None and (TargetKind.VALUE, value) in self._order:
                yield Reason(Rule.PIN, TargetKind.VALUE, value, f'label "{label}" set by a person')

    def _structure(self, item: WorkItem) -> Iterator[Reason]:
        rules = self._rules
        if item.kind is TrackerKind.JIRA:
            yield from _hits(Rule.STRUCTURE, rules.jira_epics, [item.key], "is epic {}", fold=False)
        else:
            if item.linear_project:
                projects = [item.linear_project]
                yield from _hits(Rule.STRUCTURE, rules.linear_projects, projects, 'in project "{}"')
            yield from _hits(Rule.STRUCTURE, rules.linear_initiatives, item.initiatives, 'in initiative "{}"')

    def _fields(self, item: WorkItem) -> Iterator[Reason]:
        rules = self._rules
        labels = sorted(label for label in item.labels if not self.scheme.owns(label))
        project = [item.project] if item.project else []
        if item.kind is TrackerKind.JIRA:
            yield from _hits(Rule.FIELD, rules.jira_projects, project, "project {}", fold=False)
            yield from _hits(Rule.FIELD, rules.jira_components, item.components, 'component "{}"')
            yield from _hits(Rule.FIELD, rules.jira_labels, labels, 'label "{}"')
            types = [item.type] if item.type else []
            yield from _hits(Rule.FIELD, rules.jira_types, types, 'issue type "{}"')
        else:
            yield from _hits(Rule.FIELD, rules.linear_teams, project, "team {}", fold=False)
            yield from _hits(Rule.FIELD, rules.linear_labels, labels, 'label "{}"')

    def _keyword_reasons(self, item: WorkItem) -> Iterator[Reason]:
        for hit in self._keywords.hits(item.title, item.description):
            kind, target = hit.owner
            where, weight = (
                ("title", _KEYWORD_WEIGHT_TITLE) if hit.in_title else ("description", _KEYWORD_WEIGHT_DESCRIPTION)
            )
            yield Reason(Rule.KEYWORD, kind, target, f'keyword "{hit.keyword}" in the {where}', weight)

    def _inherited(self, item: WorkItem, context: MapContext) -> Iterator[Reason]:
        """The objectives of the strongest-mapped ancestor, as structure reasons.

        An ancestor that is not among the known items still counts when the strategy names it as an
        epic: the item is then "in epic X" on the strength of the rule alone.
        """
        best: tuple[int, int, str, str, Alignment] | None = None
        for depth, relation, key, ancestor in _ancestors(item, context.lookup):
            if ancestor is not None:
                decided = self._decide(key, self._own_cached(ancestor, context))
            elif item.kind is TrackerKind.JIRA:
                decided = self._decide(
                    key, tuple(_hits(Rule.STRUCTURE, self._rules.jira_epics, [key], "is epic {}", fold=False))
                )
            else:
                continue
            if decided.decided_by is None or not decided.objectives:
                continue
            rank = (decided.decided_by.rank, depth)
            if best is None or rank < best[:2]:
                best = (*rank, key, relation, decided)
        if best is None:
            return
        _, _, key, relation, decided = best
        deciding = [r for r in decided.reasons if r.rule is decided.decided_by and r.kind is TargetKind.OBJECTIVE]
        for objective in decided.objectives:
            evidence = [r for r in deciding if r.target == objective]
            why = "; ".join(r.detail for r in evidence)
            yield Reason(
                Rule.STRUCTURE,
                TargetKind.OBJECTIVE,
                objective,
                f"inherited from {key} ({relation}): {why}",
                sum(r.weight for r in evidence),
            )

    def _decide(self, key: str, reasons: tuple[Reason, ...]) -> Alignment:
        ordered = tuple(sorted(reasons, key=self._reason_order))
        decided_by: Rule | None = None
        for reason in ordered:
            if reason.kind is not TargetKind.VALUE:
                decided_by = reason.rule
                break
        objectives = self._ranked(r for r in ordered if r.kind is TargetKind.OBJECTIVE and r.rule is decided_by)
        values = self._ranked(r for r in ordered if r.kind is TargetKind.VALUE)
        return Alignment(key, objectives, values, ordered, decided_by)

    def _ranked(self, reasons: Iterable[Reason]) -> tuple[str, ...]:
        """Targets ordered by strongest rule, then total weight, then their order in the file."""
        best_rule: dict[_Target, int] = {}
        score: dict[_Target, float] = {}
        for reason in reasons:
            target = (reason.kind, reason.target)
            best_rule[target] = min(best_rule.get(target, reason.rule.rank), reason.rule.rank)
            score[target] = score.get(target, 0.0) + reason.weight
        ranked = sorted(score, key=lambda t: (best_rule[t], -score[t], self._order[t]))
        return tuple(target_id for _, target_id in ranked)

    def _reason_order(self, reason: Reason) -> tuple[int, int, int, str]:
        order = self._order.get((reason.kind, reason.target), -1)
        return (reason.rule.rank, reason.kind is TargetKind.VALUE, order, reason.detail)


def _hits(rule: Rule, index: _Index, names: Iterable[str], detail: str, *, fold: bool = True) -> Iterator[Reason]:
    for name in names:
        for kind, target in index.get(name.casefold() if fold else name, ()):
            yield Reason(rule, kind, target, detail.format(name))


def _ancestors(
    item: WorkItem, lookup: Callable[[str], WorkItem | None]
) -> Iterator[tuple[int, str, str, WorkItem | None]]:
    """Ancestors breadth-first: depth, how reached, key, and the item when it is known; each key once."""
    seen = {item.key}
    queue: deque[tuple[int, str, WorkItem]] = deque([(0, "", item)])
    while queue:
        depth, path, current = queue.popleft()
        for relation, key in current.ancestors():
            if key in seen:
                continue
            seen.add(key)
            ancestor = lookup(key)
            reached = f"{relation} of {path}" if path else relation
            yield depth + 1, reached, key, ancestor
            if ancestor is not None:
                queue.append((depth + 1, reached, ancestor))


def map_items(
    items: Iterable[WorkItem],
    strategy: Strategy | Mapper,
    *,
    applied: Mapping[str, frozenset[str]] | None = None,
    known: Mapping[str, WorkItem] | None = None,
) -> dict[str, Alignment]:
    """Map a batch of items of one tracker; ancestors come from the batch, then from ``known``.

    Args:
        items: the items to map.
        strategy: the strategy, or a :class:`Mapper` already compiled from it.
        applied: the owned labels syncd applied, per key (the journal).
        known: other items of the tracker (from the state store) that may be ancestors.
    """
    mapper = strategy if isinstance(strategy, Mapper) else Mapper(strategy)
    batch = {item.key: item for item in items}
    others = known or {}
    journal = applied or {}
    context = MapContext(
        lookup=lambda key: batch.get(key) or others.get(key),
        applied=lambda key: journal.get(key, frozenset()),
    )
    return {key: mapper.align(item, context) for key, item in batch.items()}
