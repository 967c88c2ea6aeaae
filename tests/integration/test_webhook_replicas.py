"""Two ``syncd run`` replicas on one PostgreSQL behind separate webhook receivers: a webhook that reaches
the replica that does not hold the tracker is handed over through the state, and the holder labels the
issue in seconds, as if the webhook had reached it."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from tests.integration.harness import JiraHarness
from tests.integration.webhook_unit import WebhookUnit

GROWTH = "objective:self-serve-growth"


def test_a_webhook_at_the_other_replica_is_handed_to_the_holder(tmp_path: Path, postgres_url: SecretStr) -> None:
    with JiraHarness("cloud") as harness:
        harness.state_url = postgres_url
        for name in ("holder", "other"):
            (tmp_path / name).mkdir()
        holder = WebhookUnit(tmp_path / "holder", harness)
        other: WebhookUnit | None = None
        try:
            holder.wait_synced()
            other = WebhookUnit(tmp_path / "other", harness)
            other.wait(lambda: _said(other, "sync.elsewhere"), "the other replica finds the tracker held")
            other.wait(lambda: _said(other, "webhooks.listening"), "the other receiver")
            other.register()
            harness.person_labels("MISC-1", add=["pricing"])
            took = holder.wait(lambda: GROWTH in harness.labels()["MISC-1"], "MISC-1 labelled by the holder")
            assert took < 5
            assert _said(other, "webhook.handed_over")
            assert _said(holder, "webhook.taken_over")
        finally:
            holder.close()
            if other is not None:
                other.close()


def _said(unit: WebhookUnit, event: str) -> bool:
    return any(e.get("event") == event for e in unit.events())
