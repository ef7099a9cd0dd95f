"""Every hook specification has a test and a documented section (like datasette's meta-tests)."""

from __future__ import annotations

import inspect
import re

import pytest
from support import REPO_ROOT

from sotesilta.core.kernel.plugins import hookspecs

HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if name.startswith("sotesilta_") and inspect.isfunction(value)
)


def test_hookspecs_are_found():
    assert "sotesilta_register_municipalities" in HOOKS and len(HOOKS) >= 5


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_test(hook):
    sources = "\n".join(p.read_text() for p in (REPO_ROOT / "tests").rglob("test_*.py"))
    assert f"def test_hook_{hook}(" in sources, f"write tests/...::test_hook_{hook}"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    docs = (REPO_ROOT / "docs" / "plugins.md").read_text()
    assert re.search(rf"^### {hook}$", docs, re.MULTILINE), f"add a '### {hook}' section to docs/plugins.md"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_states_what_to_return(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook)) or ""
    assert "return" in doc.lower(), f"{hook}'s docstring must say what to return"


def test_docs_document_no_hook_that_does_not_exist():
    docs = (REPO_ROOT / "docs" / "plugins.md").read_text()
    documented = set(re.findall(r"^### (sotesilta_\w+)$", docs, re.MULTILINE))
    assert documented == set(HOOKS)
