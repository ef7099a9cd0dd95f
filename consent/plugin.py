"""Built-in plugin: consent records, the consent policy and the access log.

This folder is the ``sotesilta.consent`` package. So far it contributes the
consent scopes; consent records, consultations and the access log arrive with
the consent/privacy issue, through the same hooks.
"""

from __future__ import annotations

from sotesilta.core.plugins import hookimpl
from sotesilta.core.plugins.registry import CodeListRegister

CONSENT_SCOPES: dict[str, dict[str, str]] = {
    "named_consultation": {
        "fi": "Konsultaatio asiakkaan nimellä",
        "sv": "Konsultation med klientens namn",
        "en": "Consultation using the client's name",
    },
    "information_exchange": {
        "fi": "Tietojen vaihto nimetyn organisaation kanssa",
        "sv": "Informationsutbyte med en namngiven organisation",
        "en": "Information exchange with a named organisation",
    },
    "contact_social_care": {
        "fi": "Yhteydenotto sosiaalihuoltoon asiakkaan puolesta",
        "sv": "Kontakt med socialvården för klientens räkning",
        "en": "Contacting social care on the client's behalf",
    },
}


@hookimpl
def sotesilta_register_code_lists(register: CodeListRegister) -> None:
    for code, labels in CONSENT_SCOPES.items():
        register("consent_scope", code, labels)
