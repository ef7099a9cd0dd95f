"""The core's own built-in plugin: the shared code lists of the operating models.

Registered first, like any plugin, so municipalities extend these lists rather
than redefine them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sotesilta.core.kernel.plugins import hookimpl
from sotesilta.core.kernel.plugins.registry import CodeListRegister
from sotesilta.core.kernel.privacy import ConsentDecision, ConsentQuery

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: The shared client definition of Länsi-Uusimaa (Espoo and Lohja seed): staff
#: refer a patient who has one or more of these needs.
GUIDANCE_REASONS: dict[str, dict[str, str]] = {
    "service_mapping": {
        "fi": "Sosiaalipalvelujen kartoitus, palveluneuvonta tai ohjaus",
        "sv": "Kartläggning av socialservice, servicerådgivning eller handledning",
        "en": "Mapping of social services, advice or guidance",
    },
    "life_situation": {
        "fi": "Huoli asumisesta, taloudesta, elämäntilanteesta tai -hallinnasta",
        "sv": "Oro för boende, ekonomi, livssituation eller livshantering",
        "en": "Worry about housing, finances, life situation or its management",
    },
    "everyday_management": {
        "fi": "Puutteita arjen hallinnassa tai toimintakyvyssä",
        "sv": "Brister i vardagshantering eller funktionsförmåga",
        "en": "Gaps in everyday management or functional capacity",
    },
    "rehabilitation_assessment": {
        "fi": "Tarve ohjata kuntoutuksen tai työkyvyn arviointiin",
        "sv": "Behov av hänvisning till bedömning av rehabilitering eller arbetsförmåga",
        "en": "Need for a rehabilitation or work-capacity assessment",
    },
    "loneliness": {
        "fi": "Yksinäisyys tai tekemisen puute",
        "sv": "Ensamhet eller brist på sysselsättning",
        "en": "Loneliness or lack of activity",
    },
    "substance_use": {
        "fi": "Päihteiden käytöstä aiheutuneet elämänhallinnan tai arjen ongelmat",
        "sv": "Problem i livshantering eller vardag orsakade av missbruk",
        "en": "Everyday problems caused by substance use",
    },
}

#: Who reported the service need (after Kanta's "Palvelutarpeen ilmoittaja").
REFERRERS: dict[str, dict[str, str]] = {
    "staff": {
        "fi": "Terveydenhuollon ammattilainen",
        "sv": "Yrkesutbildad person inom hälso- och sjukvården",
        "en": "Health-care professional",
    },
    "self": {"fi": "Asiakas itse", "sv": "Klienten själv", "en": "The client themself"},
}


#: Main topic of the guidance need, recorded with the visit outcome.
TOPICS: dict[str, dict[str, str]] = {
    "income": {"fi": "Toimeentulo ja etuudet", "sv": "Utkomst och förmåner", "en": "Income and benefits"},
    "debt": {
        "fi": "Velat ja talousneuvonta",
        "sv": "Skulder och ekonomisk rådgivning",
        "en": "Debt and money advice",
    },
    "housing": {"fi": "Asuminen", "sv": "Boende", "en": "Housing"},
    "employment": {"fi": "Työ ja opiskelu", "sv": "Arbete och studier", "en": "Work and studies"},
    "work_capacity": {
        "fi": "Työkyky ja kuntoutus",
        "sv": "Arbetsförmåga och rehabilitering",
        "en": "Work capacity and rehabilitation",
    },
    "everyday_life": {"fi": "Arjen hallinta", "sv": "Vardagshantering", "en": "Managing everyday life"},
    "relationships": {
        "fi": "Perhe ja läheissuhteet",
        "sv": "Familj och nära relationer",
        "en": "Family and close relationships",
    },
    "loneliness": {
        "fi": "Yksinäisyys ja osallisuus",
        "sv": "Ensamhet och delaktighet",
        "en": "Loneliness and inclusion",
    },
    "substance_use": {"fi": "Päihteet", "sv": "Missbruk", "en": "Substance use"},
    "mental_wellbeing": {
        "fi": "Mielen hyvinvointi",
        "sv": "Psykiskt välbefinnande",
        "en": "Mental wellbeing",
    },
    "services_mapping": {
        "fi": "Palvelujen kartoitus ja neuvonta",
        "sv": "Kartläggning av service och rådgivning",
        "en": "Mapping services and advice",
    },
}

#: Where the instructor referred the client onward.
REFERRAL_TARGETS: dict[str, dict[str, str]] = {
    "social_services": {
        "fi": "Muut sosiaalipalvelut",
        "sv": "Annan socialservice",
        "en": "Other social services",
    },
    "ngo": {
        "fi": "Järjestöt ja yhdistykset",
        "sv": "Organisationer och föreningar",
        "en": "NGOs and associations",
    },
    "parish": {"fi": "Seurakunta", "sv": "Församling", "en": "Parish"},
    "employment_services": {
        "fi": "Työllisyyspalvelut",
        "sv": "Sysselsättningstjänster",
        "en": "Employment services",
    },
    "kela": {"fi": "Kela", "sv": "FPA", "en": "Kela (Social Insurance Institution)"},
    "mental_health_substance": {
        "fi": "Mielenterveys- ja päihdepalvelut",
        "sv": "Mentalvårds- och missbrukartjänster",
        "en": "Mental-health and substance services",
    },
    "housing_services": {"fi": "Asumispalvelut", "sv": "Boendeservice", "en": "Housing services"},
    "debt_advice": {
        "fi": "Talous- ja velkaneuvonta",
        "sv": "Ekonomi- och skuldrådgivning",
        "en": "Debt advice",
    },
    "health_care": {"fi": "Terveydenhuolto", "sv": "Hälso- och sjukvård", "en": "Health care"},
}


#: neutral labels of our own for the 3X10D item keys: the questionnaire's own
#: texts are a registered work, so a deployment supplies them if licensed
MEASUREMENT_ITEMS = {
    "health": {"fi": "Terveys", "sv": "Hälsa", "en": "Health"},
    "overcoming_difficulties": {
        "fi": "Vaikeuksista selviäminen",
        "sv": "Att klara svårigheter",
        "en": "Getting over difficulties",
    },
    "housing": {"fi": "Asuminen", "sv": "Boende", "en": "Housing"},
    "daily_coping": {"fi": "Arjessa pärjääminen", "sv": "Vardagen", "en": "Day-to-day coping"},
    "family_and_close_ones": {
        "fi": "Perhe ja läheiset",
        "sv": "Familj och närstående",
        "en": "Family and close ones",
    },
    "trusted_friends": {"fi": "Luotetut ystävät", "sv": "Pålitliga vänner", "en": "Trusted friends"},
    "finances": {"fi": "Raha-asiat", "sv": "Ekonomi", "en": "Finances"},
    "own_strengths": {"fi": "Omat vahvuudet", "sv": "Egna styrkor", "en": "Own strengths"},
    "self_esteem": {"fi": "Itsetunto", "sv": "Självkänsla", "en": "Self-esteem"},
    "life_as_a_whole": {"fi": "Elämä kokonaisuutena", "sv": "Livet som helhet", "en": "Life as a whole"},
}
END_REASONS = {
    "completed": {
        "fi": "Jakso päättyi suunnitellusti",
        "sv": "Perioden avslutades som planerat",
        "en": "Completed",
    },
    "goals_reached": {"fi": "Tavoitteet saavutettu", "sv": "Målen uppnådda", "en": "Goals reached"},
    "client_withdrew": {"fi": "Asiakas keskeytti", "sv": "Klienten avbröt", "en": "Client withdrew"},
    "no_engagement": {
        "fi": "Asiakas ei sitoutunut",
        "sv": "Klienten förband sig inte",
        "en": "No engagement",
    },
    "other_service": {
        "fi": "Siirtyi toiseen palveluun",
        "sv": "Övergick till annan tjänst",
        "en": "Other service",
    },
    "moved_away": {"fi": "Muutti pois", "sv": "Flyttade bort", "en": "Moved away"},
    "other": {"fi": "Muu syy", "sv": "Annat skäl", "en": "Other"},
}


@hookimpl
def sotesilta_register_code_lists(register: CodeListRegister) -> None:
    for code, labels in GUIDANCE_REASONS.items():
        register("guidance_reason", code, labels)
    for code, labels in REFERRERS.items():
        register("referrer", code, labels)
    for code, labels in TOPICS.items():
        register("topic", code, labels)
    for code, labels in REFERRAL_TARGETS.items():
        register("referral_target", code, labels)
    for code, labels in MEASUREMENT_ITEMS.items():
        register("measurement_item", code, labels)
    for code, labels in END_REASONS.items():
        register("rehab_end_reason", code, labels)


@hookimpl(trylast=True)
def sotesilta_consent_decision(session: Session, query: ConsentQuery) -> ConsentDecision:
    """Without a plugin that keeps consent records, no consent exists: refused."""
    return ConsentDecision(False, None, f"no consent of scope {query.scope.value} is on record")
