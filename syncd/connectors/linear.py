"""Linear, through ``gql`` with Linear's published schema.

Every document is validated against the schema on the client before it is sent (``Client(schema=...)``),
so a query that names a missing field fails here, not at Linear. The transport's own retries are off
(``retries=0``); :mod:`syncd.retry` retries rate limits (``RATELIMITED``, HTTP 429), 5xx and dropped
connections, sleeping until Linear's reset header says the budget is back.

Pulls filter on ``updatedAt`` from the cursor minus an overlap, ordered by ``createdAt`` (stable while
paging), 250 issues a page; an issue with more labels than the page carries has the rest read before it
is mapped, since a label past the first few may be a person's pin. Label writes are add/remove deltas by
label id; ops with the same delta are sent together with ``issueBatchUpdate`` (50 issues at most), and a
batch Linear refuses is retried issue by issue so one bad issue cannot fail its neighbours. An issue whose
label group a person took after syncd read it keeps the person's label (see ``_after_refusal``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from gql import GraphQLRequest
from gql.transport.exceptions import TransportConnectionFailed

from syncd.connectors import linear_queries as q
from syncd.connectors.answers import refuse_redirects, tracker_time
from syncd.connectors.base import (
    PULL_OVERLAP,
    Check,
    CommentFormat,
    Fence,
    Identity,
    OpResult,
    Skipped,
    credentials_check,
    fetch_each,
    unfenced,
)
from syncd.connectors.batches import by_delta
from syncd.connectors.concurrency import in_flight, interleaved
from syncd.connectors.deadline import bound_session
from syncd.connectors.estimates import UnreadableEstimates
from syncd.connectors.fencing import fenced
from syncd.connectors.linear_errors import refuse_non_graphql, translate_error
from syncd.connectors.linear_history import label_changes
from syncd.connectors.linear_issues import (
    LabelNaming,
    label_ids_without_group,
    labels_cursor,
    to_work_item,
    with_groups,
    with_labels,
)
from syncd.connectors.linear_labels import LabelDirectory, LinearLabel
from syncd.connectors.linear_probe import LinearProbe
from syncd.connectors.linear_sessions import LinearSessions
from syncd.connectors.paging import EarliestClock, RelayCursors, paginate
from syncd.connectors.runner import RequestRunner
from syncd.connectors.throttle import Throttle, linear_budget
from syncd.connectors.upsert import Comment, comment_text, upsert_by_marker
from syncd.errors import AuthError, BadRequest, LeaseLost, NotFound, TrackerError
from syncd.model import LabelHistory, LabelOp, TrackerKind, WorkItem
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import LinearWorkspace
from syncd.strategy import LabelScheme, TrackerLabels, tracker_labels

__all__ = ["LinearConnector"]

BATCH_LIMIT = 50
_BUDGET = "api key"
_GROUP_TAKEN = "only one label in a group"


class LinearConnector:
    """One Linear workspace (see :class:`~syncd.connectors.base.Connector`)."""

    kind = TrackerKind.LINEAR

    def __init__(
        self,
        name: str,
        workspace: LinearWorkspace,
        scheme: LabelScheme,
        *,
        policy: RetryPolicy,
        stats: CallStats,
        profile: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self._workspace = workspace
        self._throttle = Throttle(linear_budget, sleep=policy.sleep)
        self._runner = RequestRunner(
            tracker=name,
            policy=policy,
            stats=stats,
            translate=self._translate,
            prepare=self._connect,
            slow_down=self._throttle.hold,
        )
        self._naming = LabelNaming(scheme, workspace.objective_group, workspace.value_group)
        self._estimates = UnreadableEstimates(name)
        self._labels = tracker_labels(scheme, TrackerKind.LINEAR, grouped_values=workspace.value_group is not None)
        self._has_key = bool(workspace.api_key.get_secret_value())
        self._sessions = LinearSessions(
            url=workspace.url,
            api_key=workspace.api_key.get_secret_value(),
            timeout=workspace.timeout,
            verify_tls=workspace.verify_tls,
            prepare=self._bound,
        )
        saved = (profile or {}).get("initiatives")
        self._initiatives: dict[str, tuple[str, ...]] | None = (
            {k: tuple(v) for k, v in saved.items()} if isinstance(saved, dict) else None
        )
        self._teams: dict[str, str] = {}
        self._directory: LabelDirectory | None = None
        groups = (profile or {}).get("label_groups")
        self._label_groups: dict[str, str | None] | None = (
            {str(k): (str(v) if v is not None else None) for k, v in groups.items()}
            if isinstance(groups, dict)
            else None
        )
        self._may_reread_labels = False
        self._pull_clock = EarliestClock()
        self._account: str | None = None

    @property
    def labels(self) -> TrackerLabels:
        return self._labels

    @property
    def requests(self) -> int:
        return self._runner.sent

    @property
    def comment_format(self) -> CommentFormat:
        return "md"

    def profile_json(self) -> dict[str, Any] | None:
        """Project initiatives and the labels' groups, kept in the state store so a warm sync reads
        nothing but issues."""
        if self._initiatives is None:
            return None
        groups = self._directory.groups() if self._directory is not None else self._label_groups
        return {
            "initiatives": {k: list(v) for k, v in self._initiatives.items()},
            **({"label_groups": groups} if groups is not None else {}),
        }

    def whoami(self) -> Identity:
        data = self._execute("who am I", q.VIEWER, {})
        viewer = data["viewer"]
        return Identity(account=str(viewer["id"]), display_name=str(viewer.get("name") or viewer.get("email")))

    def probe(self, report_issue: str | None) -> list[Check]:
        credentials, me = credentials_check(self.whoami)
        checks = [credentials]
        if me is None:
            return checks
        probe = LinearProbe(self._execute, lambda: self._pages("teams", q.TEAMS, {"first": q.TEAMS_PAGE}))
        checks += probe.teams(self._workspace.teams)
        if any(check.ok is False and check.name == "read teams" for check in checks):
            return checks
        if report_issue:
            checks.append(probe.issue(report_issue))
        checks.append(probe.write())
        return checks

    def label_history(self, key: str) -> LabelHistory:
        """Who changed the issue's labels, and when (one request per 100 changes)."""
        nodes = self._pages("issue.history", q.ISSUE_HISTORY, {"id": key})
        changes = label_changes(nodes, self._naming)
        if self._account is None:
            self._account = self.whoami().account
        return LabelHistory(account=self._account, changes=changes)

    def pull(self, since: datetime | None) -> Iterator[WorkItem | Skipped]:
        self._may_reread_labels = True
        if since is None:
            self._label_groups = None
        if since is None or self._initiatives is None:
            self._initiatives = self._read_initiatives()
        seen: set[str] = set()
        self._pull_clock.restart()
        for node in self._issue_nodes(since):
            project = (node.get("project") or {}).get("id") if isinstance(node, dict) else None
            if project and project not in self._initiatives:
                self._initiatives = self._read_initiatives()
            team = ((node.get("team") or {}).get("key")) if isinstance(node, dict) else None
            if team and isinstance(node.get("id"), str):
                self._teams[node["id"]] = team
            item = self._item(node, self._initiatives)
            if item.key not in seen:
                seen.add(item.key)
                yield item

    def _issue_nodes(self, since: datetime | None) -> Iterator[Any]:
        """Every issue node the pull reads. A full pull reads each team's issues side by side: a query's
        pages follow one another, but the teams' queries are disjoint, and a hundred thousand issues are
        400 pages. A pull since the last one reads a few pages, in one query."""
        since_filter: dict[str, Any] = {}
        if since is not None:
            since_filter["updatedAt"] = {"gte": (since - PULL_OVERLAP).isoformat()}
        teams = self._workspace.teams
        side_by_side = since is None and self._workspace.concurrency > 1
        if side_by_side:
            teams = teams or self._team_keys()
        if not side_by_side or len(teams) < 2:
            team_filter = {"team": {"key": {"in": list(teams)}}} if teams else {}
            return self._issue_pages({**since_filter, **team_filter})
        streams = [partial(self._issue_pages, {"team": {"key": {"eq": team}}}) for team in teams]
        return interleaved(streams, self._workspace.concurrency, name=f"{self.name}-reads")

    def _issue_pages(self, issue_filter: dict[str, Any]) -> Iterator[Any]:
        return self._pages("issues", q.ISSUES, {"filter": issue_filter, "first": self._workspace.page_size})

    def _team_keys(self) -> tuple[str, ...]:
        """The keys of the teams whose issues the key can read (Linear's ``teams``: public teams and the
        private ones the key's user is a member of); none when there may be more than one page of them,
        so the pull falls back to one query over all issues."""
        teams = self._execute("teams", q.TEAMS, {"first": q.TEAMS_PAGE})["teams"]
        if teams["pageInfo"]["hasNextPage"]:
            return ()
        return tuple(str(node["key"]) for node in teams["nodes"])

    def refetch(self, keys: Sequence[str]) -> Iterator[WorkItem | Skipped]:
        """One ``issue(id:)`` query per key: Linear takes the identifier (``ENG-7``) as the id."""
        self._may_reread_labels = True
        if self._initiatives is None:
            self._initiatives = self._read_initiatives()

        def issue(key: str) -> Any:
            return self._execute(f"issue {key}", q.ISSUE, {"id": key}, issue=key)["issue"]

        for node in fetch_each(keys, issue):
            if isinstance(node, Skipped):
                yield node
                continue
            team = (node.get("team") or {}).get("key") if isinstance(node, dict) else None
            if team and isinstance(node.get("id"), str):
                self._teams[node["id"]] = team
            if not self._workspace.teams or team in self._workspace.teams:
                yield self._item(node, self._initiatives)

    def _item(self, node: Any, initiatives: Mapping[str, tuple[str, ...]]) -> WorkItem | Skipped:
        """The issue as a WorkItem, with every label: one past the page's first few may be a person's pin."""
        cursor = labels_cursor(node)
        if cursor is not None:
            try:
                rest = list(self._pages("issue.labels", q.ISSUE_LABELS, {"id": node["id"]}, after=cursor))
            except NotFound:
                return Skipped(str(node.get("identifier")), "the issue was deleted while syncd read its labels")
            node = with_labels(node, rest)
        ungrouped = label_ids_without_group(node)
        if ungrouped:
            node = with_groups(node, self._groups_knowing(ungrouped).get)
        item = to_work_item(node, tracker=self.name, naming=self._naming, initiatives=initiatives)
        if isinstance(item, WorkItem) and isinstance(node, dict):
            self._estimates.check(item.key, {"estimate": node.get("estimate")})
        return item

    def _read_initiatives(self) -> dict[str, tuple[str, ...]]:
        return {
            str(node["id"]): tuple(str(i["name"]) for i in node["initiatives"]["nodes"])
            for node in self._pages("projects", q.PROJECTS, {})
        }

    def _pages(
        self, root: str, request: GraphQLRequest, variables: dict[str, Any], *, after: str | None = None
    ) -> Iterator[Any]:
        """Every node of a connection (``root`` is its dotted path in the answer), page by page, from
        ``after`` on; a cursor given twice is retried, never looped on."""
        pages = RelayCursors(root, after, tracker=self.name)

        def page(cursor: str | None) -> Any:
            data = self._execute(f"{root} page", request, {**variables, "after": cursor}, check=pages.check)
            if root == "issues" and cursor is None:
                self._pull_clock.saw(tracker_time(self._headers(), tracker=self.name))
            return data

        return paginate(pages, page)

    def pull_clock(self) -> datetime | None:
        """Linear's clock when the last pull's first page was answered: the bound of the next pull."""
        return self._pull_clock.earliest

    def apply(self, ops: Iterable[LabelOp], *, fence: Fence = unfenced) -> Iterator[OpResult]:
        """Batch updates of up to 50 issues sharing one delta, ``concurrency`` of them in flight, each
        fenced; an op whose labels cannot be resolved is answered on its own."""
        unresolved: list[OpResult] = []
        jobs = (
            partial(self._updated, batch, added, removed, fence)
            for (added, removed), batch in by_delta(self._deltas(ops, unresolved), limit=BATCH_LIMIT)
        )
        for results in in_flight(jobs, self._workspace.concurrency, name=f"{self.name}-writes"):
            yield from results
            yield from _drained(unresolved)
        yield from _drained(unresolved)

    def _deltas(
        self, ops: Iterable[LabelOp], unresolved: list[OpResult]
    ) -> Iterator[tuple[tuple[frozenset[str], frozenset[str]], LabelOp]]:
        for op in ops:
            try:
                yield self._delta(op), op
            except TrackerError as error:
                unresolved.append(OpResult(op, error))

    def _updated(
        self, ops: list[LabelOp], added: frozenset[str], removed: frozenset[str], fence: Fence
    ) -> list[OpResult]:
        """One batch's results, as one job of the writes in flight."""
        return list(self._update(ops, added, removed, fence))

    def _delta(self, op: LabelOp) -> tuple[frozenset[str], frozenset[str]]:
        directory = self._label_directory()
        team = self._teams.get(op.item_id)
        added = frozenset(directory.ensure(label, team).id for label in op.add)
        removed = frozenset(i for label in op.remove for i in directory.ids_for_removal(label, team))
        return added, removed

    def _update(
        self, ops: list[LabelOp], added: frozenset[str], removed: frozenset[str], fence: Fence
    ) -> Iterator[OpResult]:
        try:
            self._send(ops, added, removed, fence)
        except (BadRequest, NotFound) as error:
            if len(ops) == 1:
                yield self._after_refusal(ops[0], added, removed, error, fence)
                return
            for op in ops:
                yield from self._update([op], added, removed, fence)
            return
        except TrackerError as error:
            for op in ops:
                yield OpResult(op, error)
            return
        for op in ops:
            yield OpResult(op)

    def _send(self, ops: list[LabelOp], added: frozenset[str], removed: frozenset[str], fence: Fence) -> None:
        change = {"addedLabelIds": sorted(added), "removedLabelIds": sorted(removed)}
        if len(ops) == 1:
            variables: dict[str, Any] = {"id": ops[0].item_id, "input": change}
            self._execute(f"label {ops[0].key}", q.ISSUE_UPDATE, variables, issue=ops[0].key, fence=fence)
        else:
            variables = {"ids": [op.item_id for op in ops], "input": change}
            self._execute(f"label {len(ops)} issues", q.ISSUE_BATCH_UPDATE, variables, fence=fence)

    def _after_refusal(
        self, op: LabelOp, added: frozenset[str], removed: frozenset[str], error: TrackerError, fence: Fence
    ) -> OpResult:
        """One issue's write that Linear refused; the person wins a label group they took meanwhile.

        "Only one label in a group can be applied" after syncd planned from a fresh read means a person
        picked a label of that group in between. syncd re-reads the issue's labels and sends what is left
        of its delta without the add into that group. The op is then settled as if syncd's label had
        landed and the person had replaced it a moment later, which is what the next sync finds: the
        person's label is a pin, and syncd's is neither on the issue nor wanted back.
        """
        if not isinstance(error, BadRequest) or _GROUP_TAKEN not in error.message.casefold():
            return OpResult(op, error)
        try:
            nodes = self._pages("issue.labels", q.ISSUE_LABELS, {"id": op.item_id})
            current = [LinearLabel.from_node(node) for node in nodes]
            add, remove = self._label_directory().yield_to_people(added, removed, current)
            if add == added:
                return OpResult(op, error)
            if add or remove:
                self._send([op], add, remove, fence)
        except TrackerError as again:
            return OpResult(op, again)
        return OpResult(op)

    def _label_directory(self) -> LabelDirectory:
        if self._directory is None:
            labels = [LinearLabel.from_node(n) for n in self._pages("issueLabels", q.LABELS, {})]
            self._directory = LabelDirectory(labels, self._naming, self._create_label)
            self._label_groups = self._directory.groups()
            self._may_reread_labels = False
        return self._directory

    def _groups_knowing(self, label_ids: list[str]) -> dict[str, str | None]:
        """Each label's group by id, as the last sync saved it or read afresh: on a full pull, and (at
        most once a pull) when an issue carries a label created since. Still unknown, a label reads as
        one outside any group."""
        groups = self._label_groups
        if groups is None or (self._may_reread_labels and not all(i in groups for i in label_ids)):
            self._directory = None
            self._label_directory()
            groups = self._label_groups
        return groups if groups is not None else {}

    def _create_label(self, payload: dict[str, Any]) -> LinearLabel:
        data = self._execute(f"create label {payload['name']}", q.LABEL_CREATE, {"input": payload})
        return LinearLabel.from_node(data["issueLabelCreate"]["issueLabel"])

    def upsert_comment(self, issue: str, marker: str, body: Any, comment_id: str | None) -> str:
        """Edit syncd's comment or create it (:func:`~syncd.connectors.upsert.upsert_by_marker`); a retry
        looks for the comment again before creating one, because a create whose answer was lost may have
        landed."""
        thread = _LinearComments(self._execute, issue)
        upsert = partial(upsert_by_marker, thread, marker=marker, body=body, remembered=comment_id)
        return self._runner.retried(f"report comment on {issue}", upsert)

    def close(self) -> None:
        self._sessions.close()

    def _execute(
        self,
        what: str,
        request: GraphQLRequest,
        variables: dict[str, Any],
        *,
        issue: str = "",
        check: Callable[[Any], None] | None = None,
        retry: bool = True,
        fence: Fence | None = None,
    ) -> Any:
        send = partial(self._send_document, request, variables, fence)
        return self._runner.call(what, send, issue=issue, retry=retry, check=check)

    def _send_document(self, request: GraphQLRequest, variables: dict[str, Any], fence: Fence | None = None) -> Any:
        """One request; ``fence`` (a write's) is asked once the throttle lets it go (:func:`fenced`). gql
        wraps whatever the HTTP layer raised as a failed connection; a refused fence is handed on as itself,
        never retried."""
        session = self._sessions.current()
        with self._throttle.turn(_BUDGET) as ticket:
            try:
                with fenced(fence, self.name):
                    return session.session.execute(GraphQLRequest(request, variable_values=variables))
            except TransportConnectionFailed as failed:
                if isinstance(failed.__cause__, LeaseLost):
                    raise failed.__cause__ from None
                raise
            finally:
                self._throttle.observe(_BUDGET, session.headers(), ticket=ticket)

    def _connect(self) -> None:
        """Before every attempt: no request without a key."""
        if not self._has_key:
            raise AuthError("authentication failed: no API key is set (api_key)", tracker=self.name)

    def _bound(self, session: Any) -> None:
        """Each new session's requests bounded in time and size, and answering only as Linear would."""
        bound_session(session, total=self._workspace.timeout, tracker=self.name)
        refuse_redirects(session, tracker=self.name)
        refuse_non_graphql(session, tracker=self.name)

    def _translate(self, error: Exception, *, what: str, issue: str) -> TrackerError | None:
        return translate_error(error, tracker=self.name, issue=issue, headers=self._headers(), url=self._workspace.url)

    def _headers(self) -> Mapping[str, str]:
        return self._sessions.last_headers()


