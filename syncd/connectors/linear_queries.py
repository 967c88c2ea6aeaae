"""The GraphQL documents syncd sends to Linear, validated against Linear's schema before any request.

Page sizes are chosen under Linear's complexity rules (each object 1 point, each scalar 0.1, connections
multiply by their ``first``; 10,000 points per query at most). Labels nest inside issues, so their page
multiplies the issue page: the issue query asks for the maximum page of 250 issues with the first 10
labels of each and their ``pageInfo``, and the rare issue with more labels has the rest read with
:data:`ISSUE_LABELS`. A label on the page carries its id and name but not its group, which the label
directory knows by id: the group would cost 2,750 points more a page (7,978 instead of 5,228), and a
cold sync of 100,000 issues would then spend more than the key's hourly complexity budget on its pages
alone. Initiatives are read once per project, not once per issue.
"""

from __future__ import annotations

from gql import GraphQLRequest, gql

__all__ = [
    "COMMENTS",
    "COMMENT_CREATE",
    "COMMENT_UPDATE",
    "ISSUE",
    "ISSUES",
    "ISSUE_BATCH_UPDATE",
    "ISSUE_HISTORY",
    "ISSUE_LABELS",
    "ISSUE_UPDATE",
    "LABELS",
    "LABEL_CREATE",
    "PROBE_ISSUE",
    "PROJECTS",
    "TEAMS",
    "VIEWER",
]

_ISSUE_NODE = """
          id identifier url title description priorityLabel estimate createdAt updatedAt completedAt
          canceledAt
          state { type name }
          team { key }
          project { id name }
          parent { identifier }
          labels(first: 10) { nodes { id name } pageInfo { hasNextPage endCursor } }
"""
"""What syncd reads of an issue, in a page of issues and alone (``ISSUE_NODE`` in the documents)."""

ISSUES: GraphQLRequest = gql(
    """
    query SyncdIssues($filter: IssueFilter, $first: Int!, $after: String) {
      issues(filter: $filter, first: $first, after: $after, orderBy: createdAt, includeArchived: false) {
        nodes { ISSUE_NODE }
        pageInfo { hasNextPage endCursor }
      }
    }
    """.replace("ISSUE_NODE", _ISSUE_NODE)
)

ISSUE: GraphQLRequest = gql(
    """
    query SyncdIssue($id: String!) { issue(id: $id) { ISSUE_NODE } }
    """.replace("ISSUE_NODE", _ISSUE_NODE)
)

ISSUE_LABELS: GraphQLRequest = gql(
    """
    query SyncdIssueLabels($id: String!, $after: String) {
      issue(id: $id) {
        labels(first: 250, after: $after) {
          nodes { id name parent { id name } }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
    """
)

ISSUE_HISTORY: GraphQLRequest = gql(
    """
    query SyncdIssueHistory($id: String!, $after: String) {
      issue(id: $id) {
        history(first: 100, after: $after) {
          nodes {
            createdAt
            actor { id }
            addedLabels { name parent { name } }
            removedLabels { name parent { name } }
          }
          pageInfo { hasNextPage endCursor }
        }
      }
    }
    """
)
"""Who changed an issue's labels, and when: read only where syncd's journal cannot say."""

PROJECTS: GraphQLRequest = gql(
    """
    query SyncdProjects($after: String) {
      projects(first: 100, after: $after, includeArchived: true) {
        nodes { id name initiatives(first: 25) { nodes { name } } }
        pageInfo { hasNextPage endCursor }
      }
    }
    """
)

LABELS: GraphQLRequest = gql(
    """
    query SyncdLabels($after: String) {
      issueLabels(first: 250, after: $after) {
        nodes { id name isGroup parent { id name } team { key } }
        pageInfo { hasNextPage endCursor }
      }
    }
    """
)

LABEL_CREATE: GraphQLRequest = gql(
    """
    mutation SyncdLabelCreate($input: IssueLabelCreateInput!) {
      issueLabelCreate(input: $input) { success issueLabel { id name isGroup parent { id name } team { key } } }
    }
    """
)

ISSUE_UPDATE: GraphQLRequest = gql(
    """
    mutation SyncdIssueUpdate($id: String!, $input: IssueUpdateInput!) {
      issueUpdate(id: $id, input: $input) { success }
    }
    """
)

ISSUE_BATCH_UPDATE: GraphQLRequest = gql(
    """
    mutation SyncdIssueBatchUpdate($ids: [UUID!]!, $input: IssueUpdateInput!) {
      issueBatchUpdate(ids: $ids, input: $input) { success }
    }
    """
)

COMMENTS: GraphQLRequest = gql(
    """
    query SyncdComments($id: String!, $after: String) {
      issue(id: $id) { id comments(first: 100, after: $after) { nodes { id body } pageInfo { hasNextPage endCursor } } }
    }
    """
)

COMMENT_CREATE: GraphQLRequest = gql(
    """
    mutation SyncdCommentCreate($input: CommentCreateInput!) {
      commentCreate(input: $input) { success comment { id } }
    }
    """
)

COMMENT_UPDATE: GraphQLRequest = gql(
    """
    mutation SyncdCommentUpdate($id: String!, $input: CommentUpdateInput!) {
      commentUpdate(id: $id, input: $input) { success comment { id } }
    }
    """
)

VIEWER: GraphQLRequest = gql(
    """
    query SyncdViewer { viewer { id name email } organization { id name } }
    """
)

TEAMS_PAGE = 250
TEAMS: GraphQLRequest = gql(
    """
    query SyncdTeams($first: Int!, $after: String) {
      teams(first: $first, after: $after) { nodes { id key name } pageInfo { hasNextPage endCursor } }
    }
    """
)

PROBE_ISSUE: GraphQLRequest = gql(
    """
    query SyncdProbeIssue($id: String!) { issue(id: $id) { id identifier title } }
    """
)
