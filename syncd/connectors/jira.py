"""Jira Cloud and Data Center, through the ``jira`` package.

The package provides the authenticated session, Jira's error parsing and the site metadata calls
(``server_info``, ``myself``, ``fields``, ``add_comment``). Its own retry loop is switched off
(``max_retries=0``) so :mod:`syncd.retry` decides every retry. Searches and edits go straight through the
package's session: its search helpers fetch the whole field list on first use and ``Resource.update()``
follows every PUT with a GET, requests a warm sync should not pay for.

Cloud searches with the enhanced JQL endpoint (``/rest/api/3/search/jql``, ``nextPageToken``); Data
Center with the classic ``/rest/api/2/search`` (``startAt``), reading each page with a one-issue overlap
so an issue deleted mid-pull cannot shift the offsets past an unseen issue.

What the site says about itself (:class:`~syncd.connectors.jira_issues.JiraProfile`) is learnt once and
saved; the settings are applied on top of it every time, and it is asked again when older than a day and
on every full sweep, so a user's changed time zone cannot leave the ``updated`` bound hours off.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

from jira import JIRA

from syncd.connectors.answers import refuse_redirects, tracker_time
from syncd.connectors.base import (
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
from syncd.connectors.concurrency import in_flight, interleaved
from syncd.connectors.deadline import bound_session
from syncd.connectors.estimates import UnreadableEstimates, estimates_check, number_fields_named
from syncd.connectors.fencing import fenced
from syncd.connectors.jira_bulk import BulkBatch, BulkLabelEdit, bulk_batches, saves_requests
from syncd.connectors.jira_errors import translate_failure
from syncd.connectors.jira_history import cloud_histories, datacenter_histories, label_changes
from syncd.connectors.jira_issues import JiraProfile, base_fields, field_named, to_work_item
from syncd.connectors.jira_probe import JiraProbe
from syncd.connectors.jql import issue_query
from syncd.connectors.paging import ClassicSearch, EarliestClock, EnhancedSearch, Offsets, Paginator, paginate
from syncd.connectors.runner import RequestRunner
from syncd.connectors.throttle import Throttle, jira_budget, jira_scope
from syncd.connectors.upsert import Comment, comment_text, upsert_by_marker
from syncd.errors import AuthError, NotFound, TrackerError, TransientError
from syncd.model import LabelHistory, LabelOp, TrackerKind, WorkItem
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import JiraSite
from syncd.strategy import LabelScheme, TrackerLabels, tracker_labels

__all__ = ["JiraConnector"]

T = TypeVar("T")
_CLOUD_HOSTS = (".atlassian.net", ".jira.com", ".jira-dev.com")
_STORY_POINT_NAMES = ("story point estimate", "story points")


class JiraConnector:
    """One Jira site (see :class:`~syncd.connectors.base.Connector`)."""

    kind = TrackerKind.JIRA

    def __init__(
        self,
        name: str,
        site: JiraSite,
        scheme: LabelScheme,
        *,
        policy: RetryPolicy,
        stats: CallStats,
        profile: JiraProfile | None = None,
    ) -> None:
        self.name = name
        self._site = site
        self._labels = tracker_labels(scheme, TrackerKind.JIRA)
        self._throttle = Throttle(jira_budget, sleep=policy.sleep)
        self._runner = RequestRunner(
            tracker=name,
            policy=policy,
            stats=stats,
            translate=self._translate,
            answers="Jira",
            slow_down=self._throttle.hold,
        )
        self._learnt = profile if profile and profile.reusable(deployment=site.deployment, now=_now()) else None
        self._asked = False
        self._version = _first_version(site, self._learnt)
        self._estimates = UnreadableEstimates(name)
        self._client = self._new_client(self._version)
        self._answers = threading.local()
        self._pull_clock = EarliestClock()
        self._bulk = BulkLabelEdit(partial(self._rest_call, "bulk edit"), tracker=name, sleep=policy.sleep)

    @property
    def labels(self) -> TrackerLabels:
        return self._labels

    @property
    def requests(self) -> int:
        return self._runner.sent

    @property
    def comment_format(self) -> CommentFormat:
        """ADF on Cloud, wiki markup on Data Center, by what is known of the site without asking it: the
        learnt deployment, else the configured one, else the REST version the first request will use."""
        if self._learnt is not None:
            return "adf" if self._learnt.cloud else "wiki"
        if self._site.deployment != "auto":
            return "adf" if self._site.deployment == "cloud" else "wiki"
        return "adf" if self._version == "3" else "wiki"

    @property
    def profile(self) -> JiraProfile:
        """The site's deployment, the user's time zone and the custom fields, with the settings on top.

        The learnt part is reused while :meth:`JiraProfile.reusable` says so (a day, the configured
        deployment), so a warm sync asks nothing; a configured story points field always wins.
        """
        learnt = self._learnt
        if learnt is None or not learnt.reusable(deployment=self._site.deployment, now=_now()):
            learnt = self._learn()
        return learnt.configured(self._site.story_points_field)

    def _learn(self) -> JiraProfile:
        """Ask the site about itself, and talk to it in the REST version its deployment serves."""
        learnt = self._detect_profile()
        self._learnt, self._asked = learnt, True
        return learnt

    def _use(self, version: str) -> None:
        if version != self._version:
            _close(self._client)
            self._client, self._version = self._new_client(version), version

    def _new_client(self, version: str) -> JIRA:
        site = self._site
        auth: dict[str, Any]
        if site.email and site.api_token is not None:
            auth = {"basic_auth": (site.email, site.api_token.get_secret_value())}
        elif site.token is not None:
            auth = {"token_auth": site.token.get_secret_value()}
        else:
            raise AuthError("no credentials configured: set email and api_token, or token", tracker=self.name)
        client = JIRA(
            server=site.url,
            options={"rest_api_version": version, "verify": site.verify_tls},
            max_retries=0,
            timeout=site.timeout,
            get_server_info=False,
            **auth,
        )
        bound_session(client._session, total=site.timeout, tracker=self.name)
        refuse_redirects(client._session, tracker=self.name)
        return client

    def _detect_profile(self) -> JiraProfile:
        deployment: str = self._site.deployment
        if deployment == "auto":
            host = urlsplit(self._site.url).hostname or ""
            deployment = "cloud" if host.endswith(_CLOUD_HOSTS) else self._ask_deployment()
        self._use("3" if deployment == "cloud" else "2")
        me = self._call("who am I", self._client.myself)
        fields: list[dict[str, Any]] = self._call("field list", self._client.fields, shape=list)
        epic_link = field_named(fields, ("epic link",)) if deployment == "datacenter" else None
        return JiraProfile(
            deployment=deployment,
            time_zone=me.get("timeZone"),
            account=str(me.get("accountId") or me.get("name") or ""),
            story_points_fields=number_fields_named(fields, _STORY_POINT_NAMES),
            epic_link_field=epic_link,
            checked_at=_now(),
        )

    def _ask_deployment(self) -> Literal["cloud", "datacenter"]:
        """Cloud or Data Center, asked in REST v3 first so that a Cloud site hears only v3; Data Center has
        no v3 and answers 404, and is then asked in v2."""
        try:
            info = self._call("server info", self._client.server_info)
        except NotFound:
            if self._version == "2":
                raise
            self._use("2")
            info = self._call("server info", self._client.server_info)
        return "cloud" if info.get("deploymentType") == "Cloud" else "datacenter"

    def profile_json(self) -> dict[str, Any] | None:
        """What the site said, to keep in the state store once known (never the configured values)."""
        return self._learnt.to_json() if self._learnt else None

    def whoami(self) -> Identity:
        me = self._call("who am I", self._client.myself)
        account = str(me.get("accountId") or me.get("name") or "")
        return Identity(account=account, display_name=str(me.get("displayName", account)), time_zone=me.get("timeZone"))

    def probe(self, report_issue: str | None) -> list[Check]:
        credentials, me = credentials_check(self.whoami, refused=AuthError, zone=True)
        checks = [credentials]
        if me is None:
            return checks
        try:
            profile = self.profile
        except TrackerError as error:
            return [*checks, Check("site", False, error.message)]
        checks.append(Check("site", True, "Jira Cloud" if profile.cloud else "Jira Data Center"))
        checks.append(estimates_check(profile.story_points_fields))
        probe = JiraProbe(self._probe_rest, cloud=profile.cloud)
        checks.append(probe.label_writes())
        for project in self._site.projects or ():
            checks += probe.project(project)
        if report_issue:
            checks.append(probe.issue(report_issue))
        return checks

    def _probe_rest(self, method: str, path: str, **parts: Any) -> Any:
        return self._rest_call("probe", method, path, **parts)

    def _rest_call(self, what: str, method: str, path: str, **parts: Any) -> Any:
        return self._call(what, partial(self._rest, method, path, **parts))

    def pull(self, since: datetime | None) -> Iterator[WorkItem | Skipped]:
        """Issues updated since ``since``; a full sweep (None) first asks the site about itself again, unless
        this run already did, so a saved profile never outlives the sweep that follows a change."""
        if since is None and not self._asked:
            self._learn()
        profile = self.profile
        self._pull_clock.restart()
        seen: set[str] = set()
        for raw in self._issues(since, profile):
            item = self._item(raw, profile)
            if item.key in seen:
                continue
            seen.add(item.key)
            yield item

    def _issues(self, since: datetime | None, profile: JiraProfile) -> Iterator[Any]:
        """Every issue the pull reads. A full pull of several projects reads each project's search side by
        side: a search's pages follow one another (the next page's token is in the answer), but the
        projects' searches are disjoint. A pull since the last one reads a few pages, in one search."""
        projects = self._site.projects
        if since is not None or self._site.concurrency < 2 or len(projects) < 2:
            return self._search_pages(issue_query(projects=projects, since=since, time_zone=profile.time_zone), profile)
        streams = [
            partial(
                self._search_pages, issue_query(projects=[project], since=None, time_zone=profile.time_zone), profile
            )
            for project in projects
        ]
        return interleaved(streams, self._site.concurrency, name=f"{self.name}-reads")

    def _search_pages(self, jql: str, profile: JiraProfile) -> Iterator[Any]:
        pages: Paginator[Any] = (
            EnhancedSearch(tracker=self.name)
            if profile.cloud
            else ClassicSearch(self._site.page_size, tracker=self.name)
        )
        return paginate(pages, partial(self._search, pages, jql, base_fields(profile)))

    def refetch(self, keys: Sequence[str]) -> Iterator[WorkItem | Skipped]:
        """One issue get per key (a ``key in`` search would fail whole on a key that is gone)."""
        profile = self.profile
        params = {"fields": ",".join(base_fields(profile))}

        def get(key: str) -> Any:
            return self._call("issue get", partial(self._rest, "GET", f"issue/{key}", params=params), issue=key)

        for raw in fetch_each(keys, get):
            if isinstance(raw, Skipped):
                yield raw
                continue
            item = self._item(raw, profile)
            if isinstance(item, Skipped) or not self._site.projects or item.project in self._site.projects:
                yield item

    def pull_clock(self) -> datetime | None:
        """The site's clock when the last pull's first page was answered: the bound of the next pull."""
        return self._pull_clock.earliest

    def _item(self, raw: Any, profile: JiraProfile) -> WorkItem | Skipped:
        item = to_work_item(raw, profile=profile, tracker=self.name, server=self._site.url)
        fields = raw.get("fields") if isinstance(raw, dict) else None
        if isinstance(item, WorkItem) and isinstance(fields, dict):
            self._estimates.check(item.key, {name: fields.get(name) for name in profile.story_points_fields})
        return item

    def label_history(self, key: str) -> LabelHistory:
        """Who changed the issue's labels, and when (one request, more past 100 changes on Cloud)."""
        profile = self.profile

        def get(path: str, params: dict[str, Any]) -> Any:
            return self._call(f"history of {key}", partial(self._rest, "GET", path, params=params), issue=key)

        histories = cloud_histories(get, key) if profile.cloud else datacenter_histories(get, key)
        return LabelHistory(account=profile.account, changes=label_changes(histories))

    def _search(self, pages: Paginator[Any], jql: str, fields: list[str], token: Any) -> Any:
        """One page of the search at ``token``; the paginator looks at it inside the retried request."""
        size = self._site.page_size
        if isinstance(pages, ClassicSearch):
            params = {"jql": jql, "startAt": token, "maxResults": size + 1, "fields": ",".join(fields)}
            request = partial(self._rest, "GET", "search", params=params)
        else:
            body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": size}
            if token:
                body["nextPageToken"] = token
            request = partial(self._rest, "POST", "search/jql", body=body)

        def send() -> Any:
            page = request()
            pages.check(page)
            return page

        page = self._call("search page", send)
        self._pull_clock.saw(tracker_time(getattr(self._answers, "headers", None), tracker=self.name))
        return page

    def apply(self, ops: Iterable[LabelOp], *, fence: Fence = unfenced) -> Iterator[OpResult]:
        """On Cloud through bulk edit (:mod:`~syncd.connectors.jira_bulk`) where it saves requests; else,
        and for what bulk edit hands back, one edit per issue. Up to ``concurrency`` tasks or edits run at
        once, each issue's op in one of them; each submission and edit is fenced."""
        if not self.profile.cloud or not self._bulk.available:
            yield from self._edit_each(ops, fence)
            return
        jobs = (partial(self._bulk_or_each, batch, fence) for batch in bulk_batches(ops))
        for results in in_flight(jobs, self._site.concurrency, name=f"{self.name}-writes"):
            yield from results

    def _bulk_or_each(self, batch: BulkBatch, fence: Fence) -> list[OpResult]:
        outcome = self._bulk.run(batch, fence) if self._bulk.available and saves_requests(batch) else None
        if outcome is None:
            return [self._edit(op, fence) for op in batch.ops]
        return [OpResult(op, outcome[op.item_id]) for op in batch.ops]

    def _edit_each(self, ops: Iterable[LabelOp], fence: Fence) -> Iterator[OpResult]:
        jobs = (partial(self._edit, op, fence) for op in ops)
        yield from in_flight(jobs, self._site.concurrency, name=f"{self.name}-writes")

    def _edit(self, op: LabelOp, fence: Fence) -> OpResult:
        changes = [{"add": label} for label in sorted(op.add)]
        changes += [{"remove": label} for label in sorted(op.remove)]
        body = {"update": {"labels": changes}}
        send = partial(self._rest, "PUT", f"issue/{op.item_id}", body=body, fence=fence)
        try:
            self._call(f"edit {op.key}", send, issue=op.key)
        except TrackerError as error:
            return OpResult(op, error)
        return OpResult(op)

    def upsert_comment(self, issue: str, marker: str, body: Any, comment_id: str | None) -> str:
        """Edit syncd's comment or create it (:func:`~syncd.connectors.upsert.upsert_by_marker`); a retry
        looks for the comment again before creating one, because a create whose answer was lost may have
        landed."""
        thread = _JiraComments(self._call, self._rest, issue, tracker=self.name)
        upsert = partial(upsert_by_marker, thread, marker=marker, body=body, remembered=comment_id)
        return self._runner.retried(f"report comment on {issue}", upsert)

    def close(self) -> None:
        _close(self._client)

    def _rest(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        fence: Fence | None = None,
    ) -> Any:
        """One request; ``fence`` (a write's) is asked once the throttle lets it go (:func:`fenced`)."""
        url = f"{self._site.url}/rest/api/{self._version}/{path}"
        data = json.dumps(body) if body is not None else None
        scope = jira_scope(method, path)
        with self._throttle.turn(scope) as ticket:
            with fenced(fence, self.name):
                response = self._client._session.request(method, url, params=params, data=data)
            self._throttle.observe(scope, response.headers, ticket=ticket)
        self._answers.headers = response.headers
        if not response.content:
            return {}
        return response.json()

    def _call(self, what: str, call: Callable[[], T], *, issue: str = "", retry: bool = True, shape: type = dict) -> T:
        """``call``, retried, typed; an answer not of ``shape`` (a proxy's page) is transient, never read."""
        return self._runner.call(what, call, issue=issue, retry=retry, shape=shape)

    def _translate(self, error: Exception, *, what: str, issue: str) -> TrackerError | None:
        return translate_failure(error, what=what, issue=issue, tracker=self.name, url=self._site.url)


