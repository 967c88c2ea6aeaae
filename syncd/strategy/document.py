"""The strategy file: objectives with target shares, values, the label scheme, drift and report options.

A product leader writes this file once a period; syncd reads it on every sync and on SIGHUP. A bad file
must never reach a tracker, so :func:`load_strategy` either returns a fully checked :class:`Strategy` or
raises :class:`~syncd.errors.ConfigError` listing *every* problem with its place in the file
(``objectives[2].target: must be at most 1``). Checks that span fields — duplicate ids, targets summing
above 1, rules that can never match — live in :mod:`syncd.strategy.checks`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, ValidationError

from syncd.errors import ConfigError, Problem
from syncd.problems import problems_from_validation
from syncd.strategy.checks import check_parts, check_strategy
from syncd.strategy.yaml_reader import read_yaml

__all__ = [
    "DECLINED_RESOLUTIONS",
    "DriftOptions",
    "JiraMatch",
    "Kpi",
    "LabelScheme",
    "LinearMatch",
    "MappingOptions",
    "Match",
    "Objective",
    "ReportOptions",
    "ReportTarget",
    "Slug",
    "Strategy",
    "TeamPlan",
    "Value",
    "load_strategy",
    "parse_strategy",
]

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _slug(value: str) -> str:
    if not SLUG.fullmatch(value) or len(value) > 64:
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
        keywords: words or phrases searched in title and description (whole words, any case, inflected
            forms too; a keyword in double quotes, ``'"docs"'``, only as written).
        title_keywords: keywords searched in the title only.
        exclude: keywords that veto this objective or value by keywords when found (firm rules still apply).
        weights: a keyword's weight, default 1 (the title counts it three times).
    """

    jira: JiraMatch = JiraMatch()
    linear: LinearMatch = LinearMatch()
    labels: Names = ()
    keywords: Names = ()
    title_keywords: Names = ()
    exclude: Names = ()
    weights: dict[str, Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]] = Field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not any(
            (
                self.labels,
                self.keywords,
                self.title_keywords,
                *self.jira.model_dump().values(),
                *self.linear.model_dump().values(),
            )
        )


def _web_address(value: str | None) -> str | None:
    if value is not None and not value.startswith(("https://", "http://")):
        raise ValueError(f"{value!r} is not a web address: start it with https://")
    return value


def _kpi_entry(value: Any) -> Any:
    """A KPI written as a bare name, the form strategies had before KPIs could carry a link or a figure."""
    return {"name": value} if isinstance(value, str) else value


class Kpi(_Model):
    """A measure of an objective's success, shown beside it in the report.

    Attributes:
        url: where the KPI is tracked (a dashboard), linked from the report.
        current: its latest figure as the product leader wants it read (``"$182k"``, ``"4.1%"``).
    """

    name: Text
    url: Annotated[str | None, AfterValidator(_web_address)] = None
    current: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] | None = None


class Objective(_Model):
    id: Slug
    name: Text
    target: float = Field(ge=0, le=1)
    description: str = ""
    kpis: tuple[Annotated[Kpi, BeforeValidator(_kpi_entry)], ...] = ()
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


DECLINED_RESOLUTIONS: Names = (
    # Jira Cloud's stock resolutions that are not work done (Done, Won't Do, Duplicate, Cannot Reproduce):
    # https://support.atlassian.com/jira-cloud-administration/docs/what-are-issue-statuses-priorities-and-resolutions/
    "Won't Do",
    "Duplicate",
    "Cannot Reproduce",
    # Data Center's (Fixed, Won't Fix, Duplicate, Incomplete, Cannot Reproduce; Jira Software adds Done and
    # Won't Do): https://confluence.atlassian.com/adminjiraserver/defining-resolution-field-values-938847104.html
    "Won't Fix",
    "Incomplete",
    # Jira Service Management's request that is turned down.
    "Declined",
    # What syncd names Linear's canceled states (https://linear.app/docs/configuring-workflows).
    "Canceled",
)
"""Resolutions that close an issue without the work being done: such work leaves the allocation."""


class DriftOptions(_Model):
    """How effort is measured, when a difference counts as drift, and which closed work was declined."""

    measure: Literal["estimate", "count"] = "estimate"
    default_estimate: float = Field(default=1.0, ge=0, allow_inf_nan=False)
    tolerance: float = Field(default=0.10, ge=0, le=1)
    window_days: int = Field(default=14, ge=1, le=366)
    starved_after_days: int = Field(default=21, ge=1, le=366)
    declined_resolutions: Names = DECLINED_RESOLUTIONS

    def declines(self, resolution: str | None) -> bool:
        """Whether a resolution says the work was declined; case and the apostrophe's form do not matter
        (sites spell "Won't Do" with ' or ’)."""
        if resolution is None:
            return False
        return _resolution_key(resolution) in {_resolution_key(name) for name in self.declined_resolutions}


