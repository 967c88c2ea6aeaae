"""Mapping work items to the objectives and values they serve, with the reasons (pure).

Rules, by precedence (DESIGN §4): a person's **pin** (an owned label syncd did not apply), **structure**
(epics, Linear projects and initiatives, and inheritance from parents and epics), **fields** (project or
team, component, label, issue type), **keywords**. The highest rule with a match decides the objectives;
within it the best score is the primary, ties going to the objective listed first. Lower rules are kept
as reasons so ``syncd explain`` can show what was overridden. Values are tagged from every rule. With a
model of the tracker's items (``mapping.similar_items``, :meth:`Mapper.learning_from`), an item no rule
names is tagged by the tagged items it resembles, and so is an item only its description's keywords tag
when it resembles another objective's items.

Inheritance looks at every ancestor reachable through parent and epic links (nearest first, each once,
so a cycle ends the walk) and takes the objectives of the ancestor whose *own* rules are strongest,
nearest on a tie. Using own rules only makes the result independent of the order items are mapped in.
"""

from __future__ import annotations

import copy
import gc
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter

from syncd.core.keyword_rules import KeywordRules
from syncd.core.similar_items import Learning, SimilarItems, is_seed
from syncd.model import Alignment, Reason, Rule, TargetKind, TrackerKind, WorkItem
from syncd.strategy import Match, Strategy

__all__ = ["MapContext", "Mapper", "collection_paused", "map_items"]


_Target = tuple[TargetKind, str]
_RANK = {rule: int(rule) for rule in Rule}
_Index = dict[str, tuple[Reason, ...]]
_Links = tuple[TrackerKind, str | None, str | None]
_Decision = tuple[tuple[str, ...], tuple[str, ...], tuple[Reason, ...], Rule | None, float | None]


