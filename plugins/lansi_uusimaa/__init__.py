"""Länsi-Uusimaa wellbeing services county (03): what is the same in all its municipalities.

The county organises social guidance at health stations in Espoo and Lohja
(and later Vihti, Karkkila and Raasepori): one client feedback form for every
station, one online self-assessment, and one statistics report across its municipalities, with each
municipality's figures on the same measures. The municipalities' own plugins
keep what is theirs (stations, booking modes, age groups, local codes, their
own reports); this plugin names no municipality of its own and covers
whichever of the county's are installed.
"""

from __future__ import annotations

from sotesilta.core import plugin_api as api
from sotesilta.plugins.lansi_uusimaa.feedback import CLIENT_VISIT, COUNTY
from sotesilta.plugins.lansi_uusimaa.self_assessment import SELF_ASSESSMENT

#: the county's municipalities that run the model (Vihti 927, Karkkila 224 and Raasepori 710 join later)
MUNICIPALITIES = ("049", "444")


@api.hookimpl
def sotesilta_register_feedback_forms(register: api.FeedbackFormRegister) -> None:
    register(CLIENT_VISIT)
    register(SELF_ASSESSMENT)  # the online self-assessment (issue 23)


#: the county's standard report: the same measures for every municipality, read county-wide
REPORT = api.ReportDefinition(
    key="lansi-uusimaa-guidance",
    title=api.Title(
        "Sosiaaliohjaus terveysasemilla, Länsi-Uusimaa",
        "Social handledning på hälsostationerna, Västra Nyland",
        "Social guidance at health stations, Länsi-Uusimaa",
    ),
    municipalities=MUNICIPALITIES,
    county=COUNTY,
    tables=tuple(
        api.standard_table(measure)
        for measure in (
            api.Measure.STAFF_REFERRALS,
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
    # a manager of the whole county reads the county-wide report with its breakdown
    demo.user(
        username="lansi-uusimaa.manager",
        display_name="Lotta Aluejohtaja (demo)",
        roles=["manager"],
        municipalities=list(MUNICIPALITIES),
    )
    # a year of anonymous answers to the county's shared form, in both municipalities
    for code, seed in (("049", 349), ("444", 344)):
        demo.feedback(form_key=CLIENT_VISIT.key, municipality=code, responses=40, seed=seed)