class _LinearComments:
    """One issue's comments through the connector's documents, each attempted once (the upsert retries
    whole); listing them learns the issue's id, which a new comment needs."""

    def __init__(self, execute: Callable[..., Any], issue: str) -> None:
        self._execute, self._issue = execute, issue
        self._issue_id: str | None = None

    def edit(self, comment_id: str, body: Any) -> None:
        variables = {"id": comment_id, "input": {"body": body}}
        self._execute(f"edit comment on {self._issue}", q.COMMENT_UPDATE, variables, retry=False)

    def comments(self) -> Iterator[Comment]:
        issue = self._issue

        def page(after: str | None) -> Any:
            data = self._execute(
                f"comments of {issue}", q.COMMENTS, {"id": issue, "after": after}, issue=issue, retry=False
            )
            self._issue_id = str(data["issue"]["id"])
            return data

        for comment in paginate(RelayCursors("issue.comments", shaped=False), page):
            yield Comment(str(comment["id"]), comment_text(comment.get("body")))

    def create(self, body: Any) -> str:
        variables = {"input": {"issueId": self._issue_id, "body": body}}
        created = self._execute(
            f"comment on {self._issue}", q.COMMENT_CREATE, variables, issue=self._issue, retry=False
        )
        return str(created["commentCreate"]["comment"]["id"])


def _drained(results: list[OpResult]) -> Iterator[OpResult]:
    """The results gathered so far, emptying the list."""
    while results:
        yield results.pop(0)
