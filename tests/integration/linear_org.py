"""A small Linear workspace for the example strategy: teams, projects with initiatives, labels, sub-issues."""

from __future__ import annotations

from syncd.sandbox.linear import LinearWorkspace

ISSUES = 10
API_KEY = "lin_api_contract0000000000000000000000000000"

EXPECTED = {
    "GRO-1": {"objective:self-serve-growth"},
    "GRO-2": {"objective:self-serve-growth", "value:customer-first", "pricing", "customer-reported"},
    "ENG-5": {"objective:reliability", "value:quality", "bug"},
    "ENG-2": {"objective:enterprise-readiness"},
    "ENG-3": {"objective:enterprise-readiness"},
    "INF-1": {"objective:reliability", "incident"},
    "ENG-4": {"alignment:none", "Frontend"},
}


def seed(ws: LinearWorkspace) -> str:
    """The workspace's teams, projects, labels and issues; returns the API key syncd uses."""
    bot = ws.add_user("Sync Bot", email="syncd@acme.example", admin=True)
    ws.add_api_key(user=bot, token=API_KEY)
    for key, name in (("ENG", "Engineering"), ("GRO", "Growth"), ("INF", "Infrastructure"), ("OPS", "Office")):
        ws.add_team(key, name)
    for name in ("bug", "pricing", "incident", "customer-reported"):
        ws.add_label(name)
    area = ws.add_label_group("Area")
    ws.add_label("Frontend", group=area)
    self_serve = ws.add_initiative("Self-serve")
    enterprise = ws.add_initiative("Enterprise")
    ws.add_project("Checkout revamp", teams=["GRO"], initiatives=[self_serve])
    sso = ws.add_project("SAML SSO", teams=["ENG"], initiatives=[enterprise])
    ws.add_project("Warehouse migration", teams=["INF"])
    ws.add_issue("ENG", "Q4 strategy and drift reports", state="Done")  # ENG-1, the report issue
    ws.add_issue("GRO", "Onboarding emails", state="In Progress", estimate=3)  # GRO-1
    ws.add_issue("GRO", "Annual plan pricing", labels=["pricing", "customer-reported"], estimate=2)  # GRO-2
    parent = ws.add_issue("ENG", "Okta integration", project=sso, estimate=5, state="In Progress")  # ENG-2
    ws.add_issue("ENG", "Map SAML attributes", parent=parent, estimate=1)  # ENG-3
    ws.add_issue("INF", "Page load above 2s", labels=["incident"], estimate=2)  # INF-1
    ws.add_issue("ENG", "Tidy the wiki", labels=["Frontend"], state="In Progress")  # ENG-4
    ws.add_issue("INF", "Move dbt models to the warehouse", project="Warehouse migration", estimate=3)  # INF-2
    ws.add_issue("GRO", "Checkout button copy", project="Checkout revamp", estimate=1)  # GRO-3
    ws.add_issue("ENG", "Flaky login test", labels=["bug"], estimate=1)  # ENG-5
    ws.add_issue("OPS", "Office plants", estimate=1)  # OPS-1: a team syncd is not configured for
    return API_KEY
