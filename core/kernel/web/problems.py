"""One mapping from errors to RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sotesilta.core.kernel.errors import DomainError

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("sotesilta.api")
security_log = logging.getLogger("sotesilta.security")


class FieldError(msgspec.Struct, frozen=True, kw_only=True):
    field: str
    message: str


class Problem(msgspec.Struct, frozen=True, kw_only=True):
    """RFC 9457 problem details, as every error of this API is answered."""

    type: str
    title: str
    status: int
    instance: str
    detail: str | None = None
    errors: list[FieldError] | None = None


PROBLEM_RESPONSE = ResponseSpec(
    data_container=Problem, description="Problem details", media_type=PROBLEM_JSON
)


def _problem_spec(description: str) -> ResponseSpec:
    return ResponseSpec(data_container=Problem, description=description, media_type=PROBLEM_JSON)


#: what each problem status means to a client, as every operation documents it
PROBLEM_DESCRIPTIONS = {
    400: "Malformed request (e.g. a body that is not JSON)",
    401: "Not signed in, or the session or token has expired (or, at login, a wrong password)",
    403: "Signed in, but not allowed (or a cookie-borne call from another site)",
    404: "No such resource (or not yours to know about)",
    409: "Conflicts with the current state (e.g. slot already booked)",
    410: "Gone",
    413: "Request body too large",
    415: "Not JSON: send 'Content-Type: application/json'",
    422: "Invalid input; `errors` names the fields",
    429: "Too many attempts; see Retry-After",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem-details answers of ``statuses``, for a handler's ``responses``."""
    return {status: _problem_spec(PROBLEM_DESCRIPTIONS[status]) for status in statuses}


#: documented on every operation that needs a signed-in caller: what a client must expect
#: besides success (a use case may refuse, not find, conflict or throttle on any of them)
COMMON_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 422, 429)
#: an unsafe method may be refused as a cross-site call (403), as not JSON (415) or too big
UNSAFE_PROBLEMS = problem_responses(403, 413, 415, 422)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def expected_problems(handler: HTTPRouteHandler, *, authenticated: bool) -> dict[int, ResponseSpec]:
    """The problem answers ``handler`` can give, by what it is: signed in or not, unsafe or
    safe. Its own ``responses`` (e.g. login's 401 and 429, a feed's 404) are added to these."""
    problems = dict(COMMON_PROBLEMS) if authenticated else problem_responses(400)
    if UNSAFE_METHODS & set(handler.http_methods):
        problems.update(UNSAFE_PROBLEMS)
    return problems


STATUS_BY_KIND = {
    "invalid": 422,
    "unauthenticated": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "gone": 410,
    "throttled": 429,
}
GENERIC_CODES = {
    400: ("malformed-request", "Malformed request"),
    401: ("authentication-required", "Authentication required"),
    403: ("access-denied", "Access denied"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "Conflict"),
    410: ("gone", "Gone"),
    413: ("request-too-large", "Request too large"),
    415: ("unsupported-media-type", "Unsupported media type"),
    422: ("invalid-input", "Invalid input"),
    429: ("too-many-requests", "Too many requests"),
    500: ("internal-error", "Internal server error"),
    503: ("service-unavailable", "Service unavailable"),
}


