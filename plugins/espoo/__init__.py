"""Espoo (049): social guidance at five health stations, booked only.

One social instructor serves five stations in a roughly two-week rotation;
health staff book the time for their patient during their own appointment.
Target group: working-age adults.
"""

from __future__ import annotations

from sotesilta.core import plugin_api as api
from sotesilta.plugins.espoo.feedback import FORMS as FEEDBACK_FORMS

UNIT = api.UnitProfile(
    "espoo-sosiaaliohjaus",
    "Espoon aikuissosiaalityö, sosiaaliohjaus terveysasemilla",
    "Esbo vuxensocialarbete, social handledning på hälsostationerna",
)
COUNTY = api.CountyProfile(
    "03", "Länsi-Uudenmaan hyvinvointialue", "Västra Nylands välfärdsområde", units=(UNIT,)
)


def _station(key: str, fi: str, sv: str, area: str) -> api.StationProfile:
    # Demo addresses name the district only; a deployment loads the real ones.
    return api.StationProfile(
        key=f"espoo-{key}",
        name_fi=fi,
        name_sv=sv,
        address=f"{area}, Espoo",
        address_sv=f"{area}, Esbo",
        booking_mode=api.BookingMode.BOOKED,
    )


ESPOO = api.MunicipalityProfile(
    code="049",
    name_fi="Espoo",
    name_sv="Esbo",
    county=COUNTY,
    age_groups=(api.AgeGroup(18, 64),),
    # stations close on the statutory holidays and on Midsummer Eve and Christmas Eve
    closing_days=api.ClosingDayPolicy(closed_on_midsummer_eve=True, closed_on_christmas_eve=True),
    stations=(
        _station("keskus", "Espoon keskuksen terveysasema", "Esbo centrums hälsostation", "Espoon keskus"),
        _station("leppavaara", "Leppävaaran terveysasema", "Alberga hälsostation", "Leppävaara"),
        _station("matinkyla", "Matinkylän terveysasema", "Mattby hälsostation", "Matinkylä"),
        _station("tapiola", "Tapiolan terveysasema", "Hagalunds hälsostation", "Tapiola"),
        _station("kivenlahti", "Kivenlahden terveysasema", "Stensviks hälsostation", "Kivenlahti"),
    ),
)


@api.hookimpl
def sotesilta_register_municipalities(register: api.MunicipalityRegister) -> None:
    register(ESPOO)


@api.hookimpl
def sotesilta_register_code_lists(register: api.CodeListRegister) -> None:
    # Espoo's own onward-referral target: the youth guidance centre, for clients under 30
    register(
        "referral_target",
        "ohjaamo",
        {"fi": "Ohjaamo Espoo", "sv": "Ohjaamo Esbo", "en": "Ohjaamo Espoo (guidance centre for the young)"},
        municipality="049",
    )


@api.hookimpl
def sotesilta_register_feedback_forms(register: api.FeedbackFormRegister) -> None:
    for form in FEEDBACK_FORMS:
        register(form)


#: Espoo's guidance statistics, kept since 2017 (older months are imported from CSV)
REPORT = api.ReportDefinition(
    key="espoo-guidance",
    title=api.Title(
        "Sosiaaliohjaus terveysasemilla, Espoo",
        "Social handledning på hälsostationerna, Esbo",
        "Social guidance at health stations, Espoo",
    ),
    municipalities=("049",),
    tables=tuple(
        api.standard_table(measure)
        for measure in (
            api.Measure.STAFF_REFERRALS,
            api.Measure.VISITS_BY_OUTCOME,
            api.Measure.TOPICS,
            api.Measure.FEEDBACK,
        )
    ),
)


@api.hookimpl
def sotesilta_register_statistics_reports(register: api.StatisticsReportRegister) -> None:
    register(REPORT)


@api.hookimpl
def sotesilta_load_demo(demo: api.DemoBuilder) -> None:
    stations = [s.key for s in ESPOO.stations]
    demo.user(
        username="espoo.nurse",
        display_name="Eeva Hoitaja (demo)",
        roles=["health_staff"],
        municipalities=["049"],
        station_keys=stations[:1],
    )
    demo.user(
        username="espoo.instructor",
        display_name="Elina Ohjaaja (demo)",
        roles=["instructor"],
        municipalities=["049"],
        station_keys=stations,
    )
    demo.worker(
        display_name="Elina Ohjaaja (demo)",
        title="social_instructor",
        languages=["fi", "sv", "en"],
        unit=UNIT.key,
        municipalities=["049"],
        stations=stations,
        username="espoo.instructor",
    )
    demo.user(
        username="espoo.manager",
        display_name="Erkki Esihenkilö (demo)",
        roles=["manager"],
        municipalities=["049"],
    )
    demo.user(
        username="espoo.admin", display_name="Esa Ylläpitäjä (demo)", roles=["admin"], municipalities=["049"]
    )
    # one instructor, five stations, each about every two weeks (lunch 11:30-12)
    for weekday, key, offset in (
        (0, "keskus", 0),
        (2, "leppavaara", 0),
        (4, "matinkyla", 0),
        (1, "tapiola", 1),
        (3, "kivenlahti", 1),
    ):
        demo.session_rule(
            worker="Elina Ohjaaja (demo)",
            station_key=f"espoo-{key}",
            weekday=weekday,
            start="09:00",
            end="15:00",
            interval_weeks=2,
            week_offset=offset,
            breaks=[("11:30", "12:00")],
        )
    # monthly figures kept since 2017, as if imported (see `sotesilta stats-import`)
    demo.statistics_history(
        municipality="049",
        first_year=2017,
        monthly_clients=30,
        measures=["staff_referrals", "visits_by_outcome", "topics"],
    )
    # a year of anonymous answers to the client form and the staff survey
    demo.feedback(form_key="espoo_client_visit", municipality="049", responses=60, seed=49)
    demo.feedback(form_key="espoo_staff_survey", municipality="049", responses=25, seed=50)
