"""Domain errors. Each names its problem; the API maps ``kind`` to an HTTP status once."""

from __future__ import annotations

from typing import ClassVar, Literal

ErrorKind = Literal["invalid", "unauthenticated", "forbidden", "not_found", "conflict", "throttled"]


class DomainError(Exception):
    """Base of every error a use case may raise on purpose."""

    kind: ClassVar[ErrorKind] = "invalid"
    #: stable slug used in the problem ``type`` URI; clients may switch on it
    code: ClassVar[str] = "invalid-input"
    title: ClassVar[str] = "Invalid input"

    def __init__(self, detail: str, *, field: str | None = None, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra


class InputInvalid(DomainError):
    kind = "invalid"
    code = "invalid-input"
    title = "Invalid input"


class AuthenticationFailed(DomainError):
    kind = "unauthenticated"
    code = "authentication-failed"
    title = "Authentication failed"


class AccessDenied(DomainError):
    kind = "forbidden"
    code = "access-denied"
    title = "Access denied"


class RecordNotFound(DomainError):
    kind = "not_found"
    code = "not-found"
    title = "Not found"


class RecordConflict(DomainError):
    kind = "conflict"
    code = "conflict"
    title = "Conflict"


class LoginThrottled(DomainError):
    kind = "throttled"
    code = "login-throttled"
    title = "Too many failed logins"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail, retry_after_seconds=retry_after_seconds)
        self.retry_after_seconds = retry_after_seconds


class MunicipalityDuplicate(DomainError):
    """Two plugins registered the same municipality code (a start-up error)."""

    kind = "conflict"
    code = "municipality-duplicate"
    title = "Municipality registered twice"
