"""Label writes on Jira Cloud through bulk edit: one submission for up to 1,000 issues, then its task.

Ops with the same delta are grouped (:func:`~syncd.connectors.batches.by_delta`), and each group goes out
as ``POST /rest/api/3/bulk/issues/fields`` with a ``labelsFields`` entry per verb (ADD, then REMOVE: the
API takes one option per field). The task is followed with ``GET /rest/api/3/bulk/queue/{taskId}`` until
it ends; each issue's op is then done when the issue is in ``processedAccessibleIssues``, refused with
the reasons of ``failedAccessibleIssues``, and not found when it is in neither
(``invalidOrInaccessibleIssueCount``).
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-bulk-operations/

Labels ADD and REMOVE are idempotent deltas: adding a label an issue has, or removing one it lacks,
changes nothing. So a submission retried after a lost answer, or sent again after a crash mid-task (the
outbox still holds the ops), never applies anything twice, and the task that was already running does no
harm. A task that cannot be followed to its end leaves its ops uncertain, resolved on the next run as any
write whose answer was lost. A task that fails as a whole, a refused submission (no global *Bulk change*
permission, 403) or a payload the site will not take hands the ops back to the per-issue edit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from syncd.connectors.base import Fence
from syncd.connectors.batches import by_delta
from syncd.errors import BadRequest, NotFound, PermissionDenied, TrackerError, TransientError
from syncd.model import LabelOp

__all__ = ["MAX_BULK_ISSUES", "BulkBatch", "BulkLabelEdit", "bulk_batches", "bulk_body", "outcomes", "saves_requests"]

MAX_BULK_ISSUES = 1000
_ENDED = {"COMPLETE", "FAILED", "CANCELLED", "DEAD"}
_POLL_WAITS = (0.1, 0.2, 0.4, 0.8, 1.6)
_POLL_WAIT_MAX = 2.0
_POLLS_MAX = 600

Rest = Callable[..., Any]
"""``rest(method, path, body=..., fence=...)``: the connector's call, retried and translated into typed
errors, ``fence`` checked just before each attempt is sent."""


@dataclass(frozen=True, slots=True)
class BulkBatch:
    """Ops with one delta, at most :data:`MAX_BULK_ISSUES` of them: what one task per verb edits."""

    add: frozenset[str]
    remove: frozenset[str]
    ops: tuple[LabelOp, ...]


def bulk_batches(ops: Iterable[LabelOp], *, limit: int = MAX_BULK_ISSUES) -> Iterator[BulkBatch]:
    """Ops grouped by identical delta, at most ``limit`` issues to a batch, as :func:`by_delta` hands them.

    An issue's ops never share a batch (the outbox holds one pending op per issue), so no two ops of one
    issue race each other.
    """
    for (add, remove), members in by_delta((((op.add, op.remove), op) for op in ops), limit=limit):
        yield BulkBatch(add, remove, tuple(members))


def saves_requests(batch: BulkBatch) -> bool:
    """Whether bulk edit costs fewer requests than one edit per issue: each verb is a submission and at
    least one poll, while a single edit carries both verbs of an issue's change at once."""
    verbs = (1 if batch.add else 0) + (1 if batch.remove else 0)
    return len(batch.ops) > 2 * verbs


def bulk_body(issue_ids: Iterable[str], option: str, labels: Iterable[str]) -> dict[str, Any]:
    """An ``IssueBulkEditPayload`` that adds or removes ``labels`` on the issues, quietly."""
    field = {
        "fieldId": "labels",
        "bulkEditMultiSelectFieldOption": option,
        "labels": [{"name": label} for label in sorted(labels)],
    }
    return {
        "selectedIssueIdsOrKeys": list(issue_ids),
        "selectedActions": ["labels"],
        "editedFieldsInput": {"labelsFields": [field]},
        "sendBulkNotification": False,
    }


def outcomes(progress: dict[str, Any], ops: Iterable[LabelOp], *, tracker: str) -> dict[str, TrackerError | None]:
    """Each op's outcome, by issue id, from a finished task's ``BulkOperationProgress``."""
    done = {str(issue) for issue in progress.get("processedAccessibleIssues") or ()}
    failed = progress.get("failedAccessibleIssues") or {}
    result: dict[str, TrackerError | None] = {}
    for op in ops:
        if op.item_id in done:
            result[op.item_id] = None
        elif op.item_id in failed:
            reasons = "; ".join(str(reason) for reason in failed[op.item_id]) or "no reason given"
            result[op.item_id] = BadRequest(f"bulk edit refused: {reasons}", tracker=tracker, issue=op.key, status=400)
        else:
            result[op.item_id] = NotFound(
                "bulk edit: the issue does not exist or is not visible", tracker=tracker, issue=op.key, status=404
            )
    return result


class _HandBack(Exception):
    """The batch goes back to the per-issue edit."""


class BulkLabelEdit:
    """Sends batches through bulk edit while the site takes them.

    Args:
        rest: the connector's retried REST call.
        tracker: the tracker's name, for errors.
        sleep: waits between polls (the retry policy's, so a shutdown cancels them).
    """

    def __init__(self, rest: Rest, *, tracker: str, sleep: Callable[[float], None]) -> None:
        self._rest = rest
        self._tracker = tracker
        self._sleep = sleep
        self.available = True

    def run(self, batch: BulkBatch, fence: Fence) -> dict[str, TrackerError | None] | None:
        """Each op's outcome by issue id, or None when the batch must go out one issue at a time; ``fence``
        is called before each attempt of each submission (following a task writes nothing)."""
        result: dict[str, TrackerError | None] = {op.item_id: None for op in batch.ops}
        try:
            for option, labels in (("ADD", batch.add), ("REMOVE", batch.remove)):
                ops = [op for op in batch.ops if result[op.item_id] is None]
                if labels and ops:
                    result.update(self._task(option, labels, ops, fence))
        except _HandBack:
            return None
        return result

    def _task(
        self, option: str, labels: frozenset[str], ops: list[LabelOp], fence: Fence
    ) -> dict[str, TrackerError | None]:
        body = bulk_body([op.item_id for op in ops], option, labels)
        try:
            submitted = self._rest("POST", "bulk/issues/fields", body=body, fence=fence)
        except PermissionDenied:
            self.available = False
            raise _HandBack from None
        except BadRequest:
            raise _HandBack from None
        except TrackerError as error:
            return dict.fromkeys((op.item_id for op in ops), error)
        task = str(submitted.get("taskId") or "")
        if not task:
            raise _HandBack
        try:
            progress = self._follow(task)
        except TrackerError as error:
            lost = TransientError(
                f"bulk edit task {task} could not be followed to its end: {error.message}", tracker=self._tracker
            )
            return dict.fromkeys((op.item_id for op in ops), lost)
        if progress.get("status") != "COMPLETE":
            raise _HandBack
        return outcomes(progress, ops, tracker=self._tracker)

    def _follow(self, task: str) -> dict[str, Any]:
        for poll in range(_POLLS_MAX):
            self._sleep(_POLL_WAITS[poll] if poll < len(_POLL_WAITS) else _POLL_WAIT_MAX)
            progress: dict[str, Any] = self._rest("GET", f"bulk/queue/{task}")
            if progress.get("status") in _ENDED:
                return progress
        raise TransientError(f"bulk edit task {task} did not end", tracker=self._tracker)
