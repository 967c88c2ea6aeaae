"""The webhook receiver over loopback HTTP: what it refuses, what it queues, what it counts."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from syncd.errors import ConfigError
from syncd.service.webhooks.endpoints import endpoints
from syncd.service.webhooks.intake import Intake
from syncd.service.webhooks.metrics import WebhookMetrics
from syncd.service.webhooks.queue import KeyQueue
from syncd.service.webhooks.receiver import WebhookServer
from syncd.service.webhooks.service import WebhookService
from syncd.service.webhooks.verify import hub_signature, linear_signature
from syncd.settings import load_settings

SECRET = "whsec-unit-0b7d"
PATH_SECRET = "p4th-s3cret-91"
TRACKERS = {
    "jira": {
        "cloud": {"url": "https://cloud.example", "email": "a@b.c", "api_token": "t", "webhook_secret": SECRET},
        "dc": {
            "url": "https://dc.example",
            "token": "t",
            "webhook_unsigned": True,
            "webhook_path_secret": PATH_SECRET,
        },
        "plain": {"url": "https://plain.example", "token": "t"},
    },
    "linear": {"acme": {"api_key": "k", "webhook_secret": SECRET}},
}


@pytest.fixture
def served() -> Iterator[tuple[str, Intake, CollectorRegistry]]:
    registry = CollectorRegistry()
    intake = Intake(
        endpoints(load_settings(None, overrides=TRACKERS)),
        KeyQueue(limit=2, debounce=0.0, max_delay=0.0),
        WebhookMetrics(registry),
        max_body=2048,
    )
    server = WebhookServer(intake, host="127.0.0.1", port=0).start()
    host, port = server.address
    try:
        yield f"http://{host}:{port}", intake, registry
    finally:
        server.stop()


def _post(url: str, body: bytes, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def _jira(key: str) -> bytes:
    return json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "1", "key": key}}).encode()


def test_only_trackers_with_a_secret_or_an_explicit_unsigned_setting_get_an_endpoint() -> None:
    paths = endpoints(load_settings(None, overrides=TRACKERS))
    assert sorted(paths) == ["/webhooks/jira/cloud", "/webhooks/jira/dc", "/webhooks/linear/acme"]


def test_unsigned_webhooks_without_a_path_secret_or_allow_list_are_a_config_error() -> None:
    site = {"url": "https://dc.example", "token": "t", "webhook_unsigned": True}
    with pytest.raises(ConfigError, match="webhook_path_secret or webhook_allow_from"):
        load_settings(None, overrides={"jira": {"dc": site}})
    with pytest.raises(ConfigError, match="not an address or network"):
        load_settings(None, overrides={"jira": {"dc": {**site, "webhook_allow_from": ["10.0.0.0/33"]}}})


def test_the_webhook_secret_is_redacted_and_fed_to_the_log_redactor() -> None:
    settings = load_settings(None, overrides=TRACKERS)
    assert SECRET not in repr(settings)
    assert {SECRET, PATH_SECRET} <= set(settings.secret_values())


def test_a_signed_jira_event_queues_its_key_and_a_repeat_is_refused(
    served: tuple[str, Intake, CollectorRegistry],
) -> None:
    url, intake, registry = served
    body = _jira("GROW-1")
    headers = {"X-Hub-Signature": hub_signature(SECRET, body), "X-Atlassian-Webhook-Identifier": "d-1"}
    assert _post(f"{url}/webhooks/jira/cloud", body, headers) == 200
    assert _post(f"{url}/webhooks/jira/cloud", body, headers) == 200
    assert intake.queue.take_ready(time.monotonic() + 1) == {"jira.cloud": ["GROW-1"]}
    text = generate_latest(registry).decode()
    assert 'syncd_webhook_events_total{tracker="jira.cloud"} 2.0' in text
    assert 'syncd_webhook_refused_total{reason="repeated",tracker="jira.cloud"} 1.0' in text
    assert 'syncd_webhook_keys_queued_total{tracker="jira.cloud"} 1.0' in text


def test_refusals_answer_with_their_status_and_queue_nothing(served: tuple[str, Intake, CollectorRegistry]) -> None:
    url, intake, registry = served
    body = _jira("GROW-1")
    assert _post(f"{url}/webhooks/jira/cloud", body) == 401
    assert _post(f"{url}/webhooks/jira/cloud", body, {"X-Hub-Signature": hub_signature("x", body)}) == 401
    assert _post(f"{url}/webhooks/jira/plain", body) == 404
    assert _post(f"{url}/webhooks/jira/cloud", b"x" * 4096, {"X-Hub-Signature": "sha256=0"}) == 413
    stale = json.dumps({"type": "Issue", "data": {"identifier": "ENG-1"}, "webhookTimestamp": 1}).encode()
    assert _post(f"{url}/webhooks/linear/acme", stale, {"Linear-Signature": linear_signature(SECRET, stale)}) == 401
    assert len(intake.queue) == 0
    text = generate_latest(registry).decode()
    for reason in ("unsigned", "bad_signature", "too_large"):
        assert f'syncd_webhook_refused_total{{reason="{reason}",tracker="jira.cloud"}} 1.0' in text
    assert 'syncd_webhook_refused_total{reason="stale",tracker="linear.acme"} 1.0' in text


def test_data_center_deliveries_need_the_secret_in_the_path(served: tuple[str, Intake, CollectorRegistry]) -> None:
    url, intake, _ = served
    body = _jira("OPS-3")
    assert _post(f"{url}/webhooks/jira/dc", body) == 401
    assert _post(f"{url}/webhooks/jira/dc/wrong", body) == 401
    assert _post(f"{url}/webhooks/jira/dc/{PATH_SECRET}", body) == 200
    assert intake.queue.take_ready(time.monotonic() + 1) == {"jira.dc": ["OPS-3"]}


def test_a_full_queue_drops_counts_and_marks_the_tracker(served: tuple[str, Intake, CollectorRegistry]) -> None:
    url, intake, registry = served
    for key in ("GROW-1", "GROW-2", "GROW-3"):
        body = _jira(key)
        assert _post(f"{url}/webhooks/jira/cloud", body, {"X-Hub-Signature": hub_signature(SECRET, body)}) == 200
    assert intake.queue.overflowed() == {"jira.cloud"}
    text = generate_latest(registry).decode()
    assert 'syncd_webhook_keys_dropped_total{tracker="jira.cloud"} 1.0' in text
    assert 'syncd_webhook_overflowed{tracker="jira.cloud"} 1.0' in text


def _service(relaxed: float | None) -> WebhookService:
    overrides: dict[str, object] = {
        **TRACKERS,
        "service": {"webhooks": {"enabled": True, "port": 0, "queue_limit": 1, "relaxed_interval": relaxed}},
    }
    settings = load_settings(None, overrides=overrides)
    return WebhookService(settings, settings.trackers(), registry=CollectorRegistry(), wake=lambda: None)


def test_polls_are_relaxed_only_while_webhooks_arrive_and_only_when_asked() -> None:
    service = _service(3600)
    assert service.interval("jira.cloud", 900) == 900, "no webhook yet"
    service.intake.last_event["jira.cloud"] = time.time()
    assert service.interval("jira.cloud", 900) == 3600
    assert service.interval("linear.acme", 900) == 900
    service.intake.last_event["jira.cloud"] = time.time() - 4000
    assert service.interval("jira.cloud", 900) == 900, "webhooks stopped arriving"
    unrelaxed = _service(None)
    unrelaxed.intake.last_event["jira.cloud"] = time.time()
    assert unrelaxed.interval("jira.cloud", 900) == 900


def test_health_names_the_trackers_left_to_their_next_poll_until_it_starts() -> None:
    service = _service(None)
    service.queue.offer("jira.cloud", "GROW-1", 0.0)
    service.queue.offer("jira.cloud", "GROW-2", 0.0)
    health = service.health()
    assert health["overflowed"] == ["jira.cloud"]
    assert health["fallback"]
    service.polled("jira.cloud", service.poll_starts("jira.cloud"))
    assert service.health()["overflowed"] == []
