"""A burst of webhook events costs one read per issue, held as a count over real HTTP: the emulated site
delivers 1,000 signed events on 100 issues to the receiver, and the service reads each issue once."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from syncd.retry import CallStats, RetryPolicy
from syncd.sandbox.jira import JiraEmulator
from syncd.sandbox.jira.changes import IssueEdit
from syncd.service.webhooks.service import WebhookService
from syncd.settings import load_settings
from syncd.state import StateStore
from syncd.strategy import load_strategy
from syncd.sync.model import RunControl
from tests.conftest import EXAMPLE_STRATEGY, WEBHOOK_SECRET


@pytest.mark.parametrize(("events", "issues"), [(1000, 100)])
def test_a_burst_of_events_on_n_issues_costs_at_most_n_reads(tmp_path: Path, events: int, issues: int) -> None:
    with JiraEmulator("cloud") as site:
        site.store.create_project("BURST", "Burst")
        keys = [site.store.create_issue("BURST", f"Busy {n}", issue_type="Task").key for n in range(issues)]
        email, token = site.basic_auth
        settings = load_settings(
            None,
            overrides={
                "jira": {
                    "acme": {"url": site.url, "email": email, "api_token": token, "webhook_secret": WEBHOOK_SECRET}
                },
                "service": {"webhooks": {"enabled": True, "port": 0, "debounce": 0, "max_delay": 0}},
            },
        )
        service = WebhookService(settings, settings.trackers(), registry=CollectorRegistry(), wake=lambda: None)
        service.start()
        try:
            host, port = service.address
            hooks = site.app.webhooks
            hooks.handle_registration(url=f"http://{host}:{port}/webhooks/jira/acme", secret=WEBHOOK_SECRET)
            for n in range(events):
                site.store.edit_issue(keys[n % issues], IssueEdit(summary=f"Busy, edit {n}"))
            hooks.deliverer.drain(timeout=60)
            assert sum(1 for d in hooks.deliverer.sent if d.status == 200) == events
            with StateStore.open(tmp_path / "state.db") as store:
                results = service.drain(
                    strategy=load_strategy(EXAMPLE_STRATEGY),
                    store=store,
                    stats=CallStats(),
                    policy=RetryPolicy(max_attempts=2, max_wait=1, deadline=10),
                    control=RunControl(),
                )
        finally:
            service.stop()
        reads = site.log.count("issue_get")
        assert reads <= issues
        assert sum(result.pulled for result in results) == issues
