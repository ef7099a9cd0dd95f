"""Statistics reports: what nurses booked and instructors recorded, read back as suppressed aggregates."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from conftest import add_worker
from support import bearer, free_slots, login

from sotesilta.core.kernel.plugins import hookimpl
from sotesilta.core.kernel.plugins.manager import PluginError, load_plugins
from sotesilta.core.statistics.domain.reports import (
    GroupBy,
    Measure,
    ReportDefinition,
    TableSpec,
    Title,
    buckets,
)
from sotesilta.core.statistics.service.data import read_counts

REPORT = "/api/v1/statistics/reports"


def book(client, nurse, slot_id: int) -> dict:  # type: ignore[no-untyped-def,type-arg]
    body = {
        "slot_id": slot_id,
        "reasons": ["life_situation"],
        "client": {"name": "Asiakas", "age": 40},
        "existing_relationship": "unknown",
    }
    response = client.post("/api/v1/bookings", json=body, headers=nurse)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
def espoo_year(client, scheduling, clock, make_user):  # type: ignore[no-untyped-def]
    """Eight staff referrals in March 2026: six realised, one no-show, one cancelled, one moved."""
    make_user("espoo.manager", ["manager"], ["049"])
    nurse = bearer(login(client, "espoo.nurse"))
    slots = free_slots(client, nurse, scheduling.station_id)
    booked = [book(client, nurse, slot["slot_id"]) for slot in slots[:8]]
    cancelled = client.post(
        f"/api/v1/bookings/{booked[7]['id']}/cancel", json={"reason": "client phoned"}, headers=nurse
    )
    assert cancelled.status_code == 200, cancelled.text
    moved = client.post(
        f"/api/v1/bookings/{booked[6]['id']}/reschedule", json={"slot_id": slots[9]["slot_id"]}, headers=nurse
    )
    assert moved.status_code == 201, moved.text
    clock.advance(days=17)  # Thursday 19 March: every visit has been
    instructor = bearer(login(client, "espoo.instructor"))
    for n, booking in enumerate([*booked[:6], moved.json()]):
        body = {"booking_id": booking["id"], "outcome": "no_show" if n == 6 else "realised"}
        if n < 6:
            body |= {
                "topic": "housing" if n < 5 else "debt",
                "referrals": [{"target": "kela", "mode": "concrete"}],
            }
        response = client.post("/api/v1/visits", json=body, headers=instructor)
        assert response.status_code in (200, 201), response.text
    return bearer(login(client, "espoo.manager"))


def test_the_counts_follow_the_bookings_visits_and_cancellations(runtime, espoo_year):
    with runtime.uow() as uow:
        counts = read_counts(uow, ["049"], buckets(2026, 2026, GroupBy.YEAR), set(Measure))
    assert dict(counts[Measure.STAFF_REFERRALS][0]) == {"staff": 8}  # the move is the same referral
    # the moved booking is neither a cancellation nor a second visit
    assert dict(counts[Measure.VISITS_BY_OUTCOME][0]) == {"realised": 6, "no_show": 1, "cancelled": 1}
    assert dict(counts[Measure.CLIENTS_BY_REFERRER][0]) == {"staff": 6}
    assert dict(counts[Measure.TOPICS][0]) == {"housing": 5, "debt": 1}
    assert dict(counts[Measure.ONWARD_REFERRALS][0]) == {"kela": 6}


def test_staff_referrals_count_who_reported_the_need_not_who_booked(runtime, client, scheduling):
    """The referrer (Kanta's "palvelutarpeen ilmoittaja") decides: an instructor's booking for
    a client sent by staff counts, a nurse's booking for a client who came of their own accord
    does not."""
    nurse = bearer(login(client, "espoo.nurse"))
    instructor = bearer(login(client, "espoo.instructor"))
    slots = free_slots(client, nurse, scheduling.station_id)
    for headers, slot, referrer in ((instructor, slots[0], "staff"), (nurse, slots[1], "self")):
        body = {
            "slot_id": slot["slot_id"],
            "reasons": ["life_situation"],
            "client": {"name": "Asiakas", "age": 40},
            "referrer": referrer,
        }
        response = client.post("/api/v1/bookings", json=body, headers=headers)
        assert response.status_code == 201 and response.json()["referrer"] == referrer, response.text
    with runtime.uow() as uow:
        counts = read_counts(uow, ["049"], buckets(2026, 2026, GroupBy.YEAR), {Measure.STAFF_REFERRALS})
    assert dict(counts[Measure.STAFF_REFERRALS][0]) == {"staff": 1}


def test_a_manager_reads_the_report_with_small_numbers_suppressed(client, espoo_year):
    response = client.get(
        f"{REPORT}/espoo-guidance", params={"municipality": "049", "year": 2026}, headers=espoo_year
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["scope"] == "municipality 049" and report["group_by"] == "month"
    tables = {t["key"]: t for t in report["tables"]}
    assert [r["period"] for r in tables["visits"]["rows"]][:3] == ["2026-01", "2026-02", "2026-03"]
    march = tables["visits"]["rows"][2]["cells"]
    # 1 no-show and 1 cancellation are hidden; the total of 8 is shown, so neither can be derived
    assert march == {"realised": 6, "no_show": "<5", "late_cancellation": 0, "cancelled": "<5", "total": 8}
    assert tables["visits"]["total"]["total"] == 8
    assert tables["referrals"]["rows"][2]["cells"] == {"staff": 8, "total": 8}
    # 5 housing and 1 debt: the lone small cell takes the other with it
    assert tables["topics"]["total"]["housing"] == "<5" and tables["topics"]["total"]["debt"] == "<5"
    assert tables["topics"]["total"]["total"] == 6
    assert {c["key"] for c in tables["topics"]["columns"]} >= {"housing", "debt", "income"}


def test_year_over_year_sets_the_previous_year_beside(client, espoo_year):
    response = client.get(
        f"{REPORT}/espoo-guidance",
        params={"municipality": "049", "year": 2026, "group_by": "year", "compare": "true"},
        headers=espoo_year,
    )
    table = {t["key"]: t for t in response.json()["tables"]}["referrals"]
    assert table["previous"] == {"staff": 0, "total": 0}
    assert table["change"]["staff"] is None  # no change can be computed from zero


def test_imported_history_adds_to_the_months_before_the_system(client, espoo_year, runtime):
    from sotesilta.core.statistics.service.history import import_history

    text = "month,measure,category,value\n2025-03,staff_referrals,staff,11\n2025-04,visits_by_outcome,realised,7\n"
    with runtime.uow() as uow:
        result = import_history(
            uow,
            municipality="049",
            text=text,
            source="espoo.csv",
        )
    assert result.lines == 2
    response = client.get(
        f"{REPORT}/espoo-guidance",
        params={"municipality": "049", "year": 2026, "group_by": "year", "compare": "true"},
        headers=espoo_year,
    )
    table = {t["key"]: t for t in response.json()["tables"]}["referrals"]
    assert table["previous"]["staff"] == 11 and table["total"]["staff"] == 8
    assert table["change"]["staff"] == pytest.approx((8 - 11) / 11)
    # importing a corrected file replaces, never doubles
    with runtime.uow() as uow:
        import_history(
            uow,
            municipality="049",
            text="month,measure,category,value\n2025-03,staff_referrals,staff,12\n",
            source="espoo-fixed.csv",
        )
    again = client.get(
        f"{REPORT}/espoo-guidance",
        params={"municipality": "049", "year": 2025, "group_by": "year"},
        headers=espoo_year,
    ).json()
    assert {t["key"]: t for t in again["tables"]}["referrals"]["total"]["staff"] == 12


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("month,measure,value\n", "header"),
        ("month,measure,category,value\n2025-13,staff_referrals,staff,1\n", "line 2: month"),
        ("month,measure,category,value\n2025-01,rehab_outcomes,x,1\n", "line 2: measure"),
        ("month,measure,category,value\n2025-01,topics,Housing!,1\n", "line 2: category"),
        ("month,measure,category,value\n2025-01,topics,housing,-1\n", "line 2: value"),
        ("month,measure,category,value\n2025-01,topics,housing,1\n2025-01,topics,housing,2\n", "line 3"),
        # a category its measure does not have would be a column of its own, added to the totals
        (
            "month,measure,category,value\n2025-01,topics,housing,1\n2025-01,topics,nonsense,2\n",
            "line 3: 'nonsense'",
        ),
        ("month,measure,category,value\n2025-01,visits_by_outcome,realized,1\n", "line 2: 'realized'"),
    ],
)
def test_a_bad_history_file_is_refused_whole_naming_the_line(runtime, text, needle):
    from sqlalchemy import func, select

    from sotesilta.core.kernel.errors import InputInvalid
    from sotesilta.core.statistics.service.history import import_history
    from sotesilta.core.statistics.tables import StatisticHistory

    with runtime.uow() as uow, pytest.raises(InputInvalid, match=needle):
        import_history(
            uow,
            municipality="049",
            text=text,
            source="x",
        )
    with runtime.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(StatisticHistory)) == 0


def test_csv_download_has_every_cell_as_shown(client, espoo_year):
    response = client.get(
        f"{REPORT}/espoo-guidance",
        params={"municipality": "049", "year": 2026, "format": "csv", "language": "sv"},
        headers=espoo_year,
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0] == ["tabell", "period", "kategori", "kategorins namn", "värde"]
    lines = {(r[0], r[1], r[2]): r[4] for r in rows[1:]}
    assert lines[("visits", "2026-03", "realised")] == "6"
    assert lines[("visits", "2026-03", "no_show")] == "<5"
    assert lines[("visits", "2026", "total")] == "8"
    assert ("topics", "2026", "housing") in lines


def test_the_excel_csv_has_the_same_cells_with_semicolons_and_decimal_commas(client, espoo_year):
    def rows(fmt: str, delimiter: str) -> list[list[str]]:
        params = {"municipality": "049", "year": 2026, "format": fmt, "language": "fi", "compare": "true"}
        response = client.get(f"{REPORT}/espoo-guidance", params=params, headers=espoo_year)
        assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
        return list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=delimiter))

    comma, semicolon = rows("csv", ","), rows("csv-semicolon", ";")
    assert len(comma) == len(semicolon) > 10
    assert all(len(r) == 5 for r in semicolon)  # split into columns, not one column of text
    assert [r[:4] for r in comma] == [r[:4] for r in semicolon]
    assert [r[4].replace(".", ",") for r in comma] == [r[4] for r in semicolon]
    assert not any("." in r[4] for r in semicolon[1:])


def test_the_statistics_page_offers_excels_csv_in_finnish_and_swedish(client, espoo_year):
    from page_support import sign_in

    sign_in(client, "espoo.manager")
    page = client.get("/statistics?year=2026").text
    assert "format=csv-semicolon" in page and "Lataa luvut Exceliin (CSV)" in page
    client.cookies.set("sotesilta_lang", "en")
    assert "format=csv-semicolon" not in client.get("/statistics?year=2026").text


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_every_table_draws_as_a_chart(client, espoo_year, fmt):
    report = client.get(
        f"{REPORT}/espoo-guidance", params={"municipality": "049", "year": 2026}, headers=espoo_year
    )
    for table in report.json()["tables"]:
        params = {"municipality": "049", "year": 2026, "format": fmt, "compare": "true"}
        response = client.get(
            f"{REPORT}/espoo-guidance/charts/{table['key']}", params=params, headers=espoo_year
        )
        assert response.status_code == 200, response.text
        if fmt == "png":
            assert (
                response.headers["content-type"] == "image/png"
                and response.content[:8] == b"\x89PNG\r\n\x1a\n"
            )
        else:
            assert response.headers["content-type"].startswith("image/svg+xml")
            svg = ET.fromstring(response.content)
            assert svg.tag.endswith("svg")
            text = response.content.decode()
            assert table["title"]["fi"].split(",")[0] in text  # labels stay text
        again = client.get(
            f"{REPORT}/espoo-guidance/charts/{table['key']}", params=params, headers=espoo_year
        )
        assert again.content == response.content  # the same table draws the same file


def test_every_chart_the_listing_offers_draws(client, espoo_year):
    """A table the listing names with a chart answers one; feedback lists none (its answers are
    in the report's feedback part, by form and question) and its chart is not found."""
    listed = client.get(REPORT, headers=espoo_year).json()
    params = {"municipality": "049", "year": 2026}
    offered = {}
    for summary in listed:
        if "049" in summary["municipalities"]:
            for table in summary["tables"]:
                offered[(summary["key"], table["key"])] = table["chart"]
    assert offered[("espoo-guidance", "feedback")] is None
    assert any(chart is not None for chart in offered.values())
    for (key, table), chart in offered.items():
        response = client.get(f"{REPORT}/{key}/charts/{table}", params=params, headers=espoo_year)
        assert response.status_code == (200 if chart else 404), (key, table, response.text)


def test_a_chart_says_when_figures_are_left_out(client, espoo_year):
    params = {"municipality": "049", "year": 2026, "format": "svg", "language": "en"}
    hidden = client.get(f"{REPORT}/espoo-guidance/charts/visits", params=params, headers=espoo_year)
    assert "Figures under 5 are left out." in hidden.text
    shown = client.get(f"{REPORT}/espoo-guidance/charts/referrals", params=params, headers=espoo_year)
    assert "left out" not in shown.text


def test_who_may_read_which_report(client, espoo_year, make_user, scheduling):
    listed = client.get(REPORT, headers=espoo_year).json()
    # the county's standard report is listed too: read for her own municipality only
    assert [r["key"] for r in listed] == ["espoo-guidance", "lansi-uusimaa-guidance"]
    make_user("lohja.manager", ["manager"], ["444"])
    lohja = bearer(login(client, "lohja.manager"))
    assert [r["key"] for r in client.get(REPORT, headers=lohja).json()] == [
        "lansi-uusimaa-guidance",
        "lohja-guidance",
    ]
    other = client.get(
        f"{REPORT}/espoo-guidance", params={"municipality": "049", "year": 2026}, headers=lohja
    )
    assert other.status_code == 404 and other.json()["type"].startswith("/problems/")
    nurse = bearer(login(client, "espoo.nurse"))
    assert client.get(REPORT, headers=nurse).status_code == 403
    wrong_key = client.get(
        f"{REPORT}/lohja-guidance", params={"municipality": "049", "year": 2026}, headers=espoo_year
    )
    assert wrong_key.status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"municipality": "049"},
        {"municipality": "049", "year": 1999},
        {"municipality": "049", "year": 2026, "through_year": 2025},
        {"municipality": "049", "year": 2000, "through_year": 2030},
        {"municipality": "049", "year": 2026, "group_by": "week"},
        {"year": 2026},
        {"municipality": "049", "county": "03", "year": 2026},
        {"municipality": "049", "year": 2026, "format": "xlsx"},
    ],
)
def test_bad_report_queries_get_problem_details(client, espoo_year, params):
    response = client.get(f"{REPORT}/espoo-guidance", params=params, headers=espoo_year)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_unknown_chart_table_is_not_found(client, espoo_year):
    params = {"municipality": "049", "year": 2026}
    response = client.get(f"{REPORT}/espoo-guidance/charts/nothing", params=params, headers=espoo_year)
    assert response.status_code == 404 and response.json()["errors"][0]["field"] == "table"


