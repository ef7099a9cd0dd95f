"""Headers every answer carries unless its handler set its own.

The JSON API answers with client data (a booking, a client, a consultation): a shared
cache must never keep one, and no browser may read one as anything but what it is
declared to be. Pages set the same (and more) themselves; a feed or a static file that
names its own caching keeps it.
"""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.types import Message, Scope

DEFAULT_HEADERS = (("cache-control", "no-store"), ("x-content-type-options", "nosniff"))
FORMS_TO_SELF = "form-action 'self'"


async def add_default_headers(message: Message, scope: Scope) -> None:
    """``before_send`` of the app: every answer passes here, the router's own 404 and 405
    and the problems of the authentication included (which a middleware would not see)."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in DEFAULT_HEADERS:
            if name not in headers:
                headers[name] = value


async def let_forms_reach_the_providers(message: Message, scope: Scope) -> None:
    """``before_send`` of the app: a page's policy lets its forms lead to the configured
    identity providers too. Browsers hold a form's redirects to ``form-action``: the sign-in
    button (a form) is answered with a redirect to the provider, and so is signing out."""
    if message["type"] != "http.response.start":
        return
    origins = scope["app"].state.runtime.settings.provider_origins
    if not origins:  # no provider configured: nothing to read or write on any answer
        return
    headers = MutableScopeHeaders.from_message(message)
    policy = headers.get("content-security-policy")
    if policy and FORMS_TO_SELF in policy:
        headers["content-security-policy"] = policy.replace(
            FORMS_TO_SELF, " ".join((FORMS_TO_SELF, *origins))
        )
