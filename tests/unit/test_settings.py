"""Settings: file, environment and credentials directory, secrets kept secret, located errors."""

from __future__ import annotations

import base64
import re
import textwrap
from pathlib import Path

import pytest
from pydantic import BaseModel

from syncd.errors import ConfigError
from syncd.settings import DEFAULT_STATE_FILE, HealthOptions, JiraSite, LinearWorkspace, Settings, load_settings
from tests.conftest import EXAMPLE_SETTINGS, EXAMPLE_STRATEGY

TOKEN = "tok-3f9a7c-example-secret"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("SYNCD_") or name in {"CREDENTIALS_DIRECTORY", "STATE_DIRECTORY"}:
            monkeypatch.delenv(name)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "syncd.toml"
    path.write_text(textwrap.dedent(text))
    return path


def problems(path: Path | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    return [str(p) for p in caught.value.problems]


def test_example_settings_load_with_secrets_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_JIRA__ACME__API_TOKEN", TOKEN)
    monkeypatch.setenv("SYNCD_LINEAR__ACME__API_KEY", "lin_api_example")
    settings = load_settings(EXAMPLE_SETTINGS)
    assert settings.strategy.resolve() == EXAMPLE_STRATEGY, "relative to the file, not the cwd"
    assert list(settings.trackers()) == ["jira.acme", "linear.acme"]
    site = settings.jira["acme"]
    assert site.api_token is not None
    assert site.api_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())
    basic = base64.b64encode(f"{site.email}:{TOKEN}".encode()).decode()
    assert settings.secret_values() == [TOKEN, basic, basic.rstrip("="), "lin_api_example"]


def test_no_file_no_trackers_is_valid() -> None:
    settings = load_settings(None)
    assert settings.trackers() == {}
    assert settings.state_file() == DEFAULT_STATE_FILE


def test_config_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_CONFIG", str(write(tmp_path, 'strategy = "s.yaml"\n')))
    assert load_settings().strategy == tmp_path / "s.yaml"


def test_environment_overrides_file_and_nests(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        tmp_path,
        """
        [jira.dc]
        url = "https://jira.acme.example"
        token = "from-file"
        page_size = 50
        """,
    )
    monkeypatch.setenv("SYNCD_JIRA__DC__PAGE_SIZE", "500")
    monkeypatch.setenv("SYNCD_SERVICE__INTERVAL", "60")
    settings = load_settings(path)
    assert settings.jira["dc"].page_size == 500
    assert settings.service.interval == 60
    assert settings.jira["dc"].url == "https://jira.acme.example"


def test_secrets_from_credentials_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "jira__dc__token").write_text(TOKEN)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    path = write(tmp_path, '[jira.dc]\nurl = "https://jira.acme.example"\n')
    site = load_settings(path).jira["dc"]
    assert site.token is not None
    assert site.token.get_secret_value() == TOKEN


