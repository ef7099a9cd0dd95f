"""Helpers of the browser tests (tests/system/browser): where Chromium and axe-core are,
screenshots kept as artifacts, the accessibility scan."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from support import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = REPO_ROOT / "tests" / "system" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = REPO_ROOT / "test-artifacts" / "browser"


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI is set, so the browser tests must run (see .ci/run)")
    pytest.skip(reason)


def screenshot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def assert_accessible(page: Any, name: str) -> None:
    """axe-core on the page as it is: no serious or critical violation (WCAG 2.1 A/AA)."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => await axe.run(document, {runOnly: "
        "{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"
    )
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    ]
    assert not bad, f"{name}: " + "; ".join(report)
    assert result["passes"], "axe ran no checks at all"
    screenshot(page, name)


def focused(page) -> dict:  # type: ignore[no-untyped-def,type-arg]
    return page.evaluate(
        """() => { const e = document.activeElement; const s = getComputedStyle(e);
        return {id: e.id, name: e.getAttribute('name'), type: e.type, tag: e.tagName,
                outline: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth), shadow: s.boxShadow}; }"""
    )


def tab_to(page, wanted, limit: int = 80) -> dict:  # type: ignore[no-untyped-def,type-arg]
    """Press Tab until the focused element is the wanted one; it must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if wanted(element):
            assert element["outline"] != "none" and element["outlineWidth"] >= 2, element
            return element
    raise AssertionError("never reached by the keyboard")
