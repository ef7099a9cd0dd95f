"""New things announce themselves: counts in the menu of every page and on the start page, said
in words for a screen reader ("Konsultaatiot, 1 uusi"), each from one small statement run only
for the roles it concerns. Through the use cases and the pages (both databases)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from conftest import add_worker
from page_support import book, sign_in, token_of
from sqlalchemy import event
from support import bearer, login

from sotesilta.core.kernel.web.news import NEWS_COUNTER
from sotesilta.core.scheduling.service import sessions
from sotesilta.core.work.service import News, news_for

MENU_CONSULTATIONS = re.compile(
    r'<a href="/consultations"(?: aria-current="page")? aria-label="Konsultaatiot, ([^"]+)">'
    r'Konsultaatiot <span class="menu-count" aria-hidden="true">(\d+)</span></a>'
)


def menu_count(text: str) -> tuple[str, str] | None:
    """The consultations' count in the menu: the number seen, and the words the link's name says."""
    found = MENU_CONSULTATIONS.search(text)
    return (found.group(2), found.group(1)) if found else None


def ask(client, scheduling, question: str = "Mihin ohjaan?", **fields) -> int:  # type: ignore[no-untyped-def]
    made = client.post(
        "/api/v1/consultations",
        headers=bearer(login(client, scheduling.nurse.username)),
        json={"municipality": "049", "channel": "chat", "question": question, **fields},
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def answer(client, username: str, consultation_id: int, body: str = "Neuvontaan.") -> None:  # type: ignore[no-untyped-def]
    sign_in(client, username)
    thread = client.get(f"/consultations/{consultation_id}")
    posted = client.post(
        f"/consultations/{consultation_id}/messages",
        data={"_csrf_token": token_of(thread.text), "body": body},
        follow_redirects=False,
    )
    assert posted.status_code == 303


def test_the_nurse_is_told_of_an_answer_until_she_reads_it(client, scheduling):
    consultation_id = ask(client, scheduling)
    sign_in(client, scheduling.nurse.username)
    start = client.get("/book").text
    assert menu_count(start) is None and 'id="news-title"' not in start  # nothing new yet
    answer(client, scheduling.instructor.username, consultation_id)
    sign_in(client, scheduling.nurse.username)
    start = client.get("/book").text
    assert menu_count(start) == ("1", "1 uusi")
    assert '<a href="/consultations">1 konsultaatio, jossa on uutta</a>' in start
    # reading the thread marks it read: that very page already counts it so
    thread = client.get(f"/consultations/{consultation_id}").text
    assert "Neuvontaan." in thread and menu_count(thread) is None
    assert menu_count(client.get("/book").text) is None


def test_the_instructor_is_told_of_a_question_addressed_to_her_until_she_opens_it(client, scheduling):
    ask(client, scheduling, "Ensimmäinen", to_worker_id=scheduling.worker_id)
    second = ask(client, scheduling, "Toinen")  # to nobody: social care's, until someone answers
    sign_in(client, scheduling.instructor.username)
    day = client.get("/work").text
    assert menu_count(day) == ("2", "2 uutta")
    assert '<a href="/consultations">2 konsultaatiota, joissa on uutta</a>' in day
    assert menu_count(client.get(f"/consultations/{second}").text) == ("1", "1 uusi")
    assert menu_count(client.get("/consultations").text) == ("1", "1 uusi")  # the list opens none


def test_an_unaddressed_question_answered_by_a_colleague_is_no_longer_news(
    client, scheduling, runtime, make_user, principal_of
):
    colleague = make_user("espoo.colleague", ["instructor"], ["049"], ["espoo-tapiola"])
    add_worker(runtime, colleague.id, "049", "Kaisa Kollega")
    consultation_id = ask(client, scheduling)
    with runtime.uow() as uow:
        assert news_for(uow, principal_of(scheduling.instructor)) == News(consultations=1)
    answer(client, colleague.username, consultation_id)
    with runtime.uow() as uow:
        assert news_for(uow, principal_of(scheduling.instructor)) == News()
        # ...while the nurse who asked now has an answer to read
        assert news_for(uow, principal_of(scheduling.nurse)) == News(consultations=1)


def test_the_nurses_times_to_rebook_are_counted_in_the_menu_and_on_the_start_page(
    client, scheduling, runtime, principal_of
):
    book(client, scheduling, name="Orpo Asiakas")
    book(client, scheduling, name="Toinen Orpo", index=1)
    with runtime.uow() as uow:
        sessions.record_absence(
            uow,
            principal=principal_of(scheduling.instructor),
            worker_id=scheduling.worker_id,
            starts_at=datetime(2026, 3, 3, 6, tzinfo=UTC),
            ends_at=datetime(2026, 3, 3, 12, tzinfo=UTC),
            reason="sick",
        )
    sign_in(client, scheduling.nurse.username)
    start = client.get("/book").text
    assert (
        '<a href="/orphaned" aria-label="Uudelleen varattavat, 2 odottaa">'
        'Uudelleen varattavat <span class="menu-count" aria-hidden="true">2</span></a>'
    ) in start
    assert '<a href="/orphaned">2 aikaa varattava uudelleen</a>' in start
    client.cookies.set("sotesilta_lang", "sv")
    assert '<a href="/orphaned">2 tider att boka om</a>' in client.get("/book").text


def test_a_manager_gets_no_counts_and_no_statement_is_run(runtime, scheduling, make_user, principal_of):
    manager = principal_of(make_user("espoo.manager", ["manager"], ["049"]))
    statements: list[str] = []
    with runtime.uow() as uow:
        event.listen(uow.connection, "before_cursor_execute", lambda *a: statements.append(a[2]))
        assert news_for(uow, manager) is None
    assert statements == []


@pytest.mark.parametrize(("who", "expected"), [("nurse", 2), ("instructor", 2), ("lohja_nurse", 2)])
def test_each_count_is_one_small_statement(runtime, scheduling, principal_of, client, who, expected):
    """The nurse: consultations and times to rebook; the instructor: consultations and her
    periods (an instructor without periods reads no measurements)."""
    ask(client, scheduling, to_worker_id=scheduling.worker_id)
    principal = principal_of(getattr(scheduling, who))
    statements: list[str] = []
    with runtime.uow() as uow:
        event.listen(uow.connection, "before_cursor_execute", lambda *a: statements.append(a[2]))
        news_for(uow, principal)
    assert len(statements) == expected, statements


def test_a_count_that_fails_leaves_the_menu_without_numbers_and_the_page_served(client, scheduling):
    app = client.app
    counter = app.state[NEWS_COUNTER]

    def broken(uow, principal):  # type: ignore[no-untyped-def]
        raise RuntimeError("the count failed")

    app.state[NEWS_COUNTER] = broken
    try:
        sign_in(client, scheduling.nurse.username)
        page = client.get("/book")
    finally:
        app.state[NEWS_COUNTER] = counter
    assert page.status_code == 200 and "menu-count" not in page.text
