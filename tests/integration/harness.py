"""One emulated tracker with a seeded organisation, seen the same way for every connector.

The contract tests (:mod:`tests.integration.contract`) speak to a :class:`Harness` only: start the
emulator, write a settings file for syncd, read an issue's labels in canonical form, edit labels as a
person, count writes. Each tracker's harness translates to its emulator.
"""

from __future__ import annotations

import json
import re
import textwrap
import threading
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from syncd.connectors.linear_issues import LabelNaming
from syncd.sandbox.faults import Faults
from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.bulk import BulkTask
from syncd.sandbox.linear import LinearEmulator
from syncd.sandbox.linear import LinearWorkspace as EmulatedWorkspace
from syncd.sandbox.server import RequestLog
from syncd.strategy import load_strategy
from tests.conftest import EXAMPLE_STRATEGY, JIRA_CLOUD_TOKEN, JIRA_DC_TOKEN
from tests.integration import jira_org, linear_org
from tests.sandbox.jira_openapi import validate_exchanges
from tests.support.outputs import OUTPUTS

NAMING = LabelNaming(load_strategy(EXAMPLE_STRATEGY).labels, "Objective", "Value")


class Harness(ABC):
    """A started emulator with its organisation; use as a context manager."""

    tracker: str
    issue_count: int
    #: a key and a person's pin on it that changes its mapping, with the labels it then carries
    pin: tuple[str, str, set[str]]
    #: a key whose syncd label a person removes, and that label
    declined: tuple[str, str]
    #: ``Faults.paths`` pattern that matches the tracker's label writes
    write_paths: str
    #: ``Faults.paths`` pattern that matches the tracker's comment writes
    comment_paths: str
    #: the issue the example strategy names for this tracker's drift report
    report_issue: str

    @property
    @abstractmethod
    def faults(self) -> Faults: ...

    @property
    @abstractmethod
    def log(self) -> RequestLog: ...

    @abstractmethod
    def __enter__(self) -> Harness: ...

    @abstractmethod
    def __exit__(self, *exc: object) -> None: ...

    @abstractmethod
    def fresh(self) -> Harness:
        """A new, unstarted harness with the same organisation."""

    @abstractmethod
    def settings(self, tmp_path: Path, *, credential: str | None = None) -> str:
        """The tracker's TOML table (and credentials) for syncd."""

    @abstractmethod
    def labels(self) -> dict[str, set[str]]:
        """Every issue's labels, with syncd's in canonical form (``objective:growth``)."""

    @abstractmethod
    def person_labels(self, key: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        """A person edits labels (canonical names)."""

    @abstractmethod
    def expectations(self) -> dict[str, set[str]]:
        """The labels some issues must carry after a first sync of the example strategy."""

    @abstractmethod
    def writes_per_issue(self) -> Counter[str]:
        """How many label writes each issue received, from the request log."""

    def audit_requests(self) -> None:
        """Hand what syncd sent to the tracker (paths, queries, bodies) to the secrets audit."""
        records = self.log.records()
        # registering a webhook hands its signing secret to the tracker, as it must
        sent = (
            f"{r.method} {r.path}?{r.query}\n".encode() + r.body
            for r in records
            if r.endpoint not in {"admin_webhook", "webhookCreate"}
        )
        OUTPUTS.add(f"requests to {self.tracker}", b"\n".join(sent))

    def writes(self) -> int:
        return sum(1 for record in self.log.records() if "write" in self.classify(record.endpoint))

    def reads(self) -> int:
        return sum(1 for record in self.log.records() if "read" in self.classify(record.endpoint))

    def before_request(self, paths: str, action: Callable[[], None], *, nth: int = 1) -> list[int]:
        """Run ``action`` once, when the ``nth`` request matching ``paths`` reaches the tracker and before
        the tracker acts on it (the emulator asks ``Faults.delay`` first, for every request): a person's
        edit lands exactly between two of syncd's requests, without relying on timing. Returns the list
        that receives the number of reads served by then."""
        done: list[int] = []
        seen = 0
        lock = threading.Lock()
        original = self.faults.delay

        def delay(target: str) -> float:
            nonlocal seen
            with lock:
                if not done and re.search(paths, target):
                    seen += 1
                    if seen == nth:
                        done.append(self.reads())
                        action()
            return original(target)

        self.faults.delay = delay  # type: ignore[method-assign,assignment]
        return done

    @abstractmethod
    def delete_issue(self, key: str) -> None:
        """Delete the issue, as a person would."""

    @abstractmethod
    def classify(self, endpoint: str) -> str:
        """``read``, ``write``, ``comment`` or ``meta`` for an endpoint name."""

    @abstractmethod
    def comments(self, key: str) -> list[str]:
        """The plain text of an issue's comments, oldest first."""

    def comment_requests(self) -> list[Any]:
        """The bodies of the comment writes syncd sent, parsed."""
        return [json.loads(r.body) for r in self.log.records() if self.classify(r.endpoint) == "comment"]

    #: (old, new) text replacements applied to every settings file written, for a test's own settings
    tweaks: list[tuple[str, str]]

    #: the PostgreSQL state the settings name instead of a SQLite file (see :meth:`on_postgres`)
    state_url: SecretStr | None = None
    #: seconds a killed syncd's lease outlives it: zero for SQLite, whose file lock dies with the process
    lease_wait: float = 0.0

    def on_postgres(self, url: SecretStr) -> None:
        """Keep syncd's state in PostgreSQL, with leases short enough for a test to outwait."""
        self.state_url = url
        self.lease_wait = 2.5
        self.tweak("[retry]", "[service]\nlease_ttl = 2\n\n[retry]")

    def state_target(self, tmp_path: Path) -> Path | SecretStr:
        """Where the settings written for ``tmp_path`` keep syncd's state."""
        return self.state_url if self.state_url is not None else tmp_path / "state.db"

    def tweak(self, old: str, new: str) -> None:
        self.tweaks = [*getattr(self, "tweaks", []), (old, new)]

    def one_request_at_a_time(self) -> None:
        """Send the tracker's requests one after another, so that a burst of faults hits the attempts of
        one request rather than spreading over the requests in flight."""
        self.tweak("page_size = ", "concurrency = 1\npage_size = ")

    def _state_line(self, tmp_path: Path) -> str:
        if self.state_url is not None:
            return f'state_url = "{self.state_url.get_secret_value()}"'
        return f'state_path = "{tmp_path / "state.db"}"'

    def settings_file(self, tmp_path: Path, *, credential: str | None = None) -> Path:
        path = tmp_path / "syncd.toml"
        head = textwrap.dedent(
            f"""
            strategy = "{EXAMPLE_STRATEGY}"
            {self._state_line(tmp_path)}

            [retry]
            max_attempts = 8
            max_wait = 5
            deadline = 60
            """
        )
        text = head + self.settings(tmp_path, credential=credential)
        for before, after in getattr(self, "tweaks", []):
            text = text.replace(before, after)
        path.write_text(text)
        return path


class JiraHarness(Harness):
    tracker = "jira.acme"
    issue_count = 12
    pin = ("OPS-1", "objective:enterprise-readiness", {"objective:enterprise-readiness"})
    declined = ("GROW-4", "objective:self-serve-growth")
    write_paths = r"/issue/\d+$|^POST .*/bulk/issues/fields$"
    comment_paths = r"^(POST|PUT) .*/comment"
    report_issue = "STRAT-1"

    def __init__(self, deployment: str) -> None:
        self.deployment = deployment
        self.site = JiraEmulator(deployment)
        # syncd's account gets a real-looking token of its own, one the secrets audit looks for; the
        # emulator's built-in one is public (the demo prints it).
        store = self.site.store
        token = JIRA_CLOUD_TOKEN if deployment == "cloud" else JIRA_DC_TOKEN
        store.default_user = store.create_user(
            display_name="Sync Bot", email="syncd@example.com", username="syncd", token=token
        )

    @property
    def faults(self) -> Faults:
        return self.site.faults

    @property
    def log(self) -> RequestLog:
        return self.site.log

    def __enter__(self) -> JiraHarness:
        self.site.start()
        jira_org.seed(self.site)
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the site; unless the test already failed, hold every exchange it served to Atlassian's
        OpenAPI description, so no Jira test can pass on a request or answer Jira would not give."""
        self.site.stop()
        self.audit_requests()
        if exc[0] is None:
            validate_exchanges(self.log.records())

    def fresh(self) -> JiraHarness:
        return JiraHarness(self.deployment)

    def settings(self, tmp_path: Path, *, credential: str | None = None) -> str:
        return jira_org.settings_table(self.site, token=credential)

    def labels(self) -> dict[str, set[str]]:
        return {issue.key: set(self.site.store.labels(issue.key)) for issue in self.site.store.issues()}

    def person_labels(self, key: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        self.site.store.edit_labels(key, add=list(add), remove=list(remove))

    def delete_issue(self, key: str) -> None:
        self.site.store.delete_issue(key)

    def expectations(self) -> dict[str, set[str]]:
        return jira_org.EXPECTED

    def classify(self, endpoint: str) -> str:
        if endpoint in {"issue_edit", "bulk_edit"}:
            return "write"
        if endpoint in {"comment_add", "comment_edit"}:
            return "comment"
        return "read" if endpoint in {"search", "search_jql"} else "meta"

    def comments(self, key: str) -> list[str]:
        store = self.site.store
        texts = [store.comment_text(comment) for comment in store.comments(key)]
        OUTPUTS.add(f"comments on {key}", "\n".join(texts))
        return texts

    def writes_per_issue(self) -> Counter[str]:
        """Edits per issue: each accepted PUT, and each issue a bulk edit task of the log carried out."""
        edits: Counter[str] = Counter()
        for record in self.log.records():
            # a request cut off mid-body by a kill is refused (400) and writes nothing
            if record.endpoint == "issue_edit" and record.status < 400:
                edits[self.site.store.issue(record.path.rsplit("/", 1)[1]).key] += 1
        previous: BulkTask | None = None
        for task in self.bulk_tasks():
            # the REMOVE half of a change that also adds is the same edit of the same issues
            if not (previous and previous.issues == task.issues and task.ops and task.ops[0][0] == "remove"):
                for issue in task.processed:
                    edits[self.site.store.issue(str(issue)).key] += 1
            previous = task
        return edits

    def bulk_tasks(self) -> list[BulkTask]:
        """The bulk edit tasks submitted in the requests the log holds, oldest first."""
        submitted = {
            json.loads(r.response)["taskId"]
            for r in self.log.records()
            if r.endpoint == "bulk_edit" and r.status == 201
        }
        return [task for task in self.site.app.bulk.tasks() if task.task_id in submitted]


class LinearHarness(Harness):
    tracker = "linear.acme"
    issue_count = linear_org.ISSUES
    pin = ("INF-1", "objective:enterprise-readiness", {"objective:enterprise-readiness"})
    declined = ("GRO-2", "objective:self-serve-growth")
    write_paths = "/graphql/mutation/issue(Batch)?Update"
    comment_paths = "/graphql/mutation/comment(Create|Update)"
    report_issue = "ENG-1"

    def __init__(self) -> None:
        self.workspace = EmulatedWorkspace()
        self.api_key = linear_org.seed(self.workspace)
        self.emulator = LinearEmulator(self.workspace)

    @property
    def faults(self) -> Faults:
        return self.emulator.faults

    @property
    def log(self) -> RequestLog:
        return self.emulator.log

    def __enter__(self) -> LinearHarness:
        self.emulator.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.emulator.stop()
        self.audit_requests()

    def fresh(self) -> LinearHarness:
        return LinearHarness()

    def settings(self, tmp_path: Path, *, credential: str | None = None) -> str:
        return textwrap.dedent(
            f"""
            [linear.acme]
            url = "{self.emulator.graphql_url}"
            api_key = "{credential or self.api_key}"
            teams = ["ENG", "GRO", "INF"]
            page_size = 250
            """
        )

    def labels(self) -> dict[str, set[str]]:
        store = self.workspace.store
        found: dict[str, set[str]] = {}
        for issue in store.issues.values():
            names = set()
            for label_id in issue.label_ids:
                label = store.labels[label_id]
                group = store.labels[label.parent_id].name if label.parent_id else None
                names.add(NAMING.canonical(label.name, group))
            found[issue.identifier] = names
        return found

    def delete_issue(self, key: str) -> None:
        self.workspace.delete_issue(key)

    def person_labels(self, key: str, *, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        store = self.workspace.store

        def label_id(canonical: str) -> str:
            """The label's id; a person creates it (and its group) first when it does not exist yet."""
            group, name = NAMING.placement(canonical)
            for label in store.labels.values():
                parent = store.labels[label.parent_id].name if label.parent_id else None
                if label.name == name and parent == group and not label.is_group:
                    return label.id
            if group is None:
                return self.workspace.add_label(name).id
            groups = [label for label in store.labels.values() if label.is_group and label.name == group]
            parent_label = groups[0] if groups else self.workspace.add_label_group(group)
            return self.workspace.add_label(name, group=parent_label).id

        self.workspace.edit_labels(key, add=[label_id(c) for c in add], remove=[label_id(c) for c in remove])

    def expectations(self) -> dict[str, set[str]]:
        return linear_org.EXPECTED

    def classify(self, endpoint: str) -> str:
        if endpoint in {"issueUpdate", "issueBatchUpdate"}:
            return "write"
        if endpoint in {"commentCreate", "commentUpdate"}:
            return "comment"
        return "read" if endpoint == "issues" else "meta"

    def comments(self, key: str) -> list[str]:
        texts = [comment.body for comment in self.workspace.comments(key)]
        OUTPUTS.add(f"comments on {key}", "\n".join(texts))
        return texts

    def writes_per_issue(self) -> Counter[str]:
        store = self.workspace.store
        edits: Counter[str] = Counter()
        for record in self.log.records():
            if record.endpoint not in {"issueUpdate", "issueBatchUpdate"} or record.status != 200:
                continue
            variables: dict[str, Any] = json.loads(record.body).get("variables") or {}
            for issue_id in variables.get("ids") or [variables.get("id")]:
                edits[store.issues[issue_id].identifier] += 1
        return edits
