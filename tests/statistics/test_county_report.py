"""The county's standard report: the county's figures and each municipality's on the same measures."""

from __future__ import annotations

import csv
import io

import pytest
from support import bearer, login

from sotesilta.core.statistics.service.history import import_history

REPORT = "/api/v1/statistics/reports/lansi-uusimaa-guidance"
HISTORY = {
    # Espoo 30 staff referrals, Lohja 3: Lohja's 3 would be the county's 33 minus Espoo's 30
    "049": "2025-03,staff_referrals,staff,30\n2025-03,visits_by_outcome,realised,20\n"
    "2025-03,visits_by_outcome,cancelled,6\n2025-03,topics,housing,12\n",
    "444": "2025-03,staff_referrals,staff,3\n2025-03,clients_by_referrer,staff,12\n"
    "2025-05,clients_by_referrer,self,9\n2025-03,visits_by_outcome,realised,21\n"
    "2025-03,visits_by_outcome,cancelled,2\n2025-03,topics,housing,8\n",
}


@pytest.fixture
def county_manager(client, runtime, make_user):  # type: ignore[no-untyped-def]
    for code, lines in HISTORY.items():
        with runtime.uow() as uow:
            import_history(
                uow, municipality=code, text="month,measure,category,value\n" + lines, source=f"{code}.csv"
            )
    make_user("lu.manager", ["manager"], ["049", "444"])
    return bearer(login(client, "lu.manager"))


def _read(client, headers, **params):  # type: ignore[no-untyped-def]
    return client.get(
        REPORT, params={"county": "03", "year": 2025, "group_by": "year", **params}, headers=headers
    )


def test_the_county_report_breaks_every_table_down_by_municipality(client, county_manager):
    response = _read(client, county_manager)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["scope"] == "county 03" and report["municipalities"] == ["049", "444"]
    tables = {t["key"]: t for t in report["tables"]}
    assert set(tables) == {"referrals", "clients", "visits", "topics", "onward"}
    referrals = tables["referrals"]
    # the county total stays, and Lohja's 3 takes Espoo's 30 with it: no subtraction gives it away
    assert referrals["total"] == {"staff": 33, "total": 33}
    assert [(r["municipality"], r["name"]["fi"], r["cells"]) for r in referrals["breakdown"]] == [
        ("049", "Espoo", {"staff": "<5", "total": "<5"}),
        ("444", "Lohja", {"staff": "<5", "total": "<5"}),
    ]
    visits = {r["municipality"]: r["cells"] for r in tables["visits"]["breakdown"]}
    # Lohja's 2 cancellations hide Espoo's 6 (their column), and each row then hides its other figure
    assert visits == {
        "049": {"realised": "<5", "no_show": 0, "late_cancellation": 0, "cancelled": "<5", "total": 26},
        "444": {"realised": "<5", "no_show": 0, "late_cancellation": 0, "cancelled": "<5", "total": 23},
    }
    assert tables["visits"]["total"] == {
        "realised": 41,
        "no_show": 0,
        "late_cancellation": 0,
        "cancelled": 8,
        "total": 49,
    }
    clients = {r["municipality"]: r["cells"] for r in tables["clients"]["breakdown"]}
    assert clients["049"] == {"staff": 0, "self": 0, "total": 0} and clients["444"]["total"] == 21
    # every shown municipality figure adds up with the others to the shown county figure
    for table in tables.values():
        for column, total in table["total"].items():
            cells = [r["cells"][column] for r in table["breakdown"]]
            if isinstance(total, int) and all(isinstance(c, int) for c in cells):
                assert sum(cells) == total


def test_a_municipality_report_has_no_breakdown(client, county_manager):
    response = client.get(REPORT, params={"municipality": "444", "year": 2025}, headers=county_manager)
    assert response.status_code == 200, response.text
    assert all(t["breakdown"] == [] for t in response.json()["tables"])


def test_only_a_manager_of_every_municipality_of_the_county_reads_it_county_wide(
    client, county_manager, make_user
):
    make_user("lohja.manager", ["manager"], ["444"])
    lohja = bearer(login(client, "lohja.manager"))
    refused = _read(client, lohja)
    assert refused.status_code == 404 and refused.json()["errors"][0]["field"] == "county"
    assert _read(client, lohja, county="09").status_code == 404
    assert client.get(REPORT, params={"municipality": "444", "year": 2025}, headers=lohja).status_code == 200
    assert _read(client, county_manager, county="3x").status_code == 404


def test_the_csv_has_each_municipalitys_lines(client, county_manager):
    response = _read(client, county_manager, format="csv", language="fi")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert ["visits/444", "2025", "realised", "Toteutunut", "<5"] in rows
    assert ["visits/444", "2025", "total", "Yhteensä", "23"] in rows
    assert ["referrals/049", "2025", "staff", "Terveydenhuollon ammattilainen", "<5"] in rows
    assert ["referrals", "2025", "total", "Yhteensä", "33"] in rows


def test_the_shared_feedback_form_is_compared_across_the_county(client, county_manager, runtime):
    from sotesilta.core.demo.builder import DemoLoader

    loader = DemoLoader(
        uow_factory=runtime.uow,
        now=runtime.clock.now(),
        password_for=lambda _username: "unused-password",
        reset_passwords=False,
        registry=runtime.plugins.municipalities,
        plugins=runtime.plugins,
        sealer=runtime.sealer,
    )
    loader.feedback(form_key="lansi_uusimaa_client_visit", municipality="444", responses=30, seed=1)
    loader.feedback(form_key="lansi_uusimaa_client_visit", municipality="049", responses=3, seed=2)
    loader.feedback(form_key="lohja_client_visit", municipality="444", responses=12, seed=3)  # the old form
    year = runtime.clock.now().year
    report = _read(client, county_manager, year=year - 1, through_year=year).json()
    forms = {(f["form_key"], f["version"]): f for f in report["feedback"]}
    shared = forms[("lansi_uusimaa_client_visit", 1)]
    # one version, answered in both municipalities, read as one; Espoo's 3 hide Lohja's 30 with them
    assert shared["responses"] == 33 and shared["by_municipality"] == {"049": "<5", "444": "<5"}
    # the retired form's answers keep their version and are not mixed in
    old = forms[("lohja_client_visit", 1)]
    assert old["responses"] == 12 and old["by_municipality"] == {"049": 0, "444": 12}
    assert ("espoo_client_visit", 1) not in forms  # retired and unanswered: not listed
