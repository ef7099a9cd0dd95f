"""The issue's acceptance for messages to clients, in a real browser against a real server: a
nurse books with the client's consent to messages by e-mail, a ``sotesilta worker`` process
delivers the confirmation to a real SMTP server (checked: no reason or note in it), moving the
time sends the notice of the move, and the county's admin sees both on the outbox page (scanned
by axe). The reminder's timing, which needs a clock to advance, is tested in-process
(tests/scheduling/test_booking_messages.py)."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from browser_support import assert_accessible
from server_support import SOTESILTA
from smtp_support import SmtpServer, start_server
from support import PASSWORD, TEST_SECRET

pytestmark = pytest.mark.slow

BOOKING = re.compile(r".*/bookings/(\d+)$")
EMAIL = "viestit.asiakas@example.org"


@pytest.fixture(scope="module")
def smtp_server() -> Iterator[SmtpServer]:
    found = start_server()
    yield found
    found.stop()


#: what goes at once (not the reminder or the feedback link, which wait for their moment)
AT_ONCE = ("booking-confirmation", "booking-moved", "booking-cancelled")


def due_now(server) -> None:  # type: ignore[no-untyped-def]
    """Quiet hours (21-08 Helsinki time) hold a client's message till the morning, and this test
    runs at any hour against a server on the real clock: what would go at once in the day is made
    due now (the quiet hours themselves are tested in-process, tests/messages/)."""
    from sqlalchemy import update

    from sotesilta.core.kernel.db import make_engine
    from sotesilta.core.kernel.settings import load_settings
    from sotesilta.core.messages.service.outbox import TABLE

    engine = make_engine(
        load_settings(data_dir=server.data_dir, secret_key=TEST_SECRET).resolved_database_url
    )
    with engine.begin() as connection:
        connection.execute(
            update(TABLE)
            .where(TABLE.c.status == "pending", TABLE.c.kind.in_(AT_ONCE))
            .values(due_at=datetime.now(UTC))
        )
    engine.dispose()


def run_worker(server, smtp_server) -> str:  # type: ignore[no-untyped-def]
    due_now(server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOTESILTA_")} | {
        "SOTESILTA_DATA_DIR": str(server.data_dir),
        "SOTESILTA_SECRET_KEY": TEST_SECRET,
        "SOTESILTA_PUBLIC_BASE_URL": server.base,
        "SOTESILTA_SMTP_HOST": "127.0.0.1",
        "SOTESILTA_SMTP_PORT": str(smtp_server.port),
        "SOTESILTA_SMTP_SECURITY": "none",
        "SOTESILTA_SMTP_SENDER": "no-reply@lansi-uusimaa.example",
    }
    done = subprocess.run(
        [SOTESILTA, "worker", "--once"], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def sign_in(page, username: str, landing: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password").press("Enter")
    page.wait_for_url(f"**{landing}")


def test_a_client_who_agreed_gets_the_confirmation_and_the_notice_of_a_move(browser, server, smtp_server):
    context = browser.new_context(base_url=server.base, locale="fi-FI", bypass_csp=True)
    page = context.new_page()
    sign_in(page, "espoo.nurse", "/book")
    page.locator("#slots input[name=slot_id]").first.check()
    page.locator("input[name=reasons]").first.check()
    page.locator("#client-name").fill("Viestien Asiakas")
    page.locator("#client-age").fill("44")
    page.locator("#note").fill("Toimeentulo huolettaa")
    page.locator("#relationship-no").check()
    page.get_by_label("Asiakas suostui sähköpostiin").check()
    page.get_by_label("Sähköposti (sähköpostiviestejä varten)").fill(EMAIL)
    assert_accessible(page, "axe-book-with-messages")
    page.locator("button.primary").click()
    page.wait_for_url(BOOKING)
    booking = BOOKING.match(page.url)
    assert booking

    assert "1 delivered" in run_worker(server, smtp_server)
    [confirmation] = smtp_server.recorder.messages()
    assert confirmation["To"] == EMAIL and confirmation["Subject"] == "Varattu aikasi"
    text = confirmation.get_content()
    assert "Paikka: Leppävaaran terveysasema" in text and f"{server.base}/c/" in text
    for forbidden in ("Toimeentulo", "Sosiaalipalvelujen kartoitus", "Elina", "sosiaaliohja"):
        assert forbidden not in text

    # the time moves: the notice says the new time, and the old time's reminder is withdrawn
    page.get_by_role("link", name="Siirrä toiseen aikaan").click()
    page.wait_for_url(f"**/bookings/{booking.group(1)}/move")
    assert page.get_by_label("Asiakas suostui sähköpostiin").is_checked()
    page.locator("#slots input[name=slot_id]").nth(1).check()
    page.get_by_role("button", name="Siirrä tähän aikaan").click()
    page.wait_for_url(BOOKING)
    assert "1 delivered" in run_worker(server, smtp_server)
    notice = smtp_server.recorder.messages()[1]
    assert notice["Subject"] == "Aikasi on siirretty" and "Toimeentulo" not in notice.get_content()

    # the county's admin sees both, without what they say
    admin = context.new_page()
    sign_in(admin, "espoo.admin", "/admin")
    admin.get_by_role("link", name="Viestit").click()
    admin.wait_for_url("**/admin/messages")
    rows = admin.locator("table.data tbody tr")
    assert rows.count() >= 2
    assert "ilmoitus siirretystä ajasta" in admin.inner_text("main")
    assert EMAIL not in admin.content() and "Leppävaara" not in admin.inner_text("table.data")
    assert_accessible(admin, "axe-admin-messages")
    context.close()
