"""The answers ``syncd init`` collects, whether typed at its prompts or read from a JSON answers file.

One validated model for both paths, so automation and a person at a terminal produce the same files and
hear of the same mistakes. Secrets are never part of the answers: they come from the environment (the
very variables the written settings will read) or from a hidden prompt.
"""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from syncd.errors import ConfigError, Problem
from syncd.problems import problems_from_validation
from syncd.strategy import Slug

__all__ = [
    "ANSWERS_VERSION",
    "Answers",
    "ObjectiveAnswer",
    "TrackerAnswer",
    "current_quarter",
    "read_answers",
    "secret_variable",
    "slug_of",
]

ANSWERS_VERSION = 1
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
TrackerName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=40)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TrackerAnswer(_Model):
    """The tracker to connect: which kind, where, as whom, and which projects or teams.

    Attributes:
        scope: Jira project keys or Linear team keys to sync; empty for every one visible.
    """

    kind: Literal["jira", "linear"]
    name: TrackerName = "main"
    url: Text | None = None
    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    email: str | None = None
    scope: tuple[Text, ...] = ()

    @model_validator(mode="after")
    def _jira_needs_a_url(self) -> TrackerAnswer:
        if self.kind == "jira" and not self.url:
            raise ValueError("url: a Jira site needs its URL, e.g. https://acme.atlassian.net")
        return self

    @property
    def full_name(self) -> str:
        return f"{self.kind}.{self.name}"

    @property
    def secret_key(self) -> str:
        """The settings key of the secret: Jira Cloud's API token, a Data Center PAT, a Linear API key."""
        if self.kind == "linear":
            return "api_key"
        return "api_token" if self.email else "token"


class ObjectiveAnswer(_Model):
    """One objective and the groups (``project:GROW``, ``team:ENG``…) whose issues serve it."""

    name: Text
    id: Slug | None = None
    target: float = Field(ge=0, le=1)
    groups: tuple[Text, ...] = Field(min_length=1)
    kpis: tuple[Text, ...] = ()

    @property
    def slug(self) -> str:
        return self.id or slug_of(self.name)


class Answers(_Model):
    """Everything ``syncd init`` needs to write a settings file and a strategy file."""

    version: Literal[1] = 1
    tracker: TrackerAnswer
    days: int = Field(default=90, ge=1, le=3660, description="how far back the inventory reads")
    period: Text = Field(default_factory=lambda: current_quarter(date.today()))
    report_issue: Text | None = None
    objectives: tuple[ObjectiveAnswer, ...] = Field(min_length=1)
    settings_file: Path = Path("syncd.toml")
    strategy_file: Path = Path("strategy.yaml")

    @model_validator(mode="after")
    def _targets_and_ids(self) -> Answers:
        total = sum(o.target for o in self.objectives)
        if total > 1 + 1e-9:
            raise ValueError(f"objectives: the targets add up to {total:.0%}; they may add up to 100% at most")
        slugs = [o.slug for o in self.objectives]
        repeated = sorted({s for s in slugs if slugs.count(s) > 1})
        if repeated:
            raise ValueError(f"objectives: two objectives would get the id {repeated[0]!r}: give one an id")
        return self


def slug_of(name: str) -> str:
    """An objective id from its name: ``Grow self-serve revenue`` → ``grow-self-serve-revenue``."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    slug = "-".join(words)[:64].strip("-")
    return slug or "objective"


def current_quarter(today: date) -> str:
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def secret_variable(tracker: TrackerAnswer) -> str:
    """The environment variable the written settings read the secret from (``SYNCD_JIRA__ACME__API_TOKEN``)."""
    return f"SYNCD_{tracker.kind.upper()}__{tracker.name.upper()}__{tracker.secret_key.upper()}"


def read_answers(path: Path) -> Answers:
    """Read and validate a JSON answers file.

    Raises:
        ConfigError: the file is missing, is not JSON, or has problems; every problem is listed.
    """
    source = str(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(source, [Problem("", "file not found")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(source, [Problem("", f"cannot read the file: {exc}")]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError(source, [Problem(f"line {exc.lineno}", f"not valid JSON: {exc.msg}")]) from None
    try:
        answers = Answers.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(source, problems_from_validation(exc, Answers)) from None
    base = path.parent
    return answers.model_copy(
        update={
            "settings_file": _beside(base, answers.settings_file),
            "strategy_file": _beside(base, answers.strategy_file),
        }
    )


def _beside(base: Path, path: Path) -> Path:
    """Relative paths in an answers file are relative to the file, as in the settings file."""
    return path if path.is_absolute() else base / path
