"""The demo organisation: Acme Analytics, a fictional company, in an emulated Jira and Linear.

It is built for ``config/strategy.example.yaml`` and shows every kind of mapping: Jira projects, epics
(GROW-12, ENT-3) and components, Linear teams, projects and initiatives, keywords, sub-tasks inheriting
from their story, issues a person already pinned, plenty of unaligned work, and one objective (the data
platform) with nothing in progress for weeks, so the report has a starved objective to show.

Everything is deterministic: the same titles, states, estimates and ages every time, with dates counted
back from now, so the drift figures of a demo run are the same on every machine.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from syncd.sandbox.jira import JiraStore
from syncd.sandbox.linear import LinearWorkspace

__all__ = ["DEMO_LINEAR_KEY", "DemoSpec", "add_demo_account", "seed_jira", "seed_linear"]

DEMO_LINEAR_KEY = "lin_api_demo0000000000000000000000000000000"
DAY = timedelta(days=1)

_GROW = (
    "Trial signup asks for a credit card too early",
    "One-click upgrade from the trial banner",
    "Annual pricing toggle on the pricing page",
    "Checkout fails for VAT-registered companies",
    "Show the plan limits before checkout",
    "Invoice PDF shows the wrong billing address",
    "Dunning emails for failed renewals",
    "Promo codes for the spring campaign",
    "Seat-based pricing calculator",
    "Trial extension for active teams",
    "Onboarding checklist for new workspaces",
    "Stripe webhook retries in billing",
    "Usage-based add-on in checkout",
    "Localised prices in EUR and GBP",
    "Self-serve downgrade without support",
    "Referral credits on the billing page",
    "Empty states for new accounts",
    "Upgrade flow copy for the Pro plan",
    "Abandoned checkout reminder email",
    "Tax ID validation in checkout",
    "Welcome tour for invited teammates",
    "Pricing page load time",
    "Proration preview before plan change",
    "Trial conversion dashboard for the growth team",
    "Payment method update page",
    "Apple Pay in checkout",
)
_ENT = (
    "SAML SSO with Okta",
    "SCIM provisioning for Azure AD",
    "Audit log for workspace settings",
    "Role-based access for admins",
    "Enforce SSO for all members",
    "Audit log export to S3",
    "Security questionnaire answers for the sales team",
    "Data residency in the EU region",
    "IP allow-list for enterprise workspaces",
    "Custom session timeout",
    "SSO login error messages",
    "Enterprise invoice terms (net 30)",
    "Just-in-time user provisioning",
    "Domain verification for SSO",
    "Audit log retention settings",
    "Admin API tokens with scopes",
    "Pen test remediation: session fixation",
    "SOC 2 evidence collection",
    "Guest access controls",
    "Enterprise onboarding runbook",
)
_OPS = (
    "Page load latency above 2s on the dashboard",
    "Alert on queue backlog growth",
    "On-call handover checklist",
    "Postmortem: login outage on Monday",
    "Database failover drill",
    "Flaky integration test in the deploy pipeline",
    "Timeout in the export worker",
    "Rotate TLS certificates",
    "Backups restore test",
    "Canary deploys for the API",
    "Runbook for the incident commander",
    "Rate limiting for the public API",
    "Reduce noisy alerts at night",
    "Capacity plan for Black Friday",
    "Error budget report",
    "Slow query in the activity feed",
    "Incident review process",
    "Synthetic monitoring for checkout",
    "Kubernetes node upgrade",
    "Log retention costs",
)
_WEB = (
    "Dark mode",
    "Refactor the settings page",
    "Upgrade the web framework",
    "Keyboard shortcuts help panel",
    "Design system: new button styles",
    "Translate the app into German",
    "Remove the legacy editor",
    "Storybook for shared components",
    "Accessibility pass on forms",
    "New illustration set for empty pages",
    "Migrate icons to SVG sprites",
    "Clean up feature flags",
    "Update the marketing site footer",
    "Documentation search",
    "Profile picture cropping",
    "Drag and drop in lists",
    "Print stylesheet",
    "Reduce bundle size",
    "Custom fonts for reports",
    "Tooltip component rewrite",
    "Changelog page",
    "Team offsite planning",
    "Hackathon ideas board",
    "Browser support matrix update",
)
_GRO = (
    "Redesign the checkout page",
    "Coupon codes in checkout",
    "Trial expiry emails are sent twice",
    "A/B test the trial length",
    "Show annual pricing on the upgrade flow",
    "Pricing experiment for small teams",
    "Team plan upsell banner",
    "Cancel flow with retention offer",
    "Usage meter on the billing page",
    "Gift cards",
    "Trial reminder push notifications",
    "Checkout for non-profit discounts",
)
_ENG = (
    "Customer cannot reset password (support ticket)",
    "Okta group sync",
    "Audit log filters",
    "SCIM deprovisioning edge cases",
    "Enterprise admin console",
    "Refactor the notification service",
    "Migrate to the new job queue",
    "Regression in comment mentions",
    "Improve test coverage of the API",
    "GraphQL schema cleanup",
    "Search results ranking",
    "Mobile layout for the inbox",
    "Export to CSV",
    "Attachment previews",
    "Workspace switcher",
    "Emoji reactions",
    "Calendar integration",
    "Webhooks for integrations",
    "API pagination cleanup",
    "Bulk edit for issues",
)
_INF = (
    "Outage postmortem: database failover",
    "Latency spike after deploy",
    "Flaky deploy pipeline timeout",
    "Incident: queue workers stuck",
    "Autoscaling for the API tier",
    "Observability for background jobs",
    "Cost report for cloud spend",
    "Terraform module cleanup",
    "Disaster recovery plan",
    "Secrets rotation",
)


@dataclass(frozen=True, slots=True)
class DemoSpec:
    """One demo issue: where it goes, what it says, and its state counted back from now."""

    place: str
    title: str
    state: str
    estimate: float | None
    age_days: int
    done_days: int | None = None
    labels: tuple[str, ...] = ()


def _issues(place: str, titles: tuple[str, ...], rng: random.Random, *, count: int) -> Iterator[DemoSpec]:
    states = ("todo", "todo", "backlog", "in_progress", "in_progress", "in_review", "done", "done")
    for n in range(count):
        title = titles[n % len(titles)]
        if n >= len(titles):
            title = f"{title} (part {n // len(titles) + 1})"
        state = rng.choice(states)
        done_days = rng.choice((1, 2, 3, 5, 6, 8, 9, 10, 12, 13, 16, 18, 25, 33, 40)) if state == "done" else None
        estimate = rng.choice((1.0, 2.0, 3.0, 3.0, 5.0, 8.0, None))
        labels = ("customer-reported",) if rng.random() < 0.12 else ()
        yield DemoSpec(place, title, state, estimate, age_days=rng.randint(20, 90), done_days=done_days, labels=labels)


_JIRA_STATUS = {
    "todo": "To Do",
    "backlog": "Backlog",
    "in_progress": "In Progress",
    "in_review": "In Review",
    "done": "Done",
}
_LINEAR_STATE = {
    "todo": "Todo",
    "backlog": "Backlog",
    "in_progress": "In Progress",
    "in_review": "In Review",
    "done": "Done",
}


def seed_jira(store: JiraStore, *, now: datetime) -> int:
    """Acme's Jira: GROW, ENT, OPS and WEB, the strategy issue STRAT-1; returns the number of issues."""
    rng = random.Random(2026)  # noqa: S311 - reproducible demo data
    store.create_project("STRAT", "Strategy")
    store.create_project("GROW", "Growth", components=["Billing", "Checkout", "Onboarding"])
    store.create_project("ENT", "Enterprise", components=["SSO", "Audit"])
    store.create_project("OPS", "Operations")
    store.create_project("WEB", "Web app")
    store.create_issue("STRAT", "2026-Q4 strategy: drift reports", issue_type="Task", created=now - 40 * DAY)
    count = 1
    for project, titles, total in (("GROW", _GROW, 52), ("ENT", _ENT, 38), ("OPS", _OPS, 34), ("WEB", _WEB, 46)):
        epic: str | None = None
        for index, spec in enumerate(_issues(project, titles, rng, count=total)):
            number = index + 1
            if (project, number) in {("GROW", 12), ("ENT", 3), ("WEB", 9)}:
                created = store.create_issue(project, f"Epic: {spec.title}", issue_type="Epic", status="In Progress")
                epic = created.key
                count += 1
                continue
            issue_type = "Bug" if "fail" in spec.title.lower() or "wrong" in spec.title.lower() else "Story"
            components = _components(project, spec.title)
            resolved = now - spec.done_days * DAY if spec.done_days else None
            store.create_issue(
                project,
                spec.title,
                issue_type=issue_type,
                status=_JIRA_STATUS[spec.state],
                story_points=spec.estimate,
                labels=spec.labels,
                components=components,
                epic=epic if epic and number % 3 == 0 else None,
                created=resolved or now - spec.age_days * DAY,
                resolutiondate=resolved,
            )
            count += 1
    store.create_issue(
        "GROW", "Wire the upgrade button", issue_type="Sub-task", parent="GROW-2", story_points=1, status="In Progress"
    )
    store.create_issue(
        "OPS", "Write the failover runbook", issue_type="Sub-task", parent="OPS-5", story_points=2, status="In Progress"
    )
    store.edit_labels("WEB-3", add=["objective:enterprise-readiness"])
    store.edit_labels("WEB-17", add=["objective:reliability"])
    return count + 2 + _real_life_jira(store, now=now)


