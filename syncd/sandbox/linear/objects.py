"""Resolvers of the object types' relations and computed fields.

Plain fields need none: the field resolver reads the record attribute of the same name in snake_case
(``labelIds`` → ``label_ids``) and fills any field nobody set with a default its type allows.
"""

from __future__ import annotations

from typing import Any

from syncd.sandbox.linear.context import (
    Args,
    Info,
    Registry,
    context_of,
    issue_connection,
    record_connection,
)
from syncd.sandbox.linear.history import IssueHistory
from syncd.sandbox.linear.records import Comment, Cycle, Initiative, Issue, Label, Project, Team, User

__all__ = ["RESOLVERS"]

_types = Registry()
on = _types.on


def _base_url(info: Info) -> str:
    return f"https://linear.app/{context_of(info).store.organization.url_key}"


# -- Issue ----------------------------------------------------------------------------------------


@on("Issue", "url")
def _issue_url(issue: Issue, info: Info, _args: Args) -> str:
    return f"{_base_url(info)}/issue/{issue.identifier}/{issue.slug}"


@on("Issue", "team")
def _issue_team(issue: Issue, info: Info, _args: Args) -> Team:
    return context_of(info).store.teams[issue.team_id]


@on("Issue", "state")
def _issue_state(issue: Issue, info: Info, _args: Args) -> Any:
    return context_of(info).store.states[issue.state_id]


@on("Issue", "project")
def _issue_project(issue: Issue, info: Info, _args: Args) -> Project | None:
    return context_of(info).store.projects.get(issue.project_id) if issue.project_id else None


@on("Issue", "cycle")
def _issue_cycle(issue: Issue, info: Info, _args: Args) -> Cycle | None:
    return context_of(info).store.cycles.get(issue.cycle_id) if issue.cycle_id else None


@on("Issue", "parent")
def _issue_parent(issue: Issue, info: Info, _args: Args) -> Issue | None:
    return context_of(info).store.issues.get(issue.parent_id) if issue.parent_id else None


@on("Issue", "assignee")
def _issue_assignee(issue: Issue, info: Info, _args: Args) -> User | None:
    return context_of(info).store.users.get(issue.assignee_id) if issue.assignee_id else None


@on("Issue", "creator")
def _issue_creator(issue: Issue, info: Info, _args: Args) -> User | None:
    return context_of(info).store.users.get(issue.creator_id) if issue.creator_id else None


@on("Issue", "labels")
def _issue_labels(issue: Issue, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "IssueLabel", (ctx.store.labels[i] for i in issue.label_ids), args)


@on("Issue", "children")
def _issue_children(issue: Issue, info: Info, args: Args) -> Any:
    return issue_connection(context_of(info), args, scope=("parent", issue.id))


@on("Issue", "history")
def _issue_history(issue: Issue, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "IssueHistory", ctx.store.histories.of(issue.id), args)


@on("IssueHistory", "actor")
def _history_actor(entry: IssueHistory, info: Info, _args: Args) -> User | None:
    return context_of(info).store.users.get(entry.actor_id) if entry.actor_id else None


@on("IssueHistory", "addedLabels")
def _history_added(entry: IssueHistory, info: Info, _args: Args) -> list[Label]:
    labels = context_of(info).store.labels
    return [labels[i] for i in entry.added_label_ids if i in labels]


@on("IssueHistory", "removedLabels")
def _history_removed(entry: IssueHistory, info: Info, _args: Args) -> list[Label]:
    labels = context_of(info).store.labels
    return [labels[i] for i in entry.removed_label_ids if i in labels]


