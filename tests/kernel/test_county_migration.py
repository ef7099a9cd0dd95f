"""Migration 0012 moves municipality-scoped data to the wellbeing services county.

The database is stepped down to 0011 and filled in that revision's shape (a
person registered in Espoo and again in Lohja, both county 03, and once in
Lahti, county 09; consents to municipalities; workers of municipalities;
chained access-log entries), then upgraded. Runs on PostgreSQL too (.ci/run).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, text

from sotesilta.consent import audit
from sotesilta.core.kernel import migrate
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.privacy import AccessAction, AccessBasis, AccessEvent

T1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
T2 = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _rows(connection: Connection, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    return [tuple(r) for r in connection.execute(text(sql)).all()]


def _fill_at_0011(connection: Connection) -> None:
    run = connection.execute
    run(text("INSERT INTO county (code, name_fi, name_sv) VALUES ('03', 'Länsi-Uusimaa', 'Västra Nyland')"))
    run(
        text(
            "INSERT INTO county (code, name_fi, name_sv) VALUES ('09', 'Päijät-Häme', 'Päijänne-Tavastland')"
        )
    )
    for code, county in (("049", "03"), ("444", "03"), ("398", "09"), ("111", "09")):
        run(
            text(
                "INSERT INTO municipality (code, name_fi, name_sv, county_code, plugin) "
                "VALUES (:code, :code, :code, :county, 'p')"
            ),
            {"code": code, "county": county},
        )
    for user_id, name in ((1, "espoo.nurse"), (2, "lohja.nurse"), (3, "ph.guidance")):
        run(
            text(
                "INSERT INTO user_account (id, username, display_name, password_hash, language, active, "
                "created_at) VALUES (:id, :name, :name, 'x', 'fi', true, :at)"
            ),
            {"id": user_id, "name": name, "at": T1},
        )
    run(
        text(
            "INSERT INTO station (id, key, municipality_code, name_fi, name_sv, address, kind, booking_mode, "
            "active) VALUES (1, 'espoo-leppavaara', '049', 'L', 'A', 'Leppävaara', 'health_station', "
            "'booked', true)"
        )
    )
    for worker_id, user_id, code in ((1, None, "049"), (2, None, "444"), (3, 3, "398")):
        run(
            text(
                "INSERT INTO worker (id, user_id, display_name, title, languages, municipality_code) "
                "VALUES (:id, :user, :name, 'social_instructor', 'fi', :code)"
            ),
            {"id": worker_id, "user": user_id, "name": f"W{worker_id}", "code": code},
        )
    # one person: Espoo first, Lohja later (same county), Lahti (another county); one without a code
    for client_id, code, index in (
        (1, "049", "idx-a"),
        (2, "444", "idx-a"),
        (3, "398", "idx-a"),
        (4, "444", None),
    ):
        run(
            text(
                "INSERT INTO client_record (id, municipality_code, name, identity_code, identity_index, "
                "temporary_identity, phone, language, created_by, created_at) "
                "VALUES (:id, :code, 'sealed', NULL, :index, false, NULL, 'fi', 1, :at)"
            ),
            {"id": client_id, "code": code, "index": index, "at": T1},
        )
    for consent_id, client_id, scope, recipient, at in (
        (1, 1, "named_consultation", "049", T1),
        (2, 2, "named_consultation", "444", T2),
        (3, 2, "information_exchange", "Kela", T2),
        (4, 3, "named_consultation", "398", T1),
    ):
        run(
            text(
                "INSERT INTO consent (id, client_id, scope, recipient, given_how, valid_from, recorded_by, "
                "recorded_at) VALUES (:id, :client, :scope, :recipient, 'oral', :at, 1, :at)"
            ),
            {"id": consent_id, "client": client_id, "scope": scope, "recipient": recipient, "at": at},
        )
    run(
        text(
            "INSERT INTO consultation (id, municipality_code, channel, asked_by, client_id, consent_id, question, "
            "created_at) VALUES (1, '444', 'phone', 2, 2, 2, 'sealed', :at)"
        ),
        {"at": T2},
    )
    for client_id in (1, 2, 2, 3):
        audit.append(
            connection,
            AccessEvent(
                at=T2,
                user_id=1,
                role="health_staff",
                action=AccessAction.READ,
                subject_type="client",
                subject_id=client_id,
                client_id=client_id,
                basis=AccessBasis.TASK,
            ),
        )


@pytest.fixture
def at_0011(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    migrate.downgrade(engine, "0011_access_log_chain")
    with engine.begin() as connection:
        _fill_at_0011(connection)
    yield engine
    # the shared PostgreSQL test database is emptied by the next test's fixture; leave it at head
    if not migrate.is_up_to_date(engine):
        migrate.upgrade(engine)
    engine.dispose()


def test_one_person_becomes_one_record_per_county_and_nothing_refers_to_the_merged_one(at_0011):
    migrate.upgrade(at_0011)
    with at_0011.connect() as c:
        assert _rows(c, "SELECT id, county_code, municipality_code FROM client_record ORDER BY id") == [
            (1, "03", "049"),  # the oldest record of the person in county 03 stays
            (3, "09", "398"),  # another county keeps its own record
            (4, "03", "444"),
        ]
        assert _rows(c, "SELECT old_id, client_id FROM client_alias") == [(2, 1)]
        assert _rows(c, "SELECT client_id FROM consultation") == [(1,)]
        for table in ("consent", "consultation", "booking", "intensive_period", "service_decision"):
            assert _rows(c, f"SELECT count(*) FROM {table} WHERE client_id = 2") == [(0,)]


def test_consents_name_the_countys_social_care_and_a_doubled_one_ends(at_0011):
    migrate.upgrade(at_0011)
    with at_0011.connect() as c:
        consents = _rows(
            c, "SELECT id, client_id, scope, recipient, withdrawn_at IS NULL FROM consent ORDER BY id"
        )
    assert consents == [
        (1, 1, "named_consultation", "03", False),  # the older of two to the same county ends
        (2, 1, "named_consultation", "03", True),  # the newest stays in force
        (3, 1, "information_exchange", "Kela", True),  # a named organisation stays as it was
        (4, 3, "named_consultation", "09", True),
    ]


def test_workers_join_a_unit_of_their_county_and_serve_their_old_municipality(at_0011):
    migrate.upgrade(at_0011)
    with at_0011.connect() as c:
        units = dict(_rows(c, "SELECT key, county_code FROM service_unit"))
        workers = _rows(
            c,
            "SELECT w.id, w.county_code, u.key, w.active FROM worker w "
            "JOIN service_unit u ON u.id = w.unit_id ORDER BY w.id",
        )
        served = _rows(c, "SELECT worker_id, municipality_code FROM worker_municipality ORDER BY worker_id")
        stations = _rows(c, "SELECT key, county_code, phone, provider FROM station")
    assert units == {"county-03": "03", "county-09": "09"}
    assert workers == [
        (1, "03", "county-03", True),
        (2, "03", "county-03", True),
        (3, "09", "county-09", True),
    ]
    assert served == [(1, "049"), (2, "444"), (3, "398")]
    assert stations == [("espoo-leppavaara", "03", "", "")]


def test_the_access_log_is_left_untouched_and_its_chain_still_verifies(at_0011):
    with at_0011.connect() as c:
        before = _rows(c, "SELECT seq, client_id, entry_hash FROM access_log ORDER BY seq")
    migrate.upgrade(at_0011)
    with at_0011.connect() as c:
        after = _rows(c, "SELECT seq, client_id, entry_hash FROM access_log ORDER BY seq")
    assert after == before and len(after) == 4
    checked = audit.verify(at_0011, Ed25519PrivateKey.generate().public_key())
    assert checked.ok and checked.entries == 4


def test_the_database_refuses_a_client_record_whose_municipality_is_of_another_county(at_0011):
    from sqlalchemy.exc import IntegrityError

    migrate.upgrade(at_0011)
    with pytest.raises(IntegrityError), at_0011.begin() as c:
        c.execute(
            text(
                "INSERT INTO client_record (county_code, municipality_code, name, temporary_identity, language, "
                "created_by, created_at) VALUES ('09', '049', 'sealed', false, 'fi', 1, :at)"
            ),
            {"at": T1},
        )
    with pytest.raises(IntegrityError), at_0011.begin() as c:  # nor a second record of one person
        c.execute(
            text(
                "INSERT INTO client_record (county_code, municipality_code, name, identity_index, "
                "temporary_identity, language, created_by, created_at) "
                "VALUES ('03', '444', 'sealed', 'idx-a', false, 'fi', 1, :at)"
            ),
            {"at": T1},
        )


def test_stepping_down_keeps_every_record_and_the_consents_go_back_to_a_municipality(at_0011):
    migrate.upgrade(at_0011)
    migrate.downgrade(at_0011, "0011_access_log_chain")
    with at_0011.connect() as c:
        assert _rows(c, "SELECT id, municipality_code FROM client_record ORDER BY id") == [
            (1, "049"),
            (3, "398"),
            (4, "444"),
        ]
        assert _rows(c, "SELECT id, municipality_code FROM worker ORDER BY id") == [
            (1, "049"),
            (2, "444"),
            (3, "398"),
        ]
        assert _rows(c, "SELECT recipient FROM consent ORDER BY id") == [
            ("049",),
            ("049",),
            ("Kela",),
            ("398",),
        ]
    migrate.upgrade(at_0011)
    assert migrate.is_up_to_date(at_0011)