def _real_life_jira(store: JiraStore, *, now: datetime) -> int:
    """What real sites hold and the seeded issues do not: declined work, a description with line breaks
    and a mention, and an estimate field holding a select list's value instead of a number."""
    store.create_issue(
        "GROW",
        "Dark mode for invoices",
        status="Won't Do",
        story_points=5,
        created=now - 30 * DAY,
        resolutiondate=now - 4 * DAY,
    )
    store.create_issue(
        "GROW",
        "Checkout fails for VAT companies (again)",
        issue_type="Bug",
        status="Done",
        resolution="Duplicate",
        story_points=3,
        created=now - 6 * DAY,
        resolutiondate=now - 5 * DAY,
    )
    field_report = store.create_issue(
        "WEB",
        "Report from the sales call",
        status="In Progress",
        created=now - 3 * DAY,
        description=_FIELD_REPORT,
    )
    store.corrupt(field_report.key, **{store.project_by_key("WEB").story_points_field: {"value": "3"}})
    return 3


_FIELD_REPORT = {
    "type": "doc",
    "version": 1,
    "content": [
        {
            "type": "paragraph",
            "content": [
                {"type": "text", "text": "Raised by "},
                {"type": "mention", "attrs": {"id": "557058:0e1d2c3b-demo", "text": "@Dana Ortiz"}},
                {"type": "text", "text": " after the call:"},
                {"type": "hardBreak"},
                {"type": "text", "text": "the pricing page"},
                {"type": "hardBreak"},
                {"type": "text", "text": "checkout loses the coupon"},
            ],
        }
    ],
}


