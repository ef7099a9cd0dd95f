"""``/``: the public front page. Signed-in staff go on to their own start page."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException

from sotesilta.core.accounts.public import authenticate, home_of
from sotesilta.core.intake.service import descriptions
from sotesilta.core.kernel.errors import AuthenticationFailed
from sotesilta.core.kernel.principals import Principal
from sotesilta.core.kernel.runtime import Runtime
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.kernel.web.common import PUBLIC
from sotesilta.core.kernel.web.rendering import language_of, page, see_other
from sotesilta.core.kernel.web.security import presented_token


def _signed_in(runtime: Runtime, token: str) -> Principal | None:
    # a unit of its own, as the authentication middleware's (statements that stand alone): a
    # database lost here is the 503 page, not a failure of the request's own unit as well
    with runtime.uow(autocommit=True) as uow:
        try:
            return authenticate(
                uow, token=token, policy=runtime.settings.session_policy, profiles=runtime.profiles
            )
        except AuthenticationFailed:
            return None  # an ended session: the public page, like anyone else


@get("/", opt=PUBLIC, name="web-home")
async def front_page(
    request: Request[Any, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    # the page is public, so the authentication middleware does not run: ask here
    try:
        token = presented_token(request)
    except NotAuthorizedException:
        token = None
    if token:
        principal = await runtime.run_db(_signed_in, runtime, token)
        if principal is not None:
            return see_other(home_of(principal))
    language = language_of(request)
    counties = await runtime.run_db(descriptions.front_page, uow, language=language)
    return page(request, "front.html", language=language, counties=counties)


ROUTES = [front_page]
