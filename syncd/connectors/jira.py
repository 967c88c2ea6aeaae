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
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import requests
from jira import JIRA, JIRAError

from syncd.connectors.answers import next_offset, refuse_redirects, search_page, tracker_time
from syncd.connectors.base import Check, Identity, OpResult, Skipped, fetch_each, holds_marker
from syncd.connectors.deadline import bound_session
from syncd.connectors.estimates import UnreadableEstimates, estimates_check, number_fields_named
from syncd.connectors.jira_bulk import BulkLabelEdit, bulk_batches, saves_requests
from syncd.connectors.jira_errors import translate_error
from syncd.connectors.jira_history import cloud_histories, datacenter_histories, label_changes
from syncd.connectors.jira_issues import JiraProfile, base_fields, field_named, to_work_item
from syncd.connectors.jira_probe import JiraProbe
from syncd.connectors.jql import issue_query
from syncd.errors import AuthError, NotFound, TrackerError, TransientError
from syncd.model import LabelHistory, LabelOp, TrackerKind, WorkItem
from syncd.retry import CallStats, RetryPolicy, call_with_retry
from syncd.settings import JiraSite
from syncd.strategy import LabelScheme, TrackerLabels, tracker_labels

__all__ = ["JiraConnector"]

T = TypeVar("T")
_CLOUD_HOSTS = (".atlassian.net", ".jira.com", ".jira-dev.com")
_STORY_POINT_NAMES = ("story point estimate", "story points")
_MAX_STEP_BACKS = 20


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
        self._policy = policy
        self._stats = stats
        self._learnt = profile if profile and profile.reusable(deployment=site.deployment, now=_now()) else None
        self._asked = False
        self._requests = 0
        self._version = _first_version(site, self._learnt)
        self._estimates = UnreadableEstimates(name)
        self._client = self._new_client(self._version)
        self._answer_headers: Any = None
        self._pull_clock: datetime | None = None
        self._bulk = BulkLabelEdit(partial(self._rest_call, "bulk edit"), tracker=name, sleep=policy.sleep)

    @property
    def labels(self) -> TrackerLabels:
        return self._labels

    @property
    def requests(self) -> int:
        return self._requests

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
        try:
            me = self.whoami()
        except AuthError as error:
            return [Check("credentials", False, error.message)]
        checks = [Check("credentials", True, f"authenticated as {me.display_name} (time zone {me.time_zone})")]
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
        self._pull_clock = None
        jql = issue_query(projects=self._site.projects, since=since, time_zone=profile.time_zone)
        fields = base_fields(profile)
        pages = self._enhanced_pages(jql, fields) if profile.cloud else self._classic_pages(jql, fields)
        seen: set[str] = set()
        for raw in pages:
            item = self._item(raw, profile)
            if item.key in seen:
                continue
            seen.add(item.key)
            yield item

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
        return self._pull_clock

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

    def _enhanced_pages(self, jql: str, fields: list[str]) -> Iterator[Any]:
        tokens: set[str] = set()
        token: str | None = None
        while True:
            page = self._call("search page", partial(self._search_jql, jql, fields, token, tokens))
            self._pull_clock = self._pull_clock or tracker_time(self._answer_headers, tracker=self.name)
            yield from page.get("issues") or ()
            token = page.get("nextPageToken")
            if page.get("isLast", not token) or not token:
                return
            tokens.add(token)

    def _search_jql(self, jql: str, fields: list[str], token: str | None, seen: set[str]) -> dict[str, Any]:
        body: dict[str, Any] = {"jql": jql, "fields": fields, "maxResults": self._site.page_size}
        if token:
            body["nextPageToken"] = token
        page = search_page(self._rest("POST", "search/jql", body=body), self.name)
        following = page.get("nextPageToken")
        if following and following in seen | {token}:
            raise TransientError("the search returned a page token it already gave", tracker=self.name)
        return page

    def _classic_pages(self, jql: str, fields: list[str]) -> Iterator[Any]:
        """Offset pages that share one issue with the page before.

        Each page asks for one issue more than the page size, so every page size (1 included) moves on by
        ``page_size`` new issues. When the shared issue is not first on the next page, an issue before it
        left the results mid-pull and the offsets shifted: the pull steps back a page rather than skip the
        issue that moved into the gap. A site that caps pages at one issue cannot overlap; it moves by one.
        """
        start, expected, step_backs = 0, None, 0
        while True:
            page = self._classic_page(jql, fields, start)
            self._pull_clock = self._pull_clock or tracker_time(self._answer_headers, tracker=self.name)
            issues = page.get("issues") or []
            if expected is not None and (not issues or issues[0].get("key") != expected):
                step_backs += 1
                if step_backs > _MAX_STEP_BACKS:
                    raise TransientError("search results kept shifting while paging", tracker=self.name)
                start, expected = max(0, start - self._site.page_size), None
                continue
            yield from issues
            if not issues or start + len(issues) >= int(page.get("total", 0)):
                return
            start, expected = next_offset(start, issues)

    def _classic_page(self, jql: str, fields: list[str], start: int) -> dict[str, Any]:
        params = {
            "jql": jql,
            "startAt": start,
            "maxResults": self._site.page_size + 1,
            "fields": ",".join(fields),
        }
        return self._call(
            "search page", lambda: search_page(self._rest("GET", "search", params=params), self.name, classic=True)
        )

    def apply(self, ops: Sequence[LabelOp]) -> Iterator[OpResult]:
        """On Cloud through bulk edit (:mod:`~syncd.connectors.jira_bulk`) where it saves requests; else,
        and for what bulk edit hands back, one edit per issue."""
        if not self.profile.cloud or not self._bulk.available:
            yield from self._edit_each(ops)
            return
        for batch in bulk_batches(ops):
            outcome = self._bulk.run(batch) if self._bulk.available and saves_requests(batch) else None
            if outcome is None:
                yield from self._edit_each(batch.ops)
                continue
            yield from (OpResult(op, outcome[op.item_id]) for op in batch.ops)

    def _edit_each(self, ops: Sequence[LabelOp]) -> Iterator[OpResult]:
        for op in ops:
            changes = [{"add": label} for label in sorted(op.add)]
            changes += [{"remove": label} for label in sorted(op.remove)]
            body = {"update": {"labels": changes}}
            try:
                self._call(
                    f"edit {op.key}",
                    partial(self._rest, "PUT", f"issue/{op.item_id}", body=body),
                    issue=op.key,
                )
            except TrackerError as error:
                yield OpResult(op, error)
            else:
                yield OpResult(op)

    def upsert_comment(self, issue: str, marker: str, body: Any, comment_id: str | None) -> str:
        """Edit syncd's comment or create it; a retry looks for the comment again before creating one,
        because a create whose answer was lost may have landed."""
        return call_with_retry(
            partial(self._upsert_once, issue, marker, body, comment_id),
            policy=self._policy,
            tracker=self.name,
            what=f"report comment on {issue}",
            stats=self._stats,
        )

    def _upsert_once(self, issue: str, marker: str, body: Any, comment_id: str | None) -> str:
        if comment_id is not None:
            try:
                self._edit_comment(issue, comment_id, body)
                return comment_id
            except NotFound:
                pass
        found = self._find_comment(issue, marker)
        if found is not None:
            self._edit_comment(issue, found, body)
            return found
        created = self._call(
            f"comment on {issue}",
            partial(self._rest, "POST", f"issue/{issue}/comment", body={"body": body}),
            issue=issue,
            retry=False,
        )
        if "id" not in created:
            raise TransientError(f"comment on {issue}: the answer named no comment", tracker=self.name, issue=issue)
        return str(created["id"])

    def _edit_comment(self, issue: str, comment_id: str, body: Any) -> None:
        path = f"issue/{issue}/comment/{comment_id}"
        self._call(f"edit comment on {issue}", partial(self._rest, "PUT", path, body={"body": body}), retry=False)

    def _find_comment(self, issue: str, marker: str) -> str | None:
        start = 0
        while True:
            params = {"startAt": start, "maxResults": 100}
            page = self._call(
                f"comments of {issue}",
                partial(self._rest, "GET", f"issue/{issue}/comment", params=params),
                issue=issue,
                retry=False,
            )
            comments = page.get("comments") or []
            for comment in comments:
                text = comment.get("body")
                if holds_marker(text if isinstance(text, str) else json.dumps(text), marker):
                    return str(comment["id"])
            start += len(comments)
            if not comments or start >= int(page.get("total", 0)):
                return None

    def close(self) -> None:
        _close(self._client)

    def _rest(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None) -> Any:
        url = f"{self._site.url}/rest/api/{self._version}/{path}"
        data = json.dumps(body) if body is not None else None
        response = self._client._session.request(method, url, params=params, data=data)
        self._answer_headers = response.headers
        if not response.content:
            return {}
        return response.json()

    def _call(self, what: str, call: Callable[[], T], *, issue: str = "", retry: bool = True, shape: type = dict) -> T:
        """``call``, retried, typed; an answer not of ``shape`` (a proxy's page) is transient, never read."""

        def attempt() -> T:
            self._requests += 1
            try:
                result = call()
            except JIRAError as error:
                failure: TrackerError = translate_error(error, tracker=self.name, issue=issue)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as error:
                failure = TransientError(
                    f"{what}: cannot reach {self._site.url} ({type(error).__name__})", tracker=self.name, issue=issue
                )
            except requests.exceptions.JSONDecodeError:
                failure = TransientError(f"{what}: the response was not JSON", tracker=self.name, issue=issue)
            else:
                if isinstance(result, shape):
                    self._stats.record_request(self.name, None)
                    return result
                failure = TransientError(f"{what}: the answer was not of Jira's shape", tracker=self.name, issue=issue)
            self._stats.record_request(self.name, failure)
            raise failure

        if not retry:
            return attempt()
        return call_with_retry(attempt, policy=self._policy, tracker=self.name, what=what, stats=self._stats)


def _now() -> datetime:
    return datetime.now(UTC)


def _first_version(site: JiraSite, learnt: JiraProfile | None) -> str:
    """The REST version of the first request: v3 unless the site is (or was found to be) Data Center."""
    if learnt is not None:
        return "3" if learnt.cloud else "2"
    return "2" if site.deployment == "datacenter" else "3"


def _close(client: JIRA) -> None:
    client.close()  # type: ignore[no-untyped-call]
