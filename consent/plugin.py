"""Built-in plugin: consent records, the consent policy and the access log.

This folder is the ``sotesilta.consent`` package: the consent scopes, the
consent policy that named consultations and information exchange ask, the
hash-chained access log every use of client data writes to, their API
routes and pages (``web_routes``), and ``sotesilta audit`` commands.
"""

from __future__ import annotations

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from sotesilta.consent import audit, policy
from sotesilta.core.plugin_api import (
    AccessEvent,
    BackgroundTaskRegister,
    CodeListRegister,
    CommandRegister,
    ConsentDecision,
    ConsentQuery,
    RouteRegister,
    hookimpl,
)

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


@hookimpl
def sotesilta_record_access(connection: Connection, event: AccessEvent) -> None:
    audit.append(connection, event)


@hookimpl
def sotesilta_register_background_tasks(register: BackgroundTaskRegister) -> None:
    # PostgreSQL's entries are written unchained: each server process offers to chain them
    # (one at a time, by an advisory lock); SQLite chains in place and finds none
    register("access-log-chainer", audit.chain_pending, audit.CHAIN_INTERVAL_S)


@hookimpl
def sotesilta_consent_decision(session: Session, query: ConsentQuery) -> ConsentDecision:
    return policy.decide(session, query)


@hookimpl
def sotesilta_register_commands(register: CommandRegister) -> None:
    from sotesilta.consent.commands import audit_group

    register(audit_group)


@hookimpl
def sotesilta_register_routes(register: RouteRegister) -> None:
    from sotesilta.consent import web_routes
    from sotesilta.consent.routes import ROUTES

    for route in ROUTES:
        register(route)
    register(web_routes.pages())
