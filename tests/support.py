"""Helpers shared by tests (importable: pytest puts tests/ on the path)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
TEST_SECRET = "test-secret-" + "x" * 40
PASSWORD = "correct-horse-battery"


@dataclass
class Staff:
    id: int
    username: str
    password: str = PASSWORD


def login(client: Any, username: str, password: str = PASSWORD) -> str:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def identity_code(birth: Any, individual: int = 901) -> str:
    """A valid (temporary-range by default) personal identity code for a birth date."""
    from sotesilta.core.clients.domain import identity_code_for

    return identity_code_for(birth, individual)


def free_slots(client: Any, headers: dict[str, str], station_id: int, municipality: str = "049") -> Any:
    """The free slots of a station, as a nurse's search lists them."""
    response = client.get(
        "/api/v1/slots/free", params={"municipality": municipality, "station_id": station_id}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def chain_access_log(runtime: Any) -> None:
    """Chain the access-log entries written unchained (PostgreSQL), as a server's background
    chainer would within a second: tests that read ``access_log`` itself call it first."""
    from sotesilta.consent import audit

    audit.chain_pending(runtime.engine)


def load_demo(runtime: Any) -> Any:
    """The demo loaded through its use cases into ``runtime``'s database, every password
    ``PASSWORD``, with times booked; its loader."""
    from sotesilta.core.demo.builder import DemoLoader, fixed_password

    loader = DemoLoader(
        uow_factory=runtime.uow,
        now=runtime.clock.now(),
        password_for=fixed_password(PASSWORD),
        reset_passwords=True,
        registry=runtime.plugins.municipalities,
        plugins=runtime.plugins,
        sealer=runtime.sealer,
        index_key=runtime.index_key,
    )
    runtime.plugins.load_demo(loader)
    assert loader.sample_bookings() > 0
    return loader


def name_shl_receiver(
    client: Any, admin: dict[str, str], unit_key: str = "espoo-sosiaaliohjaus", county: str = "03"
) -> int:
    """The county's admin names the unit that receives its SHL notifications; its id."""
    (unit,) = [u for u in client.get("/api/v1/units", headers=admin).json() if u["key"] == unit_key]
    named = client.put(f"/api/v1/counties/{county}/shl-receiver", json={"unit_id": unit["id"]}, headers=admin)
    assert named.status_code == 200, named.text
    return int(unit["id"])


def lohja_walk_in_session(runtime: Any, scheduling: Any, principal_of: Any, capacity: int) -> int:
    """Lohja, Monday 2 March 2026: a session 12-15 whose walk-in hours are 12-14 for
    ``capacity`` clients (the test clock says 10.00); the session's id."""
    from datetime import UTC, date, datetime, time

    from sotesilta.core.scheduling.service import sessions

    instructor = principal_of(scheduling.lohja_instructor)
    with runtime.uow() as uow:
        sessions.create_session_rule(
            uow,
            principal=instructor,
            draft=sessions.SessionRuleDraft(
                worker_id=scheduling.lohja_worker_id,
                station_id=scheduling.lohja_station_id,
                weekday=0,
                start=time(12),
                end=time(15),
                first_date=date(2026, 3, 2),
                slot_minutes=60,
                walk_in=(time(12), time(14)),
                walk_in_capacity=capacity,
            ),
        )
        return sessions.list_sessions(
            uow,
            principal=instructor,
            start=datetime(2026, 3, 2, tzinfo=UTC),
            end=datetime(2026, 3, 3, tzinfo=UTC),
        )[0].id