def _components(project: str, title: str) -> tuple[str, ...]:
    lowered = title.lower()
    if project == "GROW":
        return ("Billing",) if "invoice" in lowered or "billing" in lowered else ()
    if project == "ENT":
        return ("SSO",) if "sso" in lowered or "saml" in lowered else ("Audit",) if "audit" in lowered else ()
    return ()


def add_demo_account(ws: LinearWorkspace) -> None:
    """syncd's own account in the emulated workspace, with the demo's API key."""
    bot = ws.add_user("Sync Bot", email="syncd@acme.example", admin=True)
    ws.add_api_key(user=bot, token=DEMO_LINEAR_KEY)


def seed_linear(ws: LinearWorkspace, *, now: datetime) -> int:
    """Acme's Linear: teams GRO, ENG and INF, projects and initiatives, ENG-1 for the report."""
    rng = random.Random(2027)  # noqa: S311 - reproducible demo data
    add_demo_account(ws)
    for key, name in (("ENG", "Engineering"), ("GRO", "Growth"), ("INF", "Infrastructure")):
        ws.add_team(key, name, cycles=key == "ENG")
    for name in ("bug", "pricing", "incident", "customer-reported"):
        ws.add_label(name)
    area = ws.add_label_group("Area")
    for name in ("Frontend", "Backend", "Infra"):
        ws.add_label(name, group=area)
    objective = ws.add_label_group("Objective")
    ws.add_label("self-serve-growth", group=objective)
    self_serve = ws.add_initiative("Self-serve", description="Buy without talking to sales.")
    enterprise = ws.add_initiative("Enterprise", description="Pass security reviews.")
    projects = {
        "GRO": ws.add_project("Checkout revamp", teams=["GRO"], initiatives=[self_serve]),
        "ENG": ws.add_project("SAML SSO", teams=["ENG"], initiatives=[enterprise]),
    }
    warehouse = ws.add_project("Warehouse migration", teams=["INF"])
    sprint = ws.add_cycle("ENG", starts_at=now - 7 * DAY, ends_at=now + 7 * DAY)
    ws.add_issue(
        "ENG", "Strategy drift report", description="syncd posts its drift report here.", created_at=now - 40 * DAY
    )
    count = 1
    for team, titles, total in (("GRO", _GRO, 30), ("ENG", _ENG, 44), ("INF", _INF, 26)):
        for index, spec in enumerate(_issues(team, titles, rng, count=total)):
            labels = list(spec.labels)
            if "incident" in spec.title.lower() or "outage" in spec.title.lower():
                labels.append("incident")
            if "regression" in spec.title.lower():
                labels.append("bug")
            when = now - (spec.done_days or spec.age_days) * DAY
            ws.add_issue(
                team,
                spec.title,
                state=_LINEAR_STATE[spec.state],
                estimate=spec.estimate,
                labels=labels,
                project=projects.get(team) if index % 4 == 0 else None,
                cycle=sprint if team == "ENG" and spec.state in ("todo", "in_progress", "in_review") else None,
                created_at=when,
            )
            count += 1
    for title, state, days in (
        ("Move nightly jobs off the old database", "Done", 33),
        ("Schema for the events tables", "Done", 45),
        ("Backfill two years of events", "Backlog", 30),
        ("Retire the old reporting database", "Todo", 30),
    ):
        ws.add_issue("INF", title, state=state, estimate=3, project=warehouse, created_at=now - days * DAY)
        count += 1
    for title, state, estimate in (("Gift cards", "Canceled", 5), ("Okta group sync (duplicate)", "Duplicate", 3)):
        ws.add_issue(
            "GRO" if state == "Canceled" else "ENG", title, state=state, estimate=estimate, created_at=now - 8 * DAY
        )
        count += 1
    ws.edit_labels("ENG-7", add=["self-serve-growth"])
    return count
