"""The manager's statistics page: it opens on the latest year with figures, offers every year
with figures (and no other), and a hidden share never reads as "under 5 %"."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from page_support import sign_in

from sotesilta.core.kernel.web.i18n import template_context
from sotesilta.core.statistics.domain.reports import Measure
from sotesilta.core.statistics.tables import StatisticHistory


@pytest.fixture
def manager(make_user):  # type: ignore[no-untyped-def]
    return make_user("espoo.manager", ["manager"], ["049"])


def imported(runtime, *months: date) -> None:  # type: ignore[no-untyped-def]
    """Figures imported from before the system, for Espoo's months."""
    with runtime.uow() as uow:
        for month in months:
            uow.session.add(
                StatisticHistory(
                    municipality_code="049",
                    month=month,
                    measure=Measure.VISITS_BY_OUTCOME.value,
                    category="realised",
                    value=12,
                    source="espoo-2019.csv",
                    imported_at=datetime(2026, 1, 5, tzinfo=UTC),
                )
            )
        uow.commit()


def offered_years(text: str) -> list[tuple[str, bool]]:
    select = text.split('<select id="year" name="year">', 1)[1].split("</select>", 1)[0]
    return [(y, bool(s)) for y, s in re.findall(r'<option value="(\d{4})"( selected)?>', select)]


def test_the_page_opens_on_the_latest_year_with_figures_and_offers_only_years_with_figures(
    client, runtime, manager
):
    # the clock says March 2026; nothing has happened in 2025 or 2026
    imported(runtime, date(2019, 4, 1), date(2019, 5, 1), date(2021, 11, 1))
    sign_in(client, manager.username)
    page = client.get("/statistics")
    assert page.status_code == 200
    assert offered_years(page.text) == [("2021", True), ("2019", False)]
    assert "<caption>Toteutuneet ja perutut käynnit, Espoo 2021</caption>" in page.text
    # another year asked for is shown and offered beside them
    older = client.get("/statistics?year=2020")
    assert offered_years(older.text) == [("2021", False), ("2020", True), ("2019", False)]


def test_with_no_figures_at_all_the_page_opens_on_this_year(client, manager):
    sign_in(client, manager.username)
    assert offered_years(client.get("/statistics").text) == [("2026", True)]


def test_bookings_of_this_year_make_it_the_latest(client, runtime, scheduling, manager):
    from page_support import book

    imported(runtime, date(2024, 6, 1))
    book(client, scheduling)  # booked on 2 March 2026
    sign_in(client, manager.username)
    assert offered_years(client.get("/statistics").text) == [("2026", True), ("2024", False)]


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_a_hidden_share_reads_as_hidden_and_a_hidden_count_as_under_five(client, language):
    statistics = client.app.template_engine.engine.get_template("statistics.html")
    # the page around the macro, as for a reader with no reports
    context = {**template_context(language), "user": None, "here": "/statistics", "csrf_token": ""}
    context |= {"page_exists": lambda name: False, "screen": SimpleNamespace(chosen=None)}
    macros = statistics.make_module(context)
    for column in ("useful_yes_share", "mean_change_of_mean", "contacts_per_week"):
        shown = str(macros.figure("<5", column))
        assert "&lt;5" not in shown and "<5" not in shown, shown
        assert shown.startswith('<span class="hidden-figure">–<sup aria-hidden="true">*</sup>')
        assert {"fi": "piilotettu: alle viisi henkilöä", "sv": "dold: färre än fem personer"}[
            language
        ] in shown
    count = str(macros.figure("<5", "periods_started"))
    assert "&lt;5</abbr>" in count
    assert str(macros.figure(0.5, "useful_yes_share")).replace("\xa0", " ") == "50 %"