@dataclass(frozen=True, slots=True)
class MapContext:
    """What the mapper may know beyond the item itself.

    Attributes:
        lookup: finds another item of the same tracker by key (ancestors for inheritance).
        applied: the owned labels syncd applied to an item, by key (from the label journal); an owned
            label present on an item but not applied by syncd is a person's pin.
        memo: each item's own reasons, computed once per context; a context serves one batch, during
            which items and journal do not change.
        decided: each ancestor's alignment by its own rules, computed once per context.
        inherited: what items with the same parent and epic links inherit, computed once per context
            (the children of one epic share it), with the ancestor keys the walk visited.
        decisions: what each combination of reasons adds up to, keyed by the reasons' identities. Every
            reason the mapper produces is built once and shared, so items with the same evidence hold the
            very same reason objects; the entry keeps them alive, so an identity is never reused.
    """

    lookup: Callable[[str], WorkItem | None] = lambda key: None
    applied: Callable[[str], frozenset[str]] = lambda key: frozenset()
    memo: dict[str, tuple[Reason, ...]] = field(default_factory=dict, compare=False, repr=False)
    decided: dict[str, Alignment] = field(default_factory=dict, compare=False, repr=False)
    inherited: dict[_Links, tuple[frozenset[str], tuple[Reason, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )
    decisions: dict[tuple[int, ...], _Decision] = field(default_factory=dict, compare=False, repr=False)


@dataclass(slots=True)
class _Rules:
    """The strategy's match rules as lookup tables from a (case-folded) name to the reasons it gives.

    Reasons are immutable, so each is built once, here, and shared by every item it applies to.
    """

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
        structure, fields = Rule.STRUCTURE, Rule.FIELD
        _index(self.jira_epics, jira.epics, target, structure, "is epic {}", fold=False)
        _index(self.jira_projects, jira.projects, target, fields, "project {}", fold=False)
        _index(self.jira_components, jira.components, target, fields, 'component "{}"')
        _index(self.jira_labels, (*jira.labels, *match.labels), target, fields, 'label "{}"')
        _index(self.jira_types, jira.issue_types, target, fields, 'issue type "{}"')
        _index(self.linear_projects, linear.projects, target, structure, 'in project "{}"')
        _index(self.linear_initiatives, linear.initiatives, target, structure, 'in initiative "{}"')
        _index(self.linear_teams, linear.teams, target, fields, "team {}", fold=False)
        _index(self.linear_labels, (*linear.labels, *match.labels), target, fields, 'label "{}"')


def _index(index: _Index, names: Iterable[str], target: _Target, rule: Rule, detail: str, *, fold: bool = True) -> None:
    kind, target_id = target
    for name in names:
        key = name.casefold() if fold else name
        reason = Reason(rule, kind, target_id, detail.format(name))
        if reason not in index.get(key, ()):
            index[key] = (*index.get(key, ()), reason)


class Mapper:
    """A strategy compiled for mapping; build once, map any number of items."""

    def __init__(self, strategy: Strategy, similar: SimilarItems | None = None) -> None:
        self.strategy = strategy
        self.similar = similar
        self.scheme = strategy.labels
        self._order: dict[_Target, int] = {}
        self._rules = _Rules()
        self._options = strategy.mapping
        entries = [(TargetKind.OBJECTIVE, o.id, o.match) for o in strategy.objectives]
        entries += [(TargetKind.VALUE, v.id, v.match) for v in strategy.values]
        for kind, target_id, match in entries:
            target = (kind, target_id)
            self._order[target] = len(self._order)
            self._rules.add(target, match)
        self.keywords = KeywordRules(entries)
        self._pin_cache: dict[str, tuple[Reason, ...]] = {}

    def learning_from(self, items: Iterable[WorkItem]) -> Mapper:
        """This strategy with a model of the items it tags (:mod:`syncd.core.similar_items`), so that items no
        rule decides are tagged by the ones they resemble; items are mapped by the rules alone to teach it,
        and a keyword tag teaches only when the title's keywords decided it.
        Unchanged when the strategy's ``mapping.similar_items`` is off."""
        if not self.strategy.mapping.similar_items:
            return self
        rules_only = self.rules_only()
        held = list(items)
        mapped = map_items(held, rules_only)
        learning = Learning([objective.id for objective in self.strategy.objectives])
        for item in held:
            alignment = mapped[item.key]
            if rules_only.teaches(alignment):
                learning.add(item, alignment.objectives[0])
        return self.with_model(learning.model())

    def with_model(self, similar: SimilarItems | None) -> Mapper:
        """This mapper, compiled once, with another model of similar items (None: the rules alone)."""
        if similar is self.similar:
            return self
        other = copy.copy(self)
        other.similar = similar
        return other

    def rules_only(self) -> Mapper:
        return self.with_model(None)

    def teaches(self, alignment: Alignment) -> bool:
        """The rules' alignment of an item may teach a model of similar items (:func:`is_seed`)."""
        return is_seed(alignment, by_title=self.keywords.named_by_title(alignment))

    def align(self, item: WorkItem, context: MapContext | None = None) -> Alignment:
        """Map one item; ``context`` supplies ancestors and the journal."""
        context = context or MapContext()
        own = self._own_cached(item, context)
        if item.parent is None and item.epic is None:
            alignment = self._decide_cached(item.key, own, context)
        else:
            alignment = self._decide_cached(item.key, own + self._inherited_cached(item, context), context)
        if self.similar is None:
            return alignment
        if alignment.decided_by is None:
            return self.similar.tag(item, alignment)
        if alignment.decided_by is Rule.KEYWORD and not self.keywords.named_by_title(alignment):
            return self.similar.contest(item, alignment)
        return alignment

    def own_reasons(self, item: WorkItem, applied: frozenset[str] = frozenset()) -> tuple[Reason, ...]:
        """Every match of the item's own pins, structure, fields and keywords (no inheritance)."""
        reasons: list[Reason] = []
        if item.labels:
            for label in sorted(item.labels - applied):
                reasons += self._pins(label)
        self._structure(item, reasons)
        self._fields(item, reasons)
        reasons += self.keywords.reasons(item)
        return tuple(reasons)

    def _own_cached(self, item: WorkItem, context: MapContext) -> tuple[Reason, ...]:
        memo = context.memo
        if item.key not in memo:
            memo[item.key] = self.own_reasons(item, context.applied(item.key))
        return memo[item.key]

    def _pins(self, label: str) -> tuple[Reason, ...]:
        """What an owned label a person set says (nothing for a label outside syncd's namespace)."""
        reasons = self._pin_cache.get(label)
        if reasons is None:
            reasons = self._pin_cache[label] = tuple(self._pin_reasons(label))
        return reasons

    def _pin_reasons(self, label: str) -> Iterator[Reason]:
        scheme = self.scheme
        if label == scheme.unaligned:
            yield Reason(Rule.PIN, TargetKind.UNALIGNED, "", f'label "{label}" set by a person')
            return
        objective = scheme.objective_of(label)
        if objective is not None and (TargetKind.OBJECTIVE, objective) in self._order:
            yield Reason(Rule.PIN, TargetKind.OBJECTIVE, objective, f'label "{label}" set by a person')
        value = scheme.value_of(label)
        if value is not None and (TargetKind.VALUE, value) in self._order:
            yield Reason(Rule.PIN, TargetKind.VALUE, value, f'label "{label}" set by a person')

    def _structure(self, item: WorkItem, out: list[Reason]) -> None:
        rules = self._rules
        if item.kind is TrackerKind.JIRA:
            out += rules.jira_epics.get(item.key, ())
            return
        if item.linear_project:
            out += rules.linear_projects.get(item.linear_project.casefold(), ())
        for initiative in item.initiatives:
            out += rules.linear_initiatives.get(initiative.casefold(), ())

    def _fields(self, item: WorkItem, out: list[Reason]) -> None:
        rules = self._rules
        jira = item.kind is TrackerKind.JIRA
        if item.project:
            out += (rules.jira_projects if jira else rules.linear_teams).get(item.project, ())
        if jira:
            for component in item.components:
                out += rules.jira_components.get(component.casefold(), ())
        if item.labels:
            index = rules.jira_labels if jira else rules.linear_labels
            for label in sorted(item.labels):
                if not self.scheme.owns(label):
                    out += index.get(label.casefold(), ())
        if jira and item.type:
            out += rules.jira_types.get(item.type.casefold(), ())

    def _inherited_cached(self, item: WorkItem, context: MapContext) -> tuple[Reason, ...]:
        """What the item inherits; items with the same links share one walk.

        A shared walk is only valid for an item the walk did not pass through: an item that is its own
        ancestor (a cycle) stops its walk at itself, so its walk is its own and is not shared.
        """
        links = (item.kind, item.parent, item.epic)
        shared = context.inherited.get(links)
        if shared is not None and item.key not in shared[0]:
            return shared[1]
        visited: set[str] = set()
        reasons = tuple(self._inherited(item, context, visited))
        if item.key not in visited:
            context.inherited[links] = (frozenset(visited), reasons)
        return reasons

    def _inherited(self, item: WorkItem, context: MapContext, visited: set[str]) -> Iterator[Reason]:
        """The objectives of the strongest-mapped ancestor, as structure reasons; ``visited`` collects
        every key the walk reached, including the item's own key when a cycle leads back to it.

        An ancestor that is not among the known items still counts when the strategy names it as an
        epic: the item is then "in epic X" on the strength of the rule alone.
        """
        best: tuple[int, int, str, str, Alignment] | None = None
        for depth, relation, key, ancestor in _ancestors(item, context.lookup, visited):
            if ancestor is None and item.kind is not TrackerKind.JIRA:
                continue
            decided = context.decided.get(key)
            if decided is None:
                decided = context.decided[key] = self._ancestor_alignment(key, ancestor, context)
            if decided.decided_by is None or not decided.objectives:
                continue
            rank = (_RANK[decided.decided_by], depth)
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

    def _ancestor_alignment(self, key: str, ancestor: WorkItem | None, context: MapContext) -> Alignment:
        """An ancestor's alignment by its own rules; an unknown one is judged by the epic rules alone."""
        if ancestor is not None:
            return self._decide_cached(key, self._own_cached(ancestor, context), context)
        return self._decide_cached(key, self._rules.jira_epics.get(key, ()), context)

    def _decide_cached(self, key: str, reasons: tuple[Reason, ...], context: MapContext) -> Alignment:
        """:meth:`_decide`, once per combination of reasons in a context (see :class:`MapContext`)."""
        identity = tuple(map(id, reasons))
        decision = context.decisions.get(identity)
        if decision is None:
            decision = context.decisions[identity] = self._decide(reasons)
        return Alignment(key, *decision)

    def _decide(self, reasons: tuple[Reason, ...]) -> _Decision:
        """The alignment the reasons add up to: the strongest rule with an objective (or a person's
        unaligned pin) decides; its best-scored objective is the primary, with the margin it leads by.

        One pass over the reasons in rule order; the mapper calls this for every item and ancestor.
        """
        if not reasons:
            return (), (), (), None, None
        ordered = tuple(sorted(reasons, key=_BY_RULE)) if len(reasons) > 1 else reasons
        decided_by: Rule | None = None
        deciding: list[Reason] = []
        values: list[Reason] = []
        for reason in ordered:
            if reason.kind is TargetKind.VALUE:
                values.append(reason)
                continue
            if decided_by is None:
                decided_by = reason.rule
            if reason.rule is decided_by and reason.kind is TargetKind.OBJECTIVE:
                deciding.append(reason)
        objectives, margin = self._chosen(deciding, decided_by)
        if not objectives and decided_by is Rule.KEYWORD:
            decided_by = None
        return objectives, self._ranked(values), ordered, decided_by, margin

    def _chosen(self, deciding: list[Reason], rule: Rule | None) -> tuple[tuple[str, ...], float | None]:
        """The deciding rule's objectives to label, primary first, and the primary's lead over the
        runner-up. A person's pins are all kept; keywords must clear the strategy's minimum score and
        margin; other objectives are labelled only within ``mapping.label_within`` of the best score."""
        if not deciding:
            return (), None
        scores: dict[str, float] = {}
        for reason in deciding:
            scores[reason.target] = scores.get(reason.target, 0.0) + reason.weight
        if self.keywords.any_vetoes:
            for target in {r.target for r in deciding if self.keywords.vetoes(r)}:
                del scores[target]
        ranked = sorted(scores, key=self._tie_break(deciding, rule)) if len(scores) > 1 else list(scores)
        if len(ranked) > 1:
            ranked.sort(key=lambda t: -scores[t])
        if not ranked:
            return (), None
        top = scores[ranked[0]]
        margin = top - (scores[ranked[1]] if len(ranked) > 1 else 0.0)
        if rule is Rule.PIN:
            return tuple(ranked), margin
        options = self._options
        if rule is Rule.KEYWORD and (top < options.min_score or margin < options.min_margin or top <= 0):
            return (), None
        within = options.label_within
        if within is None:
            return (ranked[0],), margin
        return tuple(t for t in ranked if scores[t] >= (1 - within) * top), margin

    def _tie_break(self, deciding: list[Reason], rule: Rule | None) -> Callable[[str], int]:
        """Between objectives of equal score: for keywords, the one whose evidence the author wrote
        first (title before description); for other rules, the one listed first in the strategy."""
        if rule is Rule.KEYWORD:
            first: dict[str, int] = {}
            for index, reason in enumerate(deciding):
                first.setdefault(reason.target, index)
            return first.__getitem__
        order = self._order
        return lambda target: order[(TargetKind.OBJECTIVE, target)]

    def _ranked(self, reasons: list[Reason]) -> tuple[str, ...]:
        """Values ordered by strongest rule, then total weight, then their order in the file; a value
        vetoed by a keyword is dropped when keywords are all that tag it."""
        if not reasons:
            return ()
        best: dict[_Target, tuple[int, float]] = {}
        vetoed: set[_Target] = set()
        for reason in reasons:
            target = (reason.kind, reason.target)
            if self.keywords.vetoes(reason):
                vetoed.add(target)
            rank, score = best.get(target, (reason.rule, 0.0))
            best[target] = (min(rank, reason.rule), score + reason.weight)
        order = self._order
        kept = [t for t in best if not (t in vetoed and best[t][0] == Rule.KEYWORD)]
        ranked = sorted(kept, key=lambda t: (best[t][0], -best[t][1], order[t]))
        return tuple(target_id for _, target_id in ranked)


_BY_RULE = attrgetter("rule")


def _ancestors(
    item: WorkItem, lookup: Callable[[str], WorkItem | None], visited: set[str]
) -> Iterator[tuple[int, str, str, WorkItem | None]]:
    """Ancestors breadth-first: depth, how reached, key, and the item when it is known; each key once,
    and never the item itself. Every key reached is added to ``visited``."""
    queue: deque[tuple[int, str, WorkItem]] = deque([(0, "", item)])
    while queue:
        depth, path, current = queue.popleft()
        for relation, key in current.ancestors():
            if key in visited:
                continue
            visited.add(key)
            if key == item.key:
                continue
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
    with collection_paused():
        return {key: mapper.align(item, context) for key, item in batch.items()}


@contextmanager
def collection_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch is mapped.

    Mapping allocates only immutable values (reasons, tuples, alignments) that cannot form reference
    cycles, so the collector has nothing to find; yet its passes are triggered by allocation counts and
    walk the whole young heap, which cost a fifth of the mapper's time at 100k items. Reference counting
    still frees everything as usual, and the collector resumes (if it was on) when the batch ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
