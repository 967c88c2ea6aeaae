"""What operators deploy, checked by the tools that check such files: the Dockerfile by hadolint, the
Kubernetes manifests by kubernetes-validate against the Kubernetes schemas it ships, the Compose file
against the Compose Specification's JSON schema (vendored: tests/schemas/README.md says from where);
and the settings and strategy they carry by syncd's own loaders."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from syncd.settings import load_settings
from syncd.strategy import load_strategy
from tests.conftest import REPO

DEPLOY = REPO / "deploy"
MANIFESTS = sorted((DEPLOY / "kubernetes").glob("*.yaml"))
KUBERNETES_VERSION = "1.30.0"


def resources() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text()):
            found[document["kind"]] = document
    return found


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    done = subprocess.run([str(hadolint), "--no-color", str(REPO / "Dockerfile")], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_runs_the_wheel_unprivileged_with_its_health_check() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert "pip wheel" in text
    assert "pip install --no-cache-dir /tmp/dist/*.whl" in text
    [user] = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert not user.startswith(("root", "0:", "0")), user
    assert re.search(r"HEALTHCHECK .*\n.*127\.0\.0\.1:9464/healthz", text)
    assert "CREDENTIALS_DIRECTORY=/run/secrets" in text, "secrets as files, like systemd credentials"


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda path: path.name)
def test_each_manifest_is_valid_against_the_kubernetes_schemas(path: Path) -> None:
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_the_validator_refuses_a_broken_manifest() -> None:
    deployment = resources()["Deployment"]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["port"] = {"no": 1}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_the_deployment_runs_replicas_probed_scraped_with_the_secret() -> None:
    found = resources()
    deployment = found["Deployment"]
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]
    annotations = pod["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == "9464"
    assert annotations["prometheus.io/path"] == "/metrics"
    [container] = pod["spec"]["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/healthz"
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    secrets = [v["secret"]["secretName"] for v in pod["spec"]["volumes"] if "secret" in v]
    assert secrets == [found["Secret"]["metadata"]["name"]]
    mounted = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["CREDENTIALS_DIRECTORY"] == mounted["credentials"]


def test_the_configmap_and_secret_load_as_syncd_settings_and_strategy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = resources()
    config = found["ConfigMap"]["data"]
    (tmp_path / "strategy.yaml").write_text(config["strategy.yaml"])
    settings_file = tmp_path / "syncd.toml"
    settings_file.write_text(config["syncd.toml"].replace("/etc/syncd/strategy.yaml", str(tmp_path / "strategy.yaml")))
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    for name, value in found["Secret"]["stringData"].items():
        (secrets / name).write_text(value)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(secrets))
    settings = load_settings(settings_file)
    assert set(settings.trackers()) == {"jira.acme", "linear.acme"}
    assert settings.state_url is not None
    assert not settings.service.health.loopback, "the kubelet probes it from outside the pod"
    load_strategy(settings.strategy)


def test_the_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads((REPO / "tests" / "schemas" / "compose-spec.json").read_text())
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    jsonschema.Draft7Validator(schema).validate(compose)
    broken = {**compose, "services": {**compose["services"], "syncd": {**compose["services"]["syncd"], "deploy": 3}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_the_compose_trial_runs_replicas_on_postgresql_against_the_emulators(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"syncd", "postgres", "jira", "linear"} <= set(services)
    assert services["syncd"]["deploy"]["replicas"] >= 2
    assert services["syncd"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name, secret in compose["secrets"].items():
        assert (DEPLOY / secret["file"]).is_file(), name
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(DEPLOY / "trial"))
    settings_file = tmp_path / "syncd.toml"
    strategy = REPO / "config" / "strategy.example.yaml"
    settings_file.write_text(
        (DEPLOY / "trial" / "syncd.toml").read_text().replace("/etc/syncd/strategy.yaml", str(strategy))
    )
    settings = load_settings(settings_file)
    assert settings.state_url is not None
    assert "@postgres:5432/" in settings.state_url.get_secret_value()
    assert {tracker.url for tracker in settings.trackers().values()} == {
        "http://jira:8080",
        "http://linear:8081/graphql",
    }
