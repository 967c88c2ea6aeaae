"""``syncd init``: from a tracker's URL and credentials to a settings file and a strategy file ready for
``syncd sync --dry-run``.

The I/O shell around :mod:`syncd.cli.init.inventory` and :mod:`syncd.cli.init.draft`: it asks (at a terminal) or
reads (an answers file), checks the credentials with the real connector, pulls the recent issues once to
show what the tracker holds, and writes both files only after parsing them back. It never overwrites a
file without asking, and never writes a secret into a file unless the person says so.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from pydantic import SecretStr, ValidationError

from syncd.cli.init.answers import Answers, ObjectiveAnswer, TrackerAnswer, secret_variable, slug_of
from syncd.cli.init.draft import settings_text, strategy_text
from syncd.cli.init.inventory import Inventory, take_inventory
from syncd.connectors import Identity, Skipped, connect
from syncd.errors import ConfigError, Problem
from syncd.files import write_private
from syncd.model import TrackerKind
from syncd.problems import problems_from_validation
from syncd.retry import CallStats, RetryPolicy
from syncd.settings import JiraSite, LinearWorkspace, TrackerSettings
from syncd.strategy import LabelScheme, parse_strategy

__all__ = [
    "Discovery",
    "Prompts",
    "ask_objectives",
    "ask_tracker",
    "check_groups",
    "discover",
    "inventory_lines",
    "obtain_secret",
    "write_files",
]

Progress = Callable[[int], None]


class Prompts(Protocol):
    """A person at a terminal: the interactive path asks through this, tests answer through a pty."""

    def say(self, line: str = "") -> None: ...
    def ask(self, question: str, *, default: str | None = None) -> str: ...
    def secret(self, question: str) -> str: ...
    def confirm(self, question: str, *, default: bool = False) -> bool: ...


@dataclass(frozen=True, slots=True)
class Discovery:
    """Who the credentials belong to, and what the tracker holds."""

    identity: Identity
    inventory: Inventory


def ask_tracker(prompts: Prompts) -> TrackerAnswer:
    """Which tracker, where, as whom, and which projects or teams; asked again until it validates."""
    while True:
        kind = prompts.ask("Tracker (jira or linear)", default="jira").strip().lower()
        if kind in {"jira", "linear"}:
            break
        prompts.say("  please answer jira or linear")
    while True:
        fields = _ask_tracker_fields(prompts, kind)
        try:
            return TrackerAnswer.model_validate(fields)
        except ValidationError as exc:
            for problem in problems_from_validation(exc, TrackerAnswer):
                prompts.say(f"  {problem}")


def _ask_tracker_fields(prompts: Prompts, kind: str) -> dict[str, object]:
    fields: dict[str, object] = {"kind": kind}
    if kind == "jira":
        fields["url"] = prompts.ask("Jira site URL (e.g. https://acme.atlassian.net)")
        email = prompts.ask("Email of the account syncd acts as (empty for a Data Center access token)", default="")
        fields["email"] = email.strip() or None
        fields["deployment"] = "auto"
        scope_question = "Project keys to sync, separated by spaces (empty: every visible project)"
    else:
        fields["url"] = prompts.ask("Linear API URL", default="https://api.linear.app/graphql")
        scope_question = "Team keys to sync, separated by spaces (empty: every team)"
    fields["name"] = prompts.ask("A short name for this tracker in the settings", default=_name_from(fields))
    fields["scope"] = tuple(prompts.ask(scope_question, default="").split())
    return fields


def _name_from(fields: Mapping[str, object]) -> str:
    """``acme`` for https://acme.atlassian.net; ``main`` when the host says nothing useful."""
    host = urlsplit(str(fields.get("url") or "")).hostname or ""
    first = host.split(".")[0] if fields["kind"] == "jira" else ""
    slug = slug_of(first).replace("-", "_")
    return slug if first and slug != "objective" and not slug[0].isdigit() else "main"


def obtain_secret(tracker: TrackerAnswer, *, environ: Mapping[str, str], prompts: Prompts | None) -> tuple[str, bool]:
    """The tracker's secret and whether it came from the environment.

    Raises:
        ConfigError: no terminal to ask at, and the environment variable is not set.
    """
    variable = secret_variable(tracker)
    value = environ.get(variable, "")
    if value:
        if prompts is not None:
            prompts.say(f"  using the {tracker.secret_key} from {variable}")
        return value, True
    if prompts is None:
        raise ConfigError("environment", [Problem(variable, f"not set: it holds the {tracker.secret_key}")])
    what = {"api_token": "API token", "token": "personal access token", "api_key": "API key"}[tracker.secret_key]
    while True:
        value = prompts.secret(f"{what} (not shown; or set {variable} and run again)").strip()
        if value:
            return value, False


def tracker_settings(tracker: TrackerAnswer, secret: str) -> TrackerSettings:
    """The settings table init will write, validated the way ``syncd check`` will validate it."""
    data: dict[str, object] = {tracker.secret_key: SecretStr(secret)}
    if tracker.url:
        data["url"] = tracker.url
    scope_key = "projects" if tracker.kind == "jira" else "teams"
    data[scope_key] = tracker.scope
    try:
        if tracker.kind == "jira":
            return JiraSite.model_validate({**data, "deployment": tracker.deployment, "email": tracker.email})
        return LinearWorkspace.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"[{tracker.kind}.{tracker.name}]", problems_from_validation(exc)) from None


