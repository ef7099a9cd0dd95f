"""Who may call what: every operation of the API × role × ownership.

Principals: N the nurse who owns the resources (Espoo), I the Espoo instructor
(the resources' worker and station), M an Espoo manager, A an Espoo admin, X a
nurse of another municipality of the same county (Lohja): she has no client
relationship with N's client, so reading it asks for a stated reason (403
access-reason-required). The relationship cases of every operation that opens a
client by number or identity code are in RELATIONSHIP below. A cell says "ok" (the request got past
authorisation: any answer but 401, 403 or 404), 403 or 404 (where even the
existence of a record must not leak). A meta-test fails when an operation is
missing from the matrix.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from support import PASSWORD, bearer, login, name_shl_receiver

from sotesilta.core.intake.tables import ContactRequest
from sotesilta.core.kernel.outbox import MessageKind, OutgoingMessage

OK, FORBIDDEN, HIDDEN = "ok", 403, 404
PRINCIPALS = ("N", "I", "M", "A", "X")


def everyone(value: Any) -> dict[str, Any]:
    return dict.fromkeys(PRINCIPALS, value)


STAFF_IN_049 = {"N": OK, "I": OK, "M": FORBIDDEN, "A": FORBIDDEN, "X": HIDDEN}
CLIENT_DATA = {"N": OK, "I": OK, "M": HIDDEN, "A": HIDDEN, "X": HIDDEN}
#: opened by client number: N registered the client, I has a relationship through the booking
#: to her; X (same county, none) is asked for a reason
CLIENT_RECORD = {"N": OK, "I": OK, "M": HIDDEN, "A": HIDDEN, "X": FORBIDDEN}
STAFF_IN_COUNTY = {"N": OK, "I": OK, "M": FORBIDDEN, "A": FORBIDDEN, "X": OK}
INSTRUCTORS = {"N": FORBIDDEN, "I": OK, "M": FORBIDDEN, "A": FORBIDDEN, "X": FORBIDDEN}
SCHEDULERS = {"N": FORBIDDEN, "I": OK, "M": FORBIDDEN, "A": OK, "X": FORBIDDEN}
ADMINS = {"N": FORBIDDEN, "I": FORBIDDEN, "M": FORBIDDEN, "A": OK, "X": FORBIDDEN}
HEALTH_STAFF_IN_049 = {"N": OK, "I": FORBIDDEN, "M": FORBIDDEN, "A": FORBIDDEN, "X": HIDDEN}

#: an empty calendar to link by upload (no network)
MATRIX_ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//sotesilta matrix//EN\r\nEND:VCALENDAR\r\n"

# operationId: (method, path, body, expected per principal)
MATRIX: dict[str, tuple[str, str, Any, dict[str, Any]]] = {
    "getHealth": ("GET", "/health", None, everyone(OK)),
    "getReady": ("GET", "/ready", None, everyone(OK)),
    "login": ("POST", "/api/v1/auth/login", "{credentials}", everyone(OK)),
    "logout": ("POST", "/api/v1/auth/logout", None, everyone(OK)),
    "getMe": ("GET", "/api/v1/me", None, everyone(OK)),
    "listApiTokens": ("GET", "/api/v1/me/tokens", None, everyone(OK)),
    "createApiToken": ("POST", "/api/v1/me/tokens", {"name": "matrix"}, everyone(OK)),
    "revokeApiToken": (
        "DELETE",
        "/api/v1/me/tokens/{token_id}",
        None,
        {"N": OK, "I": HIDDEN, "M": HIDDEN, "A": HIDDEN, "X": HIDDEN},
    ),
    "listMunicipalities": ("GET", "/api/v1/municipalities", None, everyone(OK)),
    "listStations": ("GET", "/api/v1/stations", None, everyone(OK)),
    "listWorkers": ("GET", "/api/v1/workers", None, everyone(OK)),
    "listUsers": ("GET", "/api/v1/users", None, ADMINS),
    # the county's outbox: its admins only (no recipient or text is in an answer)
    "listMessages": ("GET", "/api/v1/messages", None, ADMINS),
    "retryMessage": ("POST", "/api/v1/messages/{message_id}/retry", None, ADMINS),
    # the county's organisation: its admins only (an admin of another county: ORGANISATION_WRITES)
    "listCounties": ("GET", "/api/v1/counties", None, ADMINS),
    "listUnits": ("GET", "/api/v1/units", None, ADMINS),
    "createUnit": ("POST", "/api/v1/units", "{new_unit}", ADMINS),
    "updateUnit": ("PUT", "/api/v1/units/{unit_id}", "{unit}", ADMINS),
    "createStation": ("POST", "/api/v1/stations", "{new_station}", ADMINS),
    "updateStation": ("PUT", "/api/v1/stations/{station_id}", "{station}", ADMINS),
    "createWorker": ("POST", "/api/v1/workers", "{new_worker}", ADMINS),
    "updateWorker": ("PUT", "/api/v1/workers/{worker_id}", "{worker}", ADMINS),
    "createUser": (
        "POST",
        "/api/v1/users",
        {
            "username": "matrix.user",
            "display_name": "M",
            "password": PASSWORD,
            "roles": ["health_staff"],
            "municipalities": ["049"],
        },
        ADMINS,
    ),
    "disableUser": ("POST", "/api/v1/users/{spare_user_id}/disable", None, ADMINS),
    "createSessionRule": ("POST", "/api/v1/session-rules", "{rule}", SCHEDULERS),
    "listSessionRules": ("GET", "/api/v1/session-rules", None, SCHEDULERS),
    "endSessionRule": (
        "POST",
        "/api/v1/session-rules/{rule_id}/end",
        {"from_date": "2030-01-01"},
        SCHEDULERS,
    ),
    "listSessions": ("GET", "/api/v1/sessions", None, everyone(OK)),
    "recordAbsence": ("POST", "/api/v1/absences", "{absence}", SCHEDULERS),
    "previewAbsence": ("POST", "/api/v1/absences/preview", "{absence}", SCHEDULERS),
    "listAbsences": ("GET", "/api/v1/absences", None, SCHEDULERS),
    "getAbsence": ("GET", "/api/v1/absences/{absence_id}", None, SCHEDULERS),
    "undoAbsence": ("POST", "/api/v1/absences/{absence_id}/undo", None, SCHEDULERS),
    "listFreeSlots": (
        "GET",
        "/api/v1/slots/free?municipality=049",
        None,
        {"N": OK, "I": OK, "M": OK, "A": OK, "X": HIDDEN},
    ),
    "holdSlot": ("POST", "/api/v1/slots/{free_slot_id}/hold", None, STAFF_IN_049),
    "createBooking": ("POST", "/api/v1/bookings", "{booking}", STAFF_IN_049),
    "getBooking": ("GET", "/api/v1/bookings/{booking_id}", None, CLIENT_DATA),
    "cancelBooking": ("POST", "/api/v1/bookings/{booking_id}/cancel", {"reason": "matrix"}, CLIENT_DATA),
    "rescheduleBooking": ("POST", "/api/v1/bookings/{booking_id}/reschedule", "{reschedule}", CLIENT_DATA),
    "listOrphanedBookings": ("GET", "/api/v1/bookings/orphaned", None, everyone(OK)),
    "getWalkInQueue": ("GET", "/api/v1/sessions/{session_id}/walk-ins", None, STAFF_IN_049),
    "registerWalkIn": ("POST", "/api/v1/sessions/{session_id}/walk-ins", {}, STAFF_IN_049),
    "callNextWalkIn": ("POST", "/api/v1/sessions/{session_id}/walk-ins/call-next", None, INSTRUCTORS),
    "returnWalkInToQueue": (
        "POST",
        "/api/v1/sessions/{session_id}/walk-ins/1/return-to-queue",
        None,
        INSTRUCTORS,
    ),
    "recordVisitOutcome": ("POST", "/api/v1/visits", "{outcome}", INSTRUCTORS),
    "listMissingOutcomes": ("GET", "/api/v1/visits/missing", None, INSTRUCTORS),
    "getVisitHistory": ("GET", "/api/v1/visits/history?booking_id={booking_id}", None, INSTRUCTORS),
    # the county keeps the record: a Lohja nurse registers a client who lives in Espoo
    "createClient": ("POST", "/api/v1/clients", {"municipality": "049", "name": "Matrix"}, STAFF_IN_COUNTY),
    "findClientByIdentityCode": (
        "POST",
        "/api/v1/clients/search",
        {"identity_code": "100190Y999P"},
        {"N": OK, "I": OK, "M": FORBIDDEN, "A": FORBIDDEN, "X": FORBIDDEN},
    ),
    "createConsultation": (
        "POST",
        "/api/v1/consultations",
        {"municipality": "049", "channel": "phone", "question": "?"},
        STAFF_IN_049,
    ),
    "listConsultationMessages": (
        "GET",
        "/api/v1/consultations/{consultation_id}/messages",
        None,
        STAFF_IN_049,
    ),
    "postConsultationMessage": (
        "POST",
        "/api/v1/consultations/{consultation_id}/messages",
        {"body": "!"},
        STAFF_IN_049,
    ),
    "getUnreadConsultations": ("GET", "/api/v1/consultations/unread", None, everyone(OK)),
    "listConsultations": (
        "GET",
        "/api/v1/consultations",
        None,
        {"N": OK, "I": OK, "M": FORBIDDEN, "A": FORBIDDEN, "X": OK},
    ),
    "createShlNotification": ("POST", "/api/v1/shl-notifications", "{shl}", STAFF_IN_049),
    # the receiving unit (I's) sees and moves a notification; its sender (N) sees its status only
    "listShlNotifications": (
        "GET",
        "/api/v1/shl-notifications",
        None,
        {"N": OK, "I": OK, "M": FORBIDDEN, "A": FORBIDDEN, "X": OK},
    ),
    "getShlNotification": ("GET", "/api/v1/shl-notifications/{shl_id}", None, STAFF_IN_049),
    "acknowledgeShlNotification": (
        "POST",
        "/api/v1/shl-notifications/{shl_id}/acknowledge",
        None,
        {"N": FORBIDDEN, "I": OK, "M": FORBIDDEN, "A": FORBIDDEN, "X": HIDDEN},
    ),
    "updateShlNotificationStatus": (
        "POST",
        "/api/v1/shl-notifications/{shl_id}/status",
        {"status": "in_progress"},
        {"N": FORBIDDEN, "I": OK, "M": FORBIDDEN, "A": FORBIDDEN, "X": HIDDEN},
    ),
    "recordOralFeedback": ("POST", "/api/v1/feedback/entered", "{oral_feedback}", INSTRUCTORS),
    "getShlReceiver": ("GET", "/api/v1/counties/03/shl-receiver", None, ADMINS),
    "setShlReceiver": ("PUT", "/api/v1/counties/03/shl-receiver", "{shl_receiver}", ADMINS),
    "listConsents": ("GET", "/api/v1/clients/{client_id}/consents", None, CLIENT_RECORD),
    "createConsent": (
        "POST",
        "/api/v1/clients/{client_id}/consents",
        {"scope": "information_exchange", "recipient": "Kela", "given_how": "written"},
        CLIENT_RECORD,
    ),
    "withdrawConsent": ("POST", "/api/v1/consents/{consent_id}/withdraw", None, CLIENT_RECORD),
    "getClientAccessLog": ("GET", "/api/v1/clients/{client_id}/access-log", None, CLIENT_RECORD),
    "linkExternalCalendar": (
        "POST",
        "/api/v1/workers/{worker_id}/external-calendars",
        {"name": "Matrix", "ics": MATRIX_ICS},
        SCHEDULERS,
    ),
    "listExternalCalendars": ("GET", "/api/v1/workers/{worker_id}/external-calendars", None, SCHEDULERS),
    "refreshExternalCalendar": (
        "POST",
        "/api/v1/external-calendars/{calendar_id}/refresh",
        {"ics": MATRIX_ICS},
        SCHEDULERS,
    ),
    "unlinkExternalCalendar": ("DELETE", "/api/v1/external-calendars/{calendar_id}", None, SCHEDULERS),
    "createFeedSubscription": ("POST", "/api/v1/me/feeds", {"name": "matrix"}, INSTRUCTORS),
    "listFeedSubscriptions": ("GET", "/api/v1/me/feeds", None, everyone(OK)),
    "revokeFeedSubscription": (
        "DELETE",
        "/api/v1/me/feeds/{feed_id}",
        None,
        {"N": HIDDEN, "I": OK, "M": HIDDEN, "A": HIDDEN, "X": HIDDEN},
    ),
    "getCalendarInvitationSetting": ("GET", "/api/v1/me/calendar-invitations", None, INSTRUCTORS),
    "setCalendarInvitationSetting": (
        "PUT",
        "/api/v1/me/calendar-invitations",
        {"enabled": False},
        INSTRUCTORS,
    ),
    "getFeed": ("GET", "/feeds/{feed_token}.ics", None, everyone(OK)),
    "headFeed": ("HEAD", "/feeds/{feed_token}.ics", None, everyone(OK)),
    "getBookingInvitation": ("GET", "/api/v1/bookings/{booking_id}/invitation.ics", None, CLIENT_DATA),
    "createServiceDecision": ("POST", "/api/v1/service-decisions", "{decision}", INSTRUCTORS),
    "openIntensivePeriod": ("POST", "/api/v1/intensive-periods", "{period}", INSTRUCTORS),
    "getIntensivePeriod": ("GET", "/api/v1/intensive-periods/{period_id}", None, INSTRUCTORS),
    "closeIntensivePeriod": (
        "POST",
        "/api/v1/intensive-periods/{period_id}/close",
        {"ended_on": "2026-03-02", "reason": "other"},
        INSTRUCTORS,
    ),
    "planContact": ("POST", "/api/v1/intensive-periods/{period_id}/contacts", "{contact}", INSTRUCTORS),
    "recordContactOutcome": (
        "POST",
        "/api/v1/contacts/{contact_id}/outcome",
        {"status": "cancelled"},
        INSTRUCTORS,
    ),
    "createGroup": ("POST", "/api/v1/rehab-groups", "{group}", INSTRUCTORS),
    "recordGroupAttendance": (
        "POST",
        "/api/v1/group-meetings/{meeting_id}/attendance",
        "{attendance}",
        INSTRUCTORS,
    ),
    "getWorkerSchedule": (
        "GET",
        "/api/v1/workers/{worker_id}/schedule?start=2026-03-02T00:00:00Z&end=2026-03-09T00:00:00Z",
        None,
        SCHEDULERS,
    ),
    "recordMeasurement": (
        "POST",
        "/api/v1/intensive-periods/{period_id}/measurements",
        {"point": "start", "measured_on": "2026-03-02", "answers": {"health": 5}},
        INSTRUCTORS,
    ),
    "getMeasurements": ("GET", "/api/v1/intensive-periods/{period_id}/measurements", None, INSTRUCTORS),
    "listDueMeasurements": ("GET", "/api/v1/measurements/due", None, INSTRUCTORS),
    "submitPeriodFeedback": (
        "POST",
        "/api/v1/intensive-periods/{period_id}/feedback",
        {"kind": "end", "submitted_on": "2026-03-02", "useful": "yes", "towards_goals": "partly"},
        INSTRUCTORS,
    ),
    "getIntensity": ("GET", "/api/v1/intensity?period_id={period_id}", None, INSTRUCTORS),
    "getRehabOutcomeReport": (
        "GET",
        "/api/v1/reports/rehab-outcomes?municipality=049&year=2026",
        None,
        {"N": FORBIDDEN, "I": OK, "M": OK, "A": FORBIDDEN, "X": FORBIDDEN},
    ),
    "listStatisticsReports": (
        "GET",
        "/api/v1/statistics/reports",
        None,
        {"N": FORBIDDEN, "I": OK, "M": OK, "A": FORBIDDEN, "X": FORBIDDEN},
    ),
    "getStatisticsReport": (
        "GET",
        "/api/v1/statistics/reports/espoo-guidance?municipality=049&year=2026",
        None,
        {"N": FORBIDDEN, "I": OK, "M": OK, "A": FORBIDDEN, "X": FORBIDDEN},
    ),
    "getStatisticsReportCsv": (
        "GET",
        "/api/v1/statistics/reports/espoo-guidance/csv?municipality=049&year=2026&format=csv-semicolon",
        None,
        {"N": FORBIDDEN, "I": OK, "M": OK, "A": FORBIDDEN, "X": FORBIDDEN},
    ),
    "getStatisticsChart": (
        "GET",
        "/api/v1/statistics/reports/espoo-guidance/charts/visits?municipality=049&year=2026&format=png",
        None,
        {"N": FORBIDDEN, "I": OK, "M": OK, "A": FORBIDDEN, "X": FORBIDDEN},
    ),
    # the public's way in (no sign-in), and the instructors' worklist of its contact requests
    "getServiceDescription": ("GET", "/api/v1/service-descriptions/03", None, everyone(OK)),
    "submitSelfAssessment": (
        "POST",
        "/api/v1/self-assessments",
        {
            "county": "03",
            "form_key": "lansi_uusimaa_self_assessment",
            "version": 1,
            "answers": {"loneliness": "yes"},
        },
        everyone(OK),
    ),
    "listContactRequests": ("GET", "/api/v1/contact-requests", None, INSTRUCTORS),
    "updateContactRequest": (
        "PATCH",
        "/api/v1/contact-requests/{contact_request_id}",
        {"status": "contacted"},
        INSTRUCTORS,
    ),
    # anonymous: the link is the key (before the visit it answers 409 feedback-not-open)
    "getFeedbackForm": ("GET", "/api/v1/feedback/forms/{feedback_token}", None, everyone(OK)),
    "submitFeedback": (
        "POST",
        "/api/v1/feedback/forms/{feedback_token}",
        {"form_key": "lansi_uusimaa_client_visit", "version": 1, "answers": {"useful": "yes", "overall": 4}},
        everyone(OK),
    ),
    "getStaffSurvey": ("GET", "/api/v1/feedback/staff-survey?municipality=049", None, HEALTH_STAFF_IN_049),
    "submitStaffSurvey": (
        "POST",
        "/api/v1/feedback/staff-survey",
        {
            "municipality": "049",
            "form_key": "espoo_staff_survey",
            "version": 1,
            "answers": {"patients_referred": "one_to_five", "easy_to_book": 4, "helps_patients": 5},
        },
        HEALTH_STAFF_IN_049,
    ),
}


def test_every_operation_is_in_the_matrix(client):
    schema = client.get("/api/schema/openapi.json").json()
    operations = {
        op["operationId"]
        for path in schema["paths"].values()
        for op in path.values()
        if isinstance(op, dict) and "operationId" in op
    }
    assert operations == set(MATRIX), (
        f"missing from MATRIX: {sorted(operations - set(MATRIX))}; stale: {sorted(set(MATRIX) - operations)}"
    )


def rehab_records(runtime, client_id: int, worker_id: int, user_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A decision, a period, a contact and a group meeting in Espoo, written directly.

    Espoo offers no intensive rehabilitation, so the use cases would refuse to
    make these; the matrix only needs records to be authorised against.
    """
    from datetime import date, datetime, timedelta

    from sotesilta.core.rehab import tables

    now = runtime.clock.now()
    with runtime.uow() as uow:
        add = uow.session.add
        decision = tables.ServiceDecision(
            client_id=client_id,
            municipality_code="049",
            service="social_rehabilitation",
            decided_on=date(2026, 3, 1),
            valid_from=date(2026, 3, 1),
            valid_until=date(2026, 9, 1),
            decision_maker="Matrix",
            created_by=user_id,
            created_at=now,
        )
        add(decision)
        uow.session.flush()
        period = tables.IntensivePeriod(
            decision_id=decision.id,
            client_id=client_id,
            municipality_code="049",
            service="social_rehabilitation",
            starts_on=date(2026, 3, 1),
            planned_end=date(2026, 8, 31),
            max_end=date(2026, 9, 1),
            responsible_worker_id=worker_id,
            weekly_target=2,
            created_by=user_id,
            created_at=now,
        )
        group = tables.RehabGroup(municipality_code="049", name="Matrix", created_by=user_id, created_at=now)
        add(period)
        add(group)
        uow.session.flush()
        start = datetime(2026, 3, 1, 10, tzinfo=now.tzinfo)
        meeting = tables.GroupMeeting(group_id=group.id, starts_at=start, ends_at=start + timedelta(hours=1))
        add(meeting)
        uow.session.flush()
        contact = tables.Contact(
            period_id=period.id,
            kind="group_session",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            group_meeting_id=meeting.id,
            status="booked",
            created_by=user_id,
            created_at=now,
            updated_at=now,
        )
        add(contact)
        uow.session.flush()
        ids = {
            "decision_id": decision.id,
            "period_id": period.id,
            "contact_id": contact.id,
            "meeting_id": meeting.id,
        }
        uow.commit()
    return {k: int(v or 0) for k, v in ids.items()}


