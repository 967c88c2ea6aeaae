"""Bad input for the two file loaders: whatever a file holds, a checked model or a ConfigError, never a traceback.

Each loader gets arbitrary text, documents serialised from arbitrary nested data, mutations of its example
file (the near-misses a person really writes: a key deleted or misspelt, a value of the wrong type, a
stray newline, a weird number) and its format's own traps. Every problem must be one located line, and
every model that loads must be usable: ids are whole slugs, numbers are finite, URLs parse, a strategy
compiles into a mapper.
"""

from __future__ import annotations

import copy
import math
import operator
import os
import re
import textwrap
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
import yaml
from hypothesis import event, example, given
from hypothesis import strategies as st

from syncd.core.mapper import Mapper
from syncd.errors import ConfigError
from syncd.model import TrackerKind
from syncd.settings import Settings, load_settings
from syncd.strategy import Strategy, load_strategy, parse_strategy
from syncd.strategy.checks import strategy_warnings
from tests.conftest import EXAMPLE_SETTINGS, EXAMPLE_STRATEGY, make_item

M = TypeVar("M")
Doc = Any
Where = tuple[str | int, ...]

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ISSUE_KEY = re.compile(r"[A-Z][A-Z0-9_]*-[1-9][0-9]*")
PROJECT_KEY = re.compile(r"[A-Z][A-Z0-9_]{0,254}")
TEAM_KEY = re.compile(r"[A-Z][A-Z0-9]{0,19}")
TRACKER_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


# -- what every outcome must satisfy -----------------------------------------------------------------------


def one_line(text: str) -> bool:
    return text.splitlines() in ([], [text])


def outcome(load: Callable[[], M]) -> M | ConfigError:
    """The model a loader returns, or its ConfigError once every problem is checked to be one located line."""
    try:
        return load()
    except ConfigError as exc:
        error = exc
    assert error.problems, "a ConfigError names at least one problem"
    for problem in error.problems:
        assert isinstance(problem.location, str), problem
        assert isinstance(problem.message, str), problem
        assert problem.message, problem
        assert one_line(problem.message), f"message spans lines: {problem.message!r}"
        assert one_line(problem.location), f"location spans lines: {problem.location!r}"
    assert str(error)
    return error


def plain(text: str) -> bool:
    """Printable and without white space: fit for a label, a URL, a key."""
    return text.isprintable() and not any(ch.isspace() for ch in text)


