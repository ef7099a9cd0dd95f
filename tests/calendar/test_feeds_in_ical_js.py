"""Feeds and invitations read right in ical.js, the parser of Thunderbird's code base.

ical.js read only the first date of the multi-valued RDATE line the Europe/Helsinki zone
was written with, and showed every event after the next spring change an hour late. The
zone is now written with yearly rules; here ical.js (from npm, beside axe-core) reads
events on both sides of three years' changes, the change nights included.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import REPO_ROOT

from sotesilta.calendar import serialise
from sotesilta.core.kernel.clock import HELSINKI

SCRIPT = REPO_ROOT / "tests" / "system" / "browser" / "ical_times.mjs"
MODULE = REPO_ROOT / "tests" / "system" / "browser" / "node_modules" / "ical.js"
NODE = shutil.which("node")


def _unavailable() -> str | None:
    if NODE is None:
        return "node is not installed"
    if not MODULE.exists():
        return "ical.js is not installed: npm ci --prefix tests/system/browser"
    return None


@pytest.fixture(scope="module", autouse=True)
def _ical_js() -> None:
    reason = _unavailable()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI must not go green without the check
        pytest.skip(reason)


def read_in_ical_js(body: bytes) -> dict[str, tuple[datetime, datetime]]:
    done = subprocess.run(
        [NODE or "node", str(SCRIPT)], input=body, capture_output=True, check=True, timeout=60
    )
    return {
        e["uid"]: (datetime.fromtimestamp(e["start"], UTC), datetime.fromtimestamp(e["end"], UTC))
        for e in json.loads(done.stdout)
    }


def item(uid: str, start: datetime, hours: float = 1.0) -> serialise.FeedItem:
    return serialise.FeedItem(
        uid=uid,
        sequence=0,
        cancelled=False,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        stamp=datetime(2026, 12, 1, tzinfo=UTC),
        summary="s",
    )


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=HELSINKI).astimezone(UTC)  # type: ignore[misc]


def test_events_around_three_years_of_changes_keep_their_instants():
    moments = {
        "before-spring-2027": local(2027, 3, 27, 10, 0),
        "after-spring-2027": local(2027, 3, 29, 10, 0),  # the case: an hour late before
        "spring-night-2027": local(2027, 3, 28, 4, 30),
        "autumn-2027": local(2027, 10, 31, 12, 0),
        "after-spring-2028": local(2028, 4, 3, 9, 0),
        "winter-2026": local(2026, 12, 10, 9, 0),
        "summer-2026": local(2026, 7, 1, 9, 0),
        "across-autumn-night": local(2027, 10, 31, 2, 30),
    }
    items = [item(uid, start, 2.0) for uid, start in moments.items()]
    read = read_in_ical_js(serialise.assemble("t", items))
    assert read == {i.uid: (i.starts_at, i.ends_at) for i in items}


@settings(max_examples=25, deadline=None)
@given(
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2029, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
    ),
    st.integers(15, 240),
)
def test_any_instant_in_a_feed_is_the_same_instant_in_ical_js(start, minutes):
    one = item("x@sotesilta", start, minutes / 60)
    assert read_in_ical_js(serialise.assemble("t", [one])) == {"x@sotesilta": (one.starts_at, one.ends_at)}
