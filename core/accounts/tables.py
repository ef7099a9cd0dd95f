"""Tables of the organisation model and staff accounts.

Client data lives elsewhere (the consent/privacy issue); nothing here identifies
a client.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from sotesilta.core.kernel.types import UTCDateTime


def _utc(*, nullable: bool = False, index: bool = False) -> Column[datetime]:
    return Column(UTCDateTime(), nullable=nullable, index=index)


class UserAccount(SQLModel, table=True):
    __tablename__ = "user_account"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    language: str = Field(default="fi", max_length=2)
    active: bool = True
    created_at: datetime = Field(sa_column=_utc())
    disabled_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class UserRole(SQLModel, table=True):
    __tablename__ = "user_role"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    )
    role: str = Field(sa_column=Column(String(32), primary_key=True))


class UserMunicipality(SQLModel, table=True):
    __tablename__ = "user_municipality"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    )
    municipality_code: str = Field(
        sa_column=Column(String(3), ForeignKey("municipality.code"), primary_key=True)
    )


class UserStation(SQLModel, table=True):
    __tablename__ = "user_station"

    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    )
    station_id: int = Field(sa_column=Column(Integer, ForeignKey("station.id"), primary_key=True))


class AuthToken(SQLModel, table=True):
    """A login session or a personal API token; only a hash of the secret is kept."""

    __tablename__ = "auth_token"
    __table_args__ = (Index("ix_auth_token_user_kind", "user_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False)
    )
    kind: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    name: str = Field(default="", max_length=100)
    created_at: datetime = Field(sa_column=_utc())
    last_used_at: datetime = Field(sa_column=_utc())
    expires_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc(nullable=True))


class SecurityEvent(SQLModel, table=True):
    """Logins, failed logins and logouts: the throttle reads these.

    No passwords and no usernames as typed (a password pasted into the username
    field must not end up in a table): failed attempts carry a keyed digest.
    """

    __tablename__ = "security_event"
    __table_args__ = (
        Index("ix_security_event_digest_at", "username_digest", "at"),
        Index("ix_security_event_addr_at", "remote_addr", "at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc())
    kind: str = Field(max_length=32)
    user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
    )
    username_digest: str = Field(max_length=64)
    remote_addr: str = Field(default="", max_length=64)


class UserIdentity(SQLModel, table=True):
    """A user as her county's OpenID provider knows her: the issuer and its subject (``sub``),
    stable for the person, never her e-mail (which can change hands)."""

    __tablename__ = "user_identity"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_user_identity_subject"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    provider: str = Field(max_length=32)
    issuer: str = Field(max_length=255)
    subject: str = Field(max_length=255)
    created_at: datetime = Field(sa_column=_utc())
    last_sign_in_at: datetime = Field(sa_column=_utc())


class SignInRequest(SQLModel, table=True):
    """A sign-in sent to a provider and not yet back: its ``state``, bound to the browser that
    started it (a digest of a cookie's value), used once (the row is deleted as it is used)."""

    __tablename__ = "sign_in_request"

    state_digest: str = Field(max_length=64, primary_key=True)
    browser_digest: str = Field(max_length=64)
    provider: str = Field(max_length=32)
    next_path: str = Field(max_length=500)
    #: a signed-in user connecting her account to the provider: the identity links to her
    link_user_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=True),
    )
    created_at: datetime = Field(sa_column=_utc(index=True))


__all__ = [
    "AuthToken",
    "SecurityEvent",
    "SignInRequest",
    "UserAccount",
    "UserIdentity",
    "UserMunicipality",
    "UserRole",
    "UserStation",
]
