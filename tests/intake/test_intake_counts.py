"""The numbers statistics may read: self-assessments and contact requests per county and
period, no personal data."""

from __future__ import annotations

from datetime import date

from intake_support import assessment_fields

from sotesilta.core.intake.public import IntakeCounts, intake_counts


def test_counts_are_per_county_and_period(client, runtime, clock):
    client.post("/self-assessment/03", data=assessment_fields(client))
    client.post("/self-assessment/03", data=assessment_fields(client, contact=""))
    clock.advance(days=40)
    client.post("/self-assessment/03", data=assessment_fields(client, contact=""))
    with runtime.uow() as uow:
        march = intake_counts(uow, county="03", first=date(2026, 3, 1), last=date(2026, 3, 31))
        spring = intake_counts(uow, county="03", first=date(2026, 3, 1), last=date(2026, 5, 31))
        elsewhere = intake_counts(uow, county="09", first=date(2026, 1, 1), last=date(2026, 12, 31))
    assert march == IntakeCounts(self_assessments=2, contact_requests=1)
    assert spring == IntakeCounts(self_assessments=3, contact_requests=1)
    assert elsewhere == IntakeCounts(self_assessments=0, contact_requests=0)
