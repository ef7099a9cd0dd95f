"""Rendering a page: its language, its form token, its headers; and error pages."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.datastructures import Cookie
from litestar.exceptions import (
    HTTPException,
    NoRouteMatchFoundException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.response import Redirect, Template
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sotesilta.core.kernel.errors import DomainError
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.web.csrf import CSRF_COOKIE, CsrfRefused, csrf_cookie, form_token, new_cookie_value
from sotesilta.core.kernel.web.i18n import LANGUAGE_COOKIE, N_, choose_language, template_context
from sotesilta.core.kernel.web.news import NEWS_COUNTER, NEWS_PENDING, PendingNews

log = logging.getLogger("sotesilta.web")
security_log = logging.getLogger("sotesilta.security")

#: every page: no inline script or style, no framing, nothing from elsewhere
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null"
    # on our own forms, and the CSRF check reads Origin
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
#: pages carry personal data: never kept by the browser or a proxy
PAGE_HEADERS = {**SECURITY_HEADERS, "Cache-Control": "no-store"}


def runtime_of(request: Request[Any, Any, Any]) -> Runtime:
    return request.app.state.runtime


def principal_of(request: Request[Any, Any, Any]) -> Principal | None:
    user = request.scope.get("user")
    return user if isinstance(user, Principal) else None


def language_of(request: Request[Any, Any, Any]) -> str:
    principal = principal_of(request)
    return choose_language(
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        user_language=principal.language if principal else None,
        accept_language=request.headers.get("accept-language", ""),
        default=runtime_of(request).settings.default_language,
    )


def language_cookie(language: str, *, secure: bool) -> Cookie:
    # a year: it is a preference, not a credential
    return Cookie(
        key=LANGUAGE_COOKIE,
        value=language,
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
        max_age=365 * 24 * 3600,
    )


def page_exists(request: Request[Any, Any, Any], name: str) -> bool:
    """Whether a page of that route name is served (a plugin's page may be absent)."""
    try:
        request.app.route_reverse(name)
    except NoRouteMatchFoundException:
        return False
    return True


def page(
    request: Request[Any, Any, Any],
    template: str,
    *,
    status_code: int = 200,
    language: str | None = None,
    cookies: list[Cookie] | None = None,
    **context: Any,
) -> Template:
    """A rendered page with its language, the user and a form token for its forms."""
    runtime = runtime_of(request)
    cookies = list(cookies or [])
    token_seed = request.cookies.get(CSRF_COOKIE)
    if not token_seed:
        token_seed = new_cookie_value()
        cookies.append(csrf_cookie(token_seed, secure=runtime.settings.secure_cookies))
    language = language or language_of(request)
    principal = principal_of(request)
    full = {
        **template_context(language),
        "csrf_token": form_token(runtime.secret, token_seed),
        "user": principal,
        "page_exists": lambda name: page_exists(request, name),
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        # the menu's counts: filled in after the handler (news.fill_news), or none at all
        "news": None,
        "municipality_names": municipality_names(runtime, language),
        **context,
    }
    counter = request.app.state.get(NEWS_COUNTER)
    if principal is not None and counter is not None:
        full[NEWS_PENDING] = PendingNews(runtime, counter, principal)
    return Template(
        template_name=template,
        context=full,
        status_code=status_code,
        cookies=cookies,
        headers=PAGE_HEADERS,
        media_type="text/html; charset=utf-8",
    )


def municipality_names(runtime: Runtime, language: str) -> Callable[[Iterable[str] | str], str]:
    """Municipalities as people name them, in the page's language: ``049`` is "Espoo" or
    "Esbo" (a code no plugin knows stays a code)."""
    registry = runtime.plugins.municipalities

    def names(codes: Iterable[str] | str) -> str:
        found = []
        for code in [codes] if isinstance(codes, str) else codes:
            profile = registry.get(code)
            if profile is None:
                found.append(code)
            else:
                found.append(profile.name_sv if language == "sv" else profile.name_fi)
        return ", ".join(found)

    return names


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return fallback
    return target


def see_other(path: str, cookies: list[Cookie] | None = None) -> Redirect:
    return Redirect(path=path, status_code=303, cookies=cookies or [], headers=PAGE_HEADERS)


# --- error pages -------------------------------------------------------------

ERROR_TEXTS = {
    400: (N_("The request could not be read"), N_("Go back and check what you entered.")),
    403: (N_("Not allowed"), N_("Your account does not give access to this page.")),
    404: (N_("Page not found"), N_("The page does not exist, or it is not yours to see.")),
    409: (N_("Conflict"), N_("Someone changed this at the same time. Go back and try again.")),
    422: (N_("The request could not be read"), N_("Go back and check what you entered.")),
    429: (N_("Too many attempts"), N_("Wait a moment and try again.")),
    500: (N_("Something went wrong"), N_("The error has been logged. Try again in a moment.")),
    503: (N_("Temporarily unavailable"), N_("Nothing was saved. Try again in a moment.")),
}


def error_page(request: Request[Any, Any, Any], status: int, *, detail: str | None = None) -> Template:
    title, advice = ERROR_TEXTS.get(status, ERROR_TEXTS[500])
    return page(request, "error.html", status_code=status, title=title, advice=detail or advice)


def _refused(request: Request[Any, Any, Any], status: int, reason: str | None) -> None:
    principal = principal_of(request)
    security_log.warning(
        "page refused",
        extra={
            "status": status,
            "method": request.method,
            "path": request.url.path,
            "user_id": principal.user_id if principal else None,
            "reason": reason,
        },
    )


def on_not_signed_in(request: Request[Any, Any, Any], _exc: NotAuthorizedException) -> Response[Any]:
    """Not signed in (or the session ended): to the login page, then back here."""
    target = request.url.path if request.method == "GET" else "/"
    if request.method == "GET" and request.url.query:
        target += f"?{request.url.query}"
    return see_other(f"/login?next={quote(target, safe='/')}")


def on_csrf_refused(request: Request[Any, Any, Any], exc: CsrfRefused) -> Response[Any]:
    _refused(request, 403, exc.detail)
    return error_page(
        request,
        403,
        detail=N_("The form was too old or came from another site. Reload the page and try again."),
    )


def on_http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if isinstance(exc, PermissionDeniedException):
        _refused(request, 403, exc.detail)
    status = exc.status_code if exc.status_code in ERROR_TEXTS else 400
    return error_page(request, status)


STATUS_BY_KIND = {"invalid": 422, "unauthenticated": 401, "forbidden": 403, "not_found": 404, "conflict": 409}


def on_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    """A use case refused outside a form that shows its own errors."""
    status = STATUS_BY_KIND.get(exc.kind, 429)
    if status == 401:
        return on_not_signed_in(request, NotAuthorizedException())
    if status == 403:
        _refused(request, status, exc.detail)
    return error_page(request, status)


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # a bug: everything in our log, nothing in the page
    log.exception("page failed", extra={"path": request.url.path, "method": request.method})
    return error_page(request, 500)


def on_database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error(
        "page failed: database unavailable", extra={"path": request.url.path, "error": type(exc).__name__}
    )
    answer = error_page(request, 503)
    answer.headers["Retry-After"] = "1"
    return answer


EXCEPTION_HANDLERS: dict[Any, Any] = {
    NotAuthorizedException: on_not_signed_in,
    CsrfRefused: on_csrf_refused,
    HTTPException: on_http_error,
    DomainError: on_domain_error,
    # a lost or refused database connection, or a pool exhausted: nothing was written
    OperationalError: on_database_unavailable,
    PoolTimeout: on_database_unavailable,
    Exception: on_unexpected,
}


def refusal_status(uow: Any, exc: DomainError) -> int:
    """A use case refused a form: undo its writes; a record that is missing or not hers goes to
    the error pages (re-raised), anything else back to the form with 409 (a conflict) or 422."""
    uow.rollback()
    if exc.kind in ("not_found", "forbidden"):
        raise exc
    return 409 if exc.kind == "conflict" else 422
