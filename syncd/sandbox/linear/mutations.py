"""Resolvers of the ``Mutation`` root fields syncd uses, under Linear's rules (:mod:`.edits`).

An input field the emulator does not implement is an error, not silently dropped, so a test never
believes a write happened that did not. ``issueBatchUpdate`` is all-or-nothing: if one issue fails,
none is changed.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from syncd.sandbox.linear.context import Args, ExecContext, Info, Registry, context_of
from syncd.sandbox.linear.datetimes import parse_instant
from syncd.sandbox.linear.edits import edit_issue
from syncd.sandbox.linear.errors import forbidden, input_error, not_found, unsupported
from syncd.sandbox.linear.records import Comment, Issue

__all__ = ["BATCH_LIMIT", "RESOLVERS"]

BATCH_LIMIT = 50
"""The most issues one ``issueBatchUpdate`` may change."""

_mutation = Registry()
on = _mutation.on


_ISSUE_FIELDS = {
    "title": "title",
    "description": "description",
    "priority": "priority",
    "estimate": "estimate",
    "stateId": "state_id",
    "projectId": "project_id",
    "cycleId": "cycle_id",
    "parentId": "parent_id",
    "teamId": "team_id",
    "assigneeId": "assignee_id",
    "dueDate": "due_date",
    "sortOrder": "sort_order",
    "labelIds": "label_ids",
    "addedLabelIds": "added_label_ids",
    "removedLabelIds": "removed_label_ids",
}


def _changes(data: Mapping[str, Any], allowed: Mapping[str, str], what: str) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for name, value in data.items():
        if name not in allowed:
            raise unsupported(f'The {what} field "{name}"')
        changes[allowed[name]] = value
    return changes


def _payload(ctx: ExecContext, **fields: Any) -> dict[str, Any]:
    return {"success": True, "lastSyncId": float(ctx.store.next_sync_id()), **fields}


def _issue(ctx: ExecContext, ref: str) -> Issue:
    issue = ctx.store.find_issue(ref)
    if issue is None:
        raise not_found("Issue")
    return issue


def _instant(ctx: ExecContext, value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.fromtimestamp(parse_instant(value, ctx.now_ms) / 1000, UTC)


@on("Mutation", "issueUpdate")
def _issue_update(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    changes = _changes(args["input"], _ISSUE_FIELDS, "IssueUpdateInput")
    return _payload(ctx, issue=edit_issue(ctx.store, _issue(ctx, args["id"]), changes, actor=ctx.viewer.id))


@on("Mutation", "issueBatchUpdate")
def _issue_batch_update(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    ids: list[str] = args["ids"]
    if len(ids) > BATCH_LIMIT:
        raise input_error(
            "Argument Validation Error",
            f"issueBatchUpdate accepts at most {BATCH_LIMIT} issue ids, got {len(ids)}.",
        )
    for ident in ids:
        try:
            uuid.UUID(ident)
        except ValueError:
            raise input_error("Argument Validation Error", f"{ident!r} is not a valid issue id (UUID).") from None
    changes = _changes(args["input"], _ISSUE_FIELDS, "IssueUpdateInput")
    originals = [_issue(ctx, ident) for ident in ids]
    done: list[Issue] = []
    mark = ctx.store.histories.mark()
    try:
        for issue in originals:
            done.append(edit_issue(ctx.store, ctx.store.issues[issue.id], changes, actor=ctx.viewer.id))
    except Exception:
        for issue in originals:
            ctx.store.put_issue(issue)
        ctx.store.histories.rewind(mark)
        raise
    return _payload(ctx, issues=done)


@on("Mutation", "issueAddLabel")
def _issue_add_label(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    issue = edit_issue(ctx.store, _issue(ctx, args["id"]), {"added_label_ids": [args["labelId"]]}, actor=ctx.viewer.id)
    return _payload(ctx, issue=issue)


@on("Mutation", "issueRemoveLabel")
def _issue_remove_label(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    if args["labelId"] not in ctx.store.labels:
        raise not_found("IssueLabel")
    issue = edit_issue(
        ctx.store, _issue(ctx, args["id"]), {"removed_label_ids": [args["labelId"]]}, actor=ctx.viewer.id
    )
    return _payload(ctx, issue=issue)


@on("Mutation", "issueCreate")
def _issue_create(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    data = dict(args["input"])
    known = {"teamId", "title", "description", "priority", "estimate", "stateId", "labelIds", "projectId"}
    known |= {"cycleId", "parentId", "assigneeId", "id", "createdAt"}
    for name in data:
        if name not in known:
            raise unsupported(f'The IssueCreateInput field "{name}"')
    team = ctx.workspace.team(data["teamId"])
    issue = ctx.workspace.add_issue(
        team,
        data.get("title") or "",
        description=data.get("description"),
        state=data.get("stateId"),
        priority=data.get("priority") or 0,
        estimate=data.get("estimate"),
        labels=data.get("labelIds") or (),
        project=data.get("projectId"),
        cycle=data.get("cycleId"),
        parent=data.get("parentId"),
        assignee=data.get("assigneeId"),
        creator=ctx.viewer,
        created_at=_instant(ctx, data.get("createdAt")),
        issue_id=data.get("id"),
    )
    return _payload(ctx, issue=issue)


@on("Mutation", "issueArchive")
def _issue_archive(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    issue = ctx.workspace.archive_issue(_issue(ctx, args["id"]), trash=bool(args.get("trash")))
    return _payload(ctx, entity=issue)


@on("Mutation", "issueUnarchive")
def _issue_unarchive(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    return _payload(ctx, entity=ctx.workspace.unarchive_issue(_issue(ctx, args["id"])))


@on("Mutation", "issueDelete")
def _issue_delete(_root: None, info: Info, args: Args) -> dict[str, Any]:
    """Linear trashes a deleted issue (archived, ``trashed``); ``permanentlyDelete`` purges it."""
    ctx = context_of(info)
    issue = _issue(ctx, args["id"])
    if args.get("permanentlyDelete"):
        ctx.workspace.delete_issue(issue)
        return _payload(ctx, entity=None)
    return _payload(ctx, entity=ctx.workspace.archive_issue(issue, trash=True))


@on("Mutation", "issueLabelCreate")
def _issue_label_create(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    if args.get("replaceTeamLabels"):
        raise unsupported("replaceTeamLabels")
    data = dict(args["input"])
    for name in data:
        if name not in {"name", "color", "description", "id", "isGroup", "parentId", "teamId"}:
            raise unsupported(f'The IssueLabelCreateInput field "{name}"')
    label = ctx.workspace.create_label(
        name=data["name"],
        team_id=data.get("teamId"),
        parent_id=data.get("parentId"),
        is_group=bool(data.get("isGroup")),
        color=data.get("color"),
        description=data.get("description"),
        creator_id=ctx.viewer.id,
        label_id=data.get("id"),
    )
    return _payload(ctx, issueLabel=label)


@on("Mutation", "issueLabelUpdate")
def _issue_label_update(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    label = ctx.store.labels.get(args["id"])
    if label is None:
        raise not_found("IssueLabel")
    changes = _changes(args["input"], {"name": "name", "color": "color", "description": "description"}, "label")
    if changes.get("name") is None:
        changes.pop("name", None)
    updated = dataclasses.replace(label, **changes, updated_at=ctx.store.touch_time(label.updated_at))
    return _payload(ctx, issueLabel=ctx.store.put(ctx.store.labels, updated))


def _own_comment(ctx: ExecContext, comment_id: str) -> Comment:
    comment = ctx.store.comments.get(comment_id)
    if comment is None:
        raise not_found("Comment")
    if comment.user_id != ctx.viewer.id:
        raise forbidden("Only the author can change a comment", "You can only edit your own comments.")
    return comment


@on("Mutation", "commentCreate")
def _comment_create(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    data = dict(args["input"])
    ignored = {
        "createAsUser",
        "displayIconUrl",
        "doNotSubscribeToIssue",
        "subscriberIds",
        "createOnSyncedSlackThread",
    }
    for name in data:
        if name not in {"issueId", "body", "id", "parentId", "createdAt"} | ignored:
            raise unsupported(f'The CommentCreateInput field "{name}"')
    if not data.get("issueId"):
        raise input_error("Argument Validation Error", "issueId is required: comments go on issues here.")
    if data.get("body") is None:
        raise input_error("Argument Validation Error", "body is required.")
    comment = ctx.workspace.add_comment(
        _issue(ctx, data["issueId"]),
        data["body"],
        user=ctx.viewer,
        created_at=_instant(ctx, data.get("createdAt")),
        parent=data.get("parentId"),
        comment_id=data.get("id"),
    )
    return _payload(ctx, comment=comment)


@on("Mutation", "commentUpdate")
def _comment_update(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    comment = _own_comment(ctx, args["id"])
    data = dict(args["input"])
    for name in data:
        if name not in {"body", "doNotSubscribeToIssue", "subscriberIds"}:
            raise unsupported(f'The CommentUpdateInput field "{name}"')
    body = data.get("body")
    if body is None or body == comment.body:
        return _payload(ctx, comment=comment)
    edited_at = comment.edited_at if args.get("skipEditedAt") else ctx.now_ms
    updated = dataclasses.replace(
        comment, body=body, edited_at=edited_at, updated_at=ctx.store.touch_time(comment.updated_at)
    )
    return _payload(ctx, comment=ctx.store.put_comment(updated))


@on("Mutation", "commentDelete")
def _comment_delete(_root: None, info: Info, args: Args) -> dict[str, Any]:
    ctx = context_of(info)
    comment = _own_comment(ctx, args["id"])
    ctx.store.remove_comment(comment.id)
    return _payload(ctx, entityId=comment.id)


RESOLVERS = _mutation.resolvers
