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

The JSON API is not covered: bearer tokens are not sent by browsers on their
own, and its session cookie is SameSite=Lax.
"""

from __future__ import annotations

import hmac
import secrets
from hashlib import sha256
from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import Cookie
from litestar.exceptions import PermissionDeniedException

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


def _same_origin(request: Request[Any, Any, Any], public_host: str) -> bool:
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
    if not _same_origin(request, urlsplit(runtime.settings.public_base_url).netloc):
        raise CsrfRefused("cross-origin form refused")
    cookie_value = request.cookies.get(CSRF_COOKIE)
    form = await request.form()
    presented = form.get(CSRF_FIELD)
    secret: bytes = runtime.secret
    if not cookie_value or not isinstance(presented, str):
        raise CsrfRefused("the form has no security token")
    if not hmac.compare_digest(presented, form_token(secret, cookie_value)):
        raise CsrfRefused("the form's security token does not match")