def discover(
    tracker: TrackerAnswer, secret: str, *, days: int, now: datetime, progress: Progress | None = None
) -> Discovery:
    """Check the credentials, then read the issues updated in the last ``days`` into an inventory.

    Raises:
        AuthError: the tracker refused the credentials.
        ConfigError: the answers do not make a valid tracker table.
    """
    settings = tracker_settings(tracker, secret)
    labels = LabelScheme()
    connector = connect(tracker.full_name, settings, labels, policy=RetryPolicy(), stats=CallStats())
    try:
        identity = connector.whoami()
        since = now - timedelta(days=days)
        items = []
        for pulled in connector.pull(since):
            if not isinstance(pulled, Skipped):
                items.append(pulled)
                if progress is not None:
                    progress(len(items))
    finally:
        connector.close()
    kind = TrackerKind.JIRA if tracker.kind == "jira" else TrackerKind.LINEAR
    return Discovery(identity, take_inventory(items, kind=kind, since=since, labels=labels))


def inventory_lines(inventory: Inventory) -> list[str]:
    """The numbered table a person picks groups from."""
    lines = [
        f"What the tracker holds: {inventory.issues} issues updated since {inventory.since:%Y-%m-%d}.",
        f"  {'#':>3}  {'kind':<15} {'name':<40} {'issues':>6} {'in progress':>11}  last update",
    ]
    for number, group in enumerate(inventory.groups, start=1):
        name = f"{group.name} {group.title}" if group.title else group.name
        name = name if len(name) <= 40 else name[:39] + "…"
        lines.append(
            f"  {number:>3}  {group.kind.value:<15} {name:<40} {group.issues:>6} {group.in_progress:>11}  "
            f"{group.last_updated:%Y-%m-%d}"
        )
    return lines


def ask_objectives(prompts: Prompts, inventory: Inventory) -> tuple[ObjectiveAnswer, ...]:
    """Objectives by name, target and the numbered groups whose issues serve them, until an empty name."""
    prompts.say("Name your objectives, most important first: for each, its target share of the effort and")
    prompts.say("the numbers above whose issues serve it. An empty name ends the list.")
    objectives: list[ObjectiveAnswer] = []
    while True:
        left = 100 - round(sum(o.target for o in objectives) * 100)
        name = prompts.ask(f"Objective {len(objectives) + 1} name", default="").strip()
        if not name:
            if objectives:
                return tuple(objectives)
            prompts.say("  a strategy needs at least one objective")
            continue
        target = _ask_share(prompts, left)
        groups = _ask_groups(prompts, inventory)
        taken = {o.slug for o in objectives}
        slug = slug_of(name)
        unique = slug if slug not in taken else f"{slug}-{len(objectives) + 1}"
        answer = ObjectiveAnswer(name=name, id=unique, target=target / 100, groups=groups)
        objectives.append(answer)
        issues = sum(g.issues for ref in groups if (g := inventory.find(ref)) is not None)
        prompts.say(f"  ✓ {name} ({answer.slug}): {target:g}%, {', '.join(groups)}; {issues} recent issues")


def _ask_share(prompts: Prompts, left: int) -> float:
    while True:
        text = prompts.ask(f"  Target share of the effort, in % ({left}% left)").strip().rstrip("%")
        try:
            share = float(text)
        except ValueError:
            prompts.say("  a number, like 40")
            continue
        if 0 <= share <= left:
            return share
        prompts.say(f"  between 0 and {left}: the targets may add up to 100% at most")


def _ask_groups(prompts: Prompts, inventory: Inventory) -> tuple[str, ...]:
    count = len(inventory.groups)
    while True:
        words = prompts.ask("  Which numbers serve it (e.g. 1 4 7)").replace(",", " ").split()
        numbers = [int(w) for w in words if w.isdigit()]
        if words and len(numbers) == len(words) and all(1 <= n <= count for n in numbers):
            return tuple(dict.fromkeys(inventory.groups[n - 1].ref for n in numbers))
        prompts.say(f"  numbers from the table, between 1 and {count}")


def check_groups(answers: Answers, inventory: Inventory) -> None:
    """Every group an answers file names must be among what the tracker holds.

    Raises:
        ConfigError: one problem per unknown group, with the known ones of that kind.
    """
    problems: list[Problem] = []
    for index, objective in enumerate(answers.objectives):
        for position, ref in enumerate(objective.groups):
            if inventory.find(ref) is None:
                kind = ref.split(":", 1)[0]
                known = [g.ref for g in inventory.groups if g.ref.startswith(f"{kind}:")][:10]
                hint = f"known: {', '.join(known)}" if known else f"no {kind!r} among them"
                problems.append(
                    Problem(
                        f"objectives[{index}].groups[{position}]",
                        f"{ref!r} holds none of the issues updated in the last {answers.days} days ({hint})",
                    )
                )
    if problems:
        raise ConfigError("answers", problems)


def write_files(
    answers: Answers,
    inventory: Inventory,
    *,
    secret_in_file: str | None,
    may_replace: Callable[[Path], bool],
    today: date | None = None,
) -> Sequence[Path]:
    """Write the settings and the strategy, each parsed back first; a file that exists is replaced only when
    ``may_replace`` says so.

    Raises:
        ConfigError: a file exists and may not be replaced (nothing is written then).
    """
    day = today or datetime.now(UTC).date()
    texts = {
        answers.settings_file: settings_text(answers, secret=secret_in_file, today=day),
        answers.strategy_file: strategy_text(answers, inventory),
    }
    parse_strategy(texts[answers.strategy_file], source=str(answers.strategy_file))
    tomllib.loads(texts[answers.settings_file])
    kept = [path for path in texts if path.exists() and not may_replace(path)]
    if kept:
        raise ConfigError(str(kept[0]), [Problem("", "exists and was kept: nothing was written")])
    for path, text in texts.items():
        write_private(path, text)
    return list(texts)