class _JiraComments:
    """One issue's comments through the connector's calls, each attempted once (the upsert retries whole)."""

    def __init__(self, call: Callable[..., Any], rest: Callable[..., Any], issue: str, *, tracker: str) -> None:
        self._call, self._rest, self._issue, self._tracker = call, rest, issue, tracker

    def edit(self, comment_id: str, body: Any) -> None:
        path = f"issue/{self._issue}/comment/{comment_id}"
        self._call(f"edit comment on {self._issue}", partial(self._rest, "PUT", path, body={"body": body}), retry=False)

    def comments(self) -> Iterator[Comment]:
        issue = self._issue

        def page(start: int | None) -> Any:
            request = partial(self._rest, "GET", f"issue/{issue}/comment", params={"startAt": start, "maxResults": 100})
            return self._call(f"comments of {issue}", request, issue=issue, retry=False)

        for comment in paginate(Offsets("comments"), page):
            yield Comment(str(comment.get("id")), comment_text(comment.get("body")))

    def create(self, body: Any) -> str:
        issue = self._issue
        request = partial(self._rest, "POST", f"issue/{issue}/comment", body={"body": body})
        created = self._call(f"comment on {issue}", request, issue=issue, retry=False)
        if "id" not in created:
            raise TransientError(f"comment on {issue}: the answer named no comment", tracker=self._tracker, issue=issue)
        return str(created["id"])


def _now() -> datetime:
    return datetime.now(UTC)


def _first_version(site: JiraSite, learnt: JiraProfile | None) -> str:
    """The REST version of the first request: v3 unless the site is (or was found to be) Data Center."""
    if learnt is not None:
        return "3" if learnt.cloud else "2"
    return "2" if site.deployment == "datacenter" else "3"


def _close(client: JIRA) -> None:
    client.close()  # type: ignore[no-untyped-call]
