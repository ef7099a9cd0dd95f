"""Client records: the minimum about a client, sealed at rest.

An identity code is validated, sealed, and indexed by a keyed hash (HMAC):
the whole code space has under 2^27 values, so a plain hash would be
reversible by enumeration. Finding a client by identity code compares keyed
hashes; the code itself is never stored or logged in plain text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Annotated

import msgspec
from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.clients import access as client_access
from sotesilta.core.clients.domain import normalise_phone, parse_identity_code
from sotesilta.core.clients.tables import ClientRecord
from sotesilta.core.kernel import access
from sotesilta.core.kernel.errors import InputInvalid, RecordConflict, RecordNotFound
from sotesilta.core.kernel.principals import Principal, Role
from sotesilta.core.kernel.privacy import AccessAction, AccessReason
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.secrets import keyed_digest
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations.public import Municipality

log = logging.getLogger("sotesilta.clients")


class ClientRecordView(msgspec.Struct, frozen=True, kw_only=True):
    """A client record, opened (createClient, findClientByIdentityCode)."""

    id: int
    county_code: Annotated[
        str, msgspec.Meta(description="the wellbeing services county that keeps the record")
    ]
    municipality_code: Annotated[str, msgspec.Meta(description="the municipality the client lives in")]
    name: str
    identity_code: str | None
    temporary_identity: Annotated[
        bool, msgspec.Meta(description="individual number 900-999: a temporary or test code")
    ]
    phone: str | None
    language: str


def identity_index(index_key: bytes, code: str) -> str:
    return keyed_digest(index_key, f"henkilotunnus:{code}")


def _seal(sealer: Sealer, value: str | None, column: str) -> str | None:
    return sealer.seal_optional(value, context=f"client_record.{column}")


def _view(record: ClientRecord, sealer: Sealer) -> ClientRecordView:
    def open_(value: str | None, column: str) -> str | None:
        return sealer.open_optional(value, context=f"client_record.{column}")

    return ClientRecordView(
        id=record.id or 0,
        county_code=record.county_code,
        municipality_code=record.municipality_code,
        name=open_(record.name, "name") or "",
        identity_code=open_(record.identity_code, "identity_code"),
        temporary_identity=record.temporary_identity,
        phone=open_(record.phone, "phone"),
        language=record.language,
    )


def create_client(
    uow: UnitOfWork,
    *,
    principal: Principal,
    municipality: str,
    name: str,
    identity_code: str | None,
    phone: str | None,
    language: str,
    index_key: bytes,
) -> ClientRecordView:
    sealer, now = uow.sealer, uow.now
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    county = uow.session.scalar(
        select(col(Municipality.county_code)).where(col(Municipality.code) == municipality)
    )
    if county is None or county not in principal.counties:
        raise RecordNotFound(f"no municipality {municipality} in your county", field="municipality")
    if not name.strip() or len(name) > 200:
        raise InputInvalid("name must be 1-200 characters", field="name")
    if language not in ("fi", "sv", "en"):
        raise InputInvalid("language must be fi, sv or en", field="language")
    parsed = parse_identity_code(identity_code) if identity_code else None
    record = ClientRecord(
        county_code=county,
        municipality_code=municipality,
        name=_seal(sealer, name.strip(), "name") or "",
        identity_code=_seal(sealer, parsed.code if parsed else None, "identity_code"),
        identity_index=identity_index(index_key, parsed.code) if parsed else None,
        temporary_identity=bool(parsed and parsed.temporary),
        phone=_seal(sealer, normalise_phone(phone, field="phone") if phone else None, "phone"),
        language=language,
        created_by=principal.user_id,
        created_at=now,
    )
    uow.add_unique(
        record,
        RecordConflict(
            "a client with this identity code is already registered in the county",
            field="identity_code",
        ),
    )
    view = _view(record, sealer)
    access.log_use(uow, principal, AccessAction.CREATE, "client", view.id, view.id)
    uow.commit()
    log.info("client registered", extra={"client_id": view.id, "by": principal.user_id})
    return view


def find_client_by_identity_code(
    uow: UnitOfWork,
    *,
    principal: Principal,
    identity_code: str,
    index_key: bytes,
    reason: AccessReason | None = None,
) -> ClientRecordView:
    """The client of the person's county with this code: by relationship, or with a stated reason.

    Without either the answer is the same whether or not the code is registered;
    only a stated reason learns that it is not (404).
    """
    sealer = uow.sealer
    access.require_role(principal, Role.HEALTH_STAFF, Role.INSTRUCTOR)
    parsed = parse_identity_code(identity_code)
    if reason is not None:
        client_access.check_reason_allowed(principal, reason)
    record = uow.session.scalar(
        select(ClientRecord).where(
            col(ClientRecord.identity_index) == identity_index(index_key, parsed.code),
            col(ClientRecord.county_code).in_(principal.counties),
        )
    )
    if record is None or record.id is None:
        if reason is None:
            raise client_access.reason_required()
        raise RecordNotFound("no client with that identity code in your county")
    opened = client_access.client_access(uow, principal, record.id, reason=reason)
    view = _view(record, sealer)
    access.log_use(
        uow,
        principal,
        AccessAction.SEARCH,
        "client",
        view.id,
        view.id,
        basis=opened.basis,
        reason=opened.reason,
    )
    uow.commit()
    return view


def client_in_scope(uow: UnitOfWork, principal: Principal, client_id: int) -> ClientRecord:
    """A client of the person's county; any other is "not found"."""
    client = uow.session.get(ClientRecord, client_id)
    if client is None or client.county_code not in principal.counties:
        raise RecordNotFound(f"no client {client_id}", field="client_id")
    return client


def opened_client(uow: UnitOfWork, client_id: int) -> ClientRecordView:
    """The client's record, opened, for a use case that has checked its basis and logs the read
    itself (a named consultation's addressee, under the client's consent)."""
    record = uow.session.get(ClientRecord, client_id)
    if record is None:
        raise RecordNotFound(f"no client {client_id}", field="client_id")
    return _view(record, uow.sealer)


def client_names(uow: UnitOfWork, client_ids: Iterable[int]) -> dict[int, str]:
    """The clients' names, opened, in one statement, for a use case that has checked the basis
    of each and logs each read itself (a worker's own clients on her period list)."""
    wanted = sorted(set(client_ids))
    if not wanted:
        return {}
    rows = uow.session.execute(
        select(col(ClientRecord.id), col(ClientRecord.name)).where(col(ClientRecord.id).in_(wanted))
    )
    # primary keys read back are never None
    return {
        int(client_id or 0): uow.sealer.open(name, context="client_record.name") for client_id, name in rows
    }
