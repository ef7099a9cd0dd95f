"""Tables of the calendar plugin: feed subscriptions and linked external calendars."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, Text
from sqlmodel import Field, SQLModel

from sotesilta.core.plugin_api.data import UTCDateTime


def _utc(*, nullable: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable)


class FeedSubscription(SQLModel, table=True):
    """One secret feed URL per device or app; only a hash of its token is kept."""

    __tablename__ = "feed_subscription"
    __table_args__ = (Index("ix_feed_subscription_user", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)  # SHA-256 of the token, hex
    feed: str = Field(max_length=16)  # "mine" or "stations"
    privacy: str = Field(max_length=16)  # "busy_only" or "pseudonymous"
    language: str = Field(max_length=2)
    created_at: datetime = Field(sa_column=_utc())
    revoked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_fetched_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    last_user_agent: str | None = Field(default=None, max_length=200)


class ExternalCalendar(SQLModel, table=True):
    """A worker's external calendar (ICS URL or uploaded file) whose events block their slots."""

    __tablename__ = "external_calendar"
    __table_args__ = (Index("ix_external_calendar_worker", "worker_id"),)

    id: int | None = Field(default=None, primary_key=True)
    worker_id: int = Field(sa_column=Column(Integer, ForeignKey("worker.id"), nullable=False))
    name: str = Field(max_length=100)
    #: sealed: a private ICS URL is a secret of its own
    url: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    created_by: int = Field(sa_column=Column(Integer, ForeignKey("user_account.id"), nullable=False))
    created_at: datetime = Field(sa_column=_utc())
    refreshed_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    busy_count: int = 0
    last_error: str | None = Field(default=None, max_length=300)
    active: bool = True


class CalendarInvitationSetting(SQLModel, table=True):
    """Whether, and where, a user's calendar gets an invitation (iMIP) for each booking of theirs
    made, moved or cancelled. No row, or no address: nothing is sent."""

    __tablename__ = "calendar_invitation_setting"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    )
    enabled: bool = False
    #: sealed: a worker's own e-mail address (``calendar_invitation_setting.address``)
    address: str | None = Field(default=None, sa_column=Column(Text(), nullable=True))
    privacy: str = Field(max_length=16)  # "busy_only" or "pseudonymous", as a feed's
    language: str = Field(max_length=2)
    updated_at: datetime = Field(sa_column=_utc())


__all__ = ["CalendarInvitationSetting", "ExternalCalendar", "FeedSubscription"]
