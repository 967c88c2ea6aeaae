"""The strategy file: objectives with target shares, values, the label scheme, drift and report options.

A product leader writes this file once a period; syncd reads it on every sync and on SIGHUP. A bad file
must never reach a tracker, so :func:`load_strategy` either returns a fully checked :class:`Strategy` or
raises :class:`~syncd.errors.ConfigError` listing *every* problem with its place in the file
(``objectives[2].target: must be at most 1``). Checks that span fields — duplicate ids, targets summing
above 1, rules that can never match — live in :mod:`syncd.strategy_checks`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from syncd.errors import ConfigError, Problem
from syncd.problems import problems_from_validation
from syncd.strategy_checks import check_strategy

__all__ = [
    "DriftOptions",
    "JiraMatch",
    "LabelScheme",
    "LinearMatch",
    "Match",
    "Objective",
    "ReportOptions",
    "ReportTarget",
    "Strategy",
    "Value",
    "load_strategy",
    "parse_strategy",
]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: str) -> str:
    if not SLUG.match(value) or len(value) > 64:
        raise ValueError(
            f"{value!r} is not a valid id: use up to 64 lower-case letters, digits and single hyphens,"
            " like self-serve-growth (it becomes a tracker label)"
        )
    return value


Slug = Annotated[str, AfterValidator(_slug)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Names = tuple[str, ...]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JiraMatch(_Model):
    """Jira rules. Epics are structure (their children inherit); the rest are field rules."""

    projects: Names = ()
    components: Names = ()
    epics: Names = ()
    labels: Names = ()
    issue_types: Names = ()


class LinearMatch(_Model):
    """Linear rules. Projects and initiatives are structure; teams and labels are field rules."""

    teams: Names = ()
    projects: Names = ()
    initiatives: Names = ()
    labels: Names = ()


class Match(_Model):
    """How to recognise work for an objective or value.

    Attributes:
        labels: tracker labels that match on either tracker.
        keywords: words or phrases searched in title and description (whole words, any case).
    """

    jira: JiraMatch = JiraMatch()
    linear: LinearMatch = LinearMatch()
    labels: Names = ()
    keywords: Names = ()

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.labels,
                self.keywords,
                *self.jira.model_dump().values(),
                *self.linear.model_dump().values(),
            )
        )


class Objective(_Model):
    id: Slug
    name: Text
    target: float = Field(ge=0, le=1)
    description: str = ""
    kpis: Names = ()
    match: Match = Match()


class Value(_Model):
    id: Slug
    name: Text
    description: str = ""
    match: Match = Match()


class LabelScheme(_Model):
    """The label namespace syncd owns; it never touches a label outside it."""

    objective_prefix: str = "objective:"
    value_prefix: str = "value:"
    unaligned: str = "alignment:none"

    def objective_label(self, objective_id: str) -> str:
        return f"{self.objective_prefix}{objective_id}"

    def value_label(self, value_id: str) -> str:
        return f"{self.value_prefix}{value_id}"

    def owns(self, label: str) -> bool:
        return label == self.unaligned or label.startswith((self.objective_prefix, self.value_prefix))

    def objective_of(self, label: str) -> str | None:
        return label.removeprefix(self.objective_prefix) if label.startswith(self.objective_prefix) else None

    def value_of(self, label: str) -> str | None:
        return label.removeprefix(self.value_prefix) if label.startswith(self.value_prefix) else None


class DriftOptions(_Model):
    """How effort is measured and when a difference counts as drift."""

    measure: Literal["estimate", "count"] = "estimate"
    default_estimate: float = Field(default=1.0, ge=0)
    tolerance: float = Field(default=0.10, ge=0, le=1)
    window_days: int = Field(default=14, ge=1, le=366)
    starved_after_days: int = Field(default=21, ge=1, le=366)


class ReportTarget(_Model):
    """The issue whose comment thread carries the drift report."""

    issue: Text


class ReportOptions(_Model):
    jira: ReportTarget | None = None
    linear: ReportTarget | None = None
    mode: Literal["update", "append"] = "update"
    notify_unaligned: bool = False
    max_notices: int = Field(default=10, ge=0, le=1000)


class Strategy(_Model):
    """A whole strategy file, validated."""

    version: Literal[1]
    period: Text
    objectives: tuple[Objective, ...] = Field(min_length=1)
    values: tuple[Value, ...] = ()
    labels: LabelScheme = LabelScheme()
    drift: DriftOptions = DriftOptions()
    report: ReportOptions = ReportOptions()

    @property
    def unaligned_target(self) -> float:
        """The slack the strategy leaves: the share of effort it expects to serve no objective."""
        return max(0.0, 1.0 - sum(o.target for o in self.objectives))

    def objective(self, objective_id: str) -> Objective | None:
        return next((o for o in self.objectives if o.id == objective_id), None)


def load_strategy(path: Path) -> Strategy:
    """Read, parse and check a strategy file.

    Raises:
        ConfigError: the file is missing, is not YAML, or has problems; every problem is listed.
    """
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, [Problem("", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [Problem("", f"cannot read the file: {exc}")]) from None
    return parse_strategy(text, source=source)


def parse_strategy(text: str, *, source: str = "<strategy>") -> Strategy:
    """Parse strategy YAML text; see :func:`load_strategy`."""
    data = _read_yaml(text, source)
    try:
        strategy = Strategy.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, problems_from_validation(exc, Strategy)) from None
    problems = check_strategy(strategy)
    if problems:
        raise ConfigError(source, problems)
    return strategy


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys, which plain YAML silently collapses."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            line = key_node.start_mark.line + 1
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (line {line})", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(text: str, source: str) -> Any:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(source, [Problem(where, f"not valid YAML: {exc.problem}")]) from None
    except yaml.YAMLError as exc:
        raise ConfigError(source, [Problem("", f"not valid YAML: {exc}")]) from None
    if data is None:
        raise ConfigError(source, [Problem("", "the file is empty")])
    if not isinstance(data, dict):
        raise ConfigError(source, [Problem("", "must be a mapping of keys (version, period, objectives…)")])
    return data
