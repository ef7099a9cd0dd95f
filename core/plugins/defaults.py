"""The core's own built-in plugin: the shared code lists of the operating models.

Registered first, like any plugin, so municipalities extend these lists rather
than redefine them.
"""

from __future__ import annotations

from . import hookimpl
from .registry import CodeListRegister

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


@hookimpl
def sotesilta_register_code_lists(register: CodeListRegister) -> None:
    for code, labels in GUIDANCE_REASONS.items():
        register("guidance_reason", code, labels)
    for code, labels in REFERRERS.items():
        register("referrer", code, labels)
