"""Helpers of the intensive rehabilitation tests: Päijät-Häme's codes, clients, decisions, periods."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from support import bearer, identity_code, login

from sotesilta.core.clients import service as clients

PH_CODES = ["398", "111", "576", "016", "316", "098", "081", "560", "142", "781"]


@dataclass
class Rehab:
    headers: dict[str, str]
    manager: dict[str, str]
    worker_id: int
    co_worker_id: int
    young: int  # client aged 25
    older: int  # client aged 46


def new_client(runtime, principal, name: str, birth: date, individual: int) -> int:  # type: ignore[no-untyped-def]
    with runtime.uow() as uow:
        return clients.create_client(
            uow,
            principal=principal,
            municipality="398",
            name=name,
            identity_code=identity_code(birth, individual),
            phone=None,
            language="fi",
            index_key=runtime.index_key,
        ).id


def api_token(client, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    session = bearer(login(client, username))
    token = client.post("/api/v1/me/tokens", json={"name": "tests"}, headers=session).json()["token"]
    client.cookies.clear()
    return bearer(token)


def decision(client, ph: Rehab, client_id: int, **overrides: Any) -> int:  # type: ignore[no-untyped-def]
    body = {
        "client_id": client_id,
        "decided_on": "2026-02-20",
        "valid_from": "2026-03-01",
        "valid_until": "2026-12-31",
        "decision_maker": "Asiakasohjaus / Leena Päättäjä",
        **overrides,
    }
    response = client.post("/api/v1/service-decisions", json=body, headers=ph.headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def period_body(ph: Rehab, decision_id: int, **overrides: Any) -> dict[str, Any]:
    return {
        "decision_id": decision_id,
        "starts_on": "2026-03-02",
        "planned_end": "2026-08-31",
        "responsible_worker_id": ph.worker_id,
        "co_worker_id": ph.co_worker_id,
        "goals": [{"text": "Arjen rytmi", "sub_goals": ["Herään kahdeksalta", "Käyn kaupassa"]}],
        **overrides,
    }
