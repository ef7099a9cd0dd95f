"""Fetching a calendar file from its URL: allowed origins only, bounded in redirects, size and time.

Errors name the origin, never the whole URL: a private ICS URL carries a token.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from time import monotonic

import httpx

from sotesilta.core.plugin_api import InputInvalid

# httpx logs every request with its full URL at INFO; a private ICS URL is a secret
logging.getLogger("httpx").setLevel(logging.WARNING)

MAX_REDIRECTS = 3
_REDIRECTS = (301, 302, 303, 307, 308)


def origin_of(url: str | httpx.URL) -> str:
    """``scheme://host[:port]`` in lower case, without a default port; refuses non-HTTP URLs."""
    try:
        parsed = url if isinstance(url, httpx.URL) else httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise InputInvalid("not a valid URL", field="url") from None
    if parsed.scheme not in ("http", "https") or not parsed.raw_host:
        raise InputInvalid("give an http:// or https:// URL of the calendar", field="url")
    host = parsed.raw_host.decode("ascii").lower()
    if ":" in host:  # IPv6
        host = f"[{host}]"
    return f"{parsed.scheme}://{host}" + (f":{parsed.port}" if parsed.port is not None else "")


def _allowed(origin: str, allowed_origins: Iterable[str]) -> bool:
    return origin in {origin_of(o) for o in allowed_origins}


def fetch_ics(
    url: str,
    *,
    allowed_origins: Iterable[str],
    max_bytes: int,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> bytes:
    """The calendar file at ``url``, fetched only from allowed origins, bounded in size and time.

    Redirects are followed by hand (at most three), each hop checked against the
    allow list. The time limit covers the whole fetch; a server trickling its
    answer is cut off at the first piece after it (so within about twice the limit).
    """
    allowed = tuple(allowed_origins)
    origin = check_origin(url, allowed)
    target = httpx.URL(url)
    deadline = monotonic() + timeout
    headers = {"Accept": "text/calendar, */*;q=0.5", "Accept-Encoding": "identity"}
    try:
        with httpx.Client(transport=transport, follow_redirects=False, headers=headers) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                remaining = deadline - monotonic()
                if remaining <= 0:
                    raise httpx.TimeoutException("deadline")
                with client.stream("GET", target, timeout=httpx.Timeout(remaining)) as response:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        target = _redirect_target(target, response.headers["location"])
                        origin = check_origin(target, allowed, redirected=True)
                        continue
                    if response.status_code != 200:
                        raise InputInvalid(
                            f"the calendar server {origin} answered {response.status_code} "
                            f"{response.reason_phrase}".rstrip(),
                            field="url",
                        )
                    return _read_body(response, origin, max_bytes, deadline)
    except httpx.TimeoutException:
        raise InputInvalid(
            f"the calendar server {origin} did not answer within {timeout:g} s", field="url"
        ) from None
    except httpx.HTTPError as exc:
        raise InputInvalid(
            f"could not fetch the calendar from {origin} ({type(exc).__name__})", field="url"
        ) from None
    raise InputInvalid(f"the calendar URL redirects more than {MAX_REDIRECTS} times", field="url")


def _redirect_target(current: httpx.URL, location: str) -> httpx.URL:
    try:
        return current.join(location)
    except (httpx.InvalidURL, ValueError):
        raise InputInvalid(
            "the calendar server redirects to something that is not a URL", field="url"
        ) from None


def check_origin(url: str | httpx.URL, allowed: tuple[str, ...], *, redirected: bool = False) -> str:
    origin = origin_of(url)
    if not _allowed(origin, allowed):
        where = "redirects to" if redirected else "is at"
        raise InputInvalid(
            f"the calendar {where} {origin}, which is not among the allowed calendar origins "
            "(an administrator sets SOTESILTA_CALENDAR_ALLOWED_ORIGINS)",
            field="url",
        )
    return origin


def _read_body(response: httpx.Response, origin: str, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise InputInvalid(f"the calendar at {origin} is larger than {max_bytes} bytes", field="url")
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            raise InputInvalid(f"the calendar at {origin} is larger than {max_bytes} bytes", field="url")
        if monotonic() > deadline:
            raise httpx.TimeoutException("deadline")
    return bytes(body)


__all__ = ["MAX_REDIRECTS", "check_origin", "fetch_ics", "origin_of"]
