"""OPTIONS answers ``Allow`` with every method of the path.

Litestar makes a path's OPTIONS handler with the path's first handler and keeps that one
when more handlers join the path, so ``Allow`` named the first handler's methods only
(``OPTIONS /api/v1/stations`` answered ``GET, OPTIONS``, though ``POST`` is there too). The
app's routes, once built, know each path's methods: ``before_send`` puts them in ``Allow``.
"""

from __future__ import annotations

from litestar import Litestar
from litestar.datastructures import MutableScopeHeaders
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope

ALLOWED_METHODS = "allowed_methods"


def record_allowed_methods(app: Litestar) -> None:
    """Each path's methods, once the app is built."""
    app.state[ALLOWED_METHODS] = {
        route.path_format: ", ".join(sorted(route.methods))
        for route in app.routes
        if isinstance(route, HTTPRoute)
    }


async def name_every_allowed_method(message: Message, scope: Scope) -> None:
    """``before_send`` of the app: an answer to OPTIONS names every method of its path."""
    if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
        return
    allowed = scope["litestar_app"].state.get(ALLOWED_METHODS, {}).get(scope.get("path_template"))
    headers = MutableScopeHeaders.from_message(message)
    if allowed and "allow" in headers:
        headers["allow"] = allowed