def organisation_bodies(client, admin: dict[str, str], scheduling) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Bodies of the organisation's writes: new records, and the existing ones as they are
    (a replacement that changes nothing, so the order the principals run in does not matter)."""
    (unit,) = [
        u for u in client.get("/api/v1/units", headers=admin).json() if u["key"] == "espoo-sosiaaliohjaus"
    ]
    station = next(
        s for s in client.get("/api/v1/stations", headers=admin).json() if s["id"] == scheduling.station_id
    )
    workers = client.get("/api/v1/workers", headers=admin).json()
    worker = next(w for w in workers if w["id"] == scheduling.worker_id)
    from sotesilta.core.organisations.service import StationDraft, WorkerDraft

    station_fields, worker_fields = set(StationDraft.__struct_fields__), set(WorkerDraft.__struct_fields__)
    return {
        "{unit}": unit,
        "{new_unit}": {"county_code": "03", "key": "matrix-unit", "name_fi": "Matriisi", "name_sv": "Matris"},
        "{station}": {k: v for k, v in station.items() if k in station_fields},
        "{new_station}": {
            "key": "matrix-station",
            "municipality_code": "049",
            "name_fi": "Matriisi",
            "name_sv": "Matris",
            "address": "Matriisitie 1",
        },
        "{worker}": {k: v for k, v in worker.items() if k in worker_fields},
        "{new_worker}": {
            "display_name": "Matriisi",
            "title": "social_instructor",
            "languages": ["fi"],
            "unit_id": unit["id"],
            "municipalities": ["049"],
        },
    }


@pytest.fixture
def world(client, runtime, scheduling, make_user):  # type: ignore[no-untyped-def]
    make_user("espoo.manager", ["manager"], ["049"])
    spare = make_user("espoo.spare", ["health_staff"], ["049"])
    names = {
        "N": "espoo.nurse",
        "I": "espoo.instructor",
        "M": "espoo.manager",
        "A": "espoo.admin",
        "X": "lohja.nurse",
    }
    tokens = {key: login(client, username) for key, username in names.items()}
    client.cookies.clear()
    nurse = bearer(tokens["N"])
    free = client.get(
        "/api/v1/slots/free",
        params={"municipality": "049", "station_id": scheduling.station_id, "limit": 20},
        headers=nurse,
    ).json()
    client_id = client.post(
        "/api/v1/clients",
        headers=nurse,
        json={"municipality": "049", "name": "Matrix Client", "identity_code": "100190Y999P"},
    ).json()["id"]
    booking = client.post(
        "/api/v1/bookings",
        headers=nurse,
        json={
            "slot_id": free[0]["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": "M", "age": 40},
            "client_id": client_id,
        },
    ).json()
    consent = client.post(
        f"/api/v1/clients/{client_id}/consents",
        headers=nurse,
        json={"scope": "named_consultation", "recipient": "03", "given_how": "oral"},
    ).json()
    consultation = client.post(
        "/api/v1/consultations",
        headers=nurse,
        json={"municipality": "049", "channel": "phone", "question": "?"},
    ).json()
    receiving_unit = name_shl_receiver(client, bearer(tokens["A"]))
    shl_body = {
        "municipality": "049",
        "client_id": client_id,
        "ground": "cannot_look_after_self",
        "ground_without_consent": "Ei pysty huolehtimaan itsestään.",
        "summary": "huoli",
    }
    shl = client.post("/api/v1/shl-notifications", headers=nurse, json=shl_body).json()
    token_id = client.post("/api/v1/me/tokens", headers=nurse, json={"name": "owned"}).json()["id"]
    calendar = client.post(
        f"/api/v1/workers/{scheduling.worker_id}/external-calendars",
        json={"name": "Matrix", "ics": MATRIX_ICS},
        headers=bearer(tokens["I"]),
    ).json()
    rehab = rehab_records(runtime, client_id, scheduling.worker_id, scheduling.instructor.id)
    feed = client.post("/api/v1/me/feeds", json={"name": "matrix"}, headers=bearer(tokens["I"])).json()
    session_id = client.get("/api/v1/sessions", headers=nurse).json()[0]["id"]
    organisation = organisation_bodies(client, bearer(tokens["A"]), scheduling)
    absence = client.post(
        "/api/v1/absences",
        headers=bearer(tokens["A"]),
        json={
            "worker_id": scheduling.worker_id,
            "starts_at": "2031-01-01T00:00:00+02:00",
            "ends_at": "2031-01-02T00:00:00+02:00",
            "reason": "matrix",
        },
    ).json()
    asked = client.post(
        "/api/v1/self-assessments",
        json={"county": "03", "contact": {"name": "Matrix", "channel": "sms", "phone": "0401234567"}},
    )
    assert asked.status_code == 201, asked.text
    with runtime.uow() as uow:
        contact_request_id = uow.session.scalar(select(func.max(ContactRequest.id)))
    with runtime.uow() as uow:
        uow.outbox.enqueue(
            uow,
            OutgoingMessage(
                county="03",
                channel="email",
                kind=MessageKind.BOOKING_REMINDER,
                recipient="matrix@example.org",
                subject="Matrix",
                body="Matrix",
                idempotency_key="matrix",
            ),
        )
        uow.commit()
    message_id = client.get("/api/v1/messages", headers=bearer(tokens["A"])).json()[0]["id"]
    values = {
        "contact_request_id": contact_request_id,
        "message_id": message_id,
        "absence_id": absence["id"],
        "booking_id": booking["id"],
        "client_id": client_id,
        "consent_id": consent["id"],
        "consultation_id": consultation["id"],
        "shl_id": shl["id"],
        "token_id": token_id,
        "session_id": session_id,
        "free_slot_id": free[5]["slot_id"],
        "spare_user_id": spare.id,
        "worker_id": scheduling.worker_id,
        "station_id": scheduling.station_id,
        "unit_id": organisation["{unit}"]["id"],
        "rule_id": scheduling.rule_id,
        "feed_id": feed["subscription"]["id"],
        "calendar_id": calendar["id"],
        "feed_token": feed["token"],
        "feedback_token": booking["instructions"]["feedback_url"].rsplit("/", 1)[1],
        **rehab,
    }
    bodies = {
        **organisation,
        "{shl}": shl_body,
        "{oral_feedback}": {
            "municipality": "049",
            "channel": "oral",
            "form_key": "lansi_uusimaa_client_visit",
            "version": runtime.plugins.feedback_forms.get("lansi_uusimaa_client_visit").version,
            "answers": {"useful": "yes", "overall": 4},
        },
        "{shl_receiver}": {"unit_id": receiving_unit},
        "{rule}": {
            "worker_id": scheduling.worker_id,
            "station_id": scheduling.station_id,
            "weekday": 5,
            "start": "09:00",
            "end": "10:00",
            "first_date": "2026-03-07",
        },
        "{absence}": {
            "worker_id": scheduling.worker_id,
            "starts_at": "2030-01-01T00:00:00+02:00",
            "ends_at": "2030-01-02T00:00:00+02:00",
            "reason": "matrix",
        },
        "{booking}": {
            "slot_id": free[3]["slot_id"],
            "reasons": ["loneliness"],
            "client": {"name": "B", "age": 40},
        },
        "{reschedule}": {"slot_id": free[4]["slot_id"]},
        "{outcome}": {"booking_id": booking["id"], "outcome": "no_show"},
        "{decision}": {
            "client_id": client_id,
            "decided_on": "2026-03-01",
            "valid_from": "2026-03-02",
            "valid_until": "2026-09-01",
            "decision_maker": "Matrix",
        },
        "{period}": {
            "decision_id": rehab["decision_id"],
            "starts_on": "2026-03-02",
            "planned_end": "2026-06-01",
            "responsible_worker_id": scheduling.worker_id,
        },
        "{contact}": {
            "kind": "phone_call",
            "starts_at": "2026-03-03T16:00:00+02:00",
            "minutes": 15,
        },
        "{attendance}": {"attendance": [{"period_id": rehab["period_id"], "status": "fulfilled"}]},
        "{group}": {
            "municipality": "049",
            "name": "Matrix",
            "worker_ids": [scheduling.worker_id],
            "member_period_ids": [rehab["period_id"]],
            "weekday": 3,
            "start": "17:00",
            "minutes": 60,
            "first_date": "2026-03-05",
            "meetings": 1,
            "place": "Matrix",
        },
    }
    return tokens, names, values, bodies


@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_access_matrix(client, world, operation):
    tokens, names, values, bodies = world
    method, path, body, expected = MATRIX[operation]
    for principal in PRINCIPALS:
        token = tokens[principal]
        if operation == "logout":
            token = login(client, names[principal])
            client.cookies.clear()
        payload = body
        if body == "{credentials}":
            payload = {"username": names[principal], "password": PASSWORD}
        elif isinstance(body, str):
            payload = bodies[body]
        response = client.request(method, path.format(**values), json=payload, headers=bearer(token))
        client.cookies.clear()
        want = expected[principal]
        assert response.status_code < 500, (operation, principal, response.text)
        if want == OK:
            assert response.status_code not in (401, 403, 404), (operation, principal, response.text)
        else:
            assert response.status_code == want, (operation, principal, response.status_code, response.text)


# --- relationship cases -------------------------------------------------------------------

#: a stated reason, in the body or (GET, withdraw) the query
REASON = {"code": "care_handover", "detail": "matrix"}
REASON_QUERY = {"access_reason": "care_handover", "access_reason_detail": "matrix"}
#: every operation that opens a client by number or identity code: (how the reason is sent)
RELATIONSHIP: dict[str, str] = {
    "findClientByIdentityCode": "body",
    "listConsents": "query",
    "createConsent": "body",
    "withdrawConsent": "query",
    "getClientAccessLog": "query",
}


def test_every_operation_that_opens_a_client_has_relationship_cases(client):
    """An operation that takes an access_reason (query or body) opens a client: it has cases."""
    schema = client.get("/api/schema/openapi.json").json()
    with_reason = {
        f"#/components/schemas/{name}"
        for name, body in schema["components"]["schemas"].items()
        if "access_reason" in body.get("properties", {})
    }

    def takes_reason(op: dict[str, Any]) -> bool:
        in_query = any(p.get("name") == "access_reason" for p in op.get("parameters", []))
        return in_query or any(ref in str(op.get("requestBody", "")) for ref in with_reason)

    opening = {
        op["operationId"]
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "operationId" in op and takes_reason(op)
    }
    assert opening == set(RELATIONSHIP), f"cases missing: {sorted(opening - set(RELATIONSHIP))}"


@pytest.mark.parametrize("operation", sorted(RELATIONSHIP))
def test_a_client_opens_with_a_relationship_or_a_stated_reason_and_never_across_counties(
    client, world, make_user, operation
):
    """With a relationship (N): ok. Without (X, the same county): 403 naming access_reason.
    With a reason (X): ok. Another county's nurse (P): without a reason the same 403 as X,
    with one 404; the record's existence never shows."""
    tokens, _names, values, _bodies = world
    make_user("lahti.nurse", ["health_staff"], ["398"])
    tokens = {**tokens, "P": login(client, "lahti.nurse")}
    client.cookies.clear()
    method, path, body, _expected = MATRIX[operation]
    how = RELATIONSHIP[operation]

    def call(who: str, reason: bool):  # type: ignore[no-untyped-def]
        payload = dict(body) if isinstance(body, dict) else None
        params = {}
        if reason and how == "body":
            payload = {**(payload or {}), "access_reason": REASON}
        elif reason:
            params = REASON_QUERY
        if operation == "createConsent" and reason:
            payload = {**(payload or {}), "recipient": f"Matrix {who}"}  # a new consent each time
        response = client.request(
            method, path.format(**values), json=payload, params=params, headers=bearer(tokens[who])
        )
        client.cookies.clear()
        return response

    without = call("X", reason=False)
    assert without.status_code == 403, without.text
    assert without.json()["type"] == "/problems/access-reason-required"
    assert without.json()["errors"][0]["field"] == "access_reason"
    other_county = call("P", reason=False)
    assert (other_county.status_code, other_county.json()["errors"]) == (403, without.json()["errors"])
    assert call("P", reason=True).status_code == 404
    if operation != "withdrawConsent":  # withdrawn once is a 409 after: the relationship first
        assert call("N", reason=False).status_code not in (401, 403, 404)
    assert call("X", reason=True).status_code not in (401, 403, 404)
    # once stated, the reason holds for a while: the next request needs none
    assert call("X", reason=False).status_code not in (401, 403, 404)


#: the organisation's writes, for an admin of another county (Päijät-Häme): "not found"
ORGANISATION_WRITES = (
    "createUnit",
    "updateUnit",
    "createStation",
    "updateStation",
    "createWorker",
    "updateWorker",
)


def test_an_admin_of_another_county_finds_none_of_its_organisation(client, world, make_user):
    _tokens, _names, values, bodies = world
    make_user("lahti.admin", ["admin"], ["398"])
    other = bearer(login(client, "lahti.admin"))
    client.cookies.clear()
    for operation in ORGANISATION_WRITES:
        method, path, body, _expected = MATRIX[operation]
        response = client.request(method, path.format(**values), json=bodies[body], headers=other)
        assert response.status_code == HIDDEN, (operation, response.text)
    # the lists answer with her own county's records only
    assert [c["code"] for c in client.get("/api/v1/counties", headers=other).json()] == ["09"]
    assert {u["county_code"] for u in client.get("/api/v1/units", headers=other).json()} == {"09"}