def problem(
    request: Request[Any, Any, Any],
    *,
    status: int,
    code: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title,
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="sotesilta"', **(headers or {})}
    return Response(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _log_refusal(request: Request[Any, Any, Any], status: int, detail: str | None) -> None:
    user = request.scope.get("user")
    security_log.warning(
        "access refused",
        extra={
            "status": status,
            "method": request.method,
            "path": request.url.path,
            "user_id": getattr(user, "user_id", None),
            "reason": detail,
        },
    )


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    status = STATUS_BY_KIND[exc.kind]
    headers = None
    if status == 429:
        headers = {"Retry-After": str(exc.extra.get("retry_after_seconds", 60))}
    if status in (401, 403):
        _log_refusal(request, status, exc.detail)
    errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
    extra = {k: v for k, v in exc.extra.items() if _plain(v)}
    return problem(
        request,
        status=status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        headers=headers,
        errors=errors,
        **extra,
    )


def _plain(value: object) -> bool:
    """Scalars, and lists of scalars or of flat scalar maps: safe to put in a problem body."""
    scalar = (str, int, float, bool)
    if isinstance(value, scalar):
        return True
    if isinstance(value, list):
        return all(
            isinstance(v, scalar) or (isinstance(v, dict) and all(isinstance(x, scalar) for x in v.values()))
            for v in value
        )
    return False


#: msgspec's path steps, ``[0]`` and ``['key']``, written as the dotted steps of every other field
_PATH_STEP = re.compile(r"\[(?:'([^']*)'|(\d+))\]")


#: msgspec names a missing field in its message, and the object that lacks it in the path
_MISSING_FIELD = re.compile(r"^Object missing required field `([^`]+)`")
#: the path litestar gives an error about the body as a whole
_BODY_ROOT = "data"


def _field_name(item: dict[str, Any]) -> str:
    """The field an error is about, as a dotted path (``reasons.0``, ``answers.health``)."""
    key = item.get("key")
    if not key:
        return str(item.get("source") or "body")
    path = _PATH_STEP.sub(lambda m: "." + (m.group(1) if m.group(1) is not None else m.group(2)), str(key))
    missing = _MISSING_FIELD.match(str(item.get("message", "")))
    if missing and item.get("source") == "body":
        return missing.group(1) if path == _BODY_ROOT else f"{path}.{missing.group(1)}"
    if path == _BODY_ROOT and item.get("source") == "body":
        return "body"  # the body as a whole: none, or not an object
    return path


def _message(item: dict[str, Any]) -> str:
    message = str(item.get("message", ""))
    # an empty body reaches litestar as a missing key, whose message is only the key's name
    if item.get("source") == "body" and message.strip("'\"") in ("", _BODY_ROOT):
        return "no body was sent"
    return message


def validation_error_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[dict[str, Any]]:
    items = exc.extra if isinstance(exc.extra, list) else []
    errors = [{"field": _field_name(i), "message": _message(i)} for i in items if isinstance(i, dict)]
    if not errors:
        # litestar reports an undecodable body this way too
        return problem(
            request,
            status=400,
            code="malformed-request",
            title="Malformed request",
            detail="the request body could not be read as JSON",
        )
    fields = ", ".join(e["field"] for e in errors)
    detail = f"invalid value for: {fields}"
    if [e["field"] for e in errors] == ["body"]:
        detail = f"the body must be a JSON object with the operation's fields ({errors[0]['message']})"
    return problem(
        request,
        status=422,
        code="invalid-input",
        title="Invalid input",
        detail=detail,
        errors=errors,
    )


def http_error_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    code, title = GENERIC_CODES.get(status, ("http-error", "HTTP error"))
    if isinstance(exc, (NotAuthorizedException, PermissionDeniedException)):
        _log_refusal(request, status, exc.detail)
    detail = exc.detail if exc.detail and exc.detail != title else None
    return problem(request, status=status, code=code, title=title, detail=detail, headers=exc.headers)


def database_unavailable_handler(
    request: Request[Any, Any, Any], exc: OperationalError | PoolTimeout
) -> Response[dict[str, Any]]:
    """The database could not be reached or was too busy: nothing was written; try again."""
    log.error(
        "database unavailable",
        extra={"method": request.method, "path": request.url.path, "error": type(exc).__name__},
    )
    code, title = GENERIC_CODES[503]
    return problem(
        request,
        status=503,
        code=code,
        title=title,
        detail="the database is unavailable for a moment; nothing was saved, try again",
        headers={"Retry-After": "1"},
    )


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    # A 500 is a bug: log everything for us, reveal nothing to the caller.
    log.exception("unhandled error", extra={"method": request.method, "path": request.url.path})
    code, title = GENERIC_CODES[500]
    return problem(request, status=HTTP_500_INTERNAL_SERVER_ERROR, code=code, title=title)


EXCEPTION_HANDLERS = {
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    # a lost or refused database connection, or a pool exhausted: the request is refused whole
    OperationalError: database_unavailable_handler,
    PoolTimeout: database_unavailable_handler,
    Exception: unexpected_error_handler,
}
