"""Cross-site request forgery protection for the pages' forms.

Two checks on every unsafe request to a page:

1. **Signed double submit.** A browser gets a random ``sotesilta_csrf`` cookie
   (HttpOnly, SameSite=Lax, Secure like the session cookie). Each form carries
   ``_csrf_token`` = HMAC(server secret, cookie). A forged form cannot know the
   cookie, and whoever can plant a cookie still cannot compute its token
   without the server secret.
2. **Same origin.** If the browser names the request's origin (``Origin``, or
   ``Sec-Fetch-Site``), it must be this site: that stops a sibling subdomain
   that planted a genuine cookie-and-token pair of its own.

The JSON API (``check_api_call``): a call with a bearer token is a program's, which
no browser attaches on a page's behalf. A call without one — signed in by the session
cookie, or the login itself — must be JSON and, where the browser names its origin,
same-origin. A page elsewhere (another port or subdomain is "same-site", which
SameSite=Lax lets the cookie through) can send a form (``text/plain``,
``application/x-www-form-urlencoded``) without asking, but JSON only after a CORS
preflight, which this server never answers.
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException, PermissionDeniedException

CSRF_COOKIE = "sotesilta_csrf"
CSRF_FIELD = "_csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfRefused(PermissionDeniedException):
    """The form did not come from our own page (or the page is too old)."""


def form_token(secret: bytes, cookie_value: str) -> str:
    return hmac.new(secret, f"csrf-form:{cookie_value}".encode(), sha256).hexdigest()


def new_cookie_value() -> str:
    return secrets.token_urlsafe(32)


def csrf_cookie(value: str, *, secure: bool) -> Cookie:
    return Cookie(key=CSRF_COOKIE, value=value, httponly=True, samesite="lax", secure=secure, path="/")


def same_origin(request: Request[Any, Any, Any], public_host: str) -> bool:
    # Sec-Fetch-Site is set by the browser itself and cannot be forged by a page
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if origin is None:
        return True  # an older browser or a non-browser client: the token alone decides
    # compare hosts only: behind a TLS-terminating proxy the scheme we see differs
    return origin.split("://", 1)[-1].rstrip("/") in (request.headers.get("host", ""), public_host)


async def check_csrf(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of every page: refuse an unsafe request without a valid token."""
    if request.method in SAFE_METHODS:
        return
    runtime = request.app.state.runtime
    if not same_origin(request, urlsplit(runtime.settings.public_base_url).netloc):
        raise CsrfRefused("cross-origin form refused")
    cookie_value = request.cookies.get(CSRF_COOKIE)
    form = await request.form()
    presented = form.get(CSRF_FIELD)
    secret: bytes = runtime.secret
    if not cookie_value or not isinstance(presented, str):
        raise CsrfRefused("the form has no security token")
    if not hmac.compare_digest(presented, form_token(secret, cookie_value)):
        raise CsrfRefused("the form's security token does not match")


class CrossSiteApiCall(PermissionDeniedException):
    """A cookie-borne call to the JSON API from another origin."""


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/") and media.endswith("+json"))


def check_api_call(request: Request[Any, Any, Any]) -> None:
    """Refuse an unsafe call to the JSON API that a browser may have made on another page's
    behalf (see the module's docstring)."""
    if request.method in SAFE_METHODS or "authorization" in request.headers:
        return
    public_host = urlsplit(request.app.state.runtime.settings.public_base_url).netloc
    if not same_origin(request, public_host):
        raise CrossSiteApiCall(
            "a call signed in by the session cookie must come from this site's own pages "
            "(or carry 'Authorization: Bearer <token>')"
        )
    if not is_json(request.headers.get("content-type", "")):
        raise HTTPException(
            status_code=415,
            detail="send 'Content-Type: application/json' (a call without a bearer token must be JSON)",
        )