def test_the_county_reads_rehabilitation_against_its_targets(client, runtime, make_user):
    make_user(
        "ph.manager",
        ["manager"],
        [p.code for p in runtime.plugins.municipalities.all() if p.county.code == "09"],
    )
    manager = bearer(login(client, "ph.manager"))
    assert [r["key"] for r in client.get(REPORT, headers=manager).json()] == ["paijat-hame-rehabilitation"]
    response = client.get(
        f"{REPORT}/paijat-hame-rehabilitation",
        params={"county": "09", "year": 2026, "group_by": "quarter"},
        headers=manager,
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["scope"] == "county 09" and len(report["municipalities"]) == 10
    targets = {t["key"]: t for t in report["tables"]}["targets"]
    assert targets["targets"] == {
        "mean_change_of_mean": 0.25,
        "useful_yes_share": 1.0,
        "goals_yes_share": 1.0,
    }
    assert [r["period"] for r in targets["rows"]] == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    chart = client.get(
        f"{REPORT}/paijat-hame-rehabilitation/charts/targets",
        params={"county": "09", "year": 2026, "format": "svg", "language": "en"},
        headers=manager,
    )
    assert chart.status_code == 200 and "target" in chart.text


class _ExtraReport:
    @hookimpl
    def sotesilta_register_statistics_reports(self, register):  # type: ignore[no-untyped-def]
        register(
            ReportDefinition(
                key="raasepori-guidance",
                title=Title("Raasepori", "Raseborg", "Raseborg"),
                municipalities=("710",),
                tables=(TableSpec("visits", Measure.VISITS_BY_OUTCOME, Title("Käynnit", "Besök", "Visits")),),
            )
        )


def test_hook_sotesilta_register_statistics_reports():
    plugins = load_plugins(extra=[("extra-report", _ExtraReport())])
    assert plugins.reports.get("raasepori-guidance") is not None
    assert plugins.reports.for_municipalities(["710"])[0].key == "raasepori-guidance"

    class Duplicate:
        @hookimpl
        def sotesilta_register_statistics_reports(self, register):  # type: ignore[no-untyped-def]
            register(plugins.reports.get("espoo-guidance"))

    with pytest.raises(PluginError, match="espoo-guidance"):
        load_plugins(extra=[("duplicate-report", Duplicate())])


def test_report_buckets_are_helsinki_months_across_daylight_saving(runtime):
    """A visit at 00:30 local on 1 April (summer time) or 1 November (winter time) is in that month."""
    from sqlalchemy import select

    from sotesilta.core.scheduling.tables import WorkerBusy
    from sotesilta.core.statistics.service.data import bucket_of

    instants = [
        datetime(2026, 3, 31, 21, 30, tzinfo=UTC),  # 1 April 00:30 EEST
        datetime(2026, 3, 31, 20, 59, tzinfo=UTC),  # 31 March 23:59 EEST
        datetime(2026, 10, 31, 22, 30, tzinfo=UTC),  # 1 November 00:30 EET
        datetime(2026, 10, 31, 21, 59, tzinfo=UTC),  # 31 October 23:59 EET
        datetime(2026, 3, 29, 1, 30, tzinfo=UTC),  # the spring-forward morning
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),  # the repeated autumn hour
    ]
    months = buckets(2026, 2026, GroupBy.MONTH)
    bounds = [b.starts_at for b in months] + [months[-1].ends_at]
    worker_id = add_worker(runtime, None, "049", "W", "fi")
    with runtime.uow() as uow:
        for at in instants:
            uow.session.add(
                WorkerBusy(worker_id=worker_id, starts_at=at, ends_at=at.replace(year=2027), source="t")
            )
        uow.session.flush()
        rows = uow.session.execute(
            select(WorkerBusy.starts_at, bucket_of(WorkerBusy.starts_at, bounds)).order_by(WorkerBusy.id)
        ).all()
    labels = [months[index].label for _, index in rows]
    assert labels == ["2026-04", "2026-03", "2026-11", "2026-10", "2026-03", "2026-10"]


