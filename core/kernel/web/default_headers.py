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


async def add_default_headers(message: Message, scope: Scope) -> None:
    """``before_send`` of the app: every answer passes here, the router's own 404 and 405
    and the problems of the authentication included (which a middleware would not see)."""
    if message["type"] == "http.response.start":
        headers = MutableScopeHeaders.from_message(message)
        for name, value in DEFAULT_HEADERS:
            if name not in headers:
                headers[name] = value
