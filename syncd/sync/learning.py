"""The model of similar items one tracker's syncs share (``mapping.similar_items``, :mod:`syncd.core.similar_items`).

A full pull learns it after every issue is stored: the items are streamed from the state in batches,
mapped by the rules alone (with the journal, so syncd's own labels are not read as a person's pins), and
those the rules tag firmly or by the title's keywords teach it. It is saved with the tracker's marks, under
the strategy's fingerprint, and every later sync and webhook refresh tags with it until the next full
pull: a poll and a webhook never disagree on an item's tag, and an incremental sync does not read every
item again. Even the first sync of a tracker tags what it resembles, since it learns after its pull.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from syncd.core.mapper import MapContext, Mapper, collection_paused
from syncd.core.similar_items import Learning, SimilarItems, Tally
from syncd.logging import get_logger
from syncd.model import WorkItem
from syncd.state import Mark, StateStore

__all__ = ["Lesson", "learn", "save_model", "saved_model"]

_log = get_logger("syncd.sync.learning")


@dataclass(frozen=True)
class Lesson:
    """A model learnt from a tracker's items, and the items the rules leave undecided: the ones it tags."""

    model: SimilarItems
    undecided: tuple[str, ...]


def learn(
    mapper: Mapper,
    batches: Iterable[Sequence[WorkItem]],
    *,
    lookup: Callable[[str], WorkItem | None],
    applied: Callable[[str], frozenset[str]],
) -> Lesson:
    """Learn from items read batch by batch; ``lookup`` finds ancestors, ``applied`` the owned labels syncd
    put on an item (the journal)."""
    rules = mapper.rules_only()
    learning = Learning([objective.id for objective in mapper.strategy.objectives])
    undecided: list[str] = []
    for batch in batches:
        keyed = {item.key: item for item in batch}

        def found(key: str, keyed: dict[str, WorkItem] = keyed) -> WorkItem | None:
            return keyed.get(key) or lookup(key)

        context = MapContext(lookup=found, applied=applied)
        with collection_paused():
            for item in batch:
                alignment = rules.align(item, context)
                if rules.teaches(alignment):
                    learning.add(item, alignment.objectives[0])
                elif alignment.decided_by is None:
                    undecided.append(item.key)
    return Lesson(learning.model(), tuple(undecided))


def saved_model(store: StateStore, tracker: str, fingerprint: str) -> SimilarItems | None:
    """The model the tracker's last full pull saved under this strategy; None when there is none yet, it
    was learnt under another strategy, or it cannot be read (the next full pull learns it again)."""
    saved = store.marks.get(tracker, Mark.SIMILAR_ITEMS)
    if not saved:
        return None
    try:
        data = json.loads(saved)
        if data.get("strategy") != fingerprint:
            return None
        return SimilarItems(Tally.from_json(data["model"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        _log.warning("similar_items.unreadable", tracker=tracker, error=str(exc))
        return None


def save_model(store: StateStore, tracker: str, fingerprint: str, model: SimilarItems) -> None:
    value = {"strategy": fingerprint, "model": model.tally.to_json()}
    store.marks.set(tracker, Mark.SIMILAR_ITEMS, json.dumps(value, separators=(",", ":")))
