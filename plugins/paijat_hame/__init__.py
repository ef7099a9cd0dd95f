"""Päijät-Häme (county 09): intensive social rehabilitation for young adults.

After a fixed-term decision by client guidance, a period of at most six months
with several contacts a week; 8 social instructors and 2 psychiatric nurses.
"""

from __future__ import annotations

from sotesilta.core import plugin_api as api
from sotesilta.plugins.paijat_hame.feedback import rehab_feedback

#: one unit serves all ten municipalities of the county
UNIT = api.UnitProfile(
    "ph-sosiaalisen-kuntoutuksen-yksikko",
    "Päijät-Hämeen sosiaalisen kuntoutuksen yksikkö",
    "Päijänne-Tavastlands enhet för social rehabilitering",
)
COUNTY = api.CountyProfile(
    "09", "Päijät-Hämeen hyvinvointialue", "Päijänne-Tavastlands välfärdsområde", units=(UNIT,)
)
YOUNG_ADULTS = api.AgeGroup(18, 29)
#: at most six months, several contacts a week; a worker may open a period for
#: a client just outside 18-29 when they record why (the model "has no client criteria")
INTENSIVE_REHAB = api.RehabPolicy(
    max_months=6,
    age_groups=(YOUNG_ADULTS,),
    weekly_contact_target=2,
    age_exception_allowed=True,
    days_without_contact_alert=10,
    follow_up_months=6,
)

# (code, Finnish name, Swedish name) — Statistics Finland's classification.
MUNICIPALITIES = (
    ("398", "Lahti", "Lahtis"),
    ("111", "Heinola", "Heinola"),
    ("576", "Padasjoki", "Padasjoki"),
    ("016", "Asikkala", "Asikkala"),
    ("316", "Kärkölä", "Kärkölä"),
    ("098", "Hollola", "Hollola"),
    ("081", "Hartola", "Gustav Adolfs"),
    ("560", "Orimattila", "Orimattila"),
    ("142", "Iitti", "Itis"),
    ("781", "Sysmä", "Sysmä"),
)

REHAB_UNIT = api.StationProfile(
    key="ph-sosiaalinen-kuntoutus",
    name_fi="Sosiaalisen kuntoutuksen yksikkö",
    name_sv="Enheten för social rehabilitering",
    address="Lahti",
    booking_mode=api.BookingMode.BOOKED,
    kind=api.StationKind.SOCIAL_CARE_UNIT,
)

PROFILES = tuple(
    api.MunicipalityProfile(
        code=code,
        name_fi=fi,
        name_sv=sv,
        county=COUNTY,
        age_groups=(YOUNG_ADULTS,),
        rehab=INTENSIVE_REHAB,
        stations=(REHAB_UNIT,) if code == "398" else (),
    )
    for code, fi, sv in MUNICIPALITIES
)
CODES = [code for code, _, _ in MUNICIPALITIES]

# Fictional demo staff: 8 social instructors and 2 psychiatric nurses.
DEMO_WORKERS = (
    ("Paula Ohjaaja (demo)", "social_instructor"),
    ("Pekka Ohjaaja (demo)", "social_instructor"),
    ("Pia Ohjaaja (demo)", "social_instructor"),
    ("Petri Ohjaaja (demo)", "social_instructor"),
    ("Piia Ohjaaja (demo)", "social_instructor"),
    ("Paavo Ohjaaja (demo)", "social_instructor"),
    ("Pirjo Ohjaaja (demo)", "social_instructor"),
    ("Pasi Ohjaaja (demo)", "social_instructor"),
    ("Päivi Sairaanhoitaja (demo)", "psychiatric_nurse"),
    ("Pentti Sairaanhoitaja (demo)", "psychiatric_nurse"),
)


@api.hookimpl
def sotesilta_register_municipalities(register: api.MunicipalityRegister) -> None:
    for profile in PROFILES:
        register(profile)


@api.hookimpl
def sotesilta_register_feedback_forms(register: api.FeedbackFormRegister) -> None:
    # the client feedback that workers enter on a period (submitPeriodFeedback)
    register(rehab_feedback(CODES))


REPORT = api.ReportDefinition(
    key="paijat-hame-rehabilitation",
    title=api.Title(
        "Nuorten aikuisten intensiivinen sosiaalinen kuntoutus",
        "Intensiv social rehabilitering för unga vuxna",
        "Intensive social rehabilitation of young adults",
    ),
    municipalities=tuple(CODES),
    county="09",
    tables=(
        api.TableSpec(
            "outcomes",
            api.Measure.REHAB_OUTCOMES,
            api.Title("Jaksot ja tulokset", "Perioder och resultat", "Periods and outcomes"),
            api.ChartKind.BARS,
            columns=("periods_started", "periods_ended", "measured_pairs", "feedback_answers"),
        ),
        api.TableSpec(
            "targets",
            api.Measure.REHAB_OUTCOMES,
            api.Title(
                "3X10D-muutos ja tyytyväisyys tavoitteisiin nähden",
                "3X10D-förändring och nöjdhet mot målen",
                "3X10D change and satisfaction against targets",
            ),
            api.ChartKind.TARGETS,
            columns=("mean_change_of_mean", "useful_yes_share", "goals_yes_share"),
        ),
        api.TableSpec(
            "intensity",
            api.Measure.REHAB_OUTCOMES,
            api.Title("Kontakteja viikossa", "Kontakter per vecka", "Contacts per week"),
            api.ChartKind.BARS,
            columns=("contacts_per_week",),
        ),
        api.standard_table(api.Measure.FEEDBACK),
    ),
)


@api.hookimpl
def sotesilta_register_statistics_reports(register: api.StatisticsReportRegister) -> None:
    register(REPORT)


@api.hookimpl
def sotesilta_load_demo(demo: api.DemoBuilder) -> None:
    unit = [REHAB_UNIT.key]
    demo.user(
        username="ph.guidance",
        display_name="Paula Ohjaaja (demo)",
        roles=["instructor"],
        municipalities=CODES,
        station_keys=unit,
    )
    for display_name, title in DEMO_WORKERS:
        demo.worker(
            display_name=display_name,
            title=title,
            languages=["fi"],
            unit=UNIT.key,
            municipalities=CODES,
            stations=unit,
            username="ph.guidance" if display_name.startswith("Paula") else None,
        )
    demo.user(
        username="ph.nurse",
        display_name="Hanna Hoitaja (demo)",
        roles=["health_staff"],
        municipalities=CODES,
        station_keys=unit,
    )
    demo.user(
        username="ph.manager",
        display_name="Pirkko Esihenkilö (demo)",
        roles=["manager"],
        municipalities=CODES,
    )
    demo.user(
        username="ph.admin", display_name="Paavo Ylläpitäjä (demo)", roles=["admin"], municipalities=CODES
    )
    # a year and a half of fictional periods, so the outcome report has something to show
    demo.rehab_history(username="ph.guidance", municipality="398", clients=36)