@on("Issue", "comments")
def _issue_comments(issue: Issue, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Comment", ctx.store.comments_of(issue.id), args)


# -- Team, WorkflowState, Cycle -------------------------------------------------------------------


@on("Team", "displayName")
def _team_display_name(team: Team, _info: Info, _args: Args) -> str:
    return team.name


@on("Team", "states")
def _team_states(team: Team, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "WorkflowState", ctx.store.team_states(team.id), args)


@on("Team", "labels")
def _team_labels(team: Team, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(
        ctx, "IssueLabel", ctx.store.labels.values(), args, extra=lambda label: label.team_id == team.id
    )


@on("Team", "issues")
def _team_issues(team: Team, info: Info, args: Args) -> Any:
    return issue_connection(context_of(info), args, scope=("team", team.id))


@on("Team", "issueCount")
def _team_issue_count(team: Team, info: Info, args: Args) -> int:
    store = context_of(info).store
    ids = store.related_issue_ids("team", team.id)
    return sum(1 for i in ids if args.get("includeArchived") or store.issues[i].archived_at is None)


@on("Team", "projects")
def _team_projects(team: Team, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Project", ctx.store.projects.values(), args, extra=lambda p: team.id in p.team_ids)


@on("Team", "cycles")
def _team_cycles(team: Team, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Cycle", ctx.store.cycles.values(), args, extra=lambda c: c.team_id == team.id)


@on("Team", "activeCycle")
def _team_active_cycle(team: Team, info: Info, _args: Args) -> Cycle | None:
    ctx = context_of(info)
    return next(
        (c for c in ctx.store.cycles.values() if c.team_id == team.id and c.starts_at <= ctx.now_ms < c.ends_at),
        None,
    )


@on("Team", "members")
def _team_members(_team: Team, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "User", ctx.store.users.values(), args)


@on("Team", "defaultIssueState")
def _team_default_state(team: Team, info: Info, _args: Args) -> Any:
    states = context_of(info).store.team_states(team.id)
    return next((s for s in states if s.type == "backlog"), states[0] if states else None)


@on("Team", "triageIssueState")
def _team_triage_state(team: Team, info: Info, _args: Args) -> Any:
    states = context_of(info).store.team_states(team.id)
    return next((s for s in states if s.type == "triage"), None)


@on("WorkflowState", "team")
@on("Cycle", "team")
def _owning_team(record: Any, info: Info, _args: Args) -> Team:
    return context_of(info).store.teams[record.team_id]


@on("WorkflowState", "issues")
def _state_issues(state: Any, info: Info, args: Args) -> Any:
    return issue_connection(context_of(info), args, scope=("state", state.id))


@on("Cycle", "issues")
def _cycle_issues(cycle: Cycle, info: Info, args: Args) -> Any:
    return issue_connection(context_of(info), args, scope=("cycle", cycle.id))


@on("Cycle", "isActive", "isPast", "isFuture")
def _cycle_when(cycle: Cycle, info: Info, _args: Args) -> bool:
    now = context_of(info).now_ms
    return {
        "isActive": cycle.starts_at <= now < cycle.ends_at,
        "isPast": cycle.ends_at <= now,
        "isFuture": cycle.starts_at > now,
    }[info.field_name]


# -- IssueLabel -----------------------------------------------------------------------------------


@on("IssueLabel", "team")
def _label_team(label: Label, info: Info, _args: Args) -> Team | None:
    return context_of(info).store.teams.get(label.team_id) if label.team_id else None


@on("IssueLabel", "parent")
def _label_parent(label: Label, info: Info, _args: Args) -> Label | None:
    return context_of(info).store.labels.get(label.parent_id) if label.parent_id else None


@on("IssueLabel", "children")
def _label_children(label: Label, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "IssueLabel", ctx.store.label_children(label.id), args)


@on("IssueLabel", "issues")
def _label_issues(label: Label, info: Info, args: Args) -> Any:
    return issue_connection(context_of(info), args, scope=("label", label.id))


@on("IssueLabel", "creator")
def _label_creator(label: Label, info: Info, _args: Args) -> User | None:
    return context_of(info).store.users.get(label.creator_id) if label.creator_id else None


# -- Project, Initiative --------------------------------------------------------------------------


@on("Project", "url")
def _project_url(project: Project, info: Info, _args: Args) -> str:
    return f"{_base_url(info)}/project/{project.slug_id}"


@on("Project", "teams")
def _project_teams(project: Project, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Team", (ctx.store.teams[i] for i in project.team_ids), args)


@on("Project", "initiatives")
def _project_initiatives(project: Project, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Initiative", (ctx.store.initiatives[i] for i in project.initiative_ids), args)


@on("Project", "issues")
def _project_issues(project: Project, info: Info, args: Args) -> Any:
    return issue_connection(context_of(info), args, scope=("project", project.id))


@on("Initiative", "url")
def _initiative_url(initiative: Initiative, info: Info, _args: Args) -> str:
    return f"{_base_url(info)}/initiative/{initiative.id.replace('-', '')[:12]}"


@on("Initiative", "projects")
def _initiative_projects(initiative: Initiative, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    projects = ctx.store.projects.values()
    return record_connection(ctx, "Project", projects, args, extra=lambda p: initiative.id in p.initiative_ids)


# -- Comment, User, Organization ------------------------------------------------------------------


@on("Comment", "issue")
def _comment_issue(comment: Comment, info: Info, _args: Args) -> Issue | None:
    return context_of(info).store.issues.get(comment.issue_id)


@on("Comment", "user")
def _comment_user(comment: Comment, info: Info, _args: Args) -> User | None:
    return context_of(info).store.users.get(comment.user_id) if comment.user_id else None


@on("Comment", "parent")
def _comment_parent(comment: Comment, info: Info, _args: Args) -> Comment | None:
    return context_of(info).store.comments.get(comment.parent_id) if comment.parent_id else None


@on("Comment", "children")
def _comment_children(comment: Comment, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    replies = ctx.store.comments_of(comment.issue_id)
    return record_connection(ctx, "Comment", replies, args, extra=lambda c: c.parent_id == comment.id)


@on("Comment", "url")
def _comment_url(comment: Comment, info: Info, _args: Args) -> str:
    issue = context_of(info).store.issues.get(comment.issue_id)
    ident = issue.identifier if issue else "deleted"
    return f"{_base_url(info)}/issue/{ident}#comment-{comment.id[:8]}"


@on("User", "isMe")
def _user_is_me(user: User, info: Info, _args: Args) -> bool:
    return user.id == context_of(info).viewer.id


@on("User", "url")
def _user_url(user: User, info: Info, _args: Args) -> str:
    return f"{_base_url(info)}/profiles/{user.display_name}"


@on("User", "initials")
def _user_initials(user: User, _info: Info, _args: Args) -> str:
    return "".join(part[0] for part in user.name.split()[:2]).upper()


@on("User", "teams")
@on("Organization", "teams")
def _teams(_source: Any, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "Team", ctx.store.teams.values(), args)


@on("User", "assignedIssues")
def _user_assigned(user: User, info: Info, args: Args) -> Any:
    return issue_connection(context_of(info), args, scope=("assignee", user.id))


@on("User", "organization")
@on("Team", "organization")
@on("IssueLabel", "organization")
@on("Initiative", "organization")
def _owner_organization(_source: Any, info: Info, _args: Args) -> Any:
    return context_of(info).store.organization


@on("Organization", "labels")
def _organization_labels(_org: Any, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(
        ctx, "IssueLabel", ctx.store.labels.values(), args, extra=lambda label: label.team_id is None
    )


@on("Organization", "users")
def _organization_users(_org: Any, info: Info, args: Args) -> Any:
    ctx = context_of(info)
    return record_connection(ctx, "User", ctx.store.users.values(), args)


@on("Organization", "userCount")
def _organization_user_count(_org: Any, info: Info, _args: Args) -> int:
    return len(context_of(info).store.users)


RESOLVERS = _types.resolvers
