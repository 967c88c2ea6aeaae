"""A loopback emulator of Jira's REST API, for Cloud (v2 and v3) and Data Center (v2).

It answers everything syncd asks of Jira through the real ``jira`` package: server info, the current
user and their time zone, the field list, enhanced (token-paged) and classic (offset-paged) JQL search,
issue reads and label edits, and comments in ADF and wiki markup. Tests arrange data through
:class:`JiraStore`, inject faults through :class:`~syncd.sandbox.faults.Faults` and count requests per
endpoint through the :class:`~syncd.sandbox.server.RequestLog`.
"""

from __future__ import annotations

from syncd.sandbox.clock import Clock
from syncd.sandbox.jira.app import ENDPOINTS, JiraApp
from syncd.sandbox.jira.changes import IssueEdit
from syncd.sandbox.jira.cli import add_cli
from syncd.sandbox.jira.emulator import JiraEmulator
from syncd.sandbox.jira.model import Comment, Deployment, Issue, Project, User
from syncd.sandbox.jira.seed import seed_synthetic
from syncd.sandbox.jira.store import JiraStore

__all__ = [
    "ENDPOINTS",
    "Clock",
    "Comment",
    "Deployment",
    "Issue",
    "IssueEdit",
    "JiraApp",
    "JiraEmulator",
    "JiraStore",
    "Project",
    "User",
    "add_cli",
    "seed_synthetic",
]