def _resolution_key(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").casefold().split())


class MappingOptions(_Model):
    """When keywords may tag an item, and which objectives become labels.

    Attributes:
        min_score: the best objective's keyword score must reach this, or keywords tag nothing.
        min_margin: the best objective must lead the runner-up by this much, or keywords tag nothing.
        label_within: also label the objectives whose score is within this share of the best (0.2: at
            least 80% of it); unset, only the primary objective's label is written.
        similar_items: tag an item no rule names by the items it resembles, learnt from the tracker's
            items at each full pull (see :mod:`syncd.core.similar_items` and :mod:`syncd.sync.learning`); on
            by default, ``false`` leaves every item no rule names unaligned.
    """

    min_score: float = Field(default=1.0, ge=0, le=1000, allow_inf_nan=False)
    min_margin: float = Field(default=0.0, ge=0, le=1000, allow_inf_nan=False)
    label_within: float | None = Field(default=None, ge=0, le=1)
    similar_items: bool = True


class ReportTarget(_Model):
    """The issue whose comment thread carries the drift report."""

    issue: Text


class ReportOptions(_Model):
    jira: ReportTarget | None = None
    linear: ReportTarget | None = None
    mode: Literal["update", "append"] = "update"
    notify_unaligned: bool = False
    max_notices: int = Field(default=10, ge=0, le=1000)
    per_team: bool = False


class TeamPlan(_Model):
    """A team's or project's own targets, which its per-team figures compare with instead of the company's.

    Attributes:
        project: the Jira project key or Linear team key, as per-team figures group by.
        tracker: the tracker it belongs to (``jira.acme``); unset, the plan applies on every tracker.
        targets: share of the team's effort per objective id; an objective left out has target 0, and the
            rest (``1 − Σ targets``) is the team's slack for unaligned work.
    """

    project: Text
    tracker: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)] | None = None
    targets: dict[str, Annotated[float, Field(ge=0, le=1)]]


class Strategy(_Model):
    """A whole strategy file, validated."""

    version: Literal[1]
    period: Text
    objectives: tuple[Objective, ...] = Field(min_length=1)
    values: tuple[Value, ...] = ()
    labels: LabelScheme = LabelScheme()
    mapping: MappingOptions = MappingOptions()
    drift: DriftOptions = DriftOptions()
    report: ReportOptions = ReportOptions()
    teams: tuple[TeamPlan, ...] = ()

    def plan_for(self, tracker: str, project: str) -> TeamPlan | None:
        """The team's own plan: one for this tracker's project first, then one for the project anywhere."""
        plans = [plan for plan in self.teams if plan.project == project and plan.tracker in (tracker, None)]
        return min(plans, key=lambda plan: plan.tracker is None, default=None)

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
    data = read_yaml(text, source)
    try:
        strategy = Strategy.model_validate(data)
    except ValidationError as exc:
        problems = problems_from_validation(exc, Strategy)
        raise ConfigError(source, problems + _salvaged_problems(data, problems)) from None
    problems = check_strategy(strategy)
    if problems:
        raise ConfigError(source, problems)
    return strategy


_Entry = TypeVar("_Entry", bound="Objective | Value")
_Part = TypeVar("_Part", bound=BaseModel)


def _salvaged_problems(data: Any, found: list[Problem]) -> list[Problem]:
    """The cross-field problems among the parts the schema accepted, where no schema error stands already,
    so a file with a bad type and a duplicate id hears of both at once."""
    if not isinstance(data, dict):
        return []
    labels = _valid(LabelScheme, data.get("labels", {})) or LabelScheme()
    extra = check_parts(
        objectives=_valid_entries(Objective, data.get("objectives")),
        values=_valid_entries(Value, data.get("values")),
        labels=labels,
        report=_valid(ReportOptions, data.get("report", {})),
    )
    taken = {problem.location for problem in found}
    return [problem for problem in extra if problem.location not in taken]


def _valid_entries(model: type[_Entry], entries: Any) -> list[tuple[int, _Entry]]:
    if not isinstance(entries, list):
        return []
    valid = ((index, _valid(model, entry)) for index, entry in enumerate(entries))
    return [(index, entry) for index, entry in valid if entry is not None]


def _valid(model: type[_Part], data: Any) -> _Part | None:
    try:
        return model.model_validate(data)
    except ValidationError:
        return None
