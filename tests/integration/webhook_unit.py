"""``syncd run`` with its webhook receiver, against an emulated tracker that delivers signed webhooks."""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from syncd.cli.main import app
from tests.conftest import REPO, WEBHOOK_SECRET
from tests.integration.harness import Harness, JiraHarness
from tests.support.outputs import OUTPUTS


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class WebhookUnit:
    """A ``syncd run`` subprocess that polls once at start (then hourly) and takes webhooks."""

    def __init__(
        self, tmp_path: Path, harness: Harness, *, webhooks: str = "", interval: float = 3600, signed: bool = True
    ) -> None:
        self.health_port = free_port()
        self.hook_port = free_port()
        self.kind = harness.tracker.split(".")[0]
        self.config = config = harness.settings_file(tmp_path)
        config.write_text(
            config.read_text()
            + f"\n[service]\ninterval = {interval}\n\n[service.health]\nport = {self.health_port}\n"
            + f"\n[service.webhooks]\nenabled = true\nport = {self.hook_port}\ndebounce = 0.2\nmax_delay = 2\n"
            + f'public_url = "http://127.0.0.1:{self.hook_port}"\n'
            + webhooks
        )
        self.log = tmp_path / "syncd.log"
        self.env = {f"SYNCD_{self.kind.upper()}__ACME__WEBHOOK_SECRET": WEBHOOK_SECRET} if signed else {}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "syncd", "--config", str(config), "--log-format", "json", "run"],
            cwd=REPO,
            env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("w"),
        )
        self.harness = harness

    @property
    def hook_url(self) -> str:
        return f"http://127.0.0.1:{self.hook_port}/webhooks/{self.kind}/acme"

    def events(self) -> list[dict[str, object]]:
        lines = self.log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 20) -> float:
        """Seconds until ``condition`` held."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if condition():
                return time.monotonic() - started
            assert self.process.poll() is None, self.log.read_text()
            time.sleep(0.05)
        raise AssertionError(f"{what}: not within {timeout} s\n{self.log.read_text()[-3000:]}")

    def wait_synced(self) -> None:
        self.wait(lambda: any(e.get("event") == "sync.finished" for e in self.events()), "the first sync")
        self.wait(lambda: any(e.get("event") == "webhooks.listening" for e in self.events()), "the receiver")

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.health_port}{path}", timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def metric(self, name: str) -> float:
        text = self.get("/metrics")[1].decode()
        found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.MULTILINE)
        return float(found.group(1)) if found else 0.0

    def install(self) -> str:
        """``syncd webhooks install``, as an operator runs it; returns its output."""
        result = CliRunner().invoke(app, ["--config", str(self.config), "webhooks", "install"], env=self.env)
        assert result.exit_code == 0, result.stdout + result.stderr
        return result.stdout

    def register(self, *, secret: str = WEBHOOK_SECRET, jql: str = "project in (GROW, OPS, ENT, MISC)") -> int:
        """Register the receiver on the site as an admin would, through Jira's admin webhook resource."""
        body = {
            "name": "syncd",
            "url": self.hook_url,
            "events": ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted"],
            "filters": {"issue-related-events-section": jql},
            "excludeBody": False,
            "secret": secret,
        }
        assert isinstance(self.harness, JiraHarness)
        email, token = self.harness.site.basic_auth
        request = urllib.request.Request(  # noqa: S310 - the emulator's http URL
            f"{self.harness.site.url}/rest/webhooks/1.0/webhook",
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": "Basic " + base64.b64encode(f"{email}:{token}".encode()).decode(),
            },
        )
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            assert response.status == 201
            return int(json.loads(response.read())["self"].rsplit("/", 1)[1])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        OUTPUTS.add("syncd run with webhooks", self.log.read_text())
