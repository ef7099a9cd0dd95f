"""Tables of the public's way in.

- ``service_text``: an admin's wording of one section of a service description, per
  county (``station_id`` 0) or station and text variant. Organisation data, plain text.
- ``self_assessment``: one filled questionnaire: its county, form version and day, and
  the answers, sealed (needs are health and social data once a contact request names
  the person). Nothing says who filled it, unless a contact request points at it.
- ``contact_request``: a request to be contacted. Name, phone, e-mail and the "when to
  reach me" text are sealed; ``address_digest`` is a keyed hash of the sender's network
  address (never the address), kept only to cap one sender's open requests.

Invariants held by the database: one text per county, station, variant and section; a
status among the four states; a booked request names its booking.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class ServiceText(SQLModel, table=True):
    __tablename__ = "service_text"
    __table_args__ = (
        UniqueConstraint("county_code", "station_id", "variant", "section", name="uq_service_text"),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", max_length=2)
    #: 0: the county's own page (a real station id otherwise: 0 keeps the unique key simple)
    station_id: int = 0
    variant: str = Field(max_length=16)
    section: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text(), nullable=False))
    updated_at: datetime = Field(sa_column=_utc())
    updated_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    )


class SelfAssessment(SQLModel, table=True):
    __tablename__ = "self_assessment"
    __table_args__ = (Index("ix_self_assessment_county_day", "county_code", "submitted_on"),)

    id: int | None = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", max_length=2)
    form_key: str = Field(max_length=64)
    form_version: int
    #: a day, not a moment: a time beside a contact request could point at its sender
    submitted_on: date = Field(sa_column=Column(Date(), nullable=False))
    answers: str = Field(sa_column=Column(Text(), nullable=False))  # sealed JSON


class ContactRequest(SQLModel, table=True):
    __tablename__ = "contact_request"
    __table_args__ = (
        CheckConstraint(
            "status IN ('new', 'contacted', 'booked', 'closed')", name="ck_contact_request_status"
        ),
        CheckConstraint("status <> 'booked' OR booking_id IS NOT NULL", name="ck_contact_request_booking"),
        Index("ix_contact_request_county_status", "county_code", "status", "created_at"),
        Index("ix_contact_request_address", "address_digest", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    county_code: str = Field(foreign_key="county.code", max_length=2)
    #: the station whose page the request came from, if any
    station_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("station.id", ondelete="SET NULL"), nullable=True),
    )
    self_assessment_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("self_assessment.id", ondelete="SET NULL"), nullable=True),
    )
    created_at: datetime = Field(sa_column=_utc())
    #: the end of the county's response-time target (working days), fixed when it arrived
    due_on: date = Field(sa_column=Column(Date(), nullable=False))
    status: str = Field(default="new", max_length=16)
    channel: str = Field(max_length=8)
    language: str = Field(max_length=2)
    name: str = Field(sa_column=Column(Text(), nullable=False))  # sealed
    phone: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # sealed
    email: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # sealed
    reach_when: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))  # sealed
    address_digest: str = Field(max_length=64)
    #: the booking made from it (kept when the request is closed afterwards)
    booking_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("booking.id"), nullable=True)
    )
    status_changed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    status_changed_by: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    )


__all__ = ["ContactRequest", "SelfAssessment", "ServiceText"]