def _visits_total(client, manager) -> dict:  # type: ignore[no-untyped-def,type-arg]
    response = client.get(
        f"{REPORT}/espoo-guidance",
        params={"municipality": "049", "year": 2026, "group_by": "year"},
        headers=manager,
    )
    assert response.status_code == 200, response.text
    return {t["key"]: t for t in response.json()["tables"]}["visits"]["total"]


def test_a_closed_month_is_counted_once_and_again_when_it_changes(client, espoo_year, clock, runtime):
    from sqlalchemy import select, update

    from sotesilta.core.scheduling.tables import Booking
    from sotesilta.core.statistics.service import rollup as statistics_rollup
    from sotesilta.core.statistics.tables import StatisticRollupMonth, StatisticRollupState
    from sotesilta.core.visits.tables import Visit

    clock.advance(days=52)  # 10 May: March is closed
    manager = bearer(login(client, "espoo.manager"))
    assert _visits_total(client, manager)["realised"] == 6
    with runtime.uow() as uow:
        counted = dict(
            uow.session.execute(select(StatisticRollupMonth.month, StatisticRollupMonth.refreshed_at)).all()
        )
    assert {m.month for m in counted} == {1, 2, 3, 4}  # May is still open
    clock.advance(minutes=5)
    assert _visits_total(client, manager)["realised"] == 6
    with runtime.uow() as uow:
        again = dict(
            uow.session.execute(select(StatisticRollupMonth.month, StatisticRollupMonth.refreshed_at)).all()
        )
    assert again == counted  # nothing changed, nothing counted again

    # an instructor corrects a March visit in May: March is counted again
    instructor = bearer(login(client, "espoo.instructor"))
    with runtime.uow() as uow:
        booking_id = uow.session.scalar(
            select(Visit.booking_id).where(Visit.outcome == "realised").order_by(Visit.id).limit(1)
        )
    corrected = client.post(
        "/api/v1/visits", json={"booking_id": booking_id, "outcome": "no_show"}, headers=instructor
    )
    assert corrected.status_code in (200, 201), corrected.text
    total = _visits_total(client, manager)
    assert total["realised"] == 5 and total["total"] == 8

    # a change committed late, its timestamp a little before the last check, is still seen
    with runtime.uow() as uow:
        checked = uow.session.scalar(select(StatisticRollupState.checked_at))
        uow.session.execute(
            update(Visit)
            .where(Visit.booking_id == booking_id)
            .values(outcome="realised", recorded_at=checked - statistics_rollup.SETTLE / 2)
        )
        uow.commit()
    assert _visits_total(client, manager)["realised"] == 6
    # one older than the settling time is not: that is what stats-rebuild is for
    with runtime.uow() as uow:
        uow.session.execute(
            update(Visit)
            .where(Visit.booking_id == booking_id)
            .values(outcome="no_show", recorded_at=checked - 2 * statistics_rollup.SETTLE)
        )
        uow.session.execute(
            update(Booking)
            .where(Booking.id == booking_id)
            .values(updated_at=checked - 2 * statistics_rollup.SETTLE)
        )
        uow.commit()
    assert _visits_total(client, manager)["realised"] == 6
    with runtime.uow() as uow:
        assert statistics_rollup.rebuild(uow) == 4
    assert _visits_total(client, manager)["realised"] == 5


