"""The instructor's page of calendar subscriptions: create one per device, see it
fetched, revoke it.

Registered through ``sotesilta_register_routes`` as a page router of core's web
layer (its form check and error pages), rendering the plugin's own ``feeds.html``
(in ``templates/`` beside this module, translated through its own ``locale/``). The
feed's secret URL is shown once, in the answer to the form that created it:
never in an address, and never again (only its hash is kept).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from sotesilta.calendar import subscriptions, worker_invitations
from sotesilta.calendar.subscriptions import FEEDS, MAX_LIVE_SUBSCRIPTIONS, PRIVACY_MODES, IssuedSubscription
from sotesilta.core.plugin_api import InputInvalid, Principal, Role, Runtime
from sotesilta.core.plugin_api.data import UnitOfWork
from sotesilta.core.plugin_api.web import language_of, page, page_router, requires_role, see_other

INSTRUCTORS = [requires_role(Role.INSTRUCTOR)]
FEEDS_PATH = "/work/feeds"


def _render(
    request: Request[Principal, Any, Any],
    uow: UnitOfWork,
    *,
    form: dict[str, str],
    error: str | None = None,
    issued: IssuedSubscription | None = None,
    revoked: bool = False,
    status_code: int = 200,
    invitation_form: dict[str, str] | None = None,
    invitation_error: str | None = None,
    invitation_saved: bool = False,
) -> Template:
    listed = subscriptions.list_feed_subscriptions(uow, principal=request.user)
    if invitation_form is None:
        current = worker_invitations.get_invitation_setting(uow, principal=request.user)
        invitation_form = {
            "enabled": "on" if current.enabled else "",
            "address": current.address or "",
            "privacy": current.privacy,
            "language": current.language,
        }
    return page(
        request,
        "feeds.html",
        status_code=status_code,
        subscriptions=listed,
        form=form,
        error=error,
        issued=issued,
        revoked=revoked,
        feeds=FEEDS,
        privacy_modes=PRIVACY_MODES,
        max_live=MAX_LIVE_SUBSCRIPTIONS,
        invitation=invitation_form,
        invitation_error=invitation_error,
        invitation_saved=invitation_saved,
    )


def _blank_form(request: Request[Principal, Any, Any]) -> dict[str, str]:
    return {"name": "", "feed": FEEDS[0], "privacy": PRIVACY_MODES[0], "language": language_of(request)}


@get(FEEDS_PATH, guards=INSTRUCTORS, name="web-feeds")
async def feeds_page(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Template:
    revoked = request.query_params.get("revoked") == "1"
    saved = request.query_params.get("invitations") == "1"
    return await runtime.run_db(
        _render, request, uow, form=_blank_form(request), revoked=revoked, invitation_saved=saved
    )


@post(FEEDS_PATH, guards=INSTRUCTORS, name="web-feeds-create", status_code=200)
async def create_feed(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    posted = await request.form()
    form = {key: str(posted.get(key) or "").strip()[:200] for key in ("name", "feed", "privacy", "language")}
    try:
        issued = await runtime.run_db(
            subscriptions.create_feed_subscription,
            uow,
            principal=request.user,
            name=form["name"],
            feed=form["feed"],
            privacy=form["privacy"],
            language=form["language"] or None,
            base_url=runtime.settings.public_base_url,
        )
    except InputInvalid as exc:
        uow.rollback()
        live = sum(
            1
            for s in await runtime.run_db(subscriptions.list_feed_subscriptions, uow, principal=request.user)
            if s.revoked_at is None
        )
        error = "limit" if live >= MAX_LIVE_SUBSCRIPTIONS else exc.field or "name"
        return await runtime.run_db(_render, request, uow, form=form, error=error, status_code=422)
    return await runtime.run_db(_render, request, uow, form=_blank_form(request), issued=issued)


@post(
    f"{FEEDS_PATH}/{{subscription_id:int}}/revoke",
    guards=INSTRUCTORS,
    name="web-feeds-revoke",
    status_code=303,
)
async def revoke_feed(
    request: Request[Principal, Any, Any],
    subscription_id: FromPath[int],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    # not hers: RecordNotFound, the 404 page
    await runtime.run_db(
        subscriptions.revoke_feed_subscription,
        uow,
        principal=request.user,
        subscription_id=subscription_id,
    )
    return see_other(f"{FEEDS_PATH}?revoked=1")


@post(f"{FEEDS_PATH}/invitations", guards=INSTRUCTORS, name="web-feeds-invitations", status_code=303)
async def save_invitations(
    request: Request[Principal, Any, Any],
    uow: NamedDependency[UnitOfWork],
    runtime: NamedDependency[Runtime],
) -> Response[Any]:
    """Turn the calendar invitations on (to an address) or off; an unchecked box is off."""
    posted = await request.form()
    form = {
        key: str(posted.get(f"invitation_{key}") or "").strip()[:300]
        for key in ("enabled", "address", "privacy", "language")
    }
    try:
        await runtime.run_db(
            worker_invitations.set_invitation_setting,
            uow,
            principal=request.user,
            enabled=form["enabled"] == "on",
            address=form["address"] or None,
            privacy=form["privacy"] or PRIVACY_MODES[0],
            language=form["language"] or None,
        )
    except InputInvalid as exc:
        uow.rollback()
        return await runtime.run_db(
            _render,
            request,
            uow,
            form=_blank_form(request),
            invitation_form=form,
            invitation_error=exc.field or "address",
            status_code=422,
        )
    return see_other(f"{FEEDS_PATH}?invitations=1#invitations")


def pages() -> Any:
    """The router of these pages, for ``sotesilta_register_routes``."""
    return page_router([feeds_page, create_feed, revoke_feed, save_invitations])
