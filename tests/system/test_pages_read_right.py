"""Every page the demo's staff can reach, in Finnish and Swedish, reads as words for people.

The demo is loaded through its use cases; each demo user signs in and follows the links
and the GET forms (each option of each select) of every page they reach, a few pages of
each shape (``/rehab/periods/N``) so that every kind of page is seen. On every page:

- no server error, and every link the page offers answers;
- no code shown as text: period keys (``2026Q4``, ``2026-W34``, ``2025-01``), stored
  values (``booked``, ``social_instructor``), bare municipality codes (``049``) without
  the municipality's name beside them;
- a weekday after a label is not capitalised (``Aika: maanantaina``).

What is technical on purpose (a plugin's entry point for the admin) is marked ``<code>``
and left out.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from urllib.parse import urlencode, urljoin, urlparse

import pytest
from page_support import sign_in
from support import load_demo

from sotesilta.core.kernel.web.i18n import LANGUAGE_COOKIE

pytestmark = pytest.mark.slow

USERS = [
    "espoo.nurse",
    "espoo.instructor",
    "espoo.manager",
    "espoo.admin",
    "lansi-uusimaa.manager",
    "lohja.nurse",
    "lohja.instructor1",
    "lohja.admin",
    "ph.guidance",
    "ph.nurse",
    "ph.manager",
    "ph.admin",
]
#: pages of one shape (digits replaced) visited per user and language
PER_SHAPE = 2
#: pages per user and language, all shapes together
PER_USER = 120
SKIP = ("/logout", "/api/", "/static/", "/feeds/", "/c/", "/schema")

CODES = re.compile(
    r"\b\d{4}Q\d\b"  # a quarter key
    r"|\b\d{4}-W\d\d\b"  # an ISO week key
    r"|\b\d{4}-\d\d(?:-\d\d)?\b"  # an ISO month or day
    r"|\b(?:booked|cancelled|no_show|fulfilled|scheduled|realised|self_referred|staff_referred)\b"
    r"|\b[a-z]+_[a-z_]+\b"  # a stored value (social_instructor, late_cancellation)
)
NUMBER = re.compile(r"(?<![\d.,:/–-])\b\d{3}\b(?![.,:]\d)")
WEEKDAY_AFTER_LABEL = re.compile(
    r":\s+(Maanantai|Tiistai|Keskiviikko|Torstai|Perjantai|Lauantai|Sunnuntai"
    r"|Måndag|Tisdag|Onsdag|Torsdag|Fredag|Lördag|Söndag)"
)


def visible_lines(page: str) -> list[str]:
    """The page's text as a person sees it, line by line (no markup, scripts or code)."""
    text = re.sub(r"(?s)<(script|style|code|title)\b.*?</\1>", " ", page)
    text = re.sub(r"(?s)<!--.*?-->", " ", text)
    text = re.sub(r"(?s)<[^>]+>", "\n", text)
    return [line.strip() for line in html.unescape(text).splitlines() if line.strip()]


def municipality_code_alone(line: str, codes: set[str], names: set[str]) -> bool:
    """A known municipality code with no municipality's name beside it; a figure alone
    (a count in a table) is a code only with its leading zero, which counts never have."""
    if line.isdigit():
        return line.startswith("0") and line in codes
    return any(m.group(0) in codes for m in NUMBER.finditer(line)) and not any(n in line for n in names)


def problems_on(page: str, codes: set[str], names: set[str]) -> list[str]:
    found = []
    for line in visible_lines(page):
        found += [f"code {m.group(0)!r} in {line!r}" for m in CODES.finditer(line)]
        if municipality_code_alone(line, codes, names):
            found.append(f"a municipality code without its name in {line!r}")
        found += [f"capitalised weekday in {line!r}" for _ in WEEKDAY_AFTER_LABEL.finditer(line)]
    return found


def links_of(page: str, here: str) -> list[str]:
    """Same-site GET targets: the links, and each GET form once per option of each select."""
    found = [html.unescape(h) for h in re.findall(r'<a\b[^>]*\bhref="([^"#]+)"', page)]
    for attrs, body in re.findall(r"(?s)<form\b([^>]*)>(.*?)</form>", page):
        if 'method="post"' in attrs.lower():
            continue
        action = re.search(r'action="([^"]*)"', attrs)
        target = html.unescape(action.group(1)) if action and action.group(1) else here.split("?")[0]
        for name, options in re.findall(r'(?s)<select\b[^>]*\bname="([^"]+)"[^>]*>(.*?)</select>', body):
            for value in re.findall(r'<option\b[^>]*\bvalue="([^"]*)"', options):
                found.append(f"{target}?{urlencode({name: html.unescape(value)})}")
    paths = []
    for href in found:
        url = urlparse(urljoin("http://testserver" + here, href))
        if url.netloc != "testserver":
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if path.startswith(SKIP) or path.endswith((".csv", ".ics", ".svg", ".json", ".png")):
            continue
        paths.append(path)
    return paths


def shape(path: str) -> str:
    return re.sub(r"\d+", "N", path)


@pytest.fixture
def demo(runtime):  # type: ignore[no-untyped-def]
    return load_demo(runtime)


def test_the_checks_catch_what_they_are_for():
    # guards the crawl below against checks that can find nothing
    page = (
        "<p>Aika: Maanantaina 7.12.2026</p><p>2026Q4</p><p>vk 2026-W34</p><td>booked</td>"
        "<td>049</td><td>social_instructor</td><code>entry_point</code><p>Espoo (049)</p>"
    )
    found = problems_on(page, {"049"}, {"Espoo"})
    assert len(found) == 6, found
    fine = "<p>Aika: maanantaina 7.12.2026 klo 9.00–9.45, vk 50</p><td>444</td><td>100 %</td>"
    assert problems_on(fine, {"049", "444"}, {"Espoo"}) == []


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_page_the_demo_staff_reach_reads_as_words(runtime, client, demo, language):
    municipalities = runtime.plugins.municipalities.all()
    names = {m.name_fi for m in municipalities} | {m.name_sv for m in municipalities}
    codes = {m.code for m in municipalities}
    assert {u.username for u in demo.users} >= set(USERS)
    failures: dict[str, list[str]] = {}
    visited = 0
    for username in USERS:
        sign_in(client, username)
        client.cookies.set(LANGUAGE_COOKIE, language)
        seen: set[str] = set()
        shapes: Counter[str] = Counter()
        queue = ["/"]
        while queue and len(seen) < PER_USER:
            path = queue.pop(0)
            if path in seen or shapes[shape(path)] >= PER_SHAPE:
                continue
            seen.add(path)
            shapes[shape(path)] += 1
            response = client.get(path)
            if response.status_code >= 400:
                failures.setdefault(f"{username} {path}", []).append(f"answered {response.status_code}")
                continue
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            found = problems_on(response.text, codes, names)
            if found:
                failures[f"{username} {path}"] = found
            queue += [p for p in links_of(response.text, path) if p not in seen]
        visited += len(seen)
    assert not failures, "\n".join(f"{where}: {found[:3]}" for where, found in sorted(failures.items()))
    assert visited > 150, visited  # the crawl reached the pages, not only the start pages