def test_state_file_under_systemd(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STATE_DIRECTORY", "/var/lib/syncd")
    assert load_settings().state_file() == Path("/var/lib/syncd/syncd.db")


def test_missing_credentials_are_located(tmp_path: Path) -> None:
    path = write(tmp_path, '[jira.acme]\nurl = "https://acme.atlassian.net"\n')
    [problem] = problems(path)
    assert problem.startswith("jira.acme: needs credentials")


def test_plain_http_is_refused_except_loopback(tmp_path: Path) -> None:
    path = write(tmp_path, '[jira.acme]\nurl = "http://jira.acme.example"\ntoken = "t"\n')
    [problem] = problems(path)
    assert "plain http" in problem
    assert JiraSite(url="http://127.0.0.1:8080", token="t").url == "http://127.0.0.1:8080"  # type: ignore[arg-type]
    loud = JiraSite(url="http://jira.internal", token="t", allow_insecure_http=True)  # type: ignore[arg-type]
    assert loud.allow_insecure_http


def test_unknown_keys_and_bad_values_all_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        log_levl = "debug"
        [service]
        interval = 1
        [linear.main]
        api_key = "k"
        page_size = 1000
        """,
    )
    found = problems(path)
    assert any(p.startswith("log_levl: unknown key") and "did you mean 'log_level'" in p for p in found)
    assert "service.interval: must be at least 10 (got 1)" in found
    assert "linear.main.page_size: must be at most 250 (got 1000)" in found


def test_bad_tracker_name(tmp_path: Path) -> None:
    path = write(tmp_path, '[jira."Acme Corp"]\nurl = "https://a.atlassian.net"\ntoken = "t"\n')
    [problem] = problems(path)
    assert "tracker name 'Acme Corp'" in problem


def test_malformed_toml_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, 'strategy = "a.yaml"\n[jira.acme\n')
    [problem] = problems(path)
    assert "not valid TOML" in problem
    assert "line 2" in problem


def test_missing_file(tmp_path: Path) -> None:
    assert problems(tmp_path / "absent.toml") == ["file not found"]


def test_error_messages_never_contain_secrets(tmp_path: Path) -> None:
    path = write(tmp_path, f'[jira.acme]\nurl = "ftp://x"\ntoken = "{TOKEN}"\n')
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert TOKEN not in str(caught.value)


def test_the_example_file_documents_every_key() -> None:
    """Every settings key, at every level, appears in config/syncd.example.toml (set or commented out),
    and every nested section as its table."""
    text = EXAMPLE_SETTINGS.read_text()

    def missing(model: type[BaseModel]) -> set[str]:
        absent = set()
        for name, info in model.model_fields.items():
            annotation = info.annotation
            if isinstance(annotation, type) and issubclass(annotation, BaseModel):
                if not re.search(rf"^\[(\w+\.)?{name}\]", text, re.MULTILINE):
                    absent.add(f"[{name}]")
                absent |= missing(annotation)
            elif name not in {"jira", "linear"} and not re.search(rf"^#? ?{name} = ", text, re.MULTILINE):
                absent.add(name)
        return absent

    undocumented = missing(Settings) | missing(JiraSite) | missing(LinearWorkspace)
    assert not undocumented, f"undocumented keys: {sorted(undocumented)}"


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("10.1.2.3", False)],  # noqa: S104
)
def test_the_health_endpoint_knows_whether_it_is_reachable_from_elsewhere(host: str, loopback: bool) -> None:
    assert HealthOptions(host=host).loopback is loopback


def test_a_url_with_credentials_in_it_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [jira.acme]
        url = "https://bot:hunter2@acme.atlassian.net"
        email = "a@b.c"
        api_token = "x"
        """,
    )
    [problem] = problems(path)
    assert problem.startswith("jira.acme.url: the url carries credentials (user:password@)")
    assert "hunter2" not in problem


def test_blank_label_group_names_are_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        [linear.acme]
        api_key = "k"
        objective_group = ""
        value_group = "  "
        """,
    )
    why = "a label group needs a name (for value labels without a group, remove value_group)"
    assert problems(path) == [f"linear.acme.objective_group: {why}", f"linear.acme.value_group: {why}"]


def test_a_bad_value_from_the_environment_is_named_by_its_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[jira.acme]\nurl = "https://acme.atlassian.net"\nemail = "a@b.c"\npage_size = 0\n')
    monkeypatch.setenv("SYNCD_JIRA__ACME__API_TOKEN", TOKEN)
    monkeypatch.setenv("SYNCD_JIRA__ACME__TIMEOUT", "soon")
    assert problems(path) == [
        "SYNCD_JIRA__ACME__TIMEOUT (environment variable): input should be a valid number, unable to parse string as a "
        "number",
        "jira.acme.page_size: must be at least 1 (got 0)",
    ]
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, '[jira.acme]\nurl = "https://acme.atlassian.net"\nemail = "a@b.c"\n'))
    assert caught.value.source == "environment", "no problem is the file's"


@pytest.mark.parametrize("host", ["999.0.0.1", "1.2.3", "not a host", ""])
def test_a_health_host_that_is_no_address_is_refused(host: str) -> None:
    with pytest.raises(ValueError, match=r"is no IPv4 address|neither an IP address nor a host name"):
        HealthOptions(host=host)


def test_state_url_is_a_secret_from_the_credentials_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"postgresql://syncd:{TOKEN}@db.example.com:5432/syncd"
    (tmp_path / "state_url").write_text(url)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path))
    settings = load_settings(None)
    assert settings.state_target() == settings.state_url
    assert TOKEN not in repr(settings)
    assert TOKEN in settings.secret_values(), "the password is redacted from every log line"


def test_bad_state_url_is_refused_without_repeating_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_STATE_URL", f"mysql://syncd:{TOKEN}@db/syncd")
    with pytest.raises(ConfigError) as caught:
        load_settings(None)
    assert "SYNCD_STATE_URL (environment variable): " in str(caught.value), "named by the variable that holds it"
    assert "PostgreSQL URL" in str(caught.value)
    assert TOKEN not in str(caught.value)


def test_state_path_and_state_url_together_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNCD_STATE_URL", "postgresql://syncd@db/syncd")
    path = write(tmp_path, 'state_path = "state.db"\n')
    with pytest.raises(ConfigError, match="keep one"):
        load_settings(path)