def test_client_feedback_flows_into_the_report_without_a_link_to_anyone(client, espoo_year, runtime):
    from sqlalchemy import select

    from sotesilta.core.visits.tables import Visit

    nurse = bearer(login(client, "espoo.nurse"))
    with runtime.uow() as uow:
        realised = list(uow.session.scalars(select(Visit.booking_id).where(Visit.outcome == "realised")))
    for n, booking_id in enumerate(realised[:5]):
        url = client.get(f"/api/v1/bookings/{booking_id}", headers=nurse).json()["instructions"][
            "feedback_url"
        ]
        path = "/api/v1/feedback/forms/" + url.rsplit("/", 1)[1]
        answers = {"useful": "yes" if n < 4 else "no", "overall": 5 - (n % 2), "comments": f"Kiitos {n}"}
        sent = client.post(
            path, json={"form_key": "lansi_uusimaa_client_visit", "version": 1, "answers": answers}
        )
        assert sent.status_code == 201, sent.text
    params = {"municipality": "049", "year": 2026, "group_by": "year"}
    report = client.get(f"{REPORT}/espoo-guidance", params=params, headers=espoo_year).json()
    form = {f["form_key"]: f for f in report["feedback"]}["lansi_uusimaa_client_visit"]
    assert form["responses"] == 5 and form["audience"] == "client_visit"
    questions = {q["key"]: q for q in form["questions"]}
    # 4 yes and 1 no: both small, with the total of 5 shown
    assert questions["useful"]["counts"] == {"yes": "<5", "partly": 0, "no": "<5", "total": 5}
    assert questions["overall"]["mean"] == pytest.approx((5 + 4 + 5 + 4 + 5) / 5)
    assert sorted(questions["comments"]["texts"]) == [f"Kiitos {n}" for n in range(5)]
    assert all(set(f) >= {"form_key", "questions"} and "booking" not in str(f) for f in report["feedback"])
    # the texts are for managers; an instructor reads the numbers only
    instructor = bearer(login(client, "espoo.instructor"))
    theirs = client.get(f"{REPORT}/espoo-guidance", params=params, headers=instructor).json()
    assert {f["form_key"]: f for f in theirs["feedback"]}["lansi_uusimaa_client_visit"]["questions"][-1][
        "texts"
    ] == []
    csv_text = client.get(
        f"{REPORT}/espoo-guidance", params={**params, "format": "csv"}, headers=espoo_year
    ).text
    assert "feedback:lansi_uusimaa_client_visit,2026,useful=total," in csv_text


