"""The OpenAPI document is a contract: valid, every operationId kept, every schema's title its own,
and true: each answer declared with the media type, problems, enums and formats it is sent with."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, get_args

import pytest
from openapi_spec_validator import validate
from support import bearer, login

from sotesilta.core.feedback.public import QuestionKind

#: every operation as it was published ("METHOD path operationId"): none may change or vanish
OPERATIONS = Path(__file__).with_name("openapi_operations.txt")


def _document(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get("/api/schema/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def test_the_document_is_valid_openapi(client):
    validate(_document(client))


def test_every_published_operation_keeps_its_method_path_and_operation_id(client):
    document = _document(client)
    published = {
        f"{method.upper()} {path} {operation['operationId']}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    recorded = set(OPERATIONS.read_text().splitlines())
    assert recorded - published == set(), "published operations changed or vanished"
    assert published - recorded == set(), "a new operation: add it to openapi_operations.txt"


def test_every_schema_has_a_title_of_its_own(client):
    # a client generator (openapi-python-client) names a model by its title and silently
    # drops operations whose models' titles clash
    schemas = _document(client)["components"]["schemas"]
    titles = Counter(schema.get("title") for schema in schemas.values())
    assert None not in titles
    assert [title for title, n in titles.items() if n > 1] == []


# --- the document says what the API answers ---------------------------------------------

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def _operations(document: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """operationId: (method, path, operation)."""
    return {
        operation["operationId"]: (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }


@pytest.fixture
def answers(client, scheduling):  # type: ignore[no-untyped-def]
    """A booking, a feed and a report: each operation that answers other than JSON, called."""
    nurse = bearer(login(client, "espoo.nurse"))
    instructor = bearer(login(client, "espoo.instructor"))
    client.cookies.clear()
    free = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id},
        headers=nurse,
    ).json()
    booking = client.post(
        "/api/v1/bookings",
        json={
            "slot_id": free[0]["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": "Testi", "age": 40},
        },
        headers=nurse,
    )
    assert booking.status_code == 201, booking.text
    feed = client.post("/api/v1/me/feeds", json={"name": "puhelin"}, headers=instructor).json()
    feed_path = "/feeds/" + feed["url"].rsplit("/feeds/", 1)[1]
    report = "/api/v1/statistics/reports/espoo-guidance"
    query = "municipality=049&year=2026"
    return [
        ("getFeed", client.get(feed_path)),
        ("headFeed", client.head(feed_path)),
        (
            "getBookingInvitation",
            client.get(f"/api/v1/bookings/{booking.json()['id']}/invitation.ics", headers=nurse),
        ),
        ("getStatisticsChart", client.get(f"{report}/charts/visits?{query}", headers=instructor)),
        ("getStatisticsChart", client.get(f"{report}/charts/visits?{query}&format=png", headers=instructor)),
        ("getStatisticsReport", client.get(f"{report}?{query}", headers=instructor)),
        ("getStatisticsReport", client.get(f"{report}?{query}&format=csv", headers=instructor)),
        ("getStatisticsReport", client.get(f"{report}?{query}&format=csv-semicolon", headers=instructor)),
        ("getStatisticsReportCsv", client.get(f"{report}/csv?{query}", headers=instructor)),
        (
            "getStatisticsReportCsv",
            client.get(f"{report}/csv?{query}&format=csv-semicolon", headers=instructor),
        ),
        ("logout", client.post("/api/v1/auth/logout", headers=nurse)),
    ]


def test_every_answer_other_than_json_is_declared_with_its_own_media_type(client, answers):
    # a generated client reads an answer as its declared media type: a calendar read as JSON crashes it
    operations = _operations(_document(client))
    for operation_id, response in answers:
        assert response.status_code < 300, (operation_id, response.text)
        declared = operations[operation_id][2]["responses"][str(response.status_code)].get("content") or {}
        media_type = response.headers.get("content-type", "").split(";")[0].strip()
        if response.status_code == 204:
            assert (declared, response.content) == ({}, b""), operation_id
        else:
            assert media_type in declared, (operation_id, media_type, list(declared))


def test_no_answer_without_a_body_declares_one(client):
    for operation_id, (_method, _path, operation) in _operations(_document(client)).items():
        for status in ("204", "304"):
            if status in operation["responses"]:
                assert not operation["responses"][status].get("content"), (operation_id, status)


def test_every_problem_is_declared_as_problem_details(client):
    # login declared its 400 as Litestar's own JSON, and a feed its 400; neither answers so
    for operation_id, (_method, _path, operation) in _operations(_document(client)).items():
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response.get("content") == PROBLEM, (operation_id, status)


def test_every_operation_that_needs_a_signed_in_caller_says_so_and_declares_401_and_403(client):
    operations = _operations(_document(client))
    public = {operation_id for operation_id, (_m, _p, op) in operations.items() if not op.get("security")}
    assert public == {
        "getHealth",
        "getReady",
        "login",
        "getFeed",
        "headFeed",
        "getFeedbackForm",
        "submitFeedback",
        "getServiceDescription",
        "submitSelfAssessment",
    }
    for operation_id, (_method, _path, operation) in operations.items():
        if operation_id not in public:
            assert {"401", "403"} <= set(operation["responses"]), operation_id


def test_login_declares_a_wrong_password_and_too_many_attempts(client, make_user):
    responses = _operations(_document(client))["login"][2]["responses"]
    assert {"200", "401", "415", "422", "429"} <= set(responses)
    make_user("someone", ["health_staff"])
    wrong = client.post("/api/v1/auth/login", json={"username": "someone", "password": "wrong"})
    assert (wrong.status_code, wrong.headers["content-type"]) == (401, "application/problem+json")


def test_unsafe_operations_declare_a_refused_media_type(client):
    for operation_id, (method, _path, operation) in _operations(_document(client)).items():
        if method in ("POST", "PUT", "DELETE"):
            assert "415" in operation["responses"], operation_id


def _schema_of(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]  # type: ignore[no-any-return]
    options = [s for s in schema.get("oneOf", []) if s.get("type") != "null"]
    return _schema_of(document, options[0]) if len(options) == 1 else schema


def test_statuses_modes_kinds_and_outcomes_are_enumerated(client):
    document = _document(client)
    plain = []
    for name, schema in document["components"]["schemas"].items():
        for field, value in (schema.get("properties") or {}).items():
            if field in (
                "status",
                "mode",
                "kind",
                "outcome",
                "booking_mode",
                "cancelled_by",
                "feed",
                "privacy",
            ):
                resolved = _schema_of(document, value)
                if resolved.get("type") == "string" and not {"enum", "const"} & set(resolved):
                    plain.append(f"{name}.{field}")
    assert plain == []
    booking = document["components"]["schemas"]["BookingView"]["properties"]
    assert "cancelled" in _schema_of(document, booking["status"])["enum"]
    # an enumeration spelt out beside its enum keeps up with it
    from sotesilta.core.statistics.service.feedback import ReportQuestionKind

    assert set(get_args(ReportQuestionKind)) == {kind.value for kind in QuestionKind} | {"retired"}


def test_a_schedule_entry_names_every_status_the_schedule_can_hold():
    # a worker's schedule reads sessions, occupying bookings and contacts, absences and busy
    # times; a status its enum lacks would fail the schedule (getWorkerSchedule) whole
    from sotesilta.core.rehab.service.contacts import _OCCUPYING, ScheduleStatus
    from sotesilta.core.scheduling.public import SLOT_HOLDING_STATUSES

    held = (
        {status.value for status in SLOT_HOLDING_STATUSES} | set(_OCCUPYING) | {"scheduled", "absent", "busy"}
    )
    assert held == {status.value for status in ScheduleStatus}


def test_times_of_day_are_declared_as_the_strings_they_are_sent_as(client, scheduling):
    document = _document(client)
    rule = document["components"]["schemas"]["RuleView"]["properties"]
    declared = rule["start"]
    assert declared["type"] == "string" and declared["format"] == "partial-time"
    admin = bearer(login(client, "espoo.admin"))
    sent = client.get("/api/v1/session-rules", headers=admin).json()[0]
    assert sent["start"] == "09:00:00"
    assert re.fullmatch(declared["pattern"], sent["start"]) and re.fullmatch(declared["pattern"], sent["end"])
    assert not re.fullmatch(declared["pattern"], "9:00") and not re.fullmatch(declared["pattern"], "PT9H")


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/stations", "GET, OPTIONS, POST"),
        ("/api/v1/me/tokens", "GET, OPTIONS, POST"),
        ("/api/v1/feedback/forms/abc", "GET, OPTIONS, POST"),
        ("/feeds/abc.ics", "GET, HEAD, OPTIONS"),
        ("/api/v1/bookings", "OPTIONS, POST"),
        ("/api/v1/units/7", "OPTIONS, PUT"),
        ("/api/v1/clients/7/consents", "GET, OPTIONS, POST"),
    ],
)
def test_options_names_every_method_of_the_path(client, path, methods):
    response = client.options(path)
    assert (response.status_code, response.headers["allow"]) == (204, methods)
