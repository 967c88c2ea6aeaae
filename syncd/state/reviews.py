"""A person's answers on sampled keyword tags (``syncd review``), kept per period so a review resumes."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from syncd.state.database import Database

__all__ = ["Reviews", "StoredAnswer"]


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """One reviewed item.

    Attributes:
        tag: the objective the keywords gave it when it was reviewed.
        answer: the objective the person chose; ``""`` when none serves.
        rules: a fingerprint of each objective's rules when it was answered, so a changed rule sets the
            answers that involve that objective aside.
    """

    tracker: str
    key: str
    period: str
    tag: str
    answer: str
    rules: Mapping[str, str] = field(default_factory=dict)

    @property
    def confirmed(self) -> bool:
        return self.answer == self.tag


class Reviews:
    def __init__(self, db: Database) -> None:
        self._db = db

    def put(self, answers: Sequence[StoredAnswer]) -> None:
        """Record answers, replacing an earlier answer on the same item in the same period."""
        now = self._db.now()
        with self._db.transaction() as db:
            db.executemany(
                "INSERT INTO reviews (tracker, key, period, tag, answer, rules, reviewed_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (tracker, key, period) DO UPDATE SET tag = excluded.tag, "
                "answer = excluded.answer, rules = excluded.rules, reviewed_at = excluded.reviewed_at",
                [
                    (a.tracker, a.key, a.period, a.tag, a.answer, json.dumps(dict(a.rules), sort_keys=True), now)
                    for a in answers
                ],
            )

    def of_period(self, period: str) -> list[StoredAnswer]:
        """Every answer given in ``period``, oldest first."""
        rows = self._db.execute(
            "SELECT tracker, key, period, tag, answer, rules FROM reviews WHERE period = ? ORDER BY reviewed_at, key",
            (period,),
        )
        return [StoredAnswer(t, k, p, tag, answer, json.loads(rules)) for t, k, p, tag, answer, rules in rows]
