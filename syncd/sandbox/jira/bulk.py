"""Jira Cloud's bulk edit: ``POST /bulk/issues/fields`` submits a task, ``GET /bulk/queue/{taskId}`` follows it.

Shapes follow Atlassian's description (``IssueBulkEditPayload``, ``SubmittedBulkOperation``,
``BulkOperationProgress``, ``BulkOperationErrorResponse``): a submission names at most 1,000 issues, the
fields in ``selectedActions`` and their values in ``editedFieldsInput``; labels are ``labelsFields``
entries whose ``bulkEditMultiSelectFieldOption`` is ADD, REMOVE, REPLACE or REMOVE_ALL. The caller needs
the global *Bulk change* permission for both calls.
https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-bulk-operations/

The task runs asynchronously on a real site, whether or not anyone follows it. Here it advances ``step``
issues when it is submitted and again each time it is polled (all of them at once by default), so a test
decides exactly where a crash lands; :meth:`BulkTasks.finish_all` runs every task to its end, as a site
does while nobody watches. An issue that is gone by then counts in
``invalidOrInaccessibleIssueCount``; one whose edit Jira refuses is listed in ``failedAccessibleIssues``
with the reason. ``fail_next`` makes the next tasks fail as a whole (status ``FAILED``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from syncd.sandbox.jira.changes import IssueEdit
from syncd.sandbox.jira.handlers import Call
from syncd.sandbox.jira.render import timestamp
from syncd.sandbox.jira.store import JiraStore
from syncd.sandbox.server import Response

__all__ = ["MAX_ISSUES", "BulkTask", "BulkTasks", "bulk_error"]

MAX_ISSUES = 1000
_PAYLOAD_KEYS = {"editedFieldsInput", "selectedActions", "selectedIssueIdsOrKeys", "sendBulkNotification"}
_LABEL_KEYS = {"bulkEditMultiSelectFieldOption", "fieldId", "labels", "labelProperties"}
_OPTIONS = {"ADD", "REMOVE", "REPLACE", "REMOVE_ALL"}
_NO_PERMISSION = "You don't have the global Bulk change permission."


class _Invalid(Exception):
    """A refused submission; the message goes into ``BulkOperationErrorResponse``."""


def bulk_error(status: int, *messages: str) -> Response:
    """A ``BulkOperationErrorResponse``."""
    return Response.json_body(status, {"errors": [{"message": m} for m in messages]})


@dataclass
class BulkTask:
    """One submitted bulk edit and how far it has got."""

    task_id: str
    account_id: str
    issues: list[str]
    ops: tuple[tuple[str, str], ...]
    replace: tuple[str, ...] | None
    created: Any
    started: Any = None
    updated: Any = None
    done: int = 0
    failed_whole: bool = False
    processed: list[int] = field(default_factory=list)
    failures: dict[str, list[str]] = field(default_factory=dict)
    invalid: int = 0

    @property
    def finished(self) -> bool:
        return self.failed_whole or self.done >= len(self.issues)


class BulkTasks:
    """The site's bulk tasks, their handlers, and the knobs tests turn.

    Attributes:
        step: issues a task processes when submitted and each time it is polled (None: all at once).
        fail_next: the next N tasks fail as a whole when they start, editing nothing.
    """

    def __init__(self, store: JiraStore) -> None:
        self.store = store
        self.step: int | None = None
        self.fail_next = 0
        self._tasks: dict[str, BulkTask] = {}
        self._ids = itertools.count(10641)
        self._lock = threading.Lock()

    def by_endpoint(self) -> dict[str, Callable[[Call], Response]]:
        return {"bulk_edit": self.submit, "bulk_progress": self.progress}

    def tasks(self) -> list[BulkTask]:
        with self._lock:
            return list(self._tasks.values())

    def clear(self) -> None:
        """Forget every task (a benchmark counts each sync's tasks on their own)."""
        with self._lock:
            self._tasks.clear()

    def submit(self, call: Call) -> Response:
        if not call.user.bulk_change:
            return bulk_error(403, _NO_PERMISSION)
        try:
            issues, ops, replace = _parse(call.request.json() if call.request.body else None)
        except (_Invalid, ValueError) as problem:
            return bulk_error(400, str(problem))
        if not call.user.can_edit:
            return bulk_error(403, "You do not have permission to edit issues in this project.")
        with self._lock:
            task = BulkTask(
                task_id=str(next(self._ids)),
                account_id=call.user.account_id,
                issues=issues,
                ops=ops,
                replace=replace,
                created=self.store.clock.now(),
            )
            self._tasks[task.task_id] = task
            self._advance(task, self.step)
        return Response.json_body(201, {"taskId": task.task_id})

    def progress(self, call: Call) -> Response:
        if not call.user.bulk_change:
            return bulk_error(403, _NO_PERMISSION)
        with self._lock:
            task = self._tasks.get(call.params["task"])
            if task is None:
                return bulk_error(400, "The task associated with this taskId is not a bulk operation task")
            self._advance(task, self.step)
            return Response.json_body(200, _progress_json(task, call))

    def finish_all(self) -> None:
        """Run every task to its end, as the site does whether or not anyone polls."""
        with self.store.lock, self._lock:
            for task in self._tasks.values():
                self._advance(task, None)

    def _advance(self, task: BulkTask, step: int | None) -> None:
        if task.finished:
            return
        now = self.store.clock.now()
        if task.started is None:
            task.started = now
            if self.fail_next > 0:
                self.fail_next -= 1
                task.failed_whole, task.updated = True, now
                return
        end = len(task.issues) if step is None else min(len(task.issues), task.done + max(step, 1))
        by = self.store.user(task.account_id)
        for key in task.issues[task.done : end]:
            self._edit(task, key, by)
        task.done, task.updated = end, now

    def _edit(self, task: BulkTask, key: str, by: Any) -> None:
        issue = self.store.find(key)
        if issue is None:
            task.invalid += 1
            return
        edit = IssueEdit(set_labels=task.replace) if task.replace is not None else IssueEdit(label_ops=task.ops)
        try:
            self.store.edit_issue(str(issue.id), edit, by=by)
        except ValueError as refused:
            task.failures[str(issue.id)] = [str(refused.args[0])]
        else:
            task.processed.append(issue.id)


def _progress_json(task: BulkTask, call: Call) -> dict[str, Any]:
    zone = call.user.time_zone
    body: dict[str, Any] = {
        "taskId": task.task_id,
        "status": "ENQUEUED",
        "progressPercent": 0,
        "submittedBy": {"accountId": task.account_id},
        "created": timestamp(task.created, zone),
    }
    if task.started is not None:
        body["started"] = timestamp(task.started, zone)
        body["updated"] = timestamp(task.updated or task.started, zone)
        body["status"] = "RUNNING"
        body["progressPercent"] = task.done * 100 // max(len(task.issues), 1)
    if task.failed_whole:
        body["status"] = "FAILED"
    elif task.finished:
        body.update(
            status="COMPLETE",
            progressPercent=100,
            totalIssueCount=len(task.issues),
            invalidOrInaccessibleIssueCount=task.invalid,
            processedAccessibleIssues=list(task.processed),
        )
        if task.failures:
            body["failedAccessibleIssues"] = dict(task.failures)
    return body


def _parse(payload: Any) -> tuple[list[str], tuple[tuple[str, str], ...], tuple[str, ...] | None]:
    """The issues, label operations (or labels to replace with) of a submission; raises _Invalid."""
    if not isinstance(payload, dict) or set(payload) - _PAYLOAD_KEYS:
        raise _Invalid("Invalid request payload. Refer to the REST API documentation and try again.")
    missing = sorted({"editedFieldsInput", "selectedActions", "selectedIssueIdsOrKeys"} - set(payload))
    if missing:
        raise _Invalid(f"Missing required fields: {', '.join(missing)}")
    issues, actions, edited = (
        payload["selectedIssueIdsOrKeys"],
        payload["selectedActions"],
        payload["editedFieldsInput"],
    )
    if not _strings(issues) or not issues:
        raise _Invalid("selectedIssueIdsOrKeys must name at least one issue.")
    if len(issues) > MAX_ISSUES:
        raise _Invalid(f"A bulk edit can have at most {MAX_ISSUES} issues; {len(issues)} were selected.")
    if not _strings(actions) or not isinstance(edited, dict):
        raise _Invalid("Invalid request payload. Refer to the REST API documentation and try again.")
    unsupported = sorted(set(edited) - {"labelsFields"})
    if unsupported:
        raise _Invalid(f"The emulated site edits labels only; cannot bulk edit {', '.join(unsupported)}.")
    entries = edited.get("labelsFields") or []
    if not isinstance(entries, list) or len(entries) != 1 or not isinstance(entries[0], dict):
        raise _Invalid("labelsFields must hold one entry for the labels field.")
    entry = entries[0]
    field_id = entry.get("fieldId")
    unlisted = sorted({str(field_id)} - set(actions))
    if unlisted:
        raise _Invalid(f"The following editedFieldInput values are not listed as selectedActions : {unlisted[0]}")
    if set(actions) - {field_id}:
        raise _Invalid(f"The following selectedActions have no editedFieldInput value : {', '.join(actions)}")
    return list(dict.fromkeys(issues)), *_label_ops(entry)


def _label_ops(entry: dict[str, Any]) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...] | None]:
    if set(entry) - _LABEL_KEYS or entry.get("fieldId") != "labels":
        raise _Invalid("labelsFields entries edit the labels field: fieldId must be 'labels'.")
    option = entry.get("bulkEditMultiSelectFieldOption")
    if option not in _OPTIONS:
        raise _Invalid(f"bulkEditMultiSelectFieldOption must be one of {', '.join(sorted(_OPTIONS))}.")
    labels = entry.get("labels")
    if not isinstance(labels, list) or not all(isinstance(x, dict) and isinstance(x.get("name"), str) for x in labels):
        raise _Invalid("labels must be a list of objects with a name.")
    names = tuple(dict.fromkeys(x["name"] for x in labels))
    if option == "REPLACE":
        return (), names
    if option == "REMOVE_ALL":
        return (), ()
    if not names:
        raise _Invalid(f"{option} needs at least one label.")
    verb = "add" if option == "ADD" else "remove"
    return tuple((verb, name) for name in names), None


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
