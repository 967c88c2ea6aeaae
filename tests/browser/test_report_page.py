"""The HTML report in a real headless browser: at a phone's and a laptop's width nothing runs off the page
and no label is cut, measured in the page itself; screenshots are kept in ``.artifacts/browser/``.

The browser is Debian's chromium (``apt-get install chromium``; ``.ci/run`` installs it), driven by
Playwright, which is told where it is and never downloads one of its own. Without a browser the tests are
skipped with the reason, except under ``CI=true``, where a missing browser fails them.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from syncd.render import render
from syncd.strategy import Strategy
from tests.conftest import REPO
from tests.support.report_example import report

ARTIFACTS = REPO / ".artifacts" / "browser"
CHROMIUM = os.environ.get("SYNCD_TEST_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDTHS = (360, 390, 1280, 1600)

#: every element whose words must be seen whole: inside the viewport and not cut by its own box
_MEASURE = """() => {
  for (const details of document.querySelectorAll('details')) details.open = true;
  const width = document.documentElement.clientWidth;
  const problems = [];
  const selector = 'h1,h2,h3,p,li,summary,td,th,.name,.figure,.axis span,.card,.badge,.headline,.legend span,' +
    '.plot .y,svg.bars,svg.lines';
  for (const el of document.querySelectorAll(selector)) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    const head = el.closest('thead');
    if (head && getComputedStyle(head).position === 'absolute') continue;  // read out, not shown
    const what = el.tagName.toLowerCase() + (el.className && el.className.baseVal === undefined ?
      '.' + el.className : '') + ' "' + (el.textContent || '').trim().slice(0, 40) + '"';
    if (box.left < -0.5 || box.right > width + 0.5) problems.push('outside the page: ' + what);
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'auto')
      problems.push('cut: ' + what);
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, problems};
}"""


def _playwright() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    return sync_playwright


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI needs the browser tests: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    start = _playwright()
    if start is None:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium)")
    with start() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def _pages(strategy: Strategy) -> dict[str, str]:
    """The golden report, and one with names and figures at their longest."""
    golden = report(strategy)
    long_name = "Make every enterprise customer's single-sign-on rollout boring, audited and reversible"
    stretched = tuple(
        dataclasses.replace(o, name=f"{o.name} — {long_name}", drift=o.drift * 4) for o in golden.overall.objectives
    )
    overall = dataclasses.replace(golden.overall, objectives=stretched)
    return {
        "golden": render(golden, "html"),
        "long-names": render(dataclasses.replace(golden, overall=overall), "html"),
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_the_report_fits_the_screen_with_every_label_whole(
    browser: Any, example_strategy: Strategy, width: int
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, html in _pages(example_strategy).items():
        page = browser.new_page(viewport={"width": width, "height": 900})
        try:
            page.route(
                "**/*", lambda route: route.abort() if not route.request.url.startswith("data:") else route.continue_()
            )
            page.set_content(html, wait_until="load")
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
            measured = page.evaluate(_MEASURE)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}-open.png"), full_page=True)
        finally:
            page.close()
        assert measured["scrollWidth"] <= measured["width"], (
            f"{name} at {width} px is {measured['scrollWidth']} px wide"
        )
        assert measured["problems"] == [], f"{name} at {width} px"


def test_the_report_prints_every_section(browser: Any, example_strategy: Strategy) -> None:
    page = browser.new_page()
    try:
        page.set_content(render(report(example_strategy), "html"), wait_until="load")
        shown = "() => [...document.querySelectorAll('details.section table')].map(t => t.checkVisibility())"
        on_screen = page.evaluate(shown)
        page.emulate_media(media="print")
        printed = page.evaluate(shown)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.pdf(path=str(ARTIFACTS / "golden.pdf"))
    finally:
        page.close()
    assert on_screen, "the page has folded sections"
    assert not any(on_screen), "folded on screen"
    assert all(printed), "printed open"