def test_local_codes_are_the_municipalitys_own_in_forms_and_reports(plugins):
    codes = plugins.code_lists
    assert "ohjaamo" in codes.codes("referral_target", "049") and "ohjaamo" not in codes.codes(
        "referral_target", "444"
    )
    assert "transport" in codes.codes("topic", "444") and "transport" not in codes.codes("topic", "049")
    assert plugins.municipalities.get("049").closing_days.closed_on_midsummer_eve


def test_a_local_topic_becomes_a_column_of_that_municipalitys_report_only(client, runtime, make_user):
    make_user("lohja.manager", ["manager"], ["444"])
    make_user("espoo.manager", ["manager"], ["049"])
    params = {"year": 2026, "group_by": "year"}
    lohja = bearer(login(client, "lohja.manager"))
    report = client.get(
        f"{REPORT}/lohja-guidance", params={**params, "municipality": "444"}, headers=lohja
    ).json()
    topics = {t["key"]: t for t in report["tables"]}["topics"]
    assert "transport" in [c["key"] for c in topics["columns"]]
    espoo = bearer(login(client, "espoo.manager"))
    report = client.get(
        f"{REPORT}/espoo-guidance", params={**params, "municipality": "049"}, headers=espoo
    ).json()
    assert "transport" not in [c["key"] for c in {t["key"]: t for t in report["tables"]}["topics"]["columns"]]
