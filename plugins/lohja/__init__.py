"""Lohja (444): walk-in and booked guidance at the central health station.

Two social instructors take turns on alternate weeks; a client may walk in
without a booking, or health staff book a time together with the patient.
"""

from __future__ import annotations

from sotesilta.core import plugin_api as api
from sotesilta.plugins.lohja.feedback import FORMS as FEEDBACK_FORMS

UNIT = api.UnitProfile(
    "lohja-sosiaaliohjaus",
    "Lohjan sosiaaliohjaus terveysasemalla",
    "Lojo social handledning på hälsostationen",
)
COUNTY = api.CountyProfile(
    "03", "Länsi-Uudenmaan hyvinvointialue", "Västra Nylands välfärdsområde", units=(UNIT,)
)

LOHJA = api.MunicipalityProfile(
    code="444",
    name_fi="Lohja",
    name_sv="Lojo",
    county=COUNTY,
    # adult social work: every adult; the municipality may narrow this
    age_groups=(api.AgeGroup(18, 120),),
    # the municipality's choice for the two eves that are not statutory holidays
    closing_days=api.ClosingDayPolicy(closed_on_midsummer_eve=True, closed_on_christmas_eve=True),
    stations=(
        api.StationProfile(
            key="lohja-keskusta",
            name_fi="Lohjan keskustan terveysasema",
            name_sv="Lojo centrums hälsostation",
            address="Keskusta, Lohja",
            booking_mode=api.BookingMode.BOTH,
        ),
    ),
)


@api.hookimpl
def sotesilta_register_municipalities(register: api.MunicipalityRegister) -> None:
    register(LOHJA)


@api.hookimpl
def sotesilta_register_code_lists(register: api.CodeListRegister) -> None:
    # a topic that comes up often in a rural municipality
    register(
        "topic",
        "transport",
        {
            "fi": "Asiointi ja liikkuminen",
            "sv": "Ärenden och resor",
            "en": "Getting around and running errands",
        },
        municipality="444",
    )


@api.hookimpl
def sotesilta_register_feedback_forms(register: api.FeedbackFormRegister) -> None:
    for form in FEEDBACK_FORMS:
        register(form)


REPORT = api.ReportDefinition(
    key="lohja-guidance",
    title=api.Title(
        "Sosiaaliohjaus Lohjan keskustan terveysasemalla",
        "Social handledning på Lojo centrums hälsostation",
        "Social guidance at Lohja central health station",
    ),
    municipalities=("444",),
    tables=tuple(
        api.standard_table(measure)
        for measure in (
            api.Measure.CLIENTS_BY_REFERRER,
            api.Measure.VISITS_BY_OUTCOME,
            api.Measure.TOPICS,
            api.Measure.ONWARD_REFERRALS,
            api.Measure.FEEDBACK,
        )
    ),
)


@api.hookimpl
def sotesilta_register_statistics_reports(register: api.StatisticsReportRegister) -> None:
    register(REPORT)


@api.hookimpl
def sotesilta_load_demo(demo: api.DemoBuilder) -> None:
    station = ["lohja-keskusta"]
    demo.user(
        username="lohja.nurse",
        display_name="Liisa Hoitaja (demo)",
        roles=["health_staff"],
        municipalities=["444"],
        station_keys=station,
    )
    for number, name in ((1, "Laura Ohjaaja (demo)"), (2, "Lauri Ohjaaja (demo)")):
        username = f"lohja.instructor{number}"
        demo.user(
            username=username,
            display_name=name,
            roles=["instructor"],
            municipalities=["444"],
            station_keys=station,
        )
        demo.worker(
            display_name=name,
            title="social_instructor",
            languages=["fi"],
            unit=UNIT.key,
            municipalities=["444"],
            stations=station,
            username=username,
        )
    demo.user(
        username="lohja.manager",
        display_name="Leena Esihenkilö (demo)",
        roles=["manager"],
        municipalities=["444"],
    )
    demo.user(
        username="lohja.admin",
        display_name="Lasse Ylläpitäjä (demo)",
        roles=["admin"],
        municipalities=["444"],
    )
    # the two instructors take turns on alternate weeks: walk-in in the morning,
    # booked times after lunch
    for offset, name in ((0, "Laura Ohjaaja (demo)"), (1, "Lauri Ohjaaja (demo)")):
        for weekday in (1, 3):
            demo.session_rule(
                worker=name,
                station_key="lohja-keskusta",
                weekday=weekday,
                start="08:30",
                end="15:00",
                interval_weeks=2,
                week_offset=offset,
                breaks=[("11:00", "12:00")],
                walk_in=("08:30", "11:00"),
                walk_in_capacity=6,
            )
    # earlier years' monthly figures, as if imported (see `sotesilta stats-import`)
    demo.statistics_history(
        municipality="444",
        first_year=2021,
        monthly_clients=22,
        measures=["clients_by_referrer", "visits_by_outcome", "topics", "onward_referrals"],
        self_referred_share=0.45,
        seed=44,
    )
    # a year of anonymous answers to the client form and the staff survey
    demo.feedback(form_key="lohja_client_visit", municipality="444", responses=60, seed=444)
    demo.feedback(form_key="lohja_staff_survey", municipality="444", responses=25, seed=445)
