"""The text syncd reads from a Jira Cloud (REST v3) description: every node that shows text, as the ADF
structure defines it (https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/)."""

from __future__ import annotations

from typing import Any

from syncd.connectors.jira_issues import adf_text
from syncd.sandbox.jira.adf import to_wiki


def paragraph(*inline: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(inline)}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def doc(*blocks: dict[str, Any]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": list(blocks)}


HARD_BREAK = {"type": "hardBreak"}


def test_a_hard_break_is_a_line_break() -> None:
    assert adf_text(doc(paragraph(text("Broken on the pricing page"), HARD_BREAK, text("checkout fails")))) == (
        "Broken on the pricing page\ncheckout fails"
    )


def test_inline_nodes_keep_their_text() -> None:
    document = doc(
        paragraph(
            text("Ask "),
            {"type": "mention", "attrs": {"id": "5b10ac8d82e05b22cc7d4ef5", "text": "@Ana Ruiz", "accessLevel": ""}},
            text(" about "),
            {"type": "status", "attrs": {"text": "Blocked", "color": "red", "localId": "a1"}},
            text(" "),
            {"type": "emoji", "attrs": {"shortName": ":warning:", "id": "26a0", "text": "⚠️"}},
            {"type": "emoji", "attrs": {"shortName": ":trial:"}},
            text(" due "),
            {"type": "date", "attrs": {"timestamp": "1764806400000"}},
            text(" see "),
            {"type": "inlineCard", "attrs": {"url": "https://acme.atlassian.net/browse/GROW-12"}},
        )
    )
    assert adf_text(document) == (
        "Ask @Ana Ruiz about Blocked ⚠️:trial: due 2025-12-04 see https://acme.atlassian.net/browse/GROW-12"
    )


def test_expand_titles_and_block_cards_are_text_too() -> None:
    document = doc(
        {
            "type": "expand",
            "attrs": {"title": "Checkout logs"},
            "content": [
                paragraph(text("first")),
                {"type": "nestedExpand", "attrs": {"title": "Upgrade flow"}, "content": [paragraph(text("inner"))]},
            ],
        },
        {"type": "blockCard", "attrs": {"url": "https://example.com/spec"}},
    )
    assert adf_text(document).splitlines() == [
        "Checkout logs",
        "first",
        "Upgrade flow",
        "inner",
        "https://example.com/spec",
    ]


def test_malformed_attributes_are_no_text_rather_than_an_error() -> None:
    document = doc(
        paragraph(
            text("a"),
            {"type": "date", "attrs": {"timestamp": "soon"}},
            {"type": "mention", "attrs": None},
            {"type": "date", "attrs": {"timestamp": True}},
            {"type": "expand"},
        )
    )
    assert adf_text(document) == "a"


def test_the_emulators_data_center_view_keeps_the_same_words() -> None:
    document = doc(
        paragraph(text("page"), HARD_BREAK, text("checkout"), {"type": "date", "attrs": {"timestamp": "0"}}),
        {"type": "expand", "attrs": {"title": "Upgrade flow"}, "content": [paragraph(text("details"))]},
    )
    wiki = to_wiki(document)
    assert "page\ncheckout1970-01-01" in wiki
    assert "Upgrade flow" in wiki
