"""Resolvers of ``Query``'s root fields.

Only the root fields listed here exist in the emulator; any other root field of Linear's schema
answers with an explicit "not supported" error rather than with empty data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncd.sandbox.linear.context import (
    Args,
    Info,
    Registry,
    context_of,
    issue_connection,
    record_connection,
)
from syncd.sandbox.linear.errors import not_found
from syncd.sandbox.linear.records import Issue, Team

__all__ = ["RESOLVERS"]

_query = Registry()
on = _query.on


def _one(table: Mapping[str, Any], ident: str, entity: str) -> Any:
    record = table.get(ident)
    if record is None:
        raise not_found(entity)
    return record


@on("Query", "viewer")
def _viewer(_root: None, info: Info, _args: Args) -> Any:
    return context_of(info).viewer


@on("Query", "organization")
def _organization(_root: None, info: Info, _args: Args) -> Any:
    return context_of(info).store.organization


@on("Query", "teams")
def _teams(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Team", ctx.store.teams.values(), args)


@on("Query", "team")
def _team(_root: None, info: Info, args: Args) -> Team:
    team = context_of(info).store.find_team(args["id"])
    if team is None:
        raise not_found("Team")
    return team


@on("Query", "issues")
def _issues(_root: None, info: Info, args: Args) -> Any:
    return issue_connection(context_of(info), args)


@on("Query", "issue")
def _issue(_root: None, info: Info, args: Args) -> Issue:
    issue = context_of(info).store.find_issue(args["id"])
    if issue is None:
        raise not_found("Issue")
    return issue


@on("Query", "issueLabels")
def _issue_labels(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "IssueLabel", ctx.store.labels.values(), args)


@on("Query", "issueLabel")
def _issue_label(_root: None, info: Info, args: Args) -> Any:
    return _one(context_of(info).store.labels, args["id"], "IssueLabel")


@on("Query", "workflowStates")
def _workflow_states(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "WorkflowState", ctx.store.states.values(), args)


@on("Query", "workflowState")
def _workflow_state(_root: None, info: Info, args: Args) -> Any:
    return _one(context_of(info).store.states, args["id"], "WorkflowState")


@on("Query", "projects")
def _projects(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Project", ctx.store.projects.values(), args)


@on("Query", "project")
def _project(_root: None, info: Info, args: Args) -> Any:
    store = context_of(info).store
    ident = args["id"]
    found = store.projects.get(ident) or next((p for p in store.projects.values() if p.slug_id == ident), None)
    if found is None:
        raise not_found("Project")
    return found


@on("Query", "initiatives")
def _initiatives(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Initiative", ctx.store.initiatives.values(), args)


@on("Query", "initiative")
def _initiative(_root: None, info: Info, args: Args) -> Any:
    return _one(context_of(info).store.initiatives, args["id"], "Initiative")


@on("Query", "cycles")
def _cycles(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Cycle", ctx.store.cycles.values(), args)


@on("Query", "cycle")
def _cycle(_root: None, info: Info, args: Args) -> Any:
    return _one(context_of(info).store.cycles, args["id"], "Cycle")


@on("Query", "comments")
def _comments(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Comment", ctx.store.comments.values(), args)


@on("Query", "comment")
def _comment(_root: None, info: Info, args: Args) -> Any:
    if not args.get("id"):
        raise not_found("Comment")
    return _one(context_of(info).store.comments, args["id"], "Comment")


@on("Query", "users")
def _users(_root: None, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "User", ctx.store.users.values(), args)


@on("Query", "user")
def _user(_root: None, info: Info, args: Args) -> Any:
    return _one(context_of(info).store.users, args["id"], "User")


@on("Query", "rateLimitStatus")
def _rate_limit_status(_root: None, info: Info, _args: Args) -> dict[str, Any]:
    """The key's budgets after this request, with this request's cost as ``requestedAmount``."""
    ctx = context_of(info)
    limits = []
    for kind, bucket in (("requestLimit", ctx.rate.requests), ("complexityLimit", ctx.rate.complexity)):
        limits.append(
            {
                "type": kind,
                "allowedAmount": bucket.limit,
                "remainingAmount": bucket.remaining,
                "requestedAmount": bucket.requested,
                "period": bucket.period_ms,
                "reset": bucket.reset_ms,
            }
        )
    return {
        "identifier": f"{ctx.key.token[:12]}…",
        "kind": "oauth" if ctx.key.oauth else "api key",
        "limits": limits,
    }


RESOLVERS = _query.resolvers