def finite_numbers(value: Any, where: str = "") -> None:
    if isinstance(value, float):
        assert math.isfinite(value), f"{where} = {value}"
    elif isinstance(value, dict):
        for key, inner in value.items():
            finite_numbers(inner, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for index, inner in enumerate(value):
            finite_numbers(inner, f"{where}[{index}]")


def check_strategy_text(text: str) -> Strategy | ConfigError:
    result = outcome(lambda: parse_strategy(text, source="fuzz.yaml"))
    if isinstance(result, Strategy):
        usable_strategy(result)
    return result


def check_strategy_file(path: Path, content: bytes) -> Strategy | ConfigError:
    """``load_strategy`` on a file of exactly these bytes (the decoding is the loader's, not the test's)."""
    path.write_bytes(content)
    result = outcome(lambda: load_strategy(path))
    if isinstance(result, Strategy):
        usable_strategy(result)
    return result


def count(result: object) -> None:
    """Let ``--hypothesis-show-statistics`` tell how often the input loaded."""
    event("loaded" if not isinstance(result, ConfigError) else "ConfigError")


def usable_strategy(strategy: Strategy) -> None:
    finite_numbers(strategy.model_dump())
    for entry in (*strategy.objectives, *strategy.values):
        assert SLUG.fullmatch(entry.id), entry.id
    for label in (strategy.labels.objective_label(o.id) for o in strategy.objectives):
        assert plain(label), label
    for target in (strategy.report.jira, strategy.report.linear):
        assert target is None or ISSUE_KEY.fullmatch(target.issue), target
    for objective in strategy.objectives:
        assert all(PROJECT_KEY.fullmatch(p) for p in objective.match.jira.projects)
        assert all(TEAM_KEY.fullmatch(t) for t in objective.match.linear.teams)
    strategy_warnings(strategy)
    mapper = Mapper(strategy)
    for kind in TrackerKind:
        item = make_item(kind=kind, title="checkout outage", description="sso", labels={"objective:x", "bug"})
        mapper.align(item)


def check_settings_file(path: Path, content: bytes) -> Settings | ConfigError:
    path.write_bytes(content)
    with syncd_environment_cleared():
        result = outcome(lambda: load_settings(path))
        if isinstance(result, Settings):
            usable_settings(result)
    return result


def usable_settings(settings: Settings) -> None:
    finite_numbers(settings.model_dump())
    assert "\x00" not in str(settings.strategy)
    assert settings.state_path is None or "\x00" not in str(settings.state_path)
    for name, tracker in settings.trackers().items():
        assert TRACKER_NAME.fullmatch(name.partition(".")[2]), name
        parts = urlsplit(tracker.url)
        assert parts.hostname
        assert parts.port is None or 0 <= parts.port <= 65535
        assert plain(tracker.url), tracker.url
    for site in settings.jira.values():
        assert all(PROJECT_KEY.fullmatch(p) for p in site.projects), site.projects
    for workspace in settings.linear.values():
        assert all(TEAM_KEY.fullmatch(t) for t in workspace.teams), workspace.teams
    settings.secret_values()
    settings.state_file()
    repr(settings)


def _syncd_variable(name: str) -> bool:
    return name.startswith("SYNCD_") or name in {"CREDENTIALS_DIRECTORY", "STATE_DIRECTORY"}


@contextmanager
def syncd_environment_cleared() -> Iterator[None]:
    """No SYNCD_* variable for the duration; saved and restored here because Hypothesis runs many examples
    inside one test, where a function-scoped monkeypatch would be shared by all of them."""
    saved = {name: os.environ.pop(name) for name in list(os.environ) if _syncd_variable(name)}
    try:
        yield
    finally:
        for name in [name for name in os.environ if _syncd_variable(name)]:
            del os.environ[name]
        os.environ.update(saved)


@pytest.fixture(scope="module")
def strategy_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file rewritten by every example (module-scoped, so Hypothesis does not object to it)."""
    return tmp_path_factory.mktemp("fuzz-strategy") / "strategy.yaml"


@pytest.fixture(scope="module")
def settings_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One file rewritten by every example (module-scoped, so Hypothesis does not object to it)."""
    return tmp_path_factory.mktemp("fuzz-settings") / "syncd.toml"


# -- generated data ------------------------------------------------------------------------------------------

STRATEGY_EXAMPLE: dict[str, Any] = yaml.safe_load(EXAMPLE_STRATEGY.read_text(encoding="utf-8"))
SETTINGS_EXAMPLE: dict[str, Any] = tomllib.loads(EXAMPLE_SETTINGS.read_text(encoding="utf-8"))
SETTINGS_EXAMPLE["jira"]["acme"]["api_token"] = "fuzz-token-1"
SETTINGS_EXAMPLE["linear"]["acme"]["api_key"] = "fuzz-token-2"


def _keys_of(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from _keys_of(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _keys_of(inner)


KNOWN_KEYS = sorted({*_keys_of(STRATEGY_EXAMPLE), *_keys_of(SETTINGS_EXAMPLE), "token", "state_path"})

UNICODE = st.sampled_from(
    [
        "\u202egrowth",  # right-to-left override
        "growth\u200b",  # zero-width space
        "e\u0301\u0301\u0301",  # combining marks
        "👩\u200d👩\u200d👧\u200d👦",  # an emoji sequence
        "ＧＲＯＷ",  # full-width
        "İstanbul",
        "straße",
        "\x00",
        "\ufeff",
        "\u2028",
        "\x85",
        "growth\n",
        "GROW\n",
        "STRAT-1\n",
        "acme\n",
        " ",
    ]
) | st.text(max_size=30)
WEIRD_NUMBERS = st.sampled_from(
    [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308, 2**63, -(2**63) - 1, 10**30, -1, 2, 0.1 + 0.2]
) | st.one_of(st.floats(), st.integers())
NON_TEXT = st.one_of(
    st.booleans(),
    st.integers(),
    st.floats(),
    st.dates(),
    st.datetimes(timezones=st.none() | st.just(UTC)),
)
TEXT = UNICODE | st.sampled_from(
    ["1", "0.5", "objective:x", "GROW-1", "GROW", "ENG", "", "~", "yes", "2026-02-30", "<<"]
)
SCALARS = st.none() | NON_TEXT | TEXT
KEYS = st.sampled_from(KNOWN_KEYS) | UNICODE


def nested(scalars: st.SearchStrategy[Any], keys: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=20,
    )


YAML_VALUES = nested(SCALARS, KEYS | st.none() | NON_TEXT)
TOML_SCALARS = NON_TEXT | TEXT | st.times()
TOML_VALUES = nested(TOML_SCALARS, KEYS)


def _places(doc: Doc, at: Where = ()) -> Iterator[Where]:
    yield at
    if isinstance(doc, dict):
        for key, inner in doc.items():
            yield from _places(inner, (*at, key))
    elif isinstance(doc, list):
        for index, inner in enumerate(doc):
            yield from _places(inner, (*at, index))


def _get(doc: Doc, where: Where) -> Any:
    for part in where:
        doc = doc[part]
    return doc


def _put(doc: Doc, where: Where, value: Any) -> Doc:
    if not where:
        return value
    _get(doc, where[:-1])[where[-1]] = value
    return doc


def _alike(node: Any) -> st.SearchStrategy[Any]:
    """Values of the node's own type: edits that often keep a file valid, so loaded models get checked too."""
    if isinstance(node, bool):
        return st.booleans()
    if isinstance(node, int | float):
        return WEIRD_NUMBERS | st.floats(0, 1) | st.integers(0, 400)
    if isinstance(node, str):
        variants = [node.upper(), node.lower(), node.title(), node * 2, f" {node}", f"{node}\n", node[:1]]
        return st.sampled_from(variants) | UNICODE | st.text("abcxyz019-_:.ABC ", min_size=1, max_size=20)
    return st.just(node)


@st.composite
def mutations_of(draw: st.DrawFn, original: Doc, values: st.SearchStrategy[Any], keys: st.SearchStrategy[Any]) -> Doc:
    """The original document with one to four random edits, each somewhere in its tree."""
    doc = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(list(_places(doc))))
        node = _get(doc, where)
        edits = ["alike", "alike", "alike", "replace", "number", "unicode", "nest"]
        edits += ["delete"] if where else []
        edits += ["duplicate"] if isinstance(node, list) and node else []
        edits += ["insert"] if isinstance(node, dict) else []
        edits += ["rename"] if isinstance(node, dict) and node else []
        edits += ["append"] if isinstance(node, str) else []
        edit = draw(st.sampled_from(edits))
        if edit == "alike":
            doc = _put(doc, where, draw(_alike(node)))
        elif edit == "replace":
            doc = _put(doc, where, draw(values))
        elif edit == "number":
            doc = _put(doc, where, draw(WEIRD_NUMBERS))
        elif edit == "unicode":
            doc = _put(doc, where, draw(UNICODE))
        elif edit == "nest":
            for _ in range(draw(st.integers(1, 60))):
                node = [node] if draw(st.booleans()) else {draw(keys): node}
            doc = _put(doc, where, node)
        elif edit == "delete":
            del _get(doc, where[:-1])[where[-1]]
        elif edit == "duplicate":
            node.append(copy.deepcopy(draw(st.sampled_from(node))))
        elif edit == "insert":
            node[draw(keys)] = draw(values)
        elif edit == "rename":
            old = draw(st.sampled_from(list(node)))
            node[draw(keys)] = node.pop(old)
        else:
            doc = _put(doc, where, node + draw(st.sampled_from(["\n", " ", "\t", "\u00a0", "\x00", "\r\n", "-"])))
    return doc


def dump_yaml(doc: Doc) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def dump_toml(doc: dict[str, Any]) -> str:
    """A tiny TOML writer: one ``key = value`` line per top-level key, tables written inline."""
    return "".join(f"{_toml_string(key)} = {_toml_value(value)}\n" for key, value in doc.items())


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, datetime | date | clock_time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"TOML cannot hold {value!r}")


def _toml_string(text: str) -> str:
    escaped = "".join(
        "\\" + ch if ch in '"\\' else f"\\u{ord(ch):04x}" if ch < " " or ch == "\x7f" else ch for ch in text
    )
    return f'"{escaped}"'


def test_the_toml_writer_round_trips() -> None:
    doc = {**SETTINGS_EXAMPLE, "odd": ['a"\\\x00\n\x7f', 1.5, math.inf, date(2026, 1, 2), {"k v": [True]}]}
    assert tomllib.loads(dump_toml(doc)) == doc


def huge(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Long text built by repetition: fast to generate, up to 160,000 characters."""
    return st.builds(operator.mul, st.text(alphabet, min_size=1, max_size=8), st.integers(1_000, 20_000))


def tokens(*pieces: str) -> st.SearchStrategy[str]:
    """Text made of a format's syntax, so the parser gets past its first character."""
    return st.lists(st.sampled_from(pieces), max_size=100).map("".join)


YAML_SYNTAX = tokens(*"{}[]:-,?!&*#|>'\"%@`\\ \n\t\r.~019abxyz", "<<", "!!", "---", "...", "&a", "*a", "id", ": ")
TOML_SYNTAX = tokens(*"[]{}=.,\"'#\\ \n\t\r-_+:019abefxyzTZ", "inf", "nan", "true", '"""', "jira", "url", " = ")


# -- the strategy file ---------------------------------------------------------------------------------------


@given(st.text() | YAML_SYNTAX | huge(st.characters()))
@example("? [a]: b\n")
@example("a: \x01\n")
@example("[" * 5_000)
@example("period: 2026-02-30\n")
def test_any_text_is_a_strategy_or_a_config_error(text: str) -> None:
    count(check_strategy_text(text))


@given(YAML_VALUES | st.dictionaries(st.sampled_from(KNOWN_KEYS), YAML_VALUES, max_size=6))
def test_any_yaml_document_is_a_strategy_or_a_config_error(doc: Any) -> None:
    count(check_strategy_text(dump_yaml(doc)))


@given(mutations_of(STRATEGY_EXAMPLE, YAML_VALUES, KEYS))
def test_a_mutated_example_strategy_is_a_strategy_or_a_config_error(doc: Any) -> None:
    count(check_strategy_text(dump_yaml(doc)))


EXAMPLE_STRATEGY_BYTES = EXAMPLE_STRATEGY.read_bytes()


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` with a short run of its bytes replaced by arbitrary ones: a file nearly valid."""
    start = draw(st.integers(0, len(original)))
    end = draw(st.integers(start, min(len(original), start + 16)))
    return original[:start] + draw(st.binary(max_size=16)) + original[end:]


@given(
    st.binary(max_size=300)
    | YAML_SYNTAX.map(str.encode)
    | st.text().map(lambda text: text.encode("utf-16"))
    | damaged(EXAMPLE_STRATEGY_BYTES)
)
@example(b"\xff\xfe")
@example(b"\xef\xbb\xbfversion: 1\n")
@example(b"\x00")
@example(b"version: 1\nperiod: caf\xe9\n")
@example(b"version: 1\nperiod: \xed\xa0\x80\n")
@example(EXAMPLE_STRATEGY_BYTES.replace(b'"2026-Q4"', b'"2026-Q4\xc3"'))
def test_any_bytes_are_a_strategy_or_a_config_error(strategy_file: Path, content: bytes) -> None:
    count(check_strategy_file(strategy_file, content))


def test_the_example_strategy_file_loads_and_undecodable_bytes_are_one_error(strategy_file: Path) -> None:
    assert isinstance(check_strategy_file(strategy_file, EXAMPLE_STRATEGY_BYTES), Strategy)
    error = check_strategy_file(strategy_file, b"version: 1\nperiod: caf\xe9\n")
    assert isinstance(error, ConfigError)
    assert len(error.problems) == 1


def test_the_unmutated_example_strategy_loads() -> None:
    assert isinstance(check_strategy_text(dump_yaml(STRATEGY_EXAMPLE)), Strategy)


def _laughs(levels: int, fan_out: int) -> str:
    """A billion-laughs document, kept small: ``fan_out ** levels`` strings once aliases are expanded."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * fan_out)}]"]
    lines += [f"l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * fan_out)}]" for n in range(1, levels)]
    return "\n".join(lines) + "\n"


YAML_TRAPS = [
    "&a [*a]",
    "&a {x: *a}",
    "&a {*a: 1}",
    "*undefined",
    "? [a]: b\n",
    "? {a: 1}\n: b\n",
    "!!map [1]",
    "!!python/object:os.system {}",
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "a: !!int abc",
    "a: !!int ''",
    "a: !!float abc",
    "a: !!bool maybe",
    "a: !!timestamp foo",
    "a: !!binary '!!!'",
    "a: " + "9" * 5_000,
    "!<tag:%0Aevil> x",
    "a:\n\tb: 1\n",
    "\ufeffversion: 1\n",
    "version: 1\n\ufeffperiod: x\n",
    "a: 1\r\nb: 2\rc: 3\x85d: 4\u2028e: 5\n",
    "%YAML 1.1\n%YAML 1.1\n---\na: 1\n",
    "%TAG ! tag:evil,2026:\n--- !x\na: 1\n",
    "--- 1\n--- 2\n",
    "a: 1\na: 2\n",
    "[" * 5_000,
    "{a: " * 5_000,
    "".join(f"{' ' * n}k:\n" for n in range(3_000)),
    "- " * 5_000,
    _laughs(5, 9),
    "version: 1\nperiod: x\n" + _laughs(5, 9) + "objectives: *l4\nvalues: [*l4]\n",
    "\x00",
    "'unterminated",
    "|\n  \x07",
]


@pytest.mark.parametrize("text", YAML_TRAPS, ids=range(len(YAML_TRAPS)))
def test_yaml_traps_are_config_errors(text: str) -> None:
    assert isinstance(check_strategy_text(text), ConfigError)


def test_yaml_traps_inside_the_example_are_config_errors() -> None:
    base = EXAMPLE_STRATEGY.read_text(encoding="utf-8")
    for trap in ["*undefined", "!!int abc", "2026-02-30", "!!python/object:os.system {}", "&a [*a]", "!!bool maybe"]:
        assert isinstance(check_strategy_text(base.replace('"2026-Q4"', trap)), ConfigError), trap
        assert isinstance(check_strategy_text(base.replace("target: 0.40", f"target: {trap}")), ConfigError), trap


def test_merge_keys_work_as_in_any_safe_yaml_loader() -> None:
    text = """
    version: 1
    period: Q4
    objectives:
      - &growth {id: growth, name: Growth, target: 0.5}
      - <<: *growth
        id: retention
        target: 0.25
    """
    strategy = parse_strategy(textwrap.dedent(text))
    assert [(o.id, o.name, o.target) for o in strategy.objectives] == [
        ("growth", "Growth", 0.5),
        ("retention", "Growth", 0.25),
    ], "a key of the mapping itself overrides a merged one; that is no duplicate"
    duplicate = outcome(lambda: parse_strategy(textwrap.dedent(text).replace("id: retention", "id: a\n    id: b")))
    assert isinstance(duplicate, ConfigError)
    assert "duplicate key 'id'" in str(duplicate)


def test_a_megabyte_value_loads_in_reasonable_time() -> None:
    base = EXAMPLE_STRATEGY.read_text(encoding="utf-8")
    started = time.perf_counter()
    strategy = check_strategy_text(base.replace('"2026-Q4"', "x" * 1_000_000))
    elapsed = time.perf_counter() - started
    assert isinstance(strategy, Strategy)
    assert len(strategy.period) == 1_000_000
    assert elapsed < 5, f"reading a strategy with a 1 MB value took {elapsed:.1f} s"


# -- the settings file ---------------------------------------------------------------------------------------


@given(st.binary(max_size=300) | TOML_SYNTAX.map(str.encode) | st.text().map(str.encode))
@example(b"\xff\xfe")
@example(b"a = " + b"[" * 5_000)
@example(b"a = " + b"9" * 5_000)
@example(b'strategy = "a\\u0000b"')
def test_any_bytes_are_settings_or_a_config_error(settings_file: Path, content: bytes) -> None:
    count(check_settings_file(settings_file, content))


@given(st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=10), TOML_VALUES, max_size=6))
def test_any_toml_document_is_settings_or_a_config_error(settings_file: Path, doc: dict[str, Any]) -> None:
    count(check_settings_file(settings_file, dump_toml(doc).encode()))


@given(mutations_of(SETTINGS_EXAMPLE, TOML_VALUES, KEYS).filter(lambda doc: isinstance(doc, dict)))
def test_a_mutated_example_settings_file_is_settings_or_a_config_error(
    settings_file: Path, doc: dict[str, Any]
) -> None:
    count(check_settings_file(settings_file, dump_toml(doc).encode()))


def test_the_unmutated_example_settings_load(settings_file: Path) -> None:
    assert isinstance(check_settings_file(settings_file, dump_toml(SETTINGS_EXAMPLE).encode()), Settings)


TOML_TRAPS = [
    b"\xff\xfe",
    b"\xef\xbb\xbfstrategy = 'x'\n",
    b"a = " + b"[" * 5_000,
    b"a = " + b"{b = " * 5_000,
    b"a = " + b"9" * 5_000,
    b"a = 0x" + b"f" * 5_000,
    b"a = 1\na = 2\n",
    b"[jira.acme]\n[jira.acme]\n",
    b'strategy = "a\\u0000b"\n',
    b'[jira."acme\\n"]\nurl = "https://x"\ntoken = "t"\n',
    b'[jira.acme]\nurl = "https://x:99999"\ntoken = "t"\n',
    b'[jira.acme]\nurl = "https://[::1"\ntoken = "t"\n',
    b'[jira.acme]\nurl = "https://ac me"\ntoken = "t"\n',
    b'[jira.acme]\nurl = "https://x"\ntoken = "t"\nprojects = ["GROW\\n"]\n',
    b"[service.health]\nstale_after = inf\n",
    b"[service]\ninterval = nan\n",
    b"a = 1979-05-27T07:32:00+24:00\n",
]


@pytest.mark.parametrize("content", TOML_TRAPS, ids=range(len(TOML_TRAPS)))
def test_toml_traps_are_config_errors(settings_file: Path, content: bytes) -> None:
    assert isinstance(check_settings_file(settings_file, content), ConfigError)
